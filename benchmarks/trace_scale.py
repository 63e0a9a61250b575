"""Scale benchmark of quote tracing (issue 7): group 1, 3 and 10 million synthetic quote records on one machine.

    .venv/bin/python benchmarks/trace_scale.py                         # 1M, 3M, 10M; each size in a fresh process
    .venv/bin/python benchmarks/trace_scale.py --sizes 100000 --output /tmp/scale.json

Each size runs in its own subprocess (so peak memory is that size's alone, read from ``ru_maxrss``) and the sizes
run one after the other. What is timed is ``quotegraph.trace``'s grouping of already encoded records (word ids in
flat numpy arrays, as the store's ``trace --rebuild`` holds them): MinHash LSH and winnow keys, candidate pairs,
verification, groups. Encoding text to word ids is a separate step, timed on a sample of rendered synthetic
quotes and reported per record.

Synthetic records: word ids drawn from a Zipf(1.1) vocabulary of 200,000 words (so common words and phrases are
common, as in news), quote lengths from a log-normal with a median of 18 words (5th-95th percentiles about 6-55,
clipped to 3-150; news quotes are of this shape), a speaker id from 100,000 and a kind (direct 85%, indirect 10%,
mixed 5%). A fifth of the records are planted near-duplicates of an earlier record of the same chunk: an exact
copy, a trimmed copy, a partial quotation (5-15 words), an ellipsis, or one word changed, added or dropped; they
keep the source's speaker and kind. Pairwise recall and precision are measured against the planted groups (two
independently drawn records essentially never coincide). The baseline is Quotebank's grouping: records whose
normalised words are identical (a hash of the word ids), timed in the same process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from quotegraph import trace

VOCAB = 200_000
SPEAKERS = 100_000
DUP_FRACTION = 0.2
CHUNK = 1_000_000


class FixedVocabulary(trace.Vocabulary):
    """Word ids 1..VOCAB with random 64-bit hashes (id 0 is the ellipsis)."""

    def __init__(self, size: int, seed: int) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        self._fixed = rng.integers(1, 2**63, size=size + 1, dtype=np.uint64)
        self._fixed[0] = 0

    def hashes(self) -> np.ndarray:
        return self._fixed

    def __len__(self) -> int:
        return len(self._fixed)


def _zipf_sampler(rng: np.random.Generator, size: int, exponent: float = 1.1):
    weights = 1.0 / np.arange(1, size + 1) ** exponent
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]

    def sample(count: int) -> np.ndarray:
        return (np.searchsorted(cdf, rng.random(count)) + 1).astype(np.int32)

    return sample


EDITS = ["copy", "trim", "partial", "ellipsis", "word changed", "word added or dropped"]


def synthesise(n: int, seed: int, edits_out: list[np.ndarray] | None = None) -> tuple[trace.Encoded, np.ndarray]:
    """``n`` records as an Encoded, and each record's planted group (the index of its source record); the edit of
    each record (-1 for an original, else an index into ``EDITS``) is appended to ``edits_out`` per chunk."""
    rng = np.random.default_rng(seed)
    sample = _zipf_sampler(rng, VOCAB)
    token_parts: list[np.ndarray] = []
    length_parts: list[np.ndarray] = []
    speaker_parts: list[np.ndarray] = []
    kind_parts: list[np.ndarray] = []
    gold = np.arange(n, dtype=np.int64)
    for lo in range(0, n, CHUNK):
        m = min(CHUNK, n - lo)
        lengths = np.clip(np.round(rng.lognormal(np.log(18), 0.65, m)), 3, 150).astype(np.int64)
        speakers = rng.integers(0, SPEAKERS, m)
        kinds = rng.choice(np.array([0, 1, 2], dtype=np.int8), size=m, p=[0.85, 0.10, 0.05])
        is_dup = rng.random(m) < DUP_FRACTION
        is_dup[0] = False
        originals_total = int(lengths[~is_dup].sum())
        flat = sample(originals_total)
        starts = np.zeros(m, dtype=np.int64)
        starts[~is_dup] = np.r_[0, np.cumsum(lengths[~is_dup])[:-1]]
        # variants: built in Python from their source's words (a fifth of the records)
        orig_index = np.flatnonzero(~is_dup)
        dup_index = np.flatnonzero(is_dup)
        # each variant copies an earlier original of the chunk
        source_pos = np.searchsorted(orig_index, dup_index) - 1
        source_pos = np.maximum(0, (rng.random(len(dup_index)) * (source_pos + 1)).astype(np.int64))
        sources = orig_index[source_pos]
        edits = rng.integers(0, 6, len(dup_index))
        if edits_out is not None:
            chunk_edits = np.full(m, -1, dtype=np.int8)
            chunk_edits[dup_index] = edits
            edits_out.append(chunk_edits)
        r1 = rng.random(len(dup_index))
        r2 = rng.random(len(dup_index))
        fill = sample(len(dup_index))
        variant_tokens: list[np.ndarray] = []
        variant_lengths = np.zeros(len(dup_index), dtype=np.int64)
        for k, (src, edit) in enumerate(zip(sources.tolist(), edits.tolist(), strict=True)):
            words = flat[starts[src] : starts[src] + lengths[src]]
            w = len(words)
            if edit == 1 and w >= 8:  # trimmed
                a, b = int(r1[k] * 3), int(r2[k] * 3)
                words = words[a : w - b]
            elif edit == 2 and w >= 10:  # partial
                size = 5 + int(r1[k] * min(11, w - 5))
                start = int(r2[k] * (w - size + 1))
                words = words[start : start + size]
            elif edit == 3 and w >= 12:  # ellipsis
                cut = 2 + int(r1[k] * 5)
                at = 4 + int(r2[k] * (w - cut - 8))
                words = np.concatenate([words[:at], [0], words[at + cut :]]).astype(np.int32)
            elif edit == 4 and w >= 6:  # a word changed
                at = int(r1[k] * w)
                words = words.copy()
                words[at] = fill[k]
            elif edit == 5 and w >= 6:  # a word added or dropped
                at = 1 + int(r1[k] * (w - 2))
                if r2[k] < 0.5:
                    words = np.concatenate([words[:at], [fill[k]], words[at:]]).astype(np.int32)
                else:
                    words = np.concatenate([words[:at], words[at + 1 :]]).astype(np.int32)
            variant_tokens.append(words)
            variant_lengths[k] = len(words)
        lengths[dup_index] = variant_lengths
        speakers[dup_index] = speakers[sources]
        kinds[dup_index] = kinds[sources]
        gold[lo + dup_index] = lo + sources
        # lay the chunk out in record order
        tokens = np.empty(int(lengths.sum()), dtype=np.int32)
        mask = ~is_dup[np.repeat(np.arange(m), lengths)]
        tokens[mask] = flat
        if dup_index.size:
            tokens[~mask] = np.concatenate(variant_tokens)
        token_parts.append(tokens)
        length_parts.append(lengths)
        speaker_parts.append(speakers)
        kind_parts.append(kinds)
    lengths = np.concatenate(length_parts)
    encoded = trace.Encoded(
        tokens=np.concatenate(token_parts),
        offsets=np.r_[0, np.cumsum(lengths)].astype(np.int64),
        speakers=np.concatenate(speaker_parts).astype(np.int64),
        kinds=np.concatenate(kind_parts).astype(np.int8),
        vocabulary=FixedVocabulary(VOCAB, seed + 1),
    )
    return encoded, gold


def pairwise(gold: np.ndarray, predicted: np.ndarray) -> dict[str, float | int]:
    """Pairwise precision and recall, counted from group sizes (no pair lists)."""

    def pairs(labels: np.ndarray) -> int:
        _, counts = np.unique(labels, return_counts=True)
        return int((counts * (counts - 1) // 2).sum())

    n = len(gold)
    joint = gold * np.int64(n) + predicted
    tp, gold_pairs, predicted_pairs = pairs(joint), pairs(gold), pairs(predicted)
    return {
        "precision": tp / predicted_pairs if predicted_pairs else 1.0,
        "recall": tp / gold_pairs if gold_pairs else 1.0,
        "true_pairs": tp,
        "gold_pairs": gold_pairs,
        "predicted_pairs": predicted_pairs,
    }


def quotebank_labels(encoded: trace.Encoded) -> np.ndarray:
    """Quotebank's grouping: identical normalised words (an order-aware hash of the word ids per record)."""
    tokens = encoded.tokens
    lengths = np.diff(encoded.offsets)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    positions = np.arange(len(tokens)) - encoded.offsets[:-1][owner]
    values = trace._mix(tokens.astype(np.uint64) ^ (positions.astype(np.uint64) << np.uint64(40)))
    starts = encoded.offsets[:-1]
    nonempty = lengths > 0
    keys = np.zeros(len(lengths), dtype=np.uint64)
    keys[nonempty] = np.add.reduceat(values, starts[nonempty])
    _, labels = np.unique(keys, return_inverse=True)
    return labels


def rss_mib() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def encode_rate(seed: int, count: int = 100_000) -> float:
    """Records per second of ``words()`` + ``Vocabulary.encode`` on rendered synthetic quotes."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(5000)]
    texts = []
    for _ in range(count):
        length = int(np.clip(round(rng.lognormal(np.log(18), 0.65)), 3, 150))
        picks = rng.integers(0, len(words), length)
        texts.append(" ".join(words[i] for i in picks) + ".")
    vocab = trace.Vocabulary()
    started = time.perf_counter()
    for text in texts:
        vocab.encode(trace.words(text))
    return count / (time.perf_counter() - started)


def run_one(n: int, seed: int) -> dict:
    started = time.perf_counter()
    encoded, gold = synthesise(n, seed)
    generate_s = time.perf_counter() - started
    input_mib = (
        encoded.tokens.nbytes + encoded.offsets.nbytes + encoded.speakers.nbytes + encoded.kinds.nbytes
    ) / 2**20
    rss_before = rss_mib()
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def step(
        name: str, work
    ):  # wall and CPU seconds of one step (CPU time is what a busy machine does not inflate)
        t, c = time.perf_counter(), time.process_time()
        out = work()
        timings[name] = time.perf_counter() - t
        cpu[name] = time.process_time() - c
        return out

    keys = step("index_keys", lambda: trace.index_keys(encoded))
    pairs = step("candidate_pairs", lambda k=keys: trace.candidate_pairs(k))
    n_winnow = len(keys.winnow)
    del keys
    scores = step("verify", lambda: trace.verify_pairs(encoded, pairs))
    labels = step("groups", lambda: trace.careful_components(encoded, pairs, scores))
    total = sum(timings.values())
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    t = time.perf_counter()
    baseline = quotebank_labels(encoded)
    baseline_s = time.perf_counter() - t
    return {
        "records": n,
        "words": len(encoded.tokens),
        "planted_variants": int((gold != np.arange(n)).sum()),
        "generate_seconds": round(generate_s, 1),
        "input_arrays_mib": round(input_mib, 1),
        "rss_before_grouping_mib": round(rss_before, 1),
        "peak_rss_mib": round(peak_mib, 1),
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "grouping_seconds": round(total, 1),
        "cpu_seconds": {k: round(v, 1) for k, v in cpu.items()},
        "grouping_cpu_seconds": round(sum(cpu.values()), 1),
        "records_per_second": round(n / total),
        "winnow_keys": n_winnow,
        "candidate_pairs": len(pairs),
        "verified_pairs": int((scores > 0).sum()),
        "groups": len(np.unique(labels)),
        "quality": pairwise(gold, labels),
        "baseline_quotebank": {"seconds": round(baseline_s, 1), **pairwise(gold, baseline)},
    }


def machine() -> dict:
    info = {"python": platform.python_version(), "numpy": np.__version__, "cpus": os.cpu_count()}
    try:
        with open("/proc/meminfo") as handle:
            info["memory_gib"] = round(int(handle.readline().split()[1]) / 2**20, 1)
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,3000000,10000000", help="comma-separated record counts")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--output", type=Path, help="write the figures as JSON")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: run one size, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.seed)))
        return 0
    results = []
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    for size in [int(s) for s in args.sizes.split(",")]:
        print(f"trace_scale: {size:,} records ...", file=sys.stderr, flush=True)
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--seed", str(args.seed)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            results.append({"records": size, "failed": done.returncode})
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(result)
        q, b = result["quality"], result["baseline_quotebank"]
        print(
            f"  {result['grouping_seconds']:.0f} s wall, {result.get('grouping_cpu_seconds', 0):.0f} s CPU "
            f"({result['seconds']}), peak {result['peak_rss_mib']:.0f} MiB, "
            f"P {q['precision']:.4f} R {q['recall']:.4f}; Quotebank {b['seconds']} s R {b['recall']:.4f}",
            file=sys.stderr,
            flush=True,
        )
    report = {
        "started": started,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": machine(),
        "encode_records_per_second": round(encode_rate(args.seed)),
        "results": results,
    }
    text = json.dumps(report, indent=2)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
