"""Make the committed Wikinews samples from the shared Wikinews CSVs (CC BY 2.5, credit: Wikinews).

Writes ``samples/wikinews/`` (36 articles) and ``tests/fixtures/wikinews/`` (6 others), each file in the
dated-article format (line 1 ``date YYYY-MM-DD <title>``, then one paragraph per line), and a CREDITS.md beside
them. The text is only reformatted: the dateline is dropped, a paragraph's inner line breaks become spaces, empty
paragraphs are skipped. The choice of articles is deterministic, so running this again gives the same files.

    python scripts/make_samples.py [--source ../shared/data/news/wikinews/data]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "news" / "wikinews" / "data"
LICENSE_URL = "https://creativecommons.org/licenses/by/2.5/"

_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATELINE = re.compile(rf"\s*(?:{_DAYS}), (?:{_MONTHS}) \d{{1,2}}, \d{{4}}[ \t\u00a0]*\n")
QUOTE_MARKS = re.compile('["\u201c\u201d]')


@dataclass
class Story:
    url: str
    date: str
    title: str
    paragraphs: list[str]

    @property
    def size(self) -> int:
        return sum(len(p) for p in self.paragraphs)

    @property
    def filename(self) -> str:
        return f"{self.date}-{slug(self.title)}.txt"

    def render(self) -> str:
        return f"date {self.date} {self.title}\n" + "".join(p + "\n" for p in self.paragraphs)


def slug(title: str, limit: int = 60) -> str:
    """'Florida highway pileup, fire kills five' -> 'florida-highway-pileup-fire-kills-five'."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if len(words) > limit:
        words = words[:limit].rsplit("-", 1)[0]
    return words


def to_story(row: dict[str, str]) -> Story:
    text = DATELINE.sub("", row["text"], count=1) if DATELINE.match(row["text"]) else row["text"]
    paragraphs = []
    for block in re.split(r"\n[ \t\u00a0]*\n", text):
        paragraph = re.sub(r"[ \t\u00a0]*\n[ \t\u00a0]*", " ", block).strip()
        if paragraph:
            paragraphs.append(paragraph)
    return Story(
        url=row["url"].replace("//wiki/", "/wiki/"),
        date=row["date"],
        title=" ".join(row["title"].split()),
        paragraphs=paragraphs,
    )


def is_candidate(story: Story) -> bool:
    """English prose with quotations: at least two pairs of quote marks, no long passages in other scripts."""
    text = "\n".join(story.paragraphs)
    letters = [c for c in text if c.isalpha()]
    non_latin = sum(1 for c in letters if ord(c) > 0x24F)
    return (
        story.date[:4] in {"2019", "2020"}
        and len(QUOTE_MARKS.findall(text)) >= 4
        and non_latin <= 0.005 * len(letters)
        and not re.search("[\u2500-\u259f]", text)  # box drawing: tables flattened into text
    )


def spread(stories: list[Story], k: int) -> list[Story]:
    """``k`` stories evenly spaced over ``stories`` (sorted by date)."""
    n = len(stories)
    if n < k:
        raise SystemExit(f"need {k} stories, only {n} candidates")
    return [stories[int((i + 0.5) * n / k)] for i in range(k)]


def select(stories: list[Story]) -> tuple[list[Story], list[Story]]:
    """36 samples (20 from 2019, 16 from 2020 of which 4 long) and 6 test fixtures, none shared."""
    pool = sorted((s for s in stories if is_candidate(s)), key=lambda s: (s.date, s.url))
    y2019 = [s for s in pool if s.date.startswith("2019")]
    y2020 = [s for s in pool if s.date.startswith("2020")]
    samples = (
        spread([s for s in y2019 if s.size <= 6_000], 20)
        + spread([s for s in y2020 if s.size <= 8_000], 12)
        + spread([s for s in y2020 if 10_000 <= s.size <= 45_000], 4)
    )
    taken = {s.url for s in samples}
    rest = [s for s in pool if s.url not in taken and s.size <= 4_000]
    fixtures = spread([s for s in rest if s.date.startswith("2019")], 3) + spread(
        [s for s in rest if s.date.startswith("2020")], 3
    )
    return sorted(samples, key=lambda s: s.filename), sorted(fixtures, key=lambda s: s.filename)


def credits(stories: list[Story], what: str) -> str:
    lines = [
        "# Credits",
        "",
        f"{what} are articles from English Wikinews (https://en.wikinews.org), credit: Wikinews.",
        f"They are licensed under the Creative Commons Attribution 2.5 license (CC BY 2.5, {LICENSE_URL}).",
        "",
        "They were taken from the CSV files of https://github.com/vanatteveldt/wikinews (commit 3472541) and",
        "reformatted only: the first line is `date YYYY-MM-DD <title>`, the dateline that opened the text",
        "(e.g. 'Monday, January 7, 2019') was dropped, each paragraph is on one line (its inner line breaks",
        "became spaces) and empty paragraphs were left out. No words were changed.",
        "Made by `scripts/make_samples.py`.",
        "",
        "| file | title | source |",
        "|---|---|---|",
    ]
    for story in stories:
        title = story.title.replace("|", "\\|")
        lines.append(f"| {story.filename} | {title} | {story.url} |")
    return "\n".join(lines) + "\n"


def write(stories: list[Story], folder: Path, what: str) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    names = [s.filename for s in stories]
    if len(set(names)) != len(names):
        raise SystemExit(f"two stories share a file name in {folder}")
    total = 0
    for story in stories:
        data = story.render().encode("utf-8")
        (folder / story.filename).write_bytes(data)
        total += len(data)
    (folder / "CREDITS.md").write_text(credits(stories, what), encoding="utf-8")
    return total


def read_stories(source: Path) -> list[Story]:
    """Every article of the Wikinews CSV files in ``source`` (none when there are no such files)."""
    stories: list[Story] = []
    for file in sorted(source.glob("wikinews_*.csv")):
        with file.open(encoding="utf-8", newline="") as handle:
            stories.extend(to_story(row) for row in csv.DictReader(handle))
    return stories


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="folder of wikinews_*.csv")
    args = parser.parse_args(argv)
    stories = read_stories(args.source)
    if not stories:
        print(f"no wikinews_*.csv in {args.source}", file=sys.stderr)
        return 1
    samples, fixtures = select(stories)
    size = write(samples, ROOT / "samples" / "wikinews", "The files in this folder")
    fixture_size = write(fixtures, ROOT / "tests" / "fixtures" / "wikinews", "The files in this folder")
    print(f"samples/wikinews: {len(samples)} articles, {size:,} bytes")
    print(f"tests/fixtures/wikinews: {len(fixtures)} articles, {fixture_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
