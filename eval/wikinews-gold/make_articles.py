"""Select and write the 45 Wikinews articles of the quote/speaker gold set (CC BY 2.5, credit: Wikinews).

Writes ``eval/wikinews-gold/articles/<YYYY-MM-DD>-<slug>.txt`` in the dated-article format (line 1
``date YYYY-MM-DD <title>``, then one paragraph per line) and ``eval/wikinews-gold/CREDITS.md``. The conversion
is the one of ``scripts/make_samples.py`` (imported, not copied): the dateline is dropped, a paragraph's inner line
breaks become spaces, empty paragraphs are skipped; no words are changed.

Selection rule (deterministic, so running this again gives the same files):

1. every row of ``wikinews_*.csv``, converted with ``make_samples.to_story``;
2. keep ``make_samples.is_candidate`` stories (dated 2019 or 2020, English prose, at least two pairs of quote
   marks, no flattened tables) of 800 to 8,000 characters; the CSVs' only 2021 rows are two empty
   "TEST PAGE" stubs, so the set covers 2019-01 to 2020-12;
3. drop the 42 articles already bundled in ``samples/wikinews/`` and ``tests/fixtures/wikinews/`` (recomputed with
   ``make_samples.select`` and also checked against the files on disk) and those in ``EXCLUDED`` below;
4. per year a quota (2019: 26, 2020: 19); the year's stories, sorted by date, are cut into that many equal bins
   and from each bin the story with the smallest SHA-256 of its URL is taken. The bins spread the set over the
   year (and so over topics); the hash picks within a bin without looking at the text.

    python eval/wikinews-gold/make_articles.py [--source ../shared/data/news/wikinews/data]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from make_samples import DEFAULT_SOURCE, Story, credits, is_candidate, read_stories, select  # noqa: E402

QUOTAS = {"2019": 26, "2020": 19}
MIN_SIZE, MAX_SIZE = 800, 8_000
# URLs left out after reading, with the reason (the next story by hash in the same bin replaces each).
EXCLUDED: dict[str, str] = {}


def url_hash(story: Story) -> str:
    return hashlib.sha256(story.url.encode("utf-8")).hexdigest()


def bundled(stories: list[Story]) -> set[str]:
    """File names of the 42 articles that scripts/make_samples.py bundles (recomputed, and as found on disk)."""
    samples, fixtures = select(stories)
    names = {s.filename for s in samples + fixtures}
    for folder in (ROOT / "samples" / "wikinews", ROOT / "tests" / "fixtures" / "wikinews"):
        names |= {p.name for p in folder.glob("*.txt")}
    return names


def choose(stories: list[Story]) -> list[Story]:
    taken = bundled(stories)
    pool = [
        s
        for s in stories
        if is_candidate(s)
        and MIN_SIZE <= s.size <= MAX_SIZE
        and s.filename not in taken
        and s.url not in EXCLUDED
    ]
    chosen: list[Story] = []
    for year, k in QUOTAS.items():
        ranked = sorted((s for s in pool if s.date.startswith(year)), key=lambda s: (s.date, s.url))
        n = len(ranked)
        if n < k:
            raise SystemExit(f"{year}: need {k} stories, only {n} candidates")
        for i in range(k):
            bin_ = ranked[int(i * n / k) : int((i + 1) * n / k)]
            chosen.append(min(bin_, key=url_hash))
    return sorted(chosen, key=lambda s: s.filename)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="folder of wikinews_*.csv")
    parser.add_argument("--list", action="store_true", help="only print the chosen articles")
    args = parser.parse_args(argv)
    stories = read_stories(args.source)
    if not stories:
        print(f"no wikinews_*.csv in {args.source}", file=sys.stderr)
        return 1
    chosen = choose(stories)
    names = [s.filename for s in chosen]
    if len(set(names)) != len(names):
        raise SystemExit("two stories share a file name")
    if args.list:
        for s in chosen:
            print(f"{s.filename}\t{s.size}")
        return 0
    folder = HERE / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        if old.name not in names:
            old.unlink()
    size = 0
    for story in chosen:
        data = story.render().encode("utf-8")
        (folder / story.filename).write_bytes(data)
        size += len(data)
    text = credits(chosen, "The files in `articles/`").replace(
        "Made by `scripts/make_samples.py`.",
        "Made by `eval/wikinews-gold/make_articles.py` (which imports the conversion of `scripts/make_samples.py`).\n"
        "The annotations in `annotations/` are ours (see README.md and GUIDE.md).",
    )
    (HERE / "CREDITS.md").write_text(text, encoding="utf-8")
    print(f"eval/wikinews-gold/articles: {len(chosen)} articles, {size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
