"""quotegraph on the hand-annotated Wikinews speaker gold set (eval/wikinews-gold/, issue 4).

Measured as the Gender Gap Tracker reports its own figures (quotes found at a token-overlap threshold, then the
speaker of each matched quote):

- **quote P/R/F1 at 0.3 and 0.8 token overlap**: a predicted and a gold quote match when the words they share are
  at least that share of the longer of the two (lower-cased word tokens, punctuation ignored); gold and predicted
  quotes are paired one to one, best overlap first. Nested records (``parent`` set) are not predictions of their
  own: the gold annotates the outer quote only.
- **speaker right**: among quotes matched at 0.3, the share whose speaker is right: the same speaker type and,
  for people and organizations, the same canonical name after normalisation (case, accents, a leading 'the',
  punctuation), where a name also matches its own surname-only or fuller form ('Johnson' ~ 'Boris Johnson').
  Anonymous gold speakers need an anonymous prediction; 'unknown' gold speakers need no name.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quotegraph.readers import ReadError, read_paths
from quotegraph.record import QuoteRecord

if TYPE_CHECKING:
    from quotegraph.pipeline import Extractor

DEFAULT_GOLD = Path(__file__).resolve().parents[3] / "eval" / "wikinews-gold"
THRESHOLDS = (0.3, 0.8)
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class GoldQuote:
    text: str
    start: int
    end: int
    kind: str
    speaker: str | None
    speaker_type: str
    note: str = ""


@dataclass
class SpeakerScores:
    articles: int = 0
    gold: int = 0
    predicted: int = 0
    matched: dict[float, int] = field(default_factory=dict)
    speaker_right: int = 0
    speaker_judged: int = 0
    by_type: dict[str, list[int]] = field(default_factory=dict)  # gold type -> [right, judged]
    errors: list[dict[str, Any]] = field(default_factory=list)
    missed: list[dict[str, Any]] = field(default_factory=list)  # gold quotes with no prediction at 0.3
    spurious: list[dict[str, Any]] = field(default_factory=list)  # predictions matching no gold quote at 0.3

    def prf(self, threshold: float) -> dict[str, float]:
        tp = self.matched.get(threshold, 0)
        p = tp / self.predicted if self.predicted else 0.0
        r = tp / self.gold if self.gold else 0.0
        return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}

    @property
    def speaker_accuracy(self) -> float:
        return self.speaker_right / self.speaker_judged if self.speaker_judged else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "gold_quotes": self.gold,
            "predicted_quotes": self.predicted,
            "quotes": {str(t): self.prf(t) for t in THRESHOLDS},
            "speaker_right": self.speaker_accuracy,
            "speaker_judged": self.speaker_judged,
            "speaker_right_by_gold_type": {
                k: {"right": v[0], "judged": v[1]} for k, v in sorted(self.by_type.items())
            },
            "speaker_errors": self.errors,
            "missed_quotes": self.missed,
            "spurious_quotes": self.spurious,
        }


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def token_overlap(a: str, b: str) -> float:
    """Shared word tokens (as multisets) over the longer span's token count."""
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return 0.0
    counts: dict[str, int] = {}
    for w in wa:
        counts[w] = counts.get(w, 0) + 1
    shared = 0
    for w in wb:
        if counts.get(w, 0) > 0:
            counts[w] -= 1
            shared += 1
    return shared / max(len(wa), len(wb))


def normalise_name(name: str) -> str:
    name = unicodedata.normalize("NFKD", name)
    name = "".join(ch for ch in name if not unicodedata.combining(ch)).lower()
    name = re.sub(r"\bu\.?s\.?(?=\s|$)", "united states", name)
    name = re.sub(r"\bu\.?k\.?(?=\s|$)", "united kingdom", name)
    name = re.sub(r"[^\w\s]", " ", name)
    name = re.sub(r"^\s*the\s+", "", name)
    return " ".join(name.split())


def same_speaker(gold: GoldQuote, record: QuoteRecord) -> bool:
    if gold.speaker_type == "anonymous":
        return record.speaker_type == "anonymous"
    if gold.speaker_type == "unknown" or not gold.speaker:
        return record.speaker is None and record.speaker_type in ("unknown", "anonymous")
    if not record.speaker:
        return False
    g, p = normalise_name(gold.speaker), normalise_name(record.speaker)
    if g == p:
        return True
    gw, pw = g.split(), p.split()
    # 'Johnson' ~ 'Boris Johnson'; 'Kim Jong-un' ~ 'Kim Jong un'
    return bool(gw and pw) and gw[-1] == pw[-1] and (set(gw) <= set(pw) or set(pw) <= set(gw))


def load_gold(folder: Path) -> dict[str, list[GoldQuote]]:
    gold: dict[str, list[GoldQuote]] = {}
    for path in sorted((folder / "annotations").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        gold[data["doc_id"]] = [
            GoldQuote(
                text=q["text"],
                start=q["start"],
                end=q["end"],
                kind=q["kind"],
                speaker=q.get("speaker"),
                speaker_type=q["speaker_type"],
                note=q.get("note", ""),
            )
            for q in data["quotes"]
        ]
    return gold


def match(gold: list[GoldQuote], predicted: list[QuoteRecord], threshold: float) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index), best overlap first."""
    candidates = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(predicted):
            if p.end <= g.start or p.start >= g.end:
                continue  # never match quotes that do not touch in the text
            overlap = token_overlap(g.text, p.text)
            if overlap >= threshold:
                candidates.append((overlap, gi, pi))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for _, gi, pi in candidates:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            pairs.append((gi, pi))
    return pairs


def evaluate_speakers(folder: Path = DEFAULT_GOLD, extractor: Extractor | None = None) -> SpeakerScores:
    """Scores of ``extractor`` (the default pipeline when None) on the gold set in ``folder``."""
    from quotegraph.pipeline import ExtractionError, Extractor

    gold = load_gold(folder)
    paths = [str(folder / "articles" / f"{doc_id}.txt") for doc_id in gold]
    articles = [a for a in read_paths(paths) if not isinstance(a, ReadError)]
    scores = SpeakerScores()
    for article, records in (extractor or Extractor()).extract_many(articles):
        if isinstance(records, ExtractionError):
            records = []
        predicted = [r for r in records if r.parent is None]
        quotes = gold.get(article.id, [])
        scores.articles += 1
        scores.gold += len(quotes)
        scores.predicted += len(predicted)
        for threshold in THRESHOLDS:
            scores.matched[threshold] = scores.matched.get(threshold, 0) + len(match(quotes, predicted, threshold))
        pairs = match(quotes, predicted, THRESHOLDS[0])
        matched_g, matched_p = {gi for gi, _ in pairs}, {pi for _, pi in pairs}
        for gi, g in enumerate(quotes):
            if gi not in matched_g:
                scores.missed.append({"doc": article.id, "start": g.start, "kind": g.kind, "quote": g.text[:120],
                                      "gold": f"{g.speaker} ({g.speaker_type})"})
        for pi, p in enumerate(predicted):
            if pi not in matched_p:
                scores.spurious.append({"doc": article.id, "start": p.start, "kind": p.kind, "quote": p.text[:120],
                                        "predicted": f"{p.speaker} ({p.speaker_type})", "cue": p.cue})
        for gi, pi in pairs:
            right = same_speaker(quotes[gi], predicted[pi])
            scores.speaker_judged += 1
            scores.speaker_right += int(right)
            cell = scores.by_type.setdefault(quotes[gi].speaker_type, [0, 0])
            cell[0] += int(right)
            cell[1] += 1
            if not right:
                scores.errors.append(
                    {
                        "doc": article.id,
                        "quote": quotes[gi].text[:80],
                        "gold": f"{quotes[gi].speaker} ({quotes[gi].speaker_type})",
                        "predicted": f"{predicted[pi].speaker} ({predicted[pi].speaker_type})",
                        "mention": predicted[pi].mention,
                    }
                )
    return scores


def run_speakers_eval(gold: Path | None, output: Path | None) -> int:
    """Print the scores (and write them as JSON); exit code 2 when the gold set is missing."""
    from rich.console import Console
    from rich.table import Table

    folder = gold or DEFAULT_GOLD
    if not (folder / "annotations").is_dir():
        print(f"quotegraph: no gold set at {folder} (expected annotations/ and articles/)", file=sys.stderr)
        return 2
    scores = evaluate_speakers(folder)
    console = Console(highlight=False)
    table = Table(title=f"Wikinews speaker gold set: {scores.articles} articles, {scores.gold} quotes")
    for column in ("measure", "P", "R", "F1"):
        table.add_column(column, justify="right" if column != "measure" else "left")
    for t in THRESHOLDS:
        prf = scores.prf(t)
        table.add_row(f"quotes at {t} overlap", *(f"{prf[k]:.3f}" for k in ("precision", "recall", "f1")))
    console.print(table)
    console.print(
        f"speaker right on matched quotes: {scores.speaker_accuracy:.3f} "
        f"({scores.speaker_right}/{scores.speaker_judged}); by gold type: "
        + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(scores.by_type.items()))
    )
    console.print("Gender Gap Tracker V7 on its own news set: quotes F1 0.837 at 0.3, speaker right 0.865.")
    if output:
        output.write_text(json.dumps(scores.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0
