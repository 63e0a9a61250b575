"""``quotegraph train``: fit the attribution tagger on PolNeAR train, pick the epoch on dev, write the weights.

Steps: parse every train and dev article once with the Extractor's own spaCy pipeline and rules (the features
are cached as .npz under ``cache_dir``, named by a hash of the code that makes them, so a second run skips the
parse and a change to the rules never reads a stale cache), then train the BiLSTM with fixed seeds
and keep the epoch with the best dev span F1 (mean of source, cue and content; exact token-span match). Test is
never read here.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from quotegraph.model import LABELS, ROLES
from quotegraph.model.data import read_split, token_labels

SEED = 13
WINDOW = 192  # training rows, in tokens


@dataclass
class Featurised:
    """A split's documents as arrays: features and labels concatenated, ``bounds[i]`` = (start, end) of doc i."""

    names: list[str]
    dense: np.ndarray
    sparse: np.ndarray
    labels: np.ndarray
    bounds: np.ndarray

    def doc(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        s, e = self.bounds[i]
        return self.dense[s:e], self.sparse[s:e], self.labels[s:e]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path, names=np.array(self.names), dense=self.dense.astype(np.float16), sparse=self.sparse,
            labels=self.labels, bounds=self.bounds,
        )

    @classmethod
    def load(cls, path: Path) -> Featurised:
        z = np.load(path)
        return cls(list(z["names"]), z["dense"].astype(np.float32), z["sparse"], z["labels"], z["bounds"])


def featurise(
    split_dir: Path, *, every_annotator: bool, limit: int | None = None, log: Callable[[str], None] = print
) -> Featurised:
    """Parse a split with the Extractor's pipeline and rules; one entry per annotation file (the first
    ``limit`` files only, for a quick check)."""
    from quotegraph.attribution import attribute
    from quotegraph.model.features import token_features
    from quotegraph.pipeline import load_nlp

    golds = list(read_split(split_dir, every_annotator=every_annotator))[:limit]
    texts = sorted({g.text for g in golds})
    nlp = load_nlp()
    features: dict[str, tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]] = {}
    started = time.monotonic()
    for n, doc in enumerate(nlp.pipe(texts, batch_size=16), 1):
        dense, sparse = token_features(doc, attribute(doc))
        offsets = [(t.idx, t.idx) if t.is_space else (t.idx, t.idx + len(t)) for t in doc]
        features[doc.text] = (dense, sparse, offsets)
        if n % 100 == 0:
            log(f"  parsed {n}/{len(texts)} articles ({time.monotonic() - started:.0f} s)")
    names, dense_parts, sparse_parts, label_parts, bounds = [], [], [], [], []
    pos = 0
    for g in golds:
        dense, sparse, offsets = features[g.text]
        labels = np.array(token_labels(offsets, g.spans), dtype=np.int64)
        names.append(g.name)
        dense_parts.append(dense)
        sparse_parts.append(sparse)
        label_parts.append(labels)
        bounds.append((pos, pos + len(labels)))
        pos += len(labels)
    return Featurised(
        names, np.concatenate(dense_parts), np.concatenate(sparse_parts), np.concatenate(label_parts),
        np.array(bounds, dtype=np.int64),
    )


def feature_version() -> str:
    """A short hash of the code and model that make the features (the rules' roles are a feature), so that a
    cache written before a change to them is never read after it."""
    import hashlib

    import spacy

    import quotegraph.attribution
    import quotegraph.lexicon
    import quotegraph.model.features
    import quotegraph.pipeline
    import quotegraph.quotes
    from quotegraph.pipeline import MODEL_NAME

    digest = hashlib.sha256(f"{spacy.__version__} {MODEL_NAME} {spacy.util.get_package_version(MODEL_NAME)}".encode())
    for module in (quotegraph.attribution, quotegraph.lexicon, quotegraph.model.features, quotegraph.pipeline,
                   quotegraph.quotes):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:10]


def chunk_f1(gold: Sequence[Sequence[int]], pred: Sequence[Sequence[int]]) -> dict[str, float]:
    """Exact span F1 per role over documents (CofeNet's chunking, as the evaluation scores), and their mean."""
    from quotegraph.evaluate.spans import score_bio

    scores = score_bio([[LABELS[i] for i in g] for g in gold], [[LABELS[i] for i in p] for p in pred])
    out = {role: scores[role].f1 for role in ROLES}
    out["mean"] = sum(out.values()) / len(ROLES)
    return out


def train(
    data: Path,
    output: Path,
    *,
    cache_dir: Path,
    epochs: int = 8,
    batch_windows: int = 128,
    learning_rate: float = 4e-3,
    threads: int | None = None,
    device: str = "cpu",
    limit: int | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Train on ``data``/polnear/data/train, select on dev, write ``output`` (weights + JSON), return the report."""
    import torch

    from quotegraph.model.network import AttributionTaggerNet, TaggerConfig, viterbi
    from quotegraph.model.tagger import save_weights

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    if threads:
        torch.set_num_threads(threads)
    splits: dict[str, Featurised] = {}
    version = feature_version()
    for split, every in (("train", True), ("dev", False)):
        cached = cache_dir / f"polnear-{split}-{version}{f'-{limit}' if limit else ''}.npz"
        if cached.exists():
            splits[split] = Featurised.load(cached)
            log(f"{split}: features from {cached}")
        else:
            log(f"{split}: parsing PolNeAR {split} with the Extractor's pipeline")
            splits[split] = featurise(
                data / "polnear" / "data" / split, every_annotator=every, limit=limit, log=log
            )
            splits[split].save(cached)
    train_set, dev_set = splits["train"], splits["dev"]
    log(f"train: {len(train_set.names)} annotation files, {len(train_set.labels):,} tokens; "
        f"dev: {len(dev_set.names)} files, {len(dev_set.labels):,} tokens")

    config = TaggerConfig(crf=True)
    net = AttributionTaggerNet(config).to(device)
    optimiser = torch.optim.AdamW(net.parameters(), lr=learning_rate, weight_decay=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)
    def windows() -> list[list[tuple[int, int]]]:
        """Train documents cut into windows of WINDOW tokens at a fresh random offset each epoch (a BiLSTM's
        steps are sequential: many short rows in a batch train several times faster than a few long ones)."""
        spans: list[tuple[int, int]] = []
        for s, e in train_set.bounds.tolist():
            cut = s + random.randrange(WINDOW)
            edges = [s, *range(cut, e, WINDOW), e] if cut < e else [s, e]
            spans += [(a, b) for a, b in zip(edges, edges[1:], strict=False) if b > a]
        random.shuffle(spans)
        return [spans[i : i + batch_windows] for i in range(0, len(spans), batch_windows)]

    steps_per_epoch = len(windows())
    total_steps = epochs * (steps_per_epoch + len(train_set.bounds) // batch_windows + 1)  # counts vary by offset
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=learning_rate, total_steps=total_steps, pct_start=0.1
    )

    def padded(ds: Featurised, ids: Sequence[tuple[int, int]]) -> tuple[torch.Tensor, ...]:
        docs = [(ds.dense[s:e], ds.sparse[s:e], ds.labels[s:e]) for s, e in ids]
        lengths = torch.tensor([len(d[2]) for d in docs])
        width = int(lengths.max())
        dense = torch.zeros(len(docs), width, ds.dense.shape[1])
        sparse = torch.zeros(len(docs), width, ds.sparse.shape[1], dtype=torch.long)
        labels = torch.full((len(docs), width), -100, dtype=torch.long)
        for k, (d, s, lab) in enumerate(docs):
            dense[k, : len(lab)] = torch.from_numpy(d)
            sparse[k, : len(lab)] = torch.from_numpy(s)
            labels[k, : len(lab)] = torch.from_numpy(lab)
        return dense.to(device), sparse.to(device), lengths, labels.to(device)

    def predict(ds: Featurised) -> list[list[int]]:
        net.eval()
        out: list[list[int]] = []
        transitions = net.transition_scores()
        with torch.no_grad():
            for start in range(0, len(ds.names), 16):
                ids = [tuple(b) for b in ds.bounds[start : start + 16].tolist()]
                dense, sparse, lengths, _ = padded(ds, ids)
                log_probs = torch.log_softmax(net(dense, sparse, lengths), dim=-1).cpu().numpy()
                for k, n in enumerate(lengths.tolist()):
                    out.append(viterbi(log_probs[k, :n], transitions))
        net.train()
        return out

    dev_gold = [dev_set.doc(i)[2].tolist() for i in range(len(dev_set.names))]
    best: dict[str, Any] = {"mean": -1.0}
    history = []
    started = time.monotonic()
    for epoch in range(1, epochs + 1):
        batches = windows()
        total = 0.0
        for ids in batches:
            dense, sparse, lengths, labels = padded(train_set, ids)
            scores = net(dense, sparse, lengths)
            # token cross-entropy keeps each token's softmax a probability (records' confidence); the CRF term
            # scores whole label paths, so that span boundaries agree with each other
            loss = loss_fn(scores.reshape(-1, len(LABELS)), labels.reshape(-1))
            if config.crf:
                loss = loss + net.crf_loss(scores, labels)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            optimiser.step()
            scheduler.step()
            total += float(loss.detach())
        f1 = chunk_f1(dev_gold, predict(dev_set))
        history.append({"epoch": epoch, "loss": round(total / len(batches), 4), **{k: round(v, 4) for k, v in f1.items()}})
        log(f"epoch {epoch:2d}  loss {total / len(batches):.4f}  dev F1 source {f1['source']:.3f} "
            f"cue {f1['cue']:.3f} content {f1['content']:.3f}  ({time.monotonic() - started:.0f} s)")
        if f1["mean"] > best["mean"]:
            best = {"epoch": epoch, **f1}
            save_weights(net, config, output, meta={"selected_epoch": epoch, "dev_token_span_f1": f1})
    report = {
        "seed": SEED,
        "epochs": epochs,
        "window_tokens": WINDOW,
        "batch_windows": batch_windows,
        "learning_rate": learning_rate,
        "config": config.to_dict(),
        "train_files": len(train_set.names),
        "train_tokens": int(len(train_set.labels)),
        "dev_files": len(dev_set.names),
        "best": best,
        "history": history,
        "seconds": round(time.monotonic() - started, 1),
    }
    output.with_suffix(".training.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report
