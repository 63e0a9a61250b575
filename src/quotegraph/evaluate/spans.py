"""Span arithmetic and scoring shared by the evaluations: BIO chunks, P/R/F1 counts, quote-mark trimming, overlap.

Chunk extraction follows CofeNet's scorer exactly (``cofe-ai/CofeNet``, ``exe/eval/extraction.py::get_element``
and ``exe/eval/evaluation.py::evaluate_extraction`` / ``cal_evaluation_detail``, commit fb50f25):

* ``B-X`` opens a chunk of type X (closing any open one);
* ``I-X`` continues an open chunk of type X;
* ``I-X`` with no open chunk, or after a chunk of another type, closes the open chunk and is *dropped*, and so
  are the ``I-X`` that follow it, until the next ``B-``. This is where CofeNet differs from conlleval, which
  would open a new chunk at the stray ``I-X``. ``chunks_conlleval`` implements the conlleval rule for comparison.
  On PolNeAR the difference never shows: the gold files have no stray ``I-`` (checked on valid.txt and
  test.txt) and the labels quotegraph's projection writes always open with ``B-``.
* exact match: a gold chunk counts when the same (start, end) chunk of the same type is predicted in the same
  sentence; every predicted chunk not in the gold is a false positive. Counts are pooled over all sentences
  (micro) per role and P = TP / predicted, R = TP / gold, F1 = 2PR / (P + R), 0 when undefined (sklearn's
  binary precision/recall/F1 on CofeNet's 0/1 vectors reduce to exactly this).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from quotegraph.record import strip_span

ROLES: tuple[str, ...] = ("source", "cue", "content")

Chunk = tuple[str, int, int]  # (type, start token, end token exclusive)
Scheme = Literal["cofenet", "conlleval"]

# Quote marks as they appear in PolNeAR's raw text and in text rebuilt from PTB tokens.
DOUBLE_OPEN = '"“„«'
DOUBLE_CLOSE = '"”»'
DOUBLE_MARKS = DOUBLE_OPEN + DOUBLE_CLOSE
SINGLE_OPEN = "'‘`"
SINGLE_CLOSE = "'’"


@dataclass
class PRF:
    """Counts behind one precision / recall / F1 figure.

    ``gold_matched`` and ``pred_matched`` are equal for exact matching; they differ for lenient matching, where
    precision is the share of predictions that match some gold span and recall the share of gold spans matched.
    """

    n_gold: int = 0
    n_pred: int = 0
    gold_matched: int = 0
    pred_matched: int = 0

    @property
    def precision(self) -> float:
        return self.pred_matched / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.gold_matched / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: PRF) -> None:
        self.n_gold += other.n_gold
        self.n_pred += other.n_pred
        self.gold_matched += other.gold_matched
        self.pred_matched += other.pred_matched

    def to_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "gold": self.n_gold,
            "predicted": self.n_pred,
            "gold_matched": self.gold_matched,
            "predicted_matched": self.pred_matched,
        }


def exact_prf(gold: Iterable[object], pred: Iterable[object]) -> PRF:
    """Exact-match counts between two collections of hashable spans (duplicates count once)."""
    g, p = set(gold), set(pred)
    tp = len(g & p)
    return PRF(n_gold=len(g), n_pred=len(p), gold_matched=tp, pred_matched=tp)


# --- BIO chunks ------------------------------------------------------------------------------------------------


def chunks_cofenet(labels: Sequence[str]) -> list[Chunk]:
    """Chunks of a BIO sequence, exactly as CofeNet's ``get_element`` finds them (stray ``I-`` dropped)."""
    chunks: list[Chunk] = []
    open_type: str | None = None
    start = -1
    for i, label in enumerate(labels):
        if label.startswith("B-"):
            if open_type is not None:
                chunks.append((open_type, start, i))
            open_type, start = label[2:], i
        elif label.startswith("I-"):
            if open_type is not None and label[2:] == open_type:
                continue
            if open_type is not None:
                chunks.append((open_type, start, i))
            open_type, start = None, -1
        else:
            if open_type is not None:
                chunks.append((open_type, start, i))
            open_type, start = None, -1
    if open_type is not None:
        chunks.append((open_type, start, len(labels)))
    return chunks


def chunks_conlleval(labels: Sequence[str]) -> list[Chunk]:
    """Chunks by the conlleval rule: an ``I-X`` that does not continue an X chunk opens a new one."""
    chunks: list[Chunk] = []
    open_type: str | None = None
    start = -1
    for i, label in enumerate(labels):
        prefix, _, typ = label.partition("-")
        if prefix == "B" or (prefix == "I" and typ != open_type):
            if open_type is not None:
                chunks.append((open_type, start, i))
            open_type, start = typ, i
        elif prefix == "I":
            continue
        else:
            if open_type is not None:
                chunks.append((open_type, start, i))
            open_type, start = None, -1
    if open_type is not None:
        chunks.append((open_type, start, len(labels)))
    return chunks


def score_bio(
    gold: Sequence[Sequence[str]],
    pred: Sequence[Sequence[str]],
    *,
    roles: Sequence[str] = ROLES,
    scheme: Scheme = "cofenet",
    max_tokens: int | None = None,
) -> dict[str, PRF]:
    """Chunk-level exact-match counts per role, micro over sentences (CofeNet's ``exact_match`` figures).

    ``max_tokens`` cuts every sentence (gold and predicted alike) to its first tokens before chunking, as
    CofeNet's loader does with ``max_seqs`` (300 in its PolNeAR configurations).
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    extract = chunks_cofenet if scheme == "cofenet" else chunks_conlleval
    totals = {role: PRF() for role in roles}
    for i, (g, p) in enumerate(zip(gold, pred, strict=True)):
        if len(g) != len(p):
            raise ValueError(f"sentence {i}: {len(g)} gold labels but {len(p)} predicted")
        if max_tokens is not None:
            g, p = g[:max_tokens], p[:max_tokens]
        g_chunks, p_chunks = extract(g), extract(p)
        for role in roles:
            totals[role].add(
                exact_prf(
                    ((s, e) for t, s, e in g_chunks if t == role),
                    ((s, e) for t, s, e in p_chunks if t == role),
                )
            )
    return totals


# --- character spans -------------------------------------------------------------------------------------------




def trim_quote_marks(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without surrounding whitespace and without enclosing quote marks.

    Double marks (" “ ” „ « ») are taken off either end on their own, since PolNeAR content often keeps only
    one of them ('that she would “keep the details under wraps.”'). Single marks (' ‘ ’ `) go only in pairs, one
    at each end, so that a final apostrophe ("the voters’") stays.
    """
    start, end = strip_span(text, start, end)
    while start < end:
        changed = False
        if text[start] in DOUBLE_MARKS:
            start, changed = start + 1, True
        if end > start and text[end - 1] in DOUBLE_MARKS:
            end, changed = end - 1, True
        if end - start >= 2 and text[start] in SINGLE_OPEN and text[end - 1] in SINGLE_CLOSE:
            start, end, changed = start + 1, end - 1, True
        if not changed:
            break
        start, end = strip_span(text, start, end)
    return start, end


def extend_to_quote_marks(text: str, start: int, end: int) -> tuple[int, int]:
    """A content span widened over the quote marks that enclose it (PolNeAR's content keeps its marks).

    A double mark right before ``start`` or right after ``end`` is taken in on its own (PolNeAR content often
    has just one of its marks); single marks only as a pair.
    """
    n = len(text)
    s, e = start, end
    if s > 0 and text[s - 1] in DOUBLE_OPEN:
        s -= 1
    if e < n and text[e] in DOUBLE_CLOSE:
        e += 1
    if s == start and e == end and s > 0 and e < n and text[s - 1] in SINGLE_OPEN and text[e] in SINGLE_CLOSE:
        s, e = s - 1, e + 1
    return s, e


_WORD = re.compile(r"\w+|[^\w\s]")


class TokenIndex:
    """Word and punctuation tokens of a text, for token-overlap matching of character spans."""

    def __init__(self, text: str) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for m in _WORD.finditer(text):
            self.starts.append(m.start())
            self.ends.append(m.end())

    def tokens(self, start: int, end: int) -> range:
        """Indices of the tokens that overlap [start, end)."""
        first = bisect.bisect_right(self.ends, start)
        last = bisect.bisect_left(self.starts, end)
        return range(first, max(first, last))


def overlap_ratio(a: range, b: range) -> float:
    """Shared tokens over the longer of the two spans (1.0 identical, 0.5 or more: each covers half the other)."""
    if not a or not b:
        return 0.0
    shared = max(0, min(a.stop, b.stop) - max(a.start, b.start))
    return shared / max(len(a), len(b))


def lenient_prf(
    gold: Iterable[tuple[int, int]], pred: Iterable[tuple[int, int]], index: TokenIndex, threshold: float = 0.5
) -> PRF:
    """Overlap-match counts: a span matches when it shares ``threshold`` of the longer span's tokens with another."""
    g = [index.tokens(s, e) for s, e in sorted(set(gold))]
    p = [index.tokens(s, e) for s, e in sorted(set(pred))]
    gold_matched = sum(1 for x in g if any(overlap_ratio(x, y) >= threshold for y in p))
    pred_matched = sum(1 for y in p if any(overlap_ratio(x, y) >= threshold for x in g))
    return PRF(n_gold=len(g), n_pred=len(p), gold_matched=gold_matched, pred_matched=pred_matched)
