"""The speaker evaluation: matching, name normalisation and a run over a few gold articles."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from quotegraph.evaluate.speakers import (
    DEFAULT_GOLD,
    GoldQuote,
    evaluate_speakers,
    match,
    normalise_name,
    same_speaker,
    token_overlap,
)
from quotegraph.record import QuoteRecord


def record(text: str, start: int, speaker: str | None, speaker_type: str = "person") -> QuoteRecord:
    return QuoteRecord(
        doc_id="d", text=text, start=start, end=start + len(text), kind="direct", speaker=speaker,
        speaker_type=speaker_type, confidence=0.9,  # type: ignore[arg-type]
    )


def gold(text: str, start: int, speaker: str | None, speaker_type: str = "person") -> GoldQuote:
    return GoldQuote(text=text, start=start, end=start + len(text), kind="direct", speaker=speaker,
                     speaker_type=speaker_type)


def test_token_overlap_is_shared_words_over_the_longer_span() -> None:
    assert token_overlap("We will rebuild every home", "We will rebuild") == 3 / 5
    assert token_overlap("Yes.", "No.") == 0.0


def test_names_match_across_forms() -> None:
    assert normalise_name("The U.S. Geological Survey") == "united states geological survey"
    assert same_speaker(gold("x", 0, "Boris Johnson"), record("x", 0, "Johnson"))
    assert same_speaker(gold("x", 0, "Erdoğan"), record("x", 0, "Erdogan"))
    assert not same_speaker(gold("x", 0, "Sadiq Khan"), record("x", 0, "Usman Khan"))
    assert same_speaker(gold("x", 0, None, "anonymous"), record("x", 0, None, "anonymous"))
    assert not same_speaker(gold("x", 0, None, "anonymous"), record("x", 0, "Jane Doe"))


def test_matching_is_one_to_one_and_needs_the_quotes_to_touch() -> None:
    g = [gold("we will rebuild every home", 0, "A"), gold("we will rebuild every home", 100, "A")]
    p = [record("we will rebuild every home", 0, "A"), record("we will rebuild every home", 50, "A")]
    assert match(g, p, 0.3) == [(0, 0)]


def test_run_on_three_gold_articles(tmp_path: Path) -> None:
    stems = sorted(p.stem for p in (DEFAULT_GOLD / "annotations").glob("*.json"))[:3]
    for sub in ("annotations", "articles"):
        (tmp_path / sub).mkdir()
    for stem in stems:
        shutil.copy(DEFAULT_GOLD / "annotations" / f"{stem}.json", tmp_path / "annotations")
        shutil.copy(DEFAULT_GOLD / "articles" / f"{stem}.txt", tmp_path / "articles")
    scores = evaluate_speakers(tmp_path)
    assert scores.articles == 3
    assert scores.gold == sum(len(json.loads(p.read_text())["quotes"]) for p in (tmp_path / "annotations").iterdir())
    result = scores.to_dict()
    assert 0.0 <= result["speaker_right"] <= 1.0
    assert result["quotes"]["0.3"]["f1"] > 0.5  # a floor that catches a broken pipeline, not a tuned target


def test_the_report_lists_missed_and_spurious_quotes(tmp_path: Path) -> None:
    stem = sorted(p.stem for p in (DEFAULT_GOLD / "annotations").glob("*.json"))[0]
    for sub in ("annotations", "articles"):
        (tmp_path / sub).mkdir()
    shutil.copy(DEFAULT_GOLD / "annotations" / f"{stem}.json", tmp_path / "annotations")
    shutil.copy(DEFAULT_GOLD / "articles" / f"{stem}.txt", tmp_path / "articles")
    scores = evaluate_speakers(tmp_path)
    result = scores.to_dict()
    matched = scores.matched[0.3]
    assert len(result["missed_quotes"]) == scores.gold - matched
    assert len(result["spurious_quotes"]) == scores.predicted - matched
    for row in result["missed_quotes"] + result["spurious_quotes"]:
        assert row["doc"] == stem and isinstance(row["start"], int) and row["quote"]
