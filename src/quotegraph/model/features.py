"""Per-token inputs of the tagger, read off the spaCy Doc the Extractor has already parsed (no second parse).

Dense: spaCy sm's shared tok2vec output (``doc.tensor``, 96 floats per token), the context the tagger and parser
read. Sparse: a fixed list of categorical fields (tag, dependency, entity, lemma, the head's lemma and distance,
word-list classes, and the role the rules gave the token), each hashed into one shared table, so the model needs
no vocabulary file and an unseen value only lands in some bucket.
"""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from quotegraph.lexicon import BELIEF_VERBS, DOCUMENT_NOUNS, SPEECH_VERBS, TITLES

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from quotegraph.attribution import Attribution

FIELDS = (
    "tag", "dep", "ent", "shape", "lemma", "suffix", "head_lemma", "head_dist", "head_tag",
    "lex", "head_lex", "rule", "quote_char", "start",
)
HASH_BUCKETS = 1 << 16
DENSE_WIDTH = 96
QUOTE_CHARS = frozenset("\"'“”‘’«»„‚‹›`")


@lru_cache(maxsize=1 << 16)
def bucket(field: str, value: str) -> int:
    """A stable bucket for a field's value (crc32, the same in every process, unlike ``hash``)."""
    return zlib.crc32(f"{field}={value}".encode()) % HASH_BUCKETS


def _lex_class(lemma: str) -> str:
    if lemma in SPEECH_VERBS:
        return "speech"
    if lemma in BELIEF_VERBS:
        return "belief"
    if lemma in DOCUMENT_NOUNS:
        return "document"
    if lemma in TITLES:
        return "title"
    if lemma == "accord":
        return "accord"
    return "-"


def _distance(d: int) -> str:
    if d == 0:
        return "0"
    sign = "+" if d > 0 else "-"
    size = abs(d)
    return sign + ("1" if size == 1 else "2" if size == 2 else "3-5" if size <= 5 else "6-10" if size <= 10 else "far")


def rule_roles(doc: Doc, attributions: Sequence[Attribution]) -> list[str]:
    """The role the rules gave each token: source, cue, content-direct or content-indirect (else '-')."""
    roles = ["-"] * len(doc)
    starts = [t.idx for t in doc]

    def mark(start: int, end: int, role: str, overwrite: bool) -> None:
        i = max(0, bisect.bisect_right(starts, start) - 1)
        while i < len(doc) and starts[i] < end:
            t = doc[i]
            if t.idx + len(t) > start and (overwrite or roles[i] == "-"):
                roles[i] = role
            i += 1

    for a in attributions:
        if a.parent is not None:
            continue
        mark(a.start, a.end, "content-direct" if a.kind == "direct" else "content-" + a.kind, False)
    for a in attributions:
        if a.parent is not None:
            continue
        if a.cue is not None:
            mark(a.cue[0], a.cue[1], "cue", True)
        if a.source is not None:
            mark(a.source[0], a.source[1], "source", True)
    return roles


def token_features(doc: Doc, attributions: Sequence[Attribution]) -> tuple[np.ndarray, np.ndarray]:
    """(dense float32 [n, 96], sparse int64 [n, len(FIELDS)]) for the tokens of ``doc``."""
    n = len(doc)
    dense = np.zeros((n, DENSE_WIDTH), dtype=np.float32)
    tensor = getattr(doc, "tensor", None)
    if tensor is not None and len(tensor.shape) == 2 and tensor.shape[0] == n and tensor.shape[1] == DENSE_WIDTH:
        dense[:] = np.asarray(tensor, dtype=np.float32)
    roles = rule_roles(doc, attributions)
    sparse = np.zeros((n, len(FIELDS)), dtype=np.int64)
    for i, t in enumerate(doc):
        head = t.head
        lemma = t.lemma_.lower()
        head_lemma = head.lemma_.lower()
        values = (
            t.tag_,
            t.dep_,
            t.ent_iob_ + t.ent_type_,
            t.shape_[:5],
            lemma,
            t.lower_[-3:],
            head_lemma,
            _distance(head.i - t.i),
            head.tag_,
            _lex_class(lemma),
            _lex_class(head_lemma),
            roles[i],
            "q" if t.text in QUOTE_CHARS or t.text in ("``", "''") else ("nl" if "\n" in t.text else "-"),
            "p" if i == 0 or "\n" in doc[i - 1].text_with_ws else ("s" if t.is_sent_start else "-"),
        )
        for f, (name, value) in enumerate(zip(FIELDS, values, strict=True)):
            sparse[i, f] = bucket(name, value)
    return dense, sparse
