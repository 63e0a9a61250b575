"""The benchmark command's plumbing on its own tiny corpus: it runs, and its JSON has the figures it promises.

Speed is a benchmark with a ratio, never a timed test: nothing here asserts how fast anything is.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quotegraph.bench import RESULT_KEYS, run_bench

TEXTS = [
    (
        'Council backs new bridge\n\n"This bridge will change the town," the mayor, Anna Reid, said on Monday.\n\n'
        "Work starts in the spring.\n"
    ),
    (
        "Storm closes schools\n\nSchools across the county closed on Friday after a storm brought down power lines."
        '\n\n"Safety comes first," a council spokesman said.\n'
    ),
    (
        "Club signs striker\n\nThe club has signed a new striker for an undisclosed fee.\n\n"
        "The manager said the player would make his debut on Saturday.\n"
    ),
]


def test_run_bench_on_a_tiny_corpus_writes_the_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, text in enumerate(TEXTS, start=1):
        (corpus / f"{i:03d}.txt").write_text(text, encoding="utf-8")
    (corpus / "004.txt").write_bytes(b"Price rise\n\nA pint now costs \xa34.\n")  # Latin-1: counted, left out
    output = tmp_path / "results" / "bench.json"

    assert run_bench(corpus, 3, output) == 0

    result = json.loads(output.read_text(encoding="utf-8"))
    assert set(RESULT_KEYS) <= set(result)
    assert result["corpus"]["articles"] == 3
    assert result["corpus"]["words"] == sum(len(t.split()) for t in TEXTS)
    assert result["corpus"]["read_errors"] == []  # the limit was reached before 004.txt
    assert result["settings"]["repeats"] >= 2
    for path in ("baseline", "quotegraph"):
        figures = result[path]
        for key in ("articles_per_s", "words_per_s", "best_wall_s", "peak_rss_mb", "runs"):
            assert key in figures, (path, key)
        assert figures["articles_per_s"] > 0
        assert figures["peak_rss_mb"] > 0
        assert len(figures["runs"]) == result["settings"]["repeats"]
        assert figures["failed"] == 0
    assert "ner" in result["baseline"]["pipe_names"]
    assert "quotegraph_paragraphs" in result["quotegraph"]["pipe_names"]
    assert result["quotegraph"]["quotes"] >= 2  # the two direct quotes at least
    assert result["ratio"]["words_per_s"] > 0
    for key in ("platform", "cpu_count", "python", "spacy"):
        assert result["machine"][key]
    assert "quotegraph/baseline" in capsys.readouterr().out


def test_run_bench_reports_unreadable_files_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "001.txt").write_bytes(b"Price rise\n\nA pint now costs \xa34.\n")
    (corpus / "002.txt").write_text(TEXTS[0], encoding="utf-8")
    output = tmp_path / "bench.json"

    assert run_bench(corpus, 0, output, repeats=1) == 0

    result = json.loads(output.read_text(encoding="utf-8"))
    assert result["corpus"]["articles"] == 1
    assert [Path(e["path"]).name for e in result["corpus"]["read_errors"]] == ["001.txt"]
    assert "001.txt" in capsys.readouterr().err


def test_run_bench_without_a_corpus_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QUOTEGRAPH_SHARED_DATA", str(tmp_path / "nowhere"))
    assert run_bench(None, 3, None) == 2
    err = capsys.readouterr().err.strip()
    assert "BBC corpus was not found" in err and "\n" not in err
