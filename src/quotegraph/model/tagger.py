"""The trained tagger at run time: weights in, spans out, spans linked into Attributions.

Weights are one torch file (fp16 tensors, the network's config and the training facts) in
``quotegraph/resources/model/``; ``quotegraph train`` writes them and the model card says how they were made.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from quotegraph.model import LABELS

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from quotegraph.attribution import Attribution
    from quotegraph.model.network import AttributionTaggerNet, TaggerConfig

WEIGHTS_FORMAT = 1
THREADS_ENV = "QUOTEGRAPH_TORCH_THREADS"
MODEL_ENV = "QUOTEGRAPH_MODEL"  # other weights (``quotegraph train --output``) for every command
DEFAULT_WEIGHTS = Path(__file__).resolve().parent.parent / "resources" / "model" / "attribution-tagger.pt"
RETRAIN_HINT = "retrain it with `quotegraph train` (see src/quotegraph/resources/model/MODEL_CARD.md)"


class ModelLoadError(RuntimeError):
    """The tagger's weights are missing or unreadable; the message says which file and how to retrain."""


def save_weights(net: AttributionTaggerNet, config: TaggerConfig, path: Path, meta: dict[str, Any]) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu", torch.float16) for k, v in net.state_dict().items()}
    torch.save(
        {"format": WEIGHTS_FORMAT, "config": config.to_dict(), "labels": list(LABELS), "state": state,
         "meta": json.dumps(meta)},
        path,
    )


def load_weights(path: Path = DEFAULT_WEIGHTS) -> tuple[AttributionTaggerNet, dict[str, Any]]:
    """The network in eval mode (fp32 on the CPU) and its training facts; ModelLoadError when unusable."""
    try:
        import torch
    except ImportError as exc:
        raise ModelLoadError(f"the attribution tagger needs torch ({exc}); pip install quotegraph again") from None
    from quotegraph.model.network import AttributionTaggerNet, TaggerConfig

    if not path.exists():
        raise ModelLoadError(f"{path}: the attribution tagger's weights are missing; {RETRAIN_HINT}")
    try:
        with warnings.catch_warnings():  # torch warns before failing on a bad file; the error says it all
            warnings.simplefilter("ignore")
            blob = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(blob, dict) or blob.get("format") != WEIGHTS_FORMAT:
            raise ValueError("not a quotegraph tagger weights file of format 1")
        if list(blob["labels"]) != list(LABELS):
            raise ValueError("its labels differ from this version's")
        net = AttributionTaggerNet(TaggerConfig(**blob["config"]))
        net.load_state_dict({k: v.float() for k, v in blob["state"].items()})
    except Exception as exc:  # any unpickling, key or shape problem means the same thing to a user
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
        raise ModelLoadError(
            f"{path}: the attribution tagger's weights cannot be read ({reason}); {RETRAIN_HINT}"
        ) from None
    net.eval()
    return net, json.loads(blob.get("meta") or "{}")


@dataclass
class TaggedSpan:
    """A span the tagger found: role, tokens [start, end) of the Doc, and its mean label probability."""

    role: str
    start: int
    end: int
    probability: float


def decode_spans(log_probs: np.ndarray, transitions: np.ndarray | None = None) -> list[TaggedSpan]:
    """Constrained-Viterbi labels of one Doc's log-probabilities [tokens, labels] (and the model's learnt
    transition scores, if any), as spans."""
    from quotegraph.model.network import viterbi

    path = viterbi(log_probs, transitions)
    spans: list[TaggedSpan] = []
    i = 0
    while i < len(path):
        label = LABELS[path[i]]
        if label == "O":
            i += 1
            continue
        role = label[2:]
        j = i + 1
        while j < len(path) and LABELS[path[j]] == f"I-{role}":
            j += 1
        probability = float(np.exp(log_probs[np.arange(i, j), path[i:j]]).mean())
        spans.append(TaggedSpan(role, i, j, probability))
        i = j
    return spans


def load_tagger(path: str | None = None) -> AttributionTagger:
    """One tagger per weights file per process: ``path``, else ``$QUOTEGRAPH_MODEL``, else the shipped weights."""
    return _cached_tagger(path or os.environ.get(MODEL_ENV) or str(DEFAULT_WEIGHTS))


@lru_cache(maxsize=4)
def _cached_tagger(path: str) -> AttributionTagger:
    return AttributionTagger(Path(path))


class AttributionTagger:
    """The trained tagger: ``spans(doc, rule_attributions)`` -> TaggedSpans over the Doc's tokens."""

    def __init__(self, path: Path = DEFAULT_WEIGHTS) -> None:
        import torch

        self.path = path
        self.net, self.meta = load_weights(path)
        self.transitions = self.net.transition_scores()
        # One sequence at a time through a small LSTM gains nothing from more threads, and on a busy machine
        # (or beside spaCy, or in several worker processes) extra threads made it 10x slower. Parallelism comes
        # from worker processes (`ingest --workers`, `extract_many(n_process=...)`).
        torch.set_num_threads(int(os.environ.get(THREADS_ENV, "1")))

    def log_probs(self, doc: Doc, attributions: Sequence[Attribution]) -> np.ndarray:
        import torch

        from quotegraph.model.features import token_features

        dense, sparse = token_features(doc, attributions)
        with torch.inference_mode():
            scores = self.net(
                torch.from_numpy(dense)[None], torch.from_numpy(sparse)[None], torch.tensor([len(doc)])
            )
            return torch.log_softmax(scores[0], dim=-1).numpy()

    def spans(self, doc: Doc, attributions: Sequence[Attribution]) -> list[TaggedSpan]:
        if len(doc) == 0:
            return []
        return decode_spans(self.log_probs(doc, attributions), self.transitions)
