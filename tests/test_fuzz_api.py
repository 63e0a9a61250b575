"""The HTTP API fuzzed from its own OpenAPI schema with schemathesis (issue 9).

A small SQLite store (three committed Wikinews samples, ingested through the real ingest path) behind
``create_app``, called in-process over ASGI. Every GET operation in the schema gets ``MAX_EXAMPLES`` generated
requests, positive (valid by the schema) and negative (invalid: the API must answer 4xx, not 5xx). Checks:

* not_a_server_error: no 5xx, ever;
* response_schema_conformance: a documented response matches its schema;
* status_code_conformance and content_type_conformance: only documented statuses and content types;
* bounded responses: no body over ``MAX_BODY_BYTES`` (list endpoints are paged with a capped page size).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = [
    ROOT / "samples" / "wikinews" / name
    for name in (
        "2019-08-29-queen-elizabeth-agrees-to-suspend-uk-parliament-ahead-of.txt",
        "2019-12-14-greta-thunberg-named-2019-time-person-of-the-year.txt",
        "2019-10-10-u-s-judge-orders-release-of-president-trump-s-tax-records.txt",
    )
]
# per operation and mode; QUOTEGRAPH_FUZZ_EXAMPLES=500 for a longer hunt
MAX_EXAMPLES = int(os.environ.get("QUOTEGRAPH_FUZZ_EXAMPLES", "25"))
MAX_BODY_BYTES = 2_000_000


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, extractor):
    from quotegraph.api import create_app
    from quotegraph.readers import read_paths
    from quotegraph.store import open_store
    from quotegraph.store.ingest import ingest

    db = tmp_path_factory.mktemp("fuzz-api") / "store.db"
    store = open_store(f"sqlite:///{db}")
    summary = ingest(store, read_paths([str(p) for p in SAMPLES]), extractor=extractor)
    assert summary.stored == 3 and summary.quotes > 0, summary
    yield create_app(store=store)
    store.close()


@pytest.fixture(scope="module")
def schema(app):
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _get_operations(schema) -> list:
    ops = [result.ok() for result in schema.get_all_operations()]
    return [op for op in ops if op.method.upper() == "GET"]


def test_schema_has_get_operations(schema) -> None:
    paths = {op.path for op in _get_operations(schema)}
    assert {"/api/quotes", "/api/speakers", "/api/stats", "/api/health"} <= paths, paths


def bounded_response(ctx, response, case) -> None:
    size = len(response.content or b"")
    assert size <= MAX_BODY_BYTES, f"{case.method} {case.path}: response of {size:,} bytes"


CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


def _fuzzer(op, mode, counted: dict[str, int]):
    checks = CHECKS if mode is GenerationMode.POSITIVE else [not_a_server_error]

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case) -> None:
        counted["requests"] += 1
        # negative cases are invalid by the schema on purpose: only "no 5xx" (and the size bound) applies to them
        case.call_and_validate(checks=checks, additional_checks=[bounded_response])

    return run


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_get_operations_fuzzed(schema, mode) -> None:
    """Every GET operation, MAX_EXAMPLES requests each, in one mode; failures are collected, then reported."""
    failures: list[str] = []
    counted = {"requests": 0}
    for op in _get_operations(schema):
        try:
            _fuzzer(op, mode, counted)()
        except Unsatisfiable:
            # an operation without parameters has no invalid request to make: nothing to fuzz in negative mode
            assert mode is GenerationMode.NEGATIVE and not op.query and not op.path_parameters, op.path
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure before reporting
            failures.append(f"{op.method.upper()} {op.path}: {type(exc).__name__}: {exc}"[:3000])
    assert not failures, "\n\n".join(failures)
    assert counted["requests"] >= len(_get_operations(schema))
