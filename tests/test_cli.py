"""The ``quotegraph extract`` command end to end, in a subprocess, as a user or another tool runs it.

Each call starts Python and loads spaCy (a few seconds), so the bad inputs are batched into one call.
tests/test_readers.py covers the reader layer; this file checks what reaches the user: stdout, stderr, exit code.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from quotegraph.readers import read_paths
from quotegraph.record import Article, quote_record_schema

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "wikinews"
SUMMARY = re.compile(r"^quotegraph: (\d+) quotes in (\d+) articles(?:, (\d+) failed)?; most quoted: .+$")

GOOD_PLAIN = (
    "Fire chief Maria Alvarez said the blaze started in a kitchen on the ground floor.\n"
    '"We were lucky nobody was asleep upstairs," Alvarez told reporters on Sunday.\n'
)
GOOD_DATED = (
    "date 2021-03-09 Mayor Slams Council as She Says Plan Is 'Dead on Arrival'\n"
    "Mayor Linda Park on Tuesday accused the city council of wasting two years on a transit plan.\n"
    "\u201cThis plan is dead on arrival, and everyone in that chamber knows it,\u201d Park said.\n"
)
PARAGRAPH = (
    "The council met for the fourth time this month. \u201cWe are going round in circles,\u201d said "
    "councillor Ann Price, who chairs the transport committee. Officials said the report would be ready soon.\n"
)


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def stderr_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# --- bad input ------------------------------------------------------------------------------------------------


@pytest.fixture()
def bad_batch(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Bad files, each with a regular expression its one-line reason must match."""
    folder = tmp_path / "in"
    folder.mkdir()
    files: dict[str, tuple[Path, str]] = {}

    binary = folder / "photo.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    files["binary"] = (binary, r"binary")

    latin1 = folder / "le-maire.txt"
    latin1.write_bytes("Le maire a déclaré : « Nous ne partirons pas. »\n".encode("latin-1"))
    files["invalid-utf8"] = (latin1, r"utf-?8")

    empty = folder / "empty.txt"
    empty.write_bytes(b"")
    files["empty"] = (empty, r"empty")

    big = folder / "big.txt"
    big.write_text(PARAGRAPH * (5_000_000 // len(PARAGRAPH) + 1), encoding="utf-8")
    assert big.stat().st_size >= 5_000_000
    files["5mb"] = (big, r"limit|too (long|large|big)|characters|bytes")

    marks = folder / "marks.txt"
    marks.write_text('"" \u201c\u201d \u2018\u2019 \'\' \u00ab\u00bb "\n' * 200, encoding="utf-8")
    files["only-quote-marks"] = (marks, r"no (text|letters)|letters|quote")

    missing = folder / "missing.txt"  # named on the command line, never created
    files["missing"] = (missing, r"no such file|not found|does not exist")
    return files


def test_bad_files_each_get_one_line_and_the_rest_are_processed(
    run_cli, bad_batch: dict[str, tuple[Path, str]], tmp_path: Path
) -> None:
    good_plain = tmp_path / "fire.txt"
    good_plain.write_text(GOOD_PLAIN, encoding="utf-8")
    good_dated = tmp_path / "2021-03-09-mayor.txt"
    good_dated.write_text(GOOD_DATED, encoding="utf-8")
    out = tmp_path / "out" / "quotes.jsonl"
    out.parent.mkdir()
    bad_paths = [str(path) for path, _ in bad_batch.values()]
    # good files before, between and after the bad ones; '-' with nothing on standard input is bad too
    args = ["extract", str(good_plain), *bad_paths[:3], "-", *bad_paths[3:], str(good_dated), "--output", str(out)]
    proc = run_cli(args, stdin=b"")

    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2, proc.stderr
    lines = stderr_lines(proc.stderr)
    for name, (path, reason) in bad_batch.items():
        naming = [line for line in lines if str(path) in line]
        assert len(naming) == 1, f"{name}: want one line naming {path}, got {naming}\n{proc.stderr}"
        line = naming[0]
        after = line.split(str(path), 1)[1]
        assert re.search(reason, after, re.IGNORECASE), f"{name}: reason unclear in {line!r}"
        assert len(line) < 300, f"{name}: not one short line: {line!r}"
    stdin_lines = [line for line in lines if "stdin" in line and not line.startswith("quotegraph:")]
    assert len(stdin_lines) == 1 and re.search(r"empty", stdin_lines[0], re.IGNORECASE), proc.stderr
    errors = [line for line in lines if not line.startswith("quotegraph:")]
    assert len(errors) == len(bad_batch) + 1, f"only the failures are reported, one line each:\n{proc.stderr}"

    summary = [line for line in lines if SUMMARY.match(line)]
    assert len(summary) == 1, proc.stderr
    n_quotes, n_articles, n_failed = SUMMARY.match(summary[0]).groups()
    assert int(n_articles) == 2 and int(n_failed) == len(bad_batch) + 1
    records = jsonl(out.read_text(encoding="utf-8"))
    assert int(n_quotes) == len(records)
    assert {r["doc_id"] for r in records} == {"fire", "2021-03-09-mayor"}, "the good files were processed"
    texts = {"fire": GOOD_PLAIN, "2021-03-09-mayor": GOOD_DATED}
    for r in records:
        assert texts[r["doc_id"]][r["start"] : r["end"]] == r["text"]


def test_only_bad_files_exit_2_and_print_no_records(run_cli, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 owner said: \xabNo.\xbb".encode("latin-1"))
    proc = run_cli(["extract", str(tmp_path / "empty.txt"), str(tmp_path / "latin1.txt")])
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stdout.strip() == ""
    assert len(stderr_lines(proc.stderr)) == 2, proc.stderr


# --- good input --------------------------------------------------------------------------------------------------


def test_stdin_and_files_all_good_exit_0(run_cli, tmp_path: Path) -> None:
    good = tmp_path / "fire.txt"
    good.write_text(GOOD_PLAIN, encoding="utf-8")
    proc = run_cli(["extract", "-", str(good), "--format", "jsonl"], stdin=GOOD_DATED.encode("utf-8"))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not [line for line in stderr_lines(proc.stderr) if "error" in line.lower()], proc.stderr
    records = jsonl(proc.stdout)
    by_doc: dict[str, list[dict]] = {}
    for r in records:
        by_doc.setdefault(r["doc_id"], []).append(r)
    assert set(by_doc) == {"stdin", "fire"}, "'-' reads standard input, one process handles every path"
    assert list(dict.fromkeys(r["doc_id"] for r in records)) == ["stdin", "fire"], "records come in input order"
    for r in by_doc["stdin"]:
        assert GOOD_DATED[r["start"] : r["end"]] == r["text"]
        assert r["date"] == "2021-03-09"
    assert any(r["in_headline"] and "Dead on Arrival" in r["text"] for r in by_doc["stdin"])
    park = [r for r in by_doc["stdin"] if "This plan is dead on arrival" in r["text"]]
    assert len(park) == 1 and park[0]["speaker"] == "Linda Park"
    alvarez = [r for r in by_doc["fire"] if "We were lucky" in r["text"]]
    assert len(alvarez) == 1 and alvarez[0]["speaker"] == "Maria Alvarez"


def test_table_format_for_people(run_cli, tmp_path: Path) -> None:
    good = tmp_path / "fire.txt"
    good.write_text(GOOD_PLAIN, encoding="utf-8")
    proc = run_cli(["extract", str(good), "--format", "table"])
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Maria Alvarez" in proc.stdout
    assert "We were lucky" in proc.stdout
    assert "1 article" in proc.stdout
    assert not proc.stdout.lstrip().startswith("{"), "a table, not JSON lines"


# --- the bundled samples -------------------------------------------------------------------------------------------


def test_bundled_samples_run_and_summarise(run_cli, tmp_path: Path) -> None:
    articles = sorted(p for p in SAMPLES.glob("*.txt"))
    assert len(articles) >= 30
    out = tmp_path / "out" / "quotes.jsonl"
    out.parent.mkdir()
    proc = run_cli(["extract", str(SAMPLES.relative_to(ROOT)), "--output", str(out)], cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = stderr_lines(proc.stderr)
    summary = [line for line in lines if SUMMARY.match(line)]
    assert len(summary) == 1, f"want one summary line:\n{proc.stderr}"
    n_quotes, n_articles, n_failed = SUMMARY.match(summary[0]).groups()
    assert int(n_articles) == len(articles) and n_failed is None
    assert any(str(out) in line for line in lines), "the summary says where the output is"
    assert not [line for line in lines if line.startswith("error")], proc.stderr

    records = jsonl(out.read_text(encoding="utf-8"))
    assert len(records) == int(n_quotes) > 0
    with_records = {r["doc_id"] for r in records}
    assert len(with_records) >= 0.8 * len(articles), f"only {len(with_records)} of {len(articles)} have quotes"
    assert sum(1 for r in records if r["speaker"]) >= 0.5 * len(records), "most quotes get a named speaker"

    validator = Draft202012Validator(quote_record_schema())
    texts: dict[str, Article] = {}
    for item in read_paths([str(SAMPLES)]):
        assert isinstance(item, Article)
        texts[item.id] = item
    for r in records:
        assert [e.message for e in validator.iter_errors(r)] == []
        article = texts[r["doc_id"]]
        assert article.text[r["start"] : r["end"]] == r["text"]
        assert r["date"] == article.date
