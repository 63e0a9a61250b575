"""Check every annotation file of the Wikinews quote/speaker gold set.

For each ``annotations/<stem>.json``: the article ``articles/<stem>.txt`` exists and every article has an
annotation file; required fields are present with the right types; ``kind`` and ``speaker_type`` take allowed values;
``file_text[start:end] == text`` for the quote, the cue and the mention (offsets null exactly when the string is
null); a quote lies within one line and ``in_headline`` says whether that line is the headline; ``speaker`` is set
for person/organization and null for anonymous/unknown; nested quotes are substrings of their quote; quotes are
in text order and do not overlap; direct quotes do not include their own quote marks and mixed quotes contain some;
``changes_b`` (the second check's change list), where present, is a list of non-empty strings.
Exits 1 and lists the problems if any check fails; prints totals otherwise.

    python eval/wikinews-gold/validate.py [--dir eval/wikinews-gold]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
KINDS = {"direct", "indirect", "mixed"}
SPEAKER_TYPES = {"person", "organization", "anonymous", "unknown"}
MARKS = "\"'\u201c\u201d\u2018\u2019"
TOP_FIELDS = {"doc_id": str, "annotator": str, "checked": list, "quotes": list}
QUOTE_FIELDS = {
    "text": str, "start": int, "end": int, "kind": str,
    "cue": (str, type(None)), "cue_start": (int, type(None)), "cue_end": (int, type(None)),
    "mention": (str, type(None)), "mention_start": (int, type(None)), "mention_end": (int, type(None)),
    "speaker": (str, type(None)), "speaker_type": str, "in_headline": bool, "nested": list, "note": str,
}


def check_span(text: str, q: dict, name: str, start_key: str, end_key: str, where: str) -> list[str]:
    value, start, end = q[name], q[start_key], q[end_key]
    if value is None:
        return [] if start is None and end is None else [f"{where}: {name} is null but has offsets"]
    if start is None or end is None:
        return [f"{where}: {name} {value!r} has null offsets"]
    if not (0 <= start < end <= len(text)):
        return [f"{where}: {name} offsets {start}:{end} out of range"]
    if text[start:end] != value:
        return [f"{where}: {name} {value!r} != file text {text[start:end]!r} at {start}:{end}"]
    return []


def check_file(path: Path, articles: Path) -> tuple[list[str], list[dict]]:
    problems: list[str] = []
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return [f"{path.name}: not JSON ({exc})"], []
    for key, typ in TOP_FIELDS.items():
        if not isinstance(record.get(key), typ):
            problems.append(f"{path.name}: field {key!r} missing or not {typ.__name__}")
    if problems:
        return problems, []
    if "changes_b" in record and not (isinstance(record["changes_b"], list)
                                      and all(isinstance(c, str) and c for c in record["changes_b"])):
        problems.append(f"{path.name}: changes_b must be a list of non-empty strings")
    if record["doc_id"] != path.stem:
        problems.append(f"{path.name}: doc_id {record['doc_id']!r} != file stem")
    article = articles / f"{path.stem}.txt"
    if not article.exists():
        return problems + [f"{path.name}: no article {article.name}"], []
    text = article.read_text(encoding="utf-8")
    headline_end = text.find("\n")
    if not text.startswith("date "):
        problems.append(f"{article.name}: first line does not start with 'date '")
    previous_end = -1
    for n, q in enumerate(record["quotes"]):
        where = f"{path.name} quote {n}"
        missing = [k for k in QUOTE_FIELDS if k not in q]
        extra = [k for k in q if k not in QUOTE_FIELDS]
        if missing:
            problems.append(f"{where}: missing fields {missing}")
            continue
        if extra:
            problems.append(f"{where}: unknown fields {extra}")
        bad = [k for k, typ in QUOTE_FIELDS.items() if not isinstance(q[k], typ) or (typ is int and isinstance(q[k], bool))]
        if bad:
            problems.append(f"{where}: wrong types for {bad}")
            continue
        where = f"{where} {q['text'][:40]!r}"
        if q["kind"] not in KINDS:
            problems.append(f"{where}: kind {q['kind']!r} not in {sorted(KINDS)}")
        if q["speaker_type"] not in SPEAKER_TYPES:
            problems.append(f"{where}: speaker_type {q['speaker_type']!r} not in {sorted(SPEAKER_TYPES)}")
        if not q["text"] or q["text"] != q["text"].strip():
            problems.append(f"{where}: empty text or text with outer whitespace")
        problems += check_span(text, q, "text", "start", "end", where)
        problems += check_span(text, q, "cue", "cue_start", "cue_end", where)
        problems += check_span(text, q, "mention", "mention_start", "mention_end", where)
        if "\n" in q["text"]:
            problems.append(f"{where}: quote crosses a paragraph boundary")
        if q["start"] < 16:
            problems.append(f"{where}: quote inside the 'date YYYY-MM-DD ' prefix")
        if q["in_headline"] != (q["end"] <= headline_end):
            problems.append(f"{where}: in_headline is {q['in_headline']} but the quote is on line "
                            f"{'1' if q['end'] <= headline_end else '>1'}")
        if q["speaker_type"] in {"person", "organization"} and not q["speaker"]:
            problems.append(f"{where}: {q['speaker_type']} speaker must be named")
        if q["speaker_type"] in {"anonymous", "unknown"} and q["speaker"] is not None:
            problems.append(f"{where}: {q['speaker_type']} speaker must be null")
        for inner in q["nested"]:
            if not isinstance(inner, str) or inner not in q["text"]:
                problems.append(f"{where}: nested {inner!r} is not a substring of the quote")
        if q["kind"] == "direct" and (q["text"][0] in "\"\u201c\u201d" or q["text"][-1] in "\"\u201c\u201d"):
            problems.append(f"{where}: direct quote includes its quote marks")
        if q["kind"] == "mixed" and not any(c in q["text"] for c in MARKS):
            problems.append(f"{where}: mixed quote without quote marks")
        if q["cue"] is not None and q["cue_start"] is not None and q["mention_start"] is not None:
            if q["cue_start"] < q["mention_end"] and q["mention_start"] < q["cue_end"]:
                problems.append(f"{where}: cue and mention overlap")
        if q["start"] < previous_end:
            problems.append(f"{where}: overlaps or precedes the previous quote")
        previous_end = max(previous_end, q["end"])
    return problems, record["quotes"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=HERE)
    args = parser.parse_args(argv)
    articles, annotations = args.dir / "articles", args.dir / "annotations"
    problems: list[str] = []
    stems = {p.stem for p in articles.glob("*.txt")}
    files = sorted(annotations.glob("*.json"))
    for stem in sorted(stems - {p.stem for p in files}):
        problems.append(f"{stem}: article has no annotation file")
    kinds, types, per_doc = Counter(), Counter(), []
    for path in files:
        found, quotes = check_file(path, articles)
        problems += found
        per_doc.append(len(quotes))
        kinds.update(q.get("kind") for q in quotes)
        types.update(q.get("speaker_type") for q in quotes)
    if problems:
        print("\n".join(problems))
        print(f"{len(problems)} problem(s) in {len(files)} annotation files", file=sys.stderr)
        return 1
    print(f"ok: {len(files)} annotation files, {sum(per_doc)} quotes "
          f"(min {min(per_doc, default=0)}, max {max(per_doc, default=0)} per article)")
    print("kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print("speaker types: " + ", ".join(f"{k} {v}" for k, v in sorted(types.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
