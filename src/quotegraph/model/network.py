"""The tagger network: hashed feature embeddings + spaCy's token vectors -> BiLSTM -> BIO scores, decoded under
BIO constraints (an I- label only after a B- or I- of its role)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from quotegraph.model import LABELS
from quotegraph.model.features import DENSE_WIDTH, FIELDS, HASH_BUCKETS


@dataclass
class TaggerConfig:
    # Sized for a 2-core CPU: one epoch over PolNeAR train in about a minute or two (issue 3 asks < 2 h to train)
    field_width: int = 16
    input_width: int = 128
    hidden: int = 96
    layers: int = 1
    dropout: float = 0.25

    def to_dict(self) -> dict[str, int | float]:
        return asdict(self)


class AttributionTaggerNet(nn.Module):
    def __init__(self, config: TaggerConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(HASH_BUCKETS, config.field_width)
        self.project = nn.Linear(DENSE_WIDTH + len(FIELDS) * config.field_width, config.input_width)
        self.dropout = nn.Dropout(config.dropout)
        self.lstm = nn.LSTM(
            config.input_width,
            config.hidden,
            num_layers=config.layers,
            bidirectional=True,
            batch_first=True,
            dropout=config.dropout if config.layers > 1 else 0.0,
        )
        self.out = nn.Linear(2 * config.hidden, len(LABELS))

    def forward(self, dense: torch.Tensor, sparse: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Label scores [batch, time, labels] for padded batches (``lengths`` on the CPU)."""
        batch, time, _ = sparse.shape
        fields = self.embed(sparse).reshape(batch, time, -1)
        x = torch.relu(self.project(torch.cat([dense, fields], dim=-1)))
        x = self.dropout(x)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=time)
        return self.out(self.dropout(out))


def allowed_transitions() -> np.ndarray:
    """allowed[i, j]: label j may follow label i (I-x only after B-x or I-x)."""
    n = len(LABELS)
    allowed = np.ones((n, n), dtype=bool)
    for j, label in enumerate(LABELS):
        if label.startswith("I-"):
            role = label[2:]
            for i, prev in enumerate(LABELS):
                allowed[i, j] = prev in (f"B-{role}", f"I-{role}")
    return allowed


_ALLOWED = allowed_transitions()
_START_ALLOWED = np.array([not label.startswith("I-") for label in LABELS])


def viterbi(log_probs: np.ndarray) -> list[int]:
    """The best label sequence under the BIO constraints for one sequence of log-probabilities [time, labels]."""
    time, n = log_probs.shape
    if time == 0:
        return []
    penalty = np.where(_ALLOWED, 0.0, -1e9)
    score = log_probs[0] + np.where(_START_ALLOWED, 0.0, -1e9)
    back = np.zeros((time, n), dtype=np.int64)
    for t in range(1, time):
        candidates = score[:, None] + penalty  # [prev, next]
        back[t] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + log_probs[t]
    path = [int(score.argmax())]
    for t in range(time - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]
