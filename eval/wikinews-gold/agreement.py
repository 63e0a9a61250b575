"""Agreement between two versions of the Wikinews quote/speaker gold set.

Compares a reference set of annotation files (``--ref``, by default annotator A's files as they were before the
second check, kept in ``annotations-pass-A/``) with a hypothesis set
(``--hyp``, by default ``annotations/``, the version after the second check). Per article:

- **tokens**: ``\\w+`` runs and single punctuation characters of the article text; a quote covers the tokens that lie
  wholly inside its ``[start, end)``.
- **overlap** of two quotes: shared tokens / tokens of the longer of the two (so 0.8 needs both spans to be largely
  the same, and 0.3 accepts a clause matched against a fragment of it).
- **matching**: one-to-one, greedy by overlap (highest first), only pairs at or above the threshold.
- **quote P/R/F1** with the reference as gold: recall = matched / reference quotes, precision = matched / hypothesis
  quotes.
- On matched pairs: **speaker** agreement (same canonical name after case-folding and collapsing whitespace, or both
  without a name and both typed anonymous/unknown), **speaker type**, **kind** (with Cohen's kappa), exact span, cue
  (same offsets, or both null), mention (same text after normalisation, or both null).

Also counts the second-check changes recorded in each hypothesis file's ``changes_b`` by type (the text before
the first ':').

    python eval/wikinews-gold/agreement.py [--ref DIR] [--hyp DIR] [--thresholds 0.3 0.8]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_REF = Path(__file__).resolve().parent / "annotations-pass-A"
TOKEN = re.compile(r"\w+|[^\w\s]")


def tokens(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> frozenset[int]:
    return frozenset(i for i, (s, e) in enumerate(spans) if s >= start and e <= end)


def norm(value: str | None) -> str | None:
    return None if value is None else " ".join(value.split()).casefold()


def same_speaker(a: dict, b: dict) -> bool:
    if a["speaker"] is None and b["speaker"] is None:
        return {a["speaker_type"], b["speaker_type"]} <= {"anonymous", "unknown"}
    return norm(a["speaker"]) == norm(b["speaker"])


def match(ref: list[dict], hyp: list[dict], ref_tok: list[frozenset], hyp_tok: list[frozenset],
          threshold: float) -> list[tuple[int, int, float]]:
    pairs = []
    for i, ta in enumerate(ref_tok):
        for j, tb in enumerate(hyp_tok):
            shared = len(ta & tb)
            if shared:
                score = shared / max(len(ta), len(tb))
                if score >= threshold:
                    pairs.append((score, i, j))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_a, used_b, out = set(), set(), []
    for score, i, j in pairs:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            out.append((i, j, score))
    return out


def kappa(pairs: list[tuple[str, str]]) -> float:
    n = len(pairs)
    if not n:
        return float("nan")
    observed = sum(a == b for a, b in pairs) / n
    ca, cb = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def pct(x: int, n: int) -> str:
    return f"{x}/{n} ({100 * x / n:.1f}%)" if n else "0/0"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", type=Path, default=DEFAULT_REF, help="reference annotations (gold)")
    parser.add_argument("--hyp", type=Path, default=HERE / "annotations", help="compared annotations")
    parser.add_argument("--articles", type=Path, default=HERE / "articles")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.3, 0.8])
    args = parser.parse_args(argv)
    if not args.ref.is_dir():
        print(f"no reference directory {args.ref} (pass --ref)", file=sys.stderr)
        return 2
    docs = []
    for ref_path in sorted(args.ref.glob("*.json")):
        hyp_path = args.hyp / ref_path.name
        if not hyp_path.exists():
            print(f"{ref_path.name}: missing in {args.hyp}", file=sys.stderr)
            return 2
        text = (args.articles / f"{ref_path.stem}.txt").read_text(encoding="utf-8")
        spans = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
        ref = json.loads(ref_path.read_text(encoding="utf-8"))["quotes"]
        hyp_record = json.loads(hyp_path.read_text(encoding="utf-8"))
        hyp = hyp_record["quotes"]
        docs.append((ref, hyp, [tokens(text, q["start"], q["end"], spans) for q in ref],
                     [tokens(text, q["start"], q["end"], spans) for q in hyp], hyp_record.get("changes_b", [])))
    n_ref = sum(len(d[0]) for d in docs)
    n_hyp = sum(len(d[1]) for d in docs)
    print(f"{len(docs)} articles; reference {args.ref} ({n_ref} quotes), compared {args.hyp} ({n_hyp} quotes)")
    for threshold in args.thresholds:
        matched = speaker = stype = kind = exact = cue = mention = 0
        kinds = []
        for ref, hyp, rt, ht, _ in docs:
            for i, j, _score in match(ref, hyp, rt, ht, threshold):
                a, b = ref[i], hyp[j]
                matched += 1
                speaker += same_speaker(a, b)
                stype += a["speaker_type"] == b["speaker_type"]
                kind += a["kind"] == b["kind"]
                kinds.append((a["kind"], b["kind"]))
                exact += (a["start"], a["end"]) == (b["start"], b["end"])
                cue += (a["cue_start"], a["cue_end"]) == (b["cue_start"], b["cue_end"])
                mention += norm(a["mention"]) == norm(b["mention"])
        p = matched / n_hyp if n_hyp else 0.0
        r = matched / n_ref if n_ref else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        print(f"\n== token overlap >= {threshold} ==")
        print(f"quotes matched {matched}: P {p:.3f}  R {r:.3f}  F1 {f:.3f}")
        print(f"speaker agreement on matched: {pct(speaker, matched)}")
        print(f"speaker type agreement on matched: {pct(stype, matched)}")
        print(f"kind agreement on matched: {pct(kind, matched)}, Cohen's kappa {kappa(kinds):.3f}")
        print(f"exact span {pct(exact, matched)}; same cue {pct(cue, matched)}; same mention {pct(mention, matched)}")
    changes = Counter(c.split(":", 1)[0].strip() for d in docs for c in d[4])
    if changes:
        print("\nsecond-check changes (changes_b) by type: "
              + ", ".join(f"{k} {v}" for k, v in sorted(changes.items())))
        print(f"articles with changes: {sum(1 for d in docs if d[4])} of {len(docs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
