"""Calibrated confidence: how often a record like this one is right, learned from gold attributions.

A record is described by a few coarse features (the pattern that found it, the form of its mention, the kind of
speaker it resolved to). ``quotegraph calibrate`` counts, on PolNeAR train, how often records with each feature
combination were right, and writes the rates to ``resources/calibration.json``; extraction then reads a record's
confidence from that table, backing off to coarser combinations where the data is thin. Without the file the
hand-set pattern priors stay in force.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from quotegraph.attribution import Attribution

CALIBRATION_FILE = "calibration.json"
MIN_SAMPLES = 25  # a feature combination seen fewer times backs off to a coarser one


def mention_form(doc: Doc, a: Attribution) -> str:
    """'none', 'pronoun', 'name' or 'noun': how the speaker is written at the cue."""
    if a.source is None or a.source_head is None or a.source_head >= len(doc):
        return "none"
    head = doc[a.source_head]
    if head.pos_ == "PRON":
        return "pronoun"
    if head.pos_ == "PROPN" or head.ent_type_:
        return "name"
    return "noun"


def feature_keys(doc: Doc, a: Attribution) -> list[str]:
    """From the most specific combination to the coarsest."""
    resolved = "resolved" if a.speaker or a.speaker_type == "anonymous" else "unresolved"
    form = mention_form(doc, a)
    return [
        f"{a.rule}|{a.kind}|{form}|{a.speaker_type}|{resolved}",
        f"{a.rule}|{form}|{resolved}",
        f"{a.rule}",
    ]


@dataclass
class Calibrator:
    rates: dict[str, tuple[float, int]]  # key -> (rate right, samples)
    overall: float

    @classmethod
    def load(cls, path: Path | None = None) -> Calibrator | None:
        """The shipped table, or None where none has been fitted (the pattern priors then stay)."""
        try:
            if path is None:
                text = resources.files("quotegraph.resources").joinpath(CALIBRATION_FILE).read_text("utf-8")
            else:
                text = path.read_text("utf-8")
        except (FileNotFoundError, OSError):
            return None
        data = json.loads(text)
        rates = {k: (float(v[0]), int(v[1])) for k, v in data["rates"].items()}
        return cls(rates=rates, overall=float(data["overall"]))

    def confidence(self, doc: Doc, a: Attribution) -> float:
        for key in feature_keys(doc, a):
            rate = self.rates.get(key)
            if rate is not None and rate[1] >= MIN_SAMPLES:
                return rate[0]
        return self.overall

    def apply(self, doc: Doc, attributions: list[Attribution]) -> None:
        for a in attributions:
            a.confidence = self.confidence(doc, a)


_disabled = False


@lru_cache(maxsize=1)
def _shipped() -> Calibrator | None:
    return Calibrator.load()


def default_calibrator() -> Calibrator | None:
    """The shipped table, unless fitting is under way (a new table is fitted on uncalibrated records)."""
    return None if _disabled else _shipped()


@contextmanager
def calibration_disabled() -> Iterator[None]:
    global _disabled
    _disabled = True
    try:
        yield
    finally:
        _disabled = False


def fit(samples: list[tuple[list[str], bool]], smoothing: float = 2.0) -> dict[str, Any]:
    """Rates right per feature key, each pulled towards the overall rate by ``smoothing`` pseudo-samples."""
    total = len(samples)
    right = sum(1 for _, ok in samples if ok)
    overall = right / total if total else 0.5
    counts: dict[str, list[int]] = {}
    for keys, ok in samples:
        for key in keys:
            c = counts.setdefault(key, [0, 0])
            c[0] += int(ok)
            c[1] += 1
    rates = {
        key: [round((r + smoothing * overall) / (n + smoothing), 4), n] for key, (r, n) in sorted(counts.items())
    }
    return {"overall": round(overall, 4), "samples": total, "rates": rates}


def expected_calibration_error(pairs: list[tuple[float, bool]], bins: int = 10) -> float:
    """ECE: the sample-weighted gap between mean confidence and accuracy over equal-width confidence bins."""
    if not pairs:
        return 0.0
    buckets: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for conf, ok in pairs:
        buckets[min(bins - 1, int(conf * bins))].append((conf, ok))
    ece = 0.0
    for bucket in buckets:
        if bucket:
            mean_conf = sum(c for c, _ in bucket) / len(bucket)
            accuracy = sum(1 for _, ok in bucket if ok) / len(bucket)
            ece += len(bucket) / len(pairs) * abs(mean_conf - accuracy)
    return ece
