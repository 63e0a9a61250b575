"""Turn a hand-written annotation spec into an annotation JSON file with character offsets.

The annotator writes the quotes of one article, in text order, one per line, as the words appear in the article:

    doc: 2019-01-05-escape-room-fire-kills-five-teen-girls-in-koszalin-poland
    checked: A-pass1
    # kind | text | cue | mention | speaker | speaker_type | note | nested (separated by ' || ')
    D | We will rebuild, | said | she | Jane Doe | person
    I | the man was armed | <according to | police | Polish police | organization

kind is D (direct), I (indirect) or M (mixed); '-' stands for null (no cue, no mention, no speaker). The helper
finds each quote with str.find, starting after the previous quote (so repeated words resolve in order), then the
cue nearest to the quote in the same paragraph (outside every quote span; prefix '<' or '>' to force before or
after the quote, '=' to take it inside the quote's own span, for a parenthetical attribution) and the mention nearest to the cue in the same paragraph (outside every quote span, same
prefixes relative to the cue). It writes annotations/<doc>.json and prints every paragraph with the quote in
[[ ]], the cue in {{ }} and the mention in << >> so the annotator can check each choice by eye.

    python eval/wikinews-gold/compile_spec.py SPEC [SPEC ...] [--quiet]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
KINDS = {"D": "direct", "I": "indirect", "M": "mixed"}
WORD = re.compile(r"\w")


def occurrences(hay: str, needle: str, lo: int, hi: int) -> list[int]:
    out, i = [], hay.find(needle, lo, hi)
    while i != -1:
        out.append(i)
        i = hay.find(needle, i + 1, hi)
    return out


def bounded(text: str, i: int, needle: str) -> bool:
    """The match does not cut a word in two (for needles that start/end with a word character)."""
    j = i + len(needle)
    if WORD.match(needle[0]) and i > 0 and WORD.match(text[i - 1]):
        return False
    if WORD.match(needle[-1]) and j < len(text) and WORD.match(text[j]):
        return False
    return True


def nearest(
    text: str, needle: str, anchor: tuple[int, int], line: tuple[int, int], spans: list[tuple[int, int]],
    own: tuple[int, int],
) -> int:
    """Start of the occurrence of needle nearest to anchor in line, outside all quote spans; a leading '<' or '>'
    keeps only occurrences before or after the anchor, '=' only those inside the quote's own span."""
    side = ""
    if needle[:1] in "<>=" and len(needle) > 1:
        side, needle = needle[0], needle[1:]
    best, best_d = None, None
    for i in occurrences(text, needle, *line):
        j = i + len(needle)
        if not bounded(text, i, needle):
            continue
        inside_own = own[0] <= i and j <= own[1]
        if side == "=":
            if not inside_own or any(i < e and s < j for s, e in spans if (s, e) != own):
                continue
        elif any(i < e and s < j for s, e in spans):
            continue
        if j <= anchor[0]:
            d, where = anchor[0] - j, "<"
        elif i >= anchor[1]:
            d, where = i - anchor[1], ">"
        else:
            d, where = 0, "="
        if side in "<>" and side and where != side:
            continue
        if best_d is None or d < best_d:
            best, best_d = i, d
    if best is None:
        raise ValueError(f"{needle!r} not found near {text[anchor[0]:anchor[1]][:50]!r}")
    return best


def line_of(text: str, pos: int) -> tuple[int, int]:
    lo = text.rfind("\n", 0, pos) + 1
    hi = text.find("\n", pos)
    return lo, (hi if hi != -1 else len(text))


def compile_spec(spec: Path) -> tuple[dict, str]:
    header: dict[str, str] = {}
    rows: list[list[str]] = []
    for raw in spec.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if re.match(r"^(doc|checked):", raw):
            key, value = raw.split(":", 1)
            header[key] = value.strip()
            continue
        rows.append([f.strip() for f in raw.split(" | ")])
    doc = header["doc"]
    text = (HERE / "articles" / f"{doc}.txt").read_text(encoding="utf-8")
    headline_end = text.find("\n")
    quotes, pos = [], 0
    for row in rows:
        if len(row) < 6:
            raise ValueError(f"{spec.name}: too few fields in {row}")
        kind, qtext, cue, mention, speaker, stype = row[:6]
        note = row[6] if len(row) > 6 and row[6] != "-" else ""
        nested = [n.strip() for n in row[7].split(" || ")] if len(row) > 7 else []
        start = text.find(qtext, pos)
        if start == -1:
            raise ValueError(f"{spec.name}: quote not found after {pos}: {qtext!r}")
        end = start + len(qtext)
        quotes.append(
            {
                "text": qtext, "start": start, "end": end, "kind": KINDS[kind],
                "_cue": cue, "_mention": mention, "speaker": None if speaker == "-" else speaker,
                "speaker_type": stype, "in_headline": end <= headline_end, "nested": nested, "note": note,
            }
        )
        pos = end
    spans = [(q["start"], q["end"]) for q in quotes]
    for q in quotes:
        line = line_of(text, q["start"])
        cue, mention = q.pop("_cue"), q.pop("_mention")
        if cue == "-":
            q.update(cue=None, cue_start=None, cue_end=None)
        else:
            c = nearest(text, cue, (q["start"], q["end"]), line, spans, (q["start"], q["end"]))
            word = cue.lstrip("<>=") if len(cue) > 1 else cue
            q.update(cue=word, cue_start=c, cue_end=c + len(word))
        if mention == "-":
            q.update(mention=None, mention_start=None, mention_end=None)
        else:
            anchor = (q["cue_start"], q["cue_end"]) if q["cue"] else (q["start"], q["end"])
            m = nearest(text, mention, anchor, line, spans, (q["start"], q["end"]))
            word = mention.lstrip("<>=") if len(mention) > 1 else mention
            q.update(mention=word, mention_start=m, mention_end=m + len(word))
    order = ["text", "start", "end", "kind", "cue", "cue_start", "cue_end", "mention", "mention_start",
             "mention_end", "speaker", "speaker_type", "in_headline", "nested", "note"]
    record = {
        "doc_id": doc,
        "annotator": "A",
        "checked": [c.strip() for c in header.get("checked", "A-pass1").split(",")],
        "quotes": [{k: q[k] for k in order} for q in quotes],
    }
    return record, text


def show(record: dict, text: str) -> str:
    marks = []
    for q in record["quotes"]:
        marks += [(q["start"], "[["), (q["end"], "]]")]
        if q["cue"] is not None:
            marks += [(q["cue_start"], "{{"), (q["cue_end"], "}}")]
        if q["mention"] is not None:
            marks += [(q["mention_start"], "<<"), (q["mention_end"], ">>")]
    out = text
    for pos, mark in sorted(marks, key=lambda m: (m[0], m[1] in ("]]", "}}", ">>")), reverse=True):
        out = out[:pos] + mark + out[pos:]
    lines = [f"== {record['doc_id']}: {len(record['quotes'])} quotes"]
    for q in record["quotes"]:
        lines.append(f"  {q['kind'][0].upper()} {q['speaker']!s:30} {q['speaker_type']:12} {q['text'][:60]!r}")
    return "\n".join(lines) + "\n" + out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("specs", nargs="+", type=Path)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    for spec in args.specs:
        record, text = compile_spec(spec)
        out = HERE / "annotations" / f"{record['doc_id']}.json"
        out.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        if not args.quiet:
            print(show(record, text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
