"""`ingest --workers N` (issue 6): worker processes extract, this process writes, and the store ends as with one
process; a worker that dies costs only the article it died on (stored as failed, with the reason); workers that
cannot load the model stop the run with a one-line reason. And `ingest` reads with extract's field options.

Each parallel run starts worker processes that load the pipeline (seconds each): the cases stay few and small.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_ingest_resume import store_dump
from typer.testing import CliRunner

from quotegraph.cli import app
from quotegraph.pipeline import ExtractionError, Extractor
from quotegraph.record import Article, QuoteRecord
from quotegraph.store import open_store
from quotegraph.store.ingest import WORKER_DIED, IngestOutcome, WorkerSetupError, ingest

POISON = "POISON-PILL"


def copies(articles: Iterable[Article]) -> list[Article]:
    """New Article objects: ingest fills in defaults (the outlet) on what it is given."""
    return [dataclasses.replace(a, meta={}) for a in articles]


class CrashingExtractor(Extractor):
    """Dies the way a segfault or the OOM killer ends a worker: at once, with no exception to catch."""

    def extract_many(
        self, articles: Iterable[Article], batch_size: int = 16
    ) -> Iterator[tuple[Article, list[QuoteRecord] | ExtractionError]]:
        articles = list(articles)
        if any(POISON in article.text for article in articles):
            os._exit(70)
        return super().extract_many(articles, batch_size=batch_size)


def crashing_extractor() -> Extractor:  # module level: the workers unpickle it by name
    return CrashingExtractor()


def unloadable_extractor() -> Extractor:
    raise RuntimeError("no weights at /nowhere/model.pt")


def test_workers_store_what_one_process_stores(store_factory, store_articles, extractor) -> None:
    serial, parallel = store_factory.open(), store_factory.open()
    serial_outcomes: list[IngestOutcome] = []
    parallel_outcomes: list[IngestOutcome] = []
    one = ingest(
        serial, copies(store_articles), extractor=extractor, batch_size=3, on_outcome=serial_outcomes.append
    )
    two = ingest(parallel, copies(store_articles), batch_size=3, workers=2, on_outcome=parallel_outcomes.append)
    assert (one.stored, one.failed) == (len(store_articles), 0)
    assert (two.stored, two.failed, two.quotes) == (one.stored, one.failed, one.quotes)
    # written in input order, whichever worker finished first
    assert [o.label for o in parallel_outcomes] == [o.label for o in serial_outcomes]
    assert store_dump(parallel.engine) == store_dump(serial.engine)

    again = ingest(parallel, copies(store_articles), batch_size=3, workers=2)  # nothing new: no worker is started
    assert (again.stored, again.skipped) == (0, len(store_articles))


def test_a_worker_that_dies_costs_only_the_article_it_died_on(tmp_path: Path, store_articles, extractor) -> None:
    good = copies(store_articles[:5])
    poison = Article.from_text(f'"We will not stop," said Jane Roe. {POISON}', id="poison", date="2021-01-01")
    reference = open_store(f"sqlite:///{tmp_path / 'reference.db'}")
    ingest(reference, copies(good), extractor=extractor, batch_size=2)

    store = open_store(f"sqlite:///{tmp_path / 'crashed.db'}")
    outcomes: list[IngestOutcome] = []
    items = [*good[:3], poison, *good[3:]]
    summary = ingest(
        store, items, extractor=crashing_extractor, batch_size=2, workers=2, on_outcome=outcomes.append
    )
    assert (summary.stored, summary.failed, summary.errors) == (5, 1, 0)
    failed = [o for o in outcomes if o.status == "failed"]
    assert [(o.label, o.reason) for o in failed] == [("poison", WORKER_DIED)]
    with store.engine.connect() as connection:
        row = connection.execute(sa.text("SELECT status, error FROM articles WHERE doc_id = 'poison'")).one()
    assert tuple(row) == ("failed", WORKER_DIED)

    # the batches lost with the dead worker were redone: the other articles are stored exactly as without it
    got, expected = store_dump(store.engine), store_dump(reference.engine)
    got["articles"] = [row for row in got["articles"] if row[1] != "poison"]
    assert got == expected
    store.close()
    reference.close()


def test_workers_that_cannot_load_the_model_stop_the_run_with_the_reason(tmp_path: Path, store_articles) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'nothing.db'}")
    with pytest.raises(WorkerSetupError, match=r"RuntimeError: no weights at /nowhere/model\.pt"):
        ingest(store, copies(store_articles[:3]), extractor=unloadable_extractor, workers=2)
    with store.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM articles")).scalar_one() == 0
    store.close()


def test_an_extractor_object_is_refused_with_workers(tmp_path: Path, extractor) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'refused.db'}")
    with pytest.raises(ValueError, match="pass a function that makes one"):
        ingest(store, [Article.from_text('"Yes," she said.', id="a")], extractor=extractor, workers=2)
    store.close()


def invoke(args: list[str]):
    return CliRunner().invoke(app, args)


def test_ingest_takes_the_field_options_of_extract(tmp_path: Path) -> None:
    data = tmp_path / "wire.jsonl"
    records = [
        {
            "key": "wire-1",
            "story": '"We will rebuild every school," Prime Minister Hubert Minnis said on Tuesday.',
            "hed": "Minnis vows to rebuild",
            "when": "2019-09-05",
            "paper": "Nassau Wire",
            "link": "https://example.org/wire-1",
        },
        {
            "key": "wire-2",
            "story": 'The storm was "the worst we have seen," said Jane Roe, a resident of Abaco.',
            "when": "2019-09-06",
            "paper": "Nassau Wire",
        },
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'fields.db'}"

    # without the options nothing in these records is found where the readers look by default
    plain = invoke(["ingest", str(data), "--db", db])
    assert plain.exit_code == 2
    assert f"error: {data}: line 1: no text: none of the fields" in plain.stderr
    assert "Traceback" not in plain.stderr

    options = ["--text-field", "story", "--id-field", "key", "--title-field", "hed", "--date-field", "when"]
    options += ["--outlet-field", "paper", "--url-field", "link"]
    result = invoke(["ingest", str(data), "--db", db, *options])
    assert result.exit_code == 0, result.stderr
    assert "quotegraph: 2 articles stored" in result.stderr
    engine = sa.create_engine(db)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT doc_id, title, date, outlet, url, n_quotes FROM articles ORDER BY doc_id")
        ).all()
    engine.dispose()
    assert [tuple(row[:5]) for row in rows] == [
        ("wire-1", "Minnis vows to rebuild", "2019-09-05", "Nassau Wire", "https://example.org/wire-1"),
        ("wire-2", None, "2019-09-06", "Nassau Wire", None),
    ]
    assert all(row.n_quotes >= 1 for row in rows)

    # --input-format reads a file whatever its name says
    renamed = tmp_path / "wire.txt"
    renamed.write_bytes(data.read_bytes())
    forced = invoke(["ingest", str(renamed), "--db", db, "--input-format", "jsonl", *options])
    assert forced.exit_code == 0, forced.stderr
    assert "0 articles stored (0 quotes), 2 already stored" in forced.stderr


def test_bad_worker_counts_get_a_one_line_error(tmp_path: Path) -> None:
    result = invoke(["ingest", str(tmp_path), "--db", f"sqlite:///{tmp_path / 'x.db'}", "--workers", "0"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --workers must be at least 1"
