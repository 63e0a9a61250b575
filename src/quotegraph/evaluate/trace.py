"""``quotegraph eval trace``: quote tracing scored on the trace test set (``benchmarks/trace_testset.py``).

The test set plants real quotes, edited (trimmed, an ellipsis, punctuation/case, partial, a word changed), in
copies of other real articles, with look-alike distractors (a phrase of the quote in a different statement,
another statement by the same speaker). Two ways of scoring, both on the planted quotes only (the hosts' own
quotes are grouped too, but have no gold):

- *end to end*: quotegraph's extractor reads the articles; each planted quote is matched to the record that
  overlaps it most; the records are grouped by ``quotegraph.trace``. Extraction misses and speaker errors count.
- *records*: one record per planted quote, text and speaker as planted: the grouping alone.

Figures: pairwise precision and recall of grouping (pairs of planted quotes put in one group), the same for the
baseline (Quotebank's grouping: identical text after lower-casing and removing punctuation), misattribution flags
(per gold utterance: does the group holding most of it say 'misattribution'?), altered-wording flags (per variant
that is not the reference) and the first appearance.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from quotegraph.record import QuoteRecord
from quotegraph.trace import QuoteGroup, TraceItem, group_items

SPLITS = ("dev", "test")
PROJECT = Path(__file__).resolve().parents[3]
GENERATOR = PROJECT / "benchmarks" / "trace_testset.py"
DEFAULT_TESTSET = PROJECT / "benchmarks" / "trace-testset"


def find_shared_news() -> Path | None:
    """``shared/data/news`` beside the project (or ``$QUOTEGRAPH_SHARED_DATA/news``), if there."""
    env = os.environ.get("QUOTEGRAPH_SHARED_DATA")
    candidates = [Path(env) / "news"] if env else []
    for base in (Path.cwd(), PROJECT):
        candidates += [folder / "shared" / "data" / "news" for folder in (base, *base.parents)]
    for candidate in candidates:
        if (candidate / "bbc").is_dir() and (candidate / "wikinews").is_dir():
            return candidate
    return None


# ---------------------------------------------------------------------------------------------------- data


@dataclass
class Plant:
    file: str
    start: int
    end: int
    text: str
    group: str
    edit: str
    speaker_written: str
    person: str
    misattributed_group: bool
    outlet: str
    date: str

    @property
    def distractor(self) -> bool:
        return self.edit.startswith("distractor")


def read_gold(split_dir: Path) -> list[Plant]:
    lines = (split_dir / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    return [Plant(**json.loads(line)) for line in lines if line.strip()]


def read_outlets(split_dir: Path) -> dict[str, str]:
    out = {}
    for line in (split_dir / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out[row["file"]] = row["outlet"]
    return out


def _doc_id(file: str) -> str:
    return Path(file).stem


def extract_split(split_dir: Path, *, use_cache: bool = True) -> dict[str, list[QuoteRecord]]:
    """Records per article file of a split, by quotegraph's extractor; cached in ``records.jsonl`` beside it
    (keyed by the gold file's hash and quotegraph's source of extraction, so a change to either re-extracts)."""
    from quotegraph import attribution, pipeline, quotes, speakers

    digest = hashlib.sha256((split_dir / "gold.jsonl").read_bytes())
    for module in (attribution, pipeline, quotes, speakers):
        if module.__file__:
            digest.update(Path(module.__file__).read_bytes())
    key = digest.hexdigest()[:16]
    cache = split_dir / "records.jsonl"
    if use_cache and cache.exists():
        lines = cache.read_text(encoding="utf-8").splitlines()
        if lines and json.loads(lines[0]).get("cache_key") == key:
            out: dict[str, list[QuoteRecord]] = defaultdict(list)
            for line in lines[1:]:
                row = json.loads(line)
                out[row["file"]].append(QuoteRecord.model_validate(row["record"]))
            return dict(out)
    from quotegraph.pipeline import ExtractionError, Extractor
    from quotegraph.readers import read_paths
    from quotegraph.record import Article

    articles = [a for a in read_paths([str(split_dir / "articles")]) if isinstance(a, Article)]
    extractor = Extractor()
    result: dict[str, list[QuoteRecord]] = {}
    for article, records in extractor.extract_many(articles):
        if isinstance(records, ExtractionError):
            continue
        result[Path(article.path or article.id).name] = records
    with cache.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps({"cache_key": key}) + "\n")
        for file, records in result.items():
            for record in records:
                handle.write(json.dumps({"file": file, "record": record.to_dict()}, ensure_ascii=False) + "\n")
    return result


def match_plants(plants: Sequence[Plant], records: dict[str, list[QuoteRecord]]) -> dict[int, tuple[str, int]]:
    """Plant index -> (file, record index) of the body record overlapping it most (at least half the plant)."""
    matched: dict[int, tuple[str, int]] = {}
    for p_index, plant in enumerate(plants):
        best: tuple[int, int] | None = None
        for r_index, record in enumerate(records.get(plant.file, [])):
            if record.in_headline:
                continue
            overlap = min(plant.end, record.end) - max(plant.start, record.start)
            if overlap > 0 and (best is None or overlap > best[0]):
                best = (overlap, r_index)
        if best is not None and best[0] >= 0.5 * (plant.end - plant.start):
            matched[p_index] = (plant.file, best[1])
    return matched


# ---------------------------------------------------------------------------------------------------- scoring


@dataclass
class PR:
    tp: int = 0
    n_pred: int = 0
    n_gold: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / self.n_pred if self.n_pred else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.n_gold if self.n_gold else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "tp": self.tp,
            "predicted": self.n_pred,
            "gold": self.n_gold,
        }


def pairwise(gold: Sequence[str], predicted: Sequence[Any]) -> PR:
    """Pairwise precision/recall: pairs of items in one predicted group that are in one gold group."""
    gold_pairs = _pairs(gold)
    pred_pairs = _pairs(predicted)
    return PR(len(gold_pairs & pred_pairs), len(pred_pairs), len(gold_pairs))


def _pairs(labels: Sequence[Any]) -> set[tuple[int, int]]:
    members: dict[Any, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        members[label].append(index)
    return {pair for group in members.values() for pair in combinations(group, 2)}


_PUNCT = re.compile(r"[^\w\s]+")


def quotebank_key(text: str) -> str:
    """Quotebank's grouping key: lower case, punctuation removed, spaces collapsed."""
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


@dataclass
class ModeResult:
    name: str
    planted: int
    scored: int
    grouping: PR
    baseline: PR
    misattribution: PR
    altered: PR
    first_right: int
    first_total: int
    merged_with_background: int
    seconds: float
    baseline_seconds: float
    by_edit: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.name,
            "planted": self.planted,
            "scored": self.scored,
            "grouping": self.grouping.to_dict(),
            "baseline_quotebank": self.baseline.to_dict(),
            "misattribution": self.misattribution.to_dict(),
            "altered_wording": self.altered.to_dict(),
            "first_appearance": {"right": self.first_right, "groups": self.first_total},
            "planted_merged_with_background": self.merged_with_background,
            "grouping_seconds": round(self.seconds, 3),
            "baseline_seconds": round(self.baseline_seconds, 4),
            "recall_by_edit": self.by_edit,
            # no quote text here: the test set comes from research-use corpora (BBC, Reuters) that must not be
            # republished; --show-errors prints examples to the terminal
            "errors": len(self.errors),
        }


def score(
    name: str,
    plants: Sequence[Plant],
    items: Sequence[TraceItem],
    plant_item: dict[int, int],
    planted_persons: dict[int, str],
) -> ModeResult:
    """Group ``items`` and score the planted ones (``plant_item``: plant index -> item index)."""
    started = time.perf_counter()
    groups = group_items(items)
    seconds = time.perf_counter() - started
    group_of: dict[Any, int] = {}
    for g_index, group in enumerate(groups):
        for appearance in group.appearances:
            group_of[appearance.item.key] = g_index
    scored = sorted(plant_item)
    gold = [plants[p].group for p in scored]
    predicted = [group_of[items[plant_item[p]].key] for p in scored]
    grouping = pairwise(gold, predicted)

    started = time.perf_counter()
    keys = [quotebank_key(item.record.text) for item in items]
    baseline_seconds = time.perf_counter() - started
    baseline = pairwise(gold, [keys[plant_item[p]] for p in scored])

    # recall by kind of edit: is the variant in the group of its utterance's original (first copy)?
    by_edit: dict[str, Counter[str]] = defaultdict(Counter)
    original: dict[str, int] = {}
    for p in scored:
        if plants[p].edit == "copy" and plants[p].group not in original:
            original[plants[p].group] = p
    errors: list[str] = []
    for p in scored:
        plant = plants[p]
        if plant.distractor:
            anchor = original.get(plant.group.split("-")[0])
            if anchor is None:
                continue
            apart = predicted[scored.index(p)] != group_of[items[plant_item[anchor]].key]
            by_edit[plant.edit]["kept apart" if apart else "wrongly grouped"] += 1
            if not apart:
                errors.append(f"{plant.edit}: {plant.text!r} grouped with {plants[anchor].text!r}")
            continue
        anchor = original.get(plant.group)
        if anchor is None or anchor == p:
            continue
        together = group_of[items[plant_item[p]].key] == group_of[items[plant_item[anchor]].key]
        by_edit[plant.edit]["grouped" if together else "missed"] += 1
        if not together:
            errors.append(f"{plant.edit} missed: {items[plant_item[p]].record.text!r} vs {plants[anchor].text!r}")

    # misattribution, first appearance, altered wording: per gold utterance (distractors left out)
    members: dict[str, list[int]] = defaultdict(list)
    for p in scored:
        if not plants[p].distractor:
            members[plants[p].group].append(p)
    misattribution = PR()
    altered = PR()
    first_right = first_total = 0
    for group_name, ps in members.items():
        if len(ps) < 2:
            continue
        votes = Counter(group_of[items[plant_item[p]].key] for p in ps)
        predicted_group: QuoteGroup = groups[votes.most_common(1)[0][0]]
        gold_flag = len({planted_persons[p] for p in ps}) > 1
        misattribution.n_gold += gold_flag
        misattribution.n_pred += predicted_group.misattribution
        misattribution.tp += gold_flag and predicted_group.misattribution
        earliest = min(plants[p].date for p in ps)
        first_total += 1
        first_right += predicted_group.first.item.date == earliest
        reference = predicted_group.appearances[predicted_group.reference].item.key
        anchor = original.get(group_name)
        if anchor is None or items[plant_item[anchor]].key != reference:
            continue
        by_key = {a.item.key: a for a in predicted_group.appearances}
        for p in ps:
            found = by_key.get(items[plant_item[p]].key)
            if found is None or found.is_reference:
                continue
            gold_altered = plants[p].edit == "substitute"
            altered.n_gold += gold_altered
            altered.n_pred += found.diff.altered
            altered.tp += gold_altered and found.diff.altered
            if gold_altered != found.diff.altered:
                errors.append(f"altered flag {found.diff.altered} for {plants[p].edit}: {plants[p].text!r}")

    planted_keys = {items[plant_item[p]].key for p in scored}
    merged = 0
    for group in groups:
        keys_in = {a.item.key for a in group.appearances}
        if keys_in & planted_keys and keys_in - planted_keys:
            merged += len(keys_in & planted_keys)
    return ModeResult(
        name=name,
        planted=len(plants),
        scored=len(scored),
        grouping=grouping,
        baseline=baseline,
        misattribution=misattribution,
        altered=altered,
        first_right=first_right,
        first_total=first_total,
        merged_with_background=merged,
        seconds=seconds,
        baseline_seconds=baseline_seconds,
        by_edit={edit: dict(counts) for edit, counts in sorted(by_edit.items())},
        errors=errors,
    )


def evaluate_records_mode(plants: Sequence[Plant], outlets: dict[str, str]) -> ModeResult:
    """The grouping alone: one record per planted quote, as planted (speaker as written)."""
    items = []
    for index, plant in enumerate(plants):
        record = QuoteRecord(
            doc_id=_doc_id(plant.file),
            text=plant.text,
            start=plant.start,
            end=plant.end,
            kind="direct",
            speaker=plant.speaker_written,
            speaker_type="person",
            confidence=1.0,
            date=plant.date,
        )
        items.append(TraceItem(record, key=index, article=_doc_id(plant.file), outlet=outlets.get(plant.file)))
    return score(
        "records", plants, items, {i: i for i in range(len(plants))}, {i: p.person for i, p in enumerate(plants)}
    )


def evaluate_end_to_end(
    plants: Sequence[Plant], outlets: dict[str, str], records: dict[str, list[QuoteRecord]]
) -> ModeResult:
    """Extracted records of every article (hosts' own quotes too), planted ones matched by overlap."""
    items: list[TraceItem] = []
    position: dict[tuple[str, int], int] = {}
    for file in sorted(records):
        for r_index, record in enumerate(records[file]):
            position[(file, r_index)] = len(items)
            items.append(
                TraceItem(record, key=len(items), article=_doc_id(file), outlet=outlets.get(file), title=None)
            )
    matched = match_plants(plants, records)
    plant_item = {p: position[where] for p, where in matched.items()}
    # the gold person of a matched record: the planted person when the extractor named the speaker as planted
    return score("end to end", plants, items, plant_item, {p: plants[p].person for p in plant_item})


# ---------------------------------------------------------------------------------------------------- report


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def render(split: str, folder: Path, results: Sequence[ModeResult], console: Any = None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console(width=None if sys.stdout.isatty() else 160)
    table = Table(title=f"Quote tracing, trace test set ({split}: {folder})", title_justify="left")
    for column in ("mode", "scored", "grouping P", "grouping R", "Quotebank P", "Quotebank R", "misattr. P",
                   "misattr. R", "altered P", "altered R", "first right", "seconds"):  # fmt: skip
        table.add_column(column, justify="right" if column != "mode" else "left", no_wrap=True)
    for r in results:
        table.add_row(
            r.name,
            f"{r.scored}/{r.planted}",
            _pct(r.grouping.precision),
            _pct(r.grouping.recall),
            _pct(r.baseline.precision),
            _pct(r.baseline.recall),
            _pct(r.misattribution.precision),
            _pct(r.misattribution.recall),
            _pct(r.altered.precision),
            _pct(r.altered.recall),
            f"{r.first_right}/{r.first_total}",
            f"{r.seconds:.2f}",
        )
    console.print(table)
    for r in results:
        parts = []
        for edit, counts in r.by_edit.items():
            parts.append(f"{edit} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        console.print(f"{r.name}: " + "; ".join(parts), highlight=False)
        console.print(
            f"{r.name}: {r.merged_with_background} planted quotes grouped with a host article's own quote; "
            f"pairs: {r.grouping.tp} right of {r.grouping.n_pred} predicted, {r.grouping.n_gold} gold",
            highlight=False,
        )


def run_trace_eval(
    split: str,
    testset: Path | None,
    output: Path | None,
    *,
    use_cache: bool = True,
    records_only: bool = False,
    show_errors: int = 0,
    console: Any = None,
) -> int:
    """Score tracing on ``split`` of the test set; generate the set first when it is missing and the shared data
    is there. Exit codes: 0 scored (or skipped: no shared data and no test set), 2 bad split or broken set."""
    if split not in SPLITS:
        print(f"quotegraph: unknown split {split!r}; use dev or test", file=sys.stderr)
        return 2
    folder = testset or DEFAULT_TESTSET
    if not (folder / split / "gold.jsonl").exists():
        shared = find_shared_news()
        if testset is not None or shared is None or not GENERATOR.exists():
            print(
                f"quotegraph: skipped: no trace test set at {folder} and no shared data to make one from "
                "(it is built from ../shared/data/news by benchmarks/trace_testset.py)",
                file=sys.stderr,
            )
            return 0
        print(
            f"quotegraph: making the trace test set from {shared} (benchmarks/trace_testset.py)", file=sys.stderr
        )
        made = subprocess.run(
            [sys.executable, str(GENERATOR), "--shared", str(shared), "--out", str(folder)], check=False
        )
        if made.returncode != 0:
            return 2
    split_dir = folder / split
    if split == "test":
        print("quotegraph: trace test split: for reported figures only, never for tuning", file=sys.stderr)
    plants = read_gold(split_dir)
    outlets = read_outlets(split_dir)
    results = [evaluate_records_mode(plants, outlets)]
    if not records_only:
        records = extract_split(split_dir, use_cache=use_cache)
        results.append(evaluate_end_to_end(plants, outlets, records))
    render(split, folder, results, console)
    if show_errors:
        for r in results:
            for line in r.errors[:show_errors]:
                print(f"  [{r.name}] {line}")
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        report = {"split": split, "testset": str(folder), "results": [r.to_dict() for r in results]}
        output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0
