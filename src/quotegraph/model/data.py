"""PolNeAR's BRAT gold as token labels for the tagger.

Training reads every annotation file of a train article (articles annotated twice give two label sequences over
one text: more data, and the annotators' disagreement is the noise the model should average over). Dev, used to
pick the epoch, reads one file per article by the evaluation's rule (``select_annotation_files``).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from quotegraph.evaluate.polnear import read_brat, select_annotation_files
from quotegraph.model import LABELS

_PRIORITY = {"content": 1, "cue": 2, "source": 3}


@dataclass
class GoldDocument:
    """One annotation file: its article's text and (role, start, end) character spans."""

    name: str
    text: str
    spans: list[tuple[str, int, int]]


def read_split(split_dir: Path, *, every_annotator: bool) -> Iterator[GoldDocument]:
    """The annotation files of a PolNeAR split folder (``attributions/`` and ``text/``), in name order."""
    ann_dir, text_dir = split_dir / "attributions", split_dir / "text"
    paths = sorted(ann_dir.glob("*.ann"))
    chosen = paths if every_annotator else list(select_annotation_files(paths).values())
    for path in chosen:
        article = path.stem.rsplit("_", 1)[0]
        text_path = text_dir / f"{article}.txt"
        if not text_path.exists():
            continue
        text = text_path.read_text(encoding="utf-8")
        spans = [
            (span.label.lower(), s, e)
            for span in read_brat(path)
            if span.label.lower() in _PRIORITY
            for s, e in span.fragments
            if e > s
        ]
        yield GoldDocument(path.stem, text, spans)


def token_labels(token_offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[str, int, int]]) -> list[int]:
    """A label index (into LABELS) per token: the highest-priority span overlapping the token's characters
    (source > cue > content, as PolNeAR is univocal), B at the first token of each span, whitespace tokens O."""
    starts = [s for s, _ in token_offsets]
    owner: list[int | None] = [None] * len(token_offsets)
    for k, (role, s, e) in enumerate(spans):
        i = max(0, bisect.bisect_right(starts, s) - 1)
        while i < len(token_offsets) and token_offsets[i][0] < e:
            ts, te = token_offsets[i]
            if te > s and te > ts:
                current = owner[i]
                if current is None or _PRIORITY[role] > _PRIORITY[spans[current][0]]:
                    owner[i] = k
            i += 1
    labels: list[int] = []
    prev: int | None = None
    for owned in owner:
        if owned is None:
            labels.append(0)
        else:
            labels.append(LABELS.index(("I-" if owned == prev else "B-") + spans[owned][0]))
        prev = owned
    return labels
