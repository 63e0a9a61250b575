"""`quotegraph eval html`: the benchmark's measure, the three systems, and a clean exit when the data is absent."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from conftest import shared_data_dir

from quotegraph.evaluate.html import (
    find_benchmark,
    naive_visible_text,
    prf,
    run_html_eval,
    tp_fp_fn,
    with_bootstrap,
)

BENCHMARK = shared_data_dir() / "html" / "article-extraction-benchmark"


def test_shingle_measure() -> None:
    gold = "The mayor said the bridge would be rebuilt by spring next year."
    assert tp_fp_fn(gold, gold) == (1.0, 0.0, 0.0)
    # 12 gold tokens: 9 shingles of 4; 9 predicted tokens: 6 shingles; none shared
    assert tp_fp_fn(gold, "Completely different words that share nothing at all here") == pytest.approx(
        (0, 0.4, 0.6)
    )
    assert tp_fp_fn("", "") == (0.0, 0.0, 0.0)
    tp, fp, fn = tp_fp_fn(gold, gold + " Subscribe to our newsletter today for more news.")
    assert fp > 0 and fn == 0 and abs(tp + fp + fn - 1) < 1e-9
    scores = prf([tp_fp_fn(gold, gold), tp_fp_fn(gold, "")])  # an empty output counts in recall only
    assert scores["precision"] == 1.0 and scores["recall"] == 0.5
    assert abs(scores["f1"] - 2 / 3) < 1e-9
    assert tp_fp_fn("a b c", "c b a", n=1) == (1.0, 0.0, 0.0)  # tokens: a bag of words
    boot = with_bootstrap([tp_fp_fn(gold, gold), tp_fp_fn(gold, gold[:30])], rounds=50)
    assert "f1_std" in boot and 0 <= boot["f1"] <= 1


def test_naive_baseline_is_all_visible_text() -> None:
    html = (
        "<html><head><title>T</title><style>p{}</style></head><body><nav>Home</nav>"
        "<script>var x = 1;</script><p>First paragraph.</p><p>Second one.</p>tail text</body></html>"
    )
    text = naive_visible_text(html, None)
    assert text.split("\n") == ["Home", "First paragraph.", "Second one.", "tail text"]


def _fake_benchmark(folder: Path, pages: dict[str, tuple[bytes, str]]) -> None:
    (folder / "html").mkdir(parents=True)
    truth = {}
    for page_id, (html, body) in pages.items():
        (folder / "html" / f"{page_id}.html.gz").write_bytes(gzip.compress(html))
        truth[page_id] = {"articleBody": body, "url": f"https://news.example.com/{page_id}"}
    (folder / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")


def test_run_on_a_small_benchmark_writes_every_system(tmp_path: Path, warc_tools) -> None:
    news_page, _ = warc_tools
    body = "\n\n".join(
        f"Paragraph {j} of story 1. \u201cWe will rebuild the bridge by spring,\u201d Mayor Ana Lopez said on "
        "Tuesday, adding that the costs of steel had risen sharply since the flood in the valley."
        for j in range(5)
    )
    folder = tmp_path / "article-extraction-benchmark"
    _fake_benchmark(folder, {"aaa": (news_page(1), body), "bbb": (b"<html><body></body></html>", "Gold text.")})
    output = tmp_path / "scores.json"
    assert run_html_eval(folder, output) == 0
    report = json.loads(output.read_text(encoding="utf-8"))
    assert report["pages"] == 2 and set(report["systems"]) == {"quotegraph", "trafilatura", "naive"}
    ours = report["systems"]["quotegraph"]
    assert ours["pages"][0]["id"] == "aaa" and ours["pages"][0]["shingle4_f1"] == 1.0
    assert ours["empty_outputs"] == 1  # the empty page
    naive = report["systems"]["naive"]
    assert naive["shingle4"]["precision"] < ours["shingle4"]["precision"]  # navigation and footer cost precision
    assert report["machine"]["trafilatura"]


def test_absent_data_exits_2_with_a_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert find_benchmark(tmp_path / "nowhere")[0] is None
    assert run_html_eval(tmp_path / "nowhere", None) == 2
    assert "benchmark was not found" in capsys.readouterr().err.replace("\n", " ")


def test_cli_eval_html_without_data(tmp_path: Path, run_cli) -> None:
    result = run_cli(["eval", "html", "--data", str(tmp_path / "nowhere")])
    assert result.returncode == 2 and "not found" in result.stderr


@pytest.mark.skipif(not BENCHMARK.is_dir(), reason=f"shared article-extraction benchmark not found at {BENCHMARK}")
def test_real_benchmark_first_pages(tmp_path: Path) -> None:
    output = tmp_path / "scores.json"
    assert run_html_eval(BENCHMARK, output, systems=("quotegraph", "naive"), limit=6) == 0
    systems = json.loads(output.read_text(encoding="utf-8"))["systems"]
    assert systems["quotegraph"]["shingle4"]["f1"] > 0.85
    assert systems["quotegraph"]["shingle4"]["f1"] > systems["naive"]["shingle4"]["f1"]
