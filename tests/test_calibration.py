"""Confidence calibration: the table, its back-off and the calibration error measure."""

from __future__ import annotations

import json
from pathlib import Path

from quotegraph import extract
from quotegraph.calibration import MIN_SAMPLES, Calibrator, expected_calibration_error, fit


def test_ece_is_zero_when_confidence_matches_accuracy() -> None:
    pairs = [(0.75, True)] * 3 + [(0.75, False)] + [(0.25, True)] + [(0.25, False)] * 3
    assert expected_calibration_error(pairs) == 0.0


def test_ece_of_overconfident_records() -> None:
    pairs = [(0.95, True), (0.95, False)]  # claims 95%, is right half the time
    assert abs(expected_calibration_error(pairs) - 0.45) < 1e-9


def test_fit_backs_off_to_coarser_features_where_data_is_thin() -> None:
    samples = [(["parse|direct|name|person|resolved", "parse|name|resolved", "parse"], True)] * 40
    samples += [(["parse|direct|noun|unknown|unresolved", "parse|noun|unresolved", "parse"], False)] * 3
    table = fit(samples)
    cal = Calibrator(rates={k: (v[0], v[1]) for k, v in table["rates"].items()}, overall=table["overall"])
    assert table["rates"]["parse|direct|name|person|resolved"][1] >= MIN_SAMPLES
    assert cal.rates["parse|direct|name|person|resolved"][0] > 0.9
    # the thin cell (3 samples) is not trusted on its own: its records get the rule-level rate
    assert cal.rates["parse|noun|unresolved"][1] < MIN_SAMPLES


def test_shipped_table_is_well_formed() -> None:
    path = Path(__file__).parents[1] / "src" / "quotegraph" / "resources" / "calibration.json"
    table = json.loads(path.read_text())
    assert 0 < table["overall"] < 1 and table["samples"] > 1000
    assert all(0 <= rate <= 1 and n > 0 for rate, n in table["rates"].values())
    assert Calibrator.load(path) is not None


def test_confidence_orders_clear_attribution_above_a_guess() -> None:
    text = (
        "Mayor Jane Fox rejected the budget on Monday.\n"
        '"This plan is dead on arrival," Fox said at City Hall.\n'
        '"Nobody asked the residents what they need."\n'
    )
    records = extract(text)
    cued = next(r for r in records if "dead on arrival" in r.text)
    assert 0.0 <= cued.confidence <= 1.0
    assert all(0.0 <= r.confidence <= 1.0 for r in records)
