"""Fit and check quotegraph's confidence on PolNeAR's gold attributions.

A top-level record counts as right when its content matches a gold content (at least half of the longer span's
characters shared, over any of the gold span's fragments) and its mention overlaps that attribution's gold source
(or both have none). Nested records are left out: PolNeAR does not annotate quotes inside quotes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quotegraph.evaluate.polnear import select_annotation_files
from quotegraph.record import Article, QuoteRecord


@dataclass
class GoldAttribution:
    content: list[tuple[int, int]]
    source: list[tuple[int, int]] = field(default_factory=list)


def read_gold_attributions(path: Path) -> list[GoldAttribution]:
    """Content and source fragments of each ``E`` relation of a BRAT file."""
    spans: dict[str, list[tuple[int, int]]] = {}
    relations: list[dict[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 2:
            _, offsets = parts[1].split(" ", 1)
            spans[parts[0]] = [(int(a), int(b)) for a, b in (f.split() for f in offsets.split(";"))]
        elif line.startswith("E") and len(parts) >= 2:
            roles = dict(arg.split(":", 1) for arg in parts[1].split() if ":" in arg)
            relations.append(roles)
    gold = []
    for roles in relations:
        content = spans.get(roles.get("Content", ""), [])
        if content:
            gold.append(GoldAttribution(content=content, source=spans.get(roles.get("Source", ""), [])))
    return gold


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def record_is_right(record: QuoteRecord, gold: list[GoldAttribution], text: str) -> bool:
    start, end = record.start, record.end
    # PolNeAR's content keeps the quote marks: compare the record with its marks
    while start > 0 and text[start - 1] in "\"'\u201c\u2018\u00ab":
        start -= 1
    while end < len(text) and text[end] in "\"'\u201d\u2019\u00bb":
        end += 1
    for g in gold:
        shared = sum(_overlap((start, end), frag) for frag in g.content)
        longer = max(end - start, sum(e - s for s, e in g.content))
        if longer == 0 or shared / longer < 0.5:
            continue
        if record.mention_start is None or record.mention_end is None:
            if not g.source:
                return True
            continue
        mention = (record.mention_start, record.mention_end)
        if any(_overlap(mention, frag) > 0 for frag in g.source):
            return True
    return False


def _split_articles(split_dir: Path) -> tuple[list[Article], dict[str, list[GoldAttribution]]]:
    files = select_annotation_files(sorted((split_dir / "attributions").glob("*.ann")))
    articles = []
    gold: dict[str, list[GoldAttribution]] = {}
    for art_id, ann in sorted(files.items()):
        text = (split_dir / "text" / f"{art_id}.txt").read_text(encoding="utf-8")
        articles.append(Article(id=art_id, text=text, body_span=(0, len(text))))
        gold[art_id] = read_gold_attributions(ann)
    return articles, gold


def split_samples(split_dir: Path, *, model_records: bool) -> tuple[list[tuple[list[str], bool]], int]:
    """(feature keys, right?) of the uncalibrated top-level records the default Extractor finds in a split:
    the tagger's records (``model_records``) or the rules' (the others), and the number of articles."""
    from quotegraph.calibration import calibration_disabled, feature_keys
    from quotegraph.model.linking import MODEL_RULE
    from quotegraph.pipeline import Extractor, to_record
    from quotegraph.speakers import resolve_speakers

    articles, gold = _split_articles(split_dir)
    extractor = Extractor()
    samples: list[tuple[list[str], bool]] = []
    with calibration_disabled():
        for article, doc in zip(articles, extractor.nlp.pipe((a.text for a in articles), batch_size=16)):
            found = extractor.attribute(doc)
            resolve_speakers(doc, found)
            for a in found:
                if a.parent is not None or a.rule.startswith(MODEL_RULE) != model_records:
                    continue
                record = to_record(article, doc, a, 0, False, 0)
                samples.append((feature_keys(doc, a), record_is_right(record, gold[article.id], article.text)))
    return samples, len(articles)


def fit_on_splits(train_dir: Path, dev_dir: Path) -> dict[str, Any]:
    """The calibration table: the rules' records fitted on PolNeAR train, the tagger's on dev.

    The tagger learnt train by heart, so its records there are right far more often than on unseen text; its
    rates come from dev, the split it was tuned on (an in-sample figure for dev, hence test's ECE in
    BENCHMARKS.md). The rules never saw train, so theirs come from train as before.
    """
    from quotegraph.calibration import fit

    rule_samples, n_train = split_samples(train_dir, model_records=False)
    model_samples, n_dev = split_samples(dev_dir, model_records=True)
    table = fit(rule_samples + model_samples)
    table["fitted_on"] = (
        f"PolNeAR {train_dir.name} ({n_train} articles) for the rules' records, "
        f"{dev_dir.name} ({n_dev} articles) for the tagger's"
    )
    return table


def confidence_pairs(split_dir: Path) -> list[tuple[float, bool]]:
    """(confidence, right?) for every top-level record the default extractor finds in a split."""
    from quotegraph.pipeline import Extractor

    articles, gold = _split_articles(split_dir)
    pairs = []
    for article, records in Extractor().extract_many(articles):
        if isinstance(records, list):
            pairs += [(r.confidence, record_is_right(r, gold[article.id], article.text)) for r in records
                      if r.parent is None]
    return pairs


def write_calibration(table: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")
