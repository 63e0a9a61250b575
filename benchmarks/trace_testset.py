"""Build the quote-tracing test set (issue 7): real quotes planted, edited, in copies of other real articles.

    .venv/bin/python benchmarks/trace_testset.py                       # -> benchmarks/trace-testset/ (gitignored)
    .venv/bin/python benchmarks/trace_testset.py --wikinews-only --groups 12 --out tests/fixtures/trace

Sources: BBC (2004-05), Reuters-21578 (1987) and the Wikinews CSVs in ../shared/data/news, plus the committed
Wikinews samples. BBC and Reuters are for research use only: what this writes from them stays in the gitignored
output folder; only a ``--wikinews-only`` set may be committed (credit: Wikinews, CC BY 2.5).

How it is made (deterministic for a seed):

1. *Real quotes*: quotegraph's extractor runs over source articles; direct quotes of 10 to 60 words attributed to a
   resolved, named person (two words or more), with no quote mark inside, are kept with their speaker's name.
2. *Groups*: each source quote becomes one utterance, planted as 3 to 6 variants, each in its own copy of another
   real article (a host: its text unchanged but for one inserted paragraph ``"<variant>," <speaker> said.`` or
   ``<speaker> said: "<variant>"``), dated over some days and given an outlet. The variants: the original (a wire
   copy), punctuation/case changes, trimming, an ellipsis, a partial quotation (5 to 14 words), a word substituted,
   added or dropped. About one group in four has a variant attributed to someone else (a misattribution); some
   variants name the speaker by surname only ('Hewitt said'), which is the same person.
3. *Distractors*, each its own group: a different real quote with a 5-7 word phrase of the source quote spliced in
   (different statements sharing a phrase), and a different real quote attributed to the same speaker.
4. Half the groups (by a seeded shuffle) go to ``dev`` (for tuning), the rest to ``test`` (for reported figures).

Output per split: ``articles/*.txt`` (dated-article format: line 1 ``date YYYY-MM-DD <title>``, one paragraph per
line), ``articles.jsonl`` (file, outlet, date, host) and ``gold.jsonl`` (one planted quote per line: file, start,
end of the quote's words in the file, group, kind of edit, the speaker as written, the gold person, and whether
the group is misattributed). ``quotegraph eval trace`` reads it.
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "news"
DEFAULT_OUT = ROOT / "benchmarks" / "trace-testset"
OUTLETS = [
    "Wire One", "Daily Courier", "Morning Ledger", "Evening Post", "City Herald", "National Times",
    "Valley Gazette", "Harbour Chronicle", "Metro Express", "Coast Observer", "Capital Record", "Northern Star",
]  # fmt: skip
QUOTE_MARKS = re.compile("[\"\u201c\u201d\u2018\u2019'`]")
SUBSTITUTES = {
    "very": "really", "big": "large", "good": "great", "bad": "poor", "important": "vital", "think": "believe",
    "said": "stated", "will": "would", "can": "could", "must": "should", "all": "every", "many": "several",
    "new": "fresh", "help": "assist", "make": "create", "need": "want", "people": "citizens", "work": "labour",
    "clear": "obvious", "change": "reform", "country": "nation", "government": "administration", "now": "today",
    "real": "genuine", "hope": "expect", "believe": "think", "strong": "robust", "difficult": "hard",
    "increase": "rise", "show": "prove", "very much": "greatly", "always": "often", "never": "rarely",
}  # fmt: skip
FILLERS = ["really", "clearly", "certainly", "simply", "indeed", "now", "all", "very", "still", "also"]


@dataclass
class Source:
    """An article to take quotes from or to host planted quotes: title, paragraphs, where it came from."""

    ident: str
    title: str
    paragraphs: list[str]
    corpus: str


# ---------------------------------------------------------------------------------------------------- corpora


def bbc_articles(root: Path) -> list[Source]:
    out = []
    for path in sorted((root / "bbc" / "bbc").glob("*/*.txt")):
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        lines = [line.strip() for line in text.splitlines()]
        title = lines[0]
        paragraphs = [line for line in lines[1:] if line]
        out.append(Source(f"bbc-{path.parent.name}-{path.stem}", title, paragraphs, "bbc"))
    return out


_REUTERS = re.compile(r"<REUTERS.*?NEWID=\"(\d+)\".*?</REUTERS>", re.DOTALL)
_TAG = re.compile(r"<(TITLE|BODY)>(.*?)</\1>", re.DOTALL)


def reuters_articles(root: Path) -> list[Source]:
    out = []
    for path in sorted((root / "reuters21578" / "reuters21578").glob("reut2-*.sgm")):
        raw = path.read_bytes().decode("latin-1")
        for match in _REUTERS.finditer(raw):
            parts = {m.group(1): m.group(2) for m in _TAG.finditer(match.group(0))}
            if "BODY" not in parts or "TITLE" not in parts:
                continue
            body = html.unescape(re.sub(r"&#\d+;", "", parts["BODY"]))
            body = re.sub(r"\s*Reuter\s*$", "", body)
            paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s{3,}", body) if p.strip()]
            title = " ".join(html.unescape(parts["TITLE"]).split()).title()
            if len(paragraphs) >= 3:
                out.append(Source(f"reuters-{match.group(1)}", title, paragraphs, "reuters"))
    return out


_DATELINE = re.compile(r"\s*(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \w+ \d{1,2}, \d{4}\s*\n")


def wikinews_articles(root: Path) -> list[Source]:
    out = []
    csv.field_size_limit(10**8)
    for path in sorted((root / "wikinews" / "data").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for index, row in enumerate(csv.DictReader(handle)):
                text = _DATELINE.sub("", row["text"], count=1)
                paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
                if paragraphs:
                    out.append(
                        Source(f"wikinews-{path.stem[-4:]}-{index:03d}", row["title"], paragraphs, "wikinews")
                    )
    return out


# ---------------------------------------------------------------------------------------------------- real quotes


@dataclass
class RealQuote:
    text: str
    speaker: str
    source: str


def harvest(sources: list[Source], limit: int) -> list[RealQuote]:
    """Direct quotes of 10-60 words by a named person (2+ words), from the extractor run on ``sources``."""
    from quotegraph.pipeline import Extractor
    from quotegraph.record import Article

    extractor = Extractor()
    articles = [Article.from_text("\n".join(s.paragraphs), id=s.ident, headline=s.title) for s in sources]
    found: list[RealQuote] = []
    seen: set[str] = set()
    for article, result in extractor.extract_many(articles):
        if isinstance(result, Exception) or not isinstance(result, list):
            continue
        for record in result:
            n_words = len(record.text.split())
            if (
                record.kind != "direct"
                or record.in_headline
                or record.speaker_type != "person"
                or not record.speaker
                or len(record.speaker.split()) < 2
                or not 10 <= n_words <= 60
                or QUOTE_MARKS.search(record.text)
                or "\n" in record.text
                or record.confidence < 0.5
            ):
                continue
            key = " ".join(record.text.lower().split())
            if key in seen:
                continue
            seen.add(key)
            found.append(RealQuote(record.text.strip(), record.speaker, article.id))
        if len(found) >= limit:
            break
    return found


# ---------------------------------------------------------------------------------------------------- edits


def _strip_end(text: str) -> str:
    return text.rstrip(" ,;:.")


def edit(text: str, kind: str, rng: random.Random) -> str | None:
    """``text`` changed by one kind of edit, or None when this quote cannot take it."""
    words = text.split()
    n = len(words)
    if kind == "copy":
        return text
    if kind == "punct_case":
        out = []
        for word in words:
            if rng.random() < 0.25 and word[-1:] in ",;:":
                word = word[:-1]
            elif rng.random() < 0.12 and word[-1:].isalpha():
                word += ","
            if rng.random() < 0.2:
                word = word.lower() if word[:1].isupper() else word.capitalize()
            out.append(word)
        changed = " ".join(out)
        changed = _strip_end(changed) + rng.choice([".", "!", ""])
        return changed if changed != text else changed.upper()
    if kind == "trim":
        if n < 12:
            return None
        head, tail = rng.randint(0, 3), rng.randint(0, 3)
        if head + tail == 0:
            head = 2
        return " ".join(words[head : n - tail])
    if kind == "ellipsis":
        if n < 14:
            return None
        length = rng.randint(2, min(8, n - 10))
        start = rng.randint(4, n - length - 4)
        return " ".join(words[:start]) + " ... " + " ".join(words[start + length :])
    if kind == "partial":
        if n < 12:
            return None
        length = rng.randint(5, min(14, n - 4))
        start = rng.randint(0, n - length)
        return " ".join(words[start : start + length])
    if kind == "substitute":
        choices = [i for i, w in enumerate(words) if w.lower().strip(",.;:") in SUBSTITUTES]
        if choices and rng.random() < 0.7:
            i = rng.choice(choices)
            bare = words[i].lower().strip(",.;:")
            replacement = SUBSTITUTES[bare]
            trail = words[i][len(words[i].rstrip(",.;:")) :]
            if words[i][:1].isupper():
                replacement = replacement.capitalize()
            return " ".join(words[:i] + [replacement + trail] + words[i + 1 :])
        i = rng.randint(1, n - 2)
        if rng.random() < 0.5:  # a word added
            return " ".join(words[:i] + [rng.choice(FILLERS)] + words[i:])
        return " ".join(words[:i] + words[i + 1 :])  # a word dropped
    raise ValueError(kind)


def splice(host_quote: str, phrase: str, rng: random.Random) -> str:
    """A different statement that shares ``phrase``: the phrase put into ``host_quote`` at a word boundary."""
    words = host_quote.split()
    i = rng.randint(1, max(1, len(words) - 2))
    return " ".join(words[:i] + phrase.split() + words[i:])


# ---------------------------------------------------------------------------------------------------- planting


@dataclass
class Plant:
    text: str
    speaker_written: str
    person: str
    group: str
    edit: str
    misattributed_group: bool
    date: str
    outlet: str


def surname(name: str) -> str:
    return name.split()[-1]


def plant_paragraph(plant: Plant, rng: random.Random) -> tuple[str, int, int]:
    """A paragraph holding the quote, and the quote's (start, end) in it."""
    body = plant.text
    if rng.random() < 0.5:
        quoted = _strip_end(body) + ","
        paragraph = f"\u201c{quoted}\u201d {plant.speaker_written} said."
        start = 1
        return paragraph, start, start + len(quoted)
    quoted = body if body[-1:] in "!?" else _strip_end(body) + "."
    prefix = f"{plant.speaker_written} said: \u201c"
    paragraph = prefix + quoted + "\u201d"
    return paragraph, len(prefix), len(prefix) + len(quoted)


def render(host: Source, plant: Plant, rng: random.Random, file_id: str) -> tuple[str, int, int]:
    """The host article with the planted paragraph, in the dated-article format; the quote's span in the file."""
    paragraphs = [p.replace("\n", " ") for p in host.paragraphs]
    at = rng.randint(1, max(1, min(len(paragraphs), 6)))
    paragraph, qs, qe = plant_paragraph(plant, rng)
    head = f"date {plant.date} {host.title}\n"
    before = "".join(p + "\n" for p in paragraphs[:at])
    text = head + before + paragraph + "\n" + "".join(p + "\n" for p in paragraphs[at:])
    offset = len(head) + len(before)
    return text, offset + qs, offset + qe


def build(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    root = Path(args.shared)
    if not root.is_dir():
        print(f"trace_testset: {root} not found (the shared data folder); nothing written", file=sys.stderr)
        return 1
    wikinews = wikinews_articles(root)
    if args.wikinews_only:
        pool = wikinews
    else:
        pool = bbc_articles(root) + reuters_articles(root) + wikinews
    rng.shuffle(pool)
    # quotes come from the first articles of the shuffled pool; hosts from the rest (never the same article)
    n_source = min(len(pool) // 3, args.source_articles)
    sources, hosts = pool[:n_source], pool[n_source:]
    quotes = harvest(sources, limit=args.groups * 3)
    print(f"trace_testset: {len(quotes)} real quotes from {len(sources)} articles", file=sys.stderr)
    rng.shuffle(quotes)
    if len(quotes) < args.groups + 4:
        print(f"trace_testset: only {len(quotes)} usable quotes found", file=sys.stderr)
    group_quotes = quotes[: args.groups]
    spare = quotes[args.groups :] or quotes  # other speakers (for misattributions)
    unused = list(spare)  # bases for distractors, each used once
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    order = list(range(len(group_quotes)))
    rng.shuffle(order)
    split_of = {g: ("dev" if rank % 2 == 0 else "test") for rank, g in enumerate(order)}
    if args.single_split:
        split_of = {g: args.single_split for g in order}
    writers: dict[str, dict[str, list[str]]] = {}
    host_iter = iter(hosts * 10)
    edits = ["punct_case", "trim", "ellipsis", "partial", "substitute", "partial", "substitute"]
    counters = {"files": 0}

    def emit(split: str, plant: Plant) -> None:
        host = next(host_iter)
        counters["files"] += 1
        file_id = f"{plant.date}-{counters['files']:05d}"
        text, start, end = render(host, plant, rng, file_id)
        folder = out / split / "articles"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{file_id}.txt"
        (folder / name).write_text(text, encoding="utf-8")
        quote = text[start:end]
        w = writers.setdefault(split, {"gold": [], "articles": []})
        w["gold"].append(
            json.dumps(
                {
                    "file": name,
                    "start": start,
                    "end": end,
                    "text": quote,
                    "group": plant.group,
                    "edit": plant.edit,
                    "speaker_written": plant.speaker_written,
                    "person": plant.person,
                    "misattributed_group": plant.misattributed_group,
                    "outlet": plant.outlet,
                    "date": plant.date,
                },
                ensure_ascii=False,
            )
        )
        w["articles"].append(
            json.dumps(
                {
                    "file": name,
                    "outlet": plant.outlet,
                    "date": plant.date,
                    "host": host.ident,
                    "corpus": host.corpus,
                }
            )
        )

    for g, quote in enumerate(group_quotes):
        split = split_of[g]
        group = f"g{g:04d}"
        year = 2030 + g % 5
        day0 = rng.randint(0, 300)
        n_variants = rng.randint(2, 5)
        misattributed = rng.random() < 0.25
        others = [q for q in spare if surname(q.speaker) != surname(quote.speaker)]
        wrong = rng.choice(others).speaker if others else "Alex Example"
        variants = [("copy", quote.text)]
        for kind in rng.sample(edits, k=min(n_variants, len(edits))):
            changed = edit(quote.text, kind, rng)
            if changed:
                variants.append((kind, changed))
        if rng.random() < 0.5:
            variants.append(("copy", quote.text))
        wrong_at = rng.randrange(1, len(variants)) if misattributed and len(variants) > 1 else -1
        for v, (kind, text) in enumerate(variants):
            day = day0 + (0 if v == 0 else rng.randint(0 if v > 1 else 1, 20))
            date = f"{year}-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}"
            if v == wrong_at:
                written, person = wrong, wrong
            else:
                written = surname(quote.speaker) if v > 0 and rng.random() < 0.25 else quote.speaker
                person = quote.speaker
            plant = Plant(
                text, written, person, group, kind, misattributed and wrong_at > 0, date, rng.choice(OUTLETS)
            )
            emit(split, plant)
        # distractors: a phrase of this quote in a different statement; another statement by the same speaker.
        # Each takes a quote of its own from the spare ones (never used twice, so no two gold groups share a text)
        words = quote.text.split()
        if len(unused) >= 2:
            base = unused.pop()
            length = rng.randint(5, 7)
            start = rng.randint(0, max(0, len(words) - length))
            phrase = " ".join(words[start : start + length]).strip(",.;:")
            day = day0 + rng.randint(0, 20)
            date = f"{year}-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}"
            speaker = quote.speaker if rng.random() < 0.5 else base.speaker
            spliced = splice(base.text, phrase, rng)
            emit(
                split,
                Plant(
                    spliced,
                    speaker,
                    speaker,
                    f"{group}-phrase",
                    "distractor_phrase",
                    False,
                    date,
                    rng.choice(OUTLETS),
                ),
            )
            other = unused.pop()
            emit(
                split,
                Plant(
                    other.text,
                    quote.speaker,
                    quote.speaker,
                    f"{group}-same-speaker",
                    "distractor_speaker",
                    False,
                    date,
                    rng.choice(OUTLETS),
                ),
            )
    for split, w in writers.items():
        (out / split / "gold.jsonl").write_text("\n".join(w["gold"]) + "\n", encoding="utf-8")
        (out / split / "articles.jsonl").write_text("\n".join(w["articles"]) + "\n", encoding="utf-8")
    (out / "README.md").write_text(
        "# Quote-tracing test set\n\nMade by `benchmarks/trace_testset.py "
        + " ".join(sys.argv[1:])
        + f"` (seed {args.seed}).\n"
        + (
            "\nArticles from English Wikinews (https://en.wikinews.org), CC BY 2.5"
            " (https://creativecommons.org/licenses/by/2.5/), credit: Wikinews; each copy has"
            " one paragraph added (a planted quote, edited) and its date changed.\n"
            if args.wikinews_only
            else "\nFrom BBC and Reuters-21578 (research use only) and Wikinews: never commit this folder.\n"
        ),
        encoding="utf-8",
    )
    n = {split: len(w["gold"]) for split, w in writers.items()}
    print(
        f"trace_testset: {len(group_quotes)} groups, {counters['files']} articles, planted per split {n} -> {out}"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(SHARED), help="the shared news folder")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="output folder")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--groups", type=int, default=150, help="source quotes (utterances)")
    parser.add_argument("--source-articles", type=int, default=2400, help="articles to harvest quotes from")
    parser.add_argument("--wikinews-only", action="store_true", help="Wikinews only (may be committed)")
    parser.add_argument("--single-split", choices=["dev", "test"], help="put every group in this split")
    return build(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
