"""The tagger network: hashed feature embeddings + spaCy's token vectors -> BiLSTM -> BIO scores, decoded by
Viterbi under BIO constraints (an I- label only after a B- or I- of its role) with the label-transition scores
that models since the CRF version learn as a linear-chain CRF (trained beside the per-token cross-entropy)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

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
    # learnt label-transition scores, trained as a CRF and used by the Viterbi decoder (False: the first models)
    crf: bool = False

    def to_dict(self) -> dict[str, Any]:
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
        if config.crf:
            self.transitions = nn.Parameter(torch.zeros(len(LABELS), len(LABELS)))

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

    def transition_scores(self) -> np.ndarray | None:
        """The learnt transition scores [previous, next] for the decoder, None for a model without a CRF."""
        if not self.config.crf:
            return None
        return self.transitions.detach().cpu().numpy().astype(np.float64)

    def crf_loss(self, scores: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean per-token negative log-likelihood of the gold label paths under a linear-chain CRF over
        ``scores`` [batch, time, labels]; ``labels`` is -100 past each row's end. A row may start inside a span
        (rows are windows cut from articles), so only the I-after-O rule is enforced, not the start rule."""
        mask = labels != -100
        gold = labels.clamp(min=0)
        transitions = self.transitions.masked_fill(~_ALLOWED_T.to(scores.device), -1e4)
        emitted = scores.gather(-1, gold.unsqueeze(-1)).squeeze(-1)
        stepped = transitions[gold[:, :-1], gold[:, 1:]]
        gold_score = (emitted * mask).sum(1) + (stepped * mask[:, 1:]).sum(1)
        alpha = scores[:, 0]
        for t in range(1, scores.shape[1]):
            nxt = torch.logsumexp(alpha.unsqueeze(2) + transitions, dim=1) + scores[:, t]
            alpha = torch.where(mask[:, t : t + 1], nxt, alpha)
        log_partition = torch.logsumexp(alpha, dim=1)
        return (log_partition - gold_score).sum() / mask.sum().clamp(min=1)


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
_ALLOWED_T = torch.from_numpy(_ALLOWED)
_START_ALLOWED = np.array([not label.startswith("I-") for label in LABELS])


def viterbi(log_probs: np.ndarray, transitions: np.ndarray | None = None) -> list[int]:
    """The best label sequence under the BIO constraints for one sequence of log-probabilities [time, labels],
    plus learnt ``transitions`` [previous, next] where the model has them."""
    time, n = log_probs.shape
    if time == 0:
        return []
    penalty = np.where(_ALLOWED, 0.0, -1e9)
    if transitions is not None:
        penalty = penalty + transitions
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
