"""Issue 6: kill `quotegraph ingest` with SIGKILL in the middle of a 10,000-article run, run the same command
again, and the store ends identical to an uninterrupted run (same articles, same quotes, no duplicates).

The articles are real Wikinews sentences (samples/wikinews and the test fixtures, CC BY 2.5), one or two to an
article so that 10,000 of them extract in about a minute of CPU, each text distinct, one in ten holding a quote.
They are read from one JSONL file with non-default field names, so the field options are covered too.

The killed run uses --workers 2 and the uninterrupted one --workers 1, run side by side (they write different
files): equal dumps then also say that the parallel path stores what the in-process path does. After the kill,
the workers must go too: nothing the killed command started may still be running.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import ROOT_DIR, TESTS_DIR, VENV_QUOTEGRAPH

N_ARTICLES = 10_000
WIKINEWS_FOLDERS = (ROOT_DIR / "samples" / "wikinews", TESTS_DIR / "fixtures" / "wikinews")
FIELD_OPTIONS = [
    "--text-field",
    "story",
    "--id-field",
    "key",
    "--title-field",
    "hed",
    "--date-field",
    "when",
    "--outlet-field",
    "paper",
]
RUN_TIMEOUT = 600

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")


# ---------------------------------------------------------------------------------------------- the articles


def wikinews_sentences() -> tuple[list[str], list[str]]:
    """(short sentences, sentences holding a quotation mark) of the bundled Wikinews articles, in file order."""
    short: list[str] = []
    quoted: list[str] = []
    for folder in WIKINEWS_FOLDERS:
        for path in sorted(folder.glob("*.txt")):
            lines = path.read_text(encoding="utf-8").splitlines()[1:]  # the first is `date YYYY-MM-DD title`
            for paragraph in lines:
                for sentence in re.split(r'(?<=[.!?"])\s+(?=[A-Z"])', paragraph.strip()):
                    words = len(sentence.split())
                    if sentence.count('"') == 2 and words <= 25:  # one whole quotation
                        quoted.append(sentence)
                    elif 4 <= words <= 8 and '"' not in sentence:
                        short.append(sentence)
    return list(dict.fromkeys(short)), list(dict.fromkeys(quoted))


def make_records(n: int) -> list[dict[str, Any]]:
    """``n`` articles with distinct texts: short sentences alone, then pairs of them (two paragraphs), and every
    tenth a quote followed by a short sentence. A few have a headline; dates and outlets vary. Short texts (13
    words on average) because extraction has a cost per word: the test's time is 20,000 extractions."""
    short, quoted = wikinews_sentences()
    assert len(short) > 200 and len(quoted) > 50, (len(short), len(quoted))

    def plain() -> Iterator[str]:
        yield from short
        for step in itertools.count(1):  # every ordered pair once: (i, i + step) for step 1, 2, ...
            for i, sentence in enumerate(short):
                yield f"{sentence}\n{short[(i + step) % len(short)]}"

    plain_texts = plain()
    records = []
    for index in range(n):
        if index % 10 == 0:
            m = index // 10
            text = f"{quoted[m % len(quoted)]}\n{short[m // len(quoted)]}"
        else:
            text = next(plain_texts)
        record: dict[str, Any] = {
            "key": f"wn-{index:05d}",
            "story": text,
            "when": f"20{19 + index % 3}-{1 + index % 12:02d}-{1 + index % 28:02d}",
            "paper": ("Wikinews", "The Test Gazette", "Daily Sample")[index % 3],
        }
        if index % 50 == 7:
            record["hed"] = text.split("\n")[0].rstrip(".")[:80]
        records.append(record)
    return records


# -------------------------------------------------------------------------------------------- the store dump


def store_dump(engine: sa.Engine) -> dict[str, Any]:
    """Everything an ingest stores, keyed by content, not by row ids (which need not match): articles by hash,
    each with its quotes in order (speaker by registry name, entities by key); the registry with its counts.
    Plain SQL over the store's tables, so it reads SQLite and PostgreSQL stores alike."""
    with engine.connect() as connection:

        def rows(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(row) for row in connection.execute(sa.text(sql))]

        article_rows = rows(
            "SELECT content_hash, doc_id, path, url, outlet, outlet_key, date, title, text, headline_start,"
            " headline_end, body_start, body_end, meta, status, error, n_quotes FROM articles"
        )
        quote_rows = rows(
            'SELECT a.content_hash, q.position, q.doc_id, q.text, q.start, q."end", q.kind, q.cue,'
            " q.cue_start, q.cue_end, q.mention, q.mention_start, q.mention_end, q.speaker, q.speaker_type,"
            " s.name, s.type, q.parent, q.in_headline, q.confidence, q.continues, q.date, q.year, q.outlet,"
            " q.about, q.anonymous, q.evidence"
            " FROM quotes q JOIN articles a ON a.id = q.article_id LEFT JOIN speakers s ON s.id = q.speaker_id"
        )
        about_rows = rows(
            "SELECT a.content_hash, q.position, e.key, e.name FROM quote_about qa"
            " JOIN quotes q ON q.id = qa.quote_id JOIN articles a ON a.id = q.article_id"
            " JOIN entities e ON e.id = qa.entity_id"
        )
        speaker_rows = rows(
            "SELECT name, name_key, type, quote_count, article_count, first_date, last_date FROM speakers"
        )
        alias_rows = rows(
            "SELECT s.name_key, s.type, sa.alias_key, sa.alias, sa.count FROM speaker_aliases sa"
            " JOIN speakers s ON s.id = sa.speaker_id"
        )
        entity_rows = rows("SELECT key, name FROM entities")
        quote_keys = rows("SELECT article_id, position FROM quotes")
    hashes = [row[0] for row in article_rows]
    return {
        "duplicate_articles": len(hashes) - len(set(hashes)),
        "duplicate_quotes": len(quote_keys) - len(set(quote_keys)),
        "articles": sorted(article_rows, key=repr),
        "quotes": sorted(quote_rows, key=lambda row: (row[0], row[1])),
        "quote_about": sorted(about_rows, key=repr),
        "speakers": sorted(speaker_rows, key=repr),
        "speaker_aliases": sorted(alias_rows, key=repr),
        "entities": sorted(entity_rows, key=repr),
    }


def sqlite_dump(db: Path) -> dict[str, Any]:
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        return store_dump(engine)
    finally:
        engine.dispose()


def assert_same_store(got: dict[str, Any], expected: dict[str, Any]) -> None:
    """Table by table, so a failure says which part differs (and shows the first difference, not 10,000 rows)."""
    for part in expected:
        if got[part] != expected[part]:
            if isinstance(expected[part], list):
                missing = [row for row in expected[part] if row not in got[part]][:3]
                extra = [row for row in got[part] if row not in expected[part]][:3]
                pytest.fail(
                    f"{part}: {len(got[part])} rows, expected {len(expected[part])}; "
                    f"first missing {missing}; first unexpected {extra}"
                )
            pytest.fail(f"{part}: {got[part]!r}, expected {expected[part]!r}")


# ------------------------------------------------------------------------------------------------- the runs


def ingest_command(data: Path, db: Path, workers: int) -> list[str]:
    base = [str(VENV_QUOTEGRAPH)] if VENV_QUOTEGRAPH.exists() else [sys.executable, "-m", "quotegraph.cli"]
    return [*base, "ingest", str(data), "--db", f"sqlite:///{db}", "--workers", str(workers), *FIELD_OPTIONS]


def start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", NO_COLOR="1", COLUMNS="160")
    with log.open("wb") as out:  # the child keeps its own handle
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=out, cwd=ROOT_DIR, env=env)


def committed_articles(db: Path) -> int:
    """Articles committed so far, read while the ingest writes (WAL: a reader never blocks it)."""
    if not db.exists():
        return 0
    try:
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(connection.execute("SELECT count(*) FROM articles").fetchone()[0])
        finally:
            connection.close()
    except sqlite3.Error:  # the schema is still being created
        return 0


def descendants(pid: int) -> set[int]:
    """The live processes below ``pid`` (Linux /proc; an empty set elsewhere)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z":  # a zombie has exited already
            parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def is_pool_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=30)


# ------------------------------------------------------------------------------------------------- the test


def test_a_sigkilled_ingest_resumes_to_the_same_store(tmp_path: Path) -> None:
    data = tmp_path / "articles.jsonl"
    records = make_records(N_ARTICLES)
    assert len({record["story"] for record in records}) == N_ARTICLES
    data.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    reference_db, resumed_db = tmp_path / "uninterrupted.db", tmp_path / "resumed.db"
    started = time.monotonic()

    reference = start(ingest_command(data, reference_db, workers=1), tmp_path / "uninterrupted.log")
    killed = start(ingest_command(data, resumed_db, workers=2), tmp_path / "killed.log")
    try:
        # SIGKILL once some batches are committed, well before the end (a batch is 16 articles)
        deadline = time.monotonic() + RUN_TIMEOUT
        while committed_articles(resumed_db) < N_ARTICLES // 5:
            assert killed.poll() is None, (tmp_path / "killed.log").read_text(errors="replace")
            assert time.monotonic() < deadline, "the ingest to be killed made no progress"
            time.sleep(0.05)
        workers = descendants(killed.pid)
        # told apart before the kill: an orphaned worker may exit (and lose its /proc entry) right after it
        pool_workers = [pid for pid in workers if is_pool_worker(pid)]
        killed.send_signal(signal.SIGKILL)
        assert killed.wait(timeout=30) == -signal.SIGKILL
        kept = committed_articles(resumed_db)
        assert N_ARTICLES // 5 <= kept < N_ARTICLES

        if sys.platform.startswith("linux"):
            assert len(pool_workers) == 2, "expected 2 worker processes"
            # orphaned workers notice within a second and exit (and then multiprocessing's resource tracker):
            # nothing the killed command started may keep running, let alone writing
            gone_by = time.monotonic() + 30
            while any(alive(pid) for pid in workers) and time.monotonic() < gone_by:
                time.sleep(0.1)
            assert not [pid for pid in workers if alive(pid)], "processes outlived the killed ingest"

        # the same command again: it skips what was committed and stores the rest
        resumed = start(ingest_command(data, resumed_db, workers=2), tmp_path / "resumed.log")
        assert resumed.wait(timeout=RUN_TIMEOUT) == 0, (tmp_path / "resumed.log").read_text(errors="replace")
        resumed_log = (tmp_path / "resumed.log").read_text(errors="replace")
        assert f"{N_ARTICLES - kept} articles stored" in resumed_log, resumed_log[-2000:]
        assert f"{kept} already stored, 0 failed" in resumed_log, resumed_log[-2000:]
        assert "Traceback" not in resumed_log

        assert reference.wait(timeout=RUN_TIMEOUT) == 0, (tmp_path / "uninterrupted.log").read_text(
            errors="replace"
        )
    finally:
        stop(reference)
        stop(killed)
    elapsed = time.monotonic() - started

    expected, got = sqlite_dump(reference_db), sqlite_dump(resumed_db)
    assert expected["duplicate_articles"] == got["duplicate_articles"] == 0
    assert expected["duplicate_quotes"] == got["duplicate_quotes"] == 0
    assert len(expected["articles"]) == N_ARTICLES
    assert all(row[-3] == "done" for row in expected["articles"])  # status: nothing failed
    assert len(expected["quotes"]) > N_ARTICLES // 20, "too few quotes for the comparison to mean much"
    assert {row[4] for row in expected["articles"]} == {"Wikinews", "The Test Gazette", "Daily Sample"}
    assert_same_store(got, expected)
    print(f"10,000 articles, {len(expected['quotes'])} quotes; killed at {kept}; {elapsed:.0f} s in all")
