"""The store's commands end to end, as a user runs them: ingest (twice), search, speakers, show and export, on
SQLite and on PostgreSQL; bad input gets a one-line error and exit code 2, never a traceback.

The first ingest runs the installed command in a subprocess; the rest run in-process through typer's runner (the
same code, without a process start each), to keep the suite fast.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from conftest import TESTS_DIR
from typer.testing import CliRunner

from quotegraph.cli import app
from quotegraph.record import QuoteRecord

LAM = TESTS_DIR / "fixtures" / "wikinews" / "2019-10-16-hong-kong-s-carrie-lam-delivers-speech-on-video-after.txt"
DORIAN = (
    TESTS_DIR
    / "fixtures"
    / "wikinews"
    / "2019-09-05-hurricane-dorian-leaves-trail-of-destruction-in-the-bahamas.txt"
)
BAD_DATE = TESTS_DIR / "fixtures" / "bad_input" / "bad_date.txt"


def in_process(args: list[str]):
    result = CliRunner().invoke(app, args)
    result.returncode = result.exit_code
    return result


def test_the_store_commands_end_to_end(run_cli, store_factory, tmp_path: Path) -> None:
    db = store_factory.url()

    first = run_cli(["ingest", str(LAM), str(DORIAN), str(BAD_DATE), "--db", db, "--outlet", "Wikinews"])
    assert first.returncode == 2, first.stderr
    assert f"error: {BAD_DATE}: invalid date '2019-02-30'" in first.stderr
    stored = re.search(r"quotegraph: 2 articles stored \((\d+) quotes\), 0 already stored", first.stderr)
    assert stored, first.stderr
    n_quotes = int(stored.group(1))
    assert n_quotes > 5
    assert "Traceback" not in first.stderr

    again = in_process(["ingest", str(LAM), str(DORIAN), "--db", db])
    assert again.returncode == 0, again.stderr
    assert "0 articles stored (0 quotes), 2 already stored" in again.stderr

    found = in_process(["search", "economy", "--format", "jsonl", "--db", db])
    assert found.returncode == 0, found.stderr
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert len(hits) == 2 and all("economy" in hit["record"]["text"] for hit in hits)
    assert {hit["outlet"] for hit in hits} == {"Wikinews"}

    table = in_process(["search", "--speaker", "minnis", "--kind", "direct", "--db", db])
    assert table.returncode == 0 and "Hubert Minnis" in table.stdout and "quotes (page 1 of 1)" in table.stdout

    bad = in_process(["search", "x", "--since", "2020-13-01", "--db", db])
    assert bad.returncode == 2 and "error: --since: Input should be a valid date" in bad.stderr

    speakers = in_process(["speakers", "--format", "jsonl", "--db", db])
    names = [json.loads(line)["name"] for line in speakers.stdout.splitlines()]
    assert "Hubert Minnis" in names and any("Lam" in name for name in names)

    shown = in_process(["show", LAM.stem, "--db", db])
    assert shown.returncode == 0, shown.stderr
    assert "Hong Kong's Carrie Lam delivers speech" in shown.stdout and "evidence" in shown.stdout
    assert "any acts that advocate Hong Kong" in shown.stdout
    missing = in_process(["show", "no-such-article", "--db", db])
    assert missing.returncode == 2 and "error: no article 'no-such-article'" in missing.stderr

    as_csv = in_process(["export", "--format", "csv", "--db", db])
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == n_quotes and list(rows[0]) == list(QuoteRecord.model_fields)

    jsonl_path, parquet_path = tmp_path / "q.jsonl", tmp_path / "q.parquet"
    assert in_process(["export", "-f", "jsonl", "-o", str(jsonl_path), "--db", db]).returncode == 0
    records = [QuoteRecord.model_validate_json(line) for line in jsonl_path.read_text().splitlines()]
    assert len(records) == n_quotes and records[0].doc_id == LAM.stem  # in the order they were stored

    exported = in_process(["export", "-f", "parquet", "-o", str(parquet_path), "--speaker", "lam", "--db", db])
    assert exported.returncode == 0 and "quotes written to" in exported.stderr
    import pyarrow.parquet as pq

    table = pq.read_table(parquet_path)
    by_lam = [r for r in records if r.speaker and "lam" in r.speaker.casefold().split()]
    assert table.num_rows == len(by_lam) > 0 and table.schema.names == list(QuoteRecord.model_fields)
    assert set(table.column("speaker").to_pylist()) == {r.speaker for r in by_lam}
    assert not list(tmp_path.glob("*.partial"))

    no_output = in_process(["export", "-f", "parquet", "--db", db])
    assert no_output.returncode == 2 and "give --output" in no_output.stderr


def test_an_unusable_database_is_one_line_of_error(tmp_path: Path) -> None:
    result = in_process(["search", "x", "--db", "mysql://somewhere/db"])
    assert result.returncode == 1
    assert result.stderr.strip() == "error: unsupported database 'mysql': use SQLite or PostgreSQL"
    missing_folder = in_process(["speakers", "--db", str(tmp_path / "nope" / "q.db")])
    assert missing_folder.returncode == 1 and "does not exist" in missing_folder.stderr


def test_serve_starts_the_api_and_explorer_with_workers_and_a_token(tmp_path: Path) -> None:
    """`quotegraph serve` as a user starts it: two worker processes, the token from the environment."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    db = tmp_path / "served.db"
    command = [
        sys.executable,
        "-m",
        "quotegraph.cli",
        "serve",
        "--db",
        str(db),
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    env = dict(os.environ, QUOTEGRAPH_TOKEN="from-the-environment")
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        assert "The store is empty" in httpx.get(base + "/").text
        refused = httpx.post(base + "/api/ingest", json={"articles": [{"text": "x"}]})
        assert refused.status_code == 401  # ingest is on (a token was given) but this client has none
        assert httpx.get(base + "/api/stats").json()["quotes"] == 0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    assert f"serving sqlite:///{db} on http://127.0.0.1:{port}/ (ingest enabled" in stderr
    assert "Traceback" not in stderr
