"""HTML body-text extraction measured on the article-extraction benchmark (Zyte / Scrapinghub, 181 pages).

The measure is the benchmark's own (its ``evaluate.py``, reimplemented here): the gold ``articleBody`` and the
extracted text are split into ``\\w+`` tokens; per page, the multiset of 4-token shingles of each is compared
(tp = shared, fp = extracted only, fn = gold only), the three counts normalised to sum to 1 so that long pages do
not weigh more; precision is the mean over pages that extracted something, recall the mean over pages with gold
text, F1 the harmonic mean of the two means; accuracy is the share of pages whose token sequence is exactly the
gold's. The same arithmetic over single tokens (a bag of words) is reported beside it. Standard deviations by
bootstrap over pages (1,000 resamples, fixed seed), as the benchmark reports them.

Systems, on the same pages in the same run:

- ``quotegraph``: ``quotegraph.readers.html.read_html`` (trafilatura with quotegraph's settings), its
  ``Article.body``: what quotes are looked for in (the headline is scored neither way);
- ``trafilatura``: ``trafilatura.extract(html)`` with trafilatura's defaults;
- ``naive``: all visible text of the page with lxml (script, style, and the like removed), the floor.
"""

from __future__ import annotations

import gzip
import json
import os
import platform
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCHMARK_DIR = "article-extraction-benchmark"
_TOKEN = re.compile(r"\w+")
_INVISIBLE = ("script", "style", "noscript", "template", "svg", "head", "iframe", "object")
_BLOCKS = (
    "p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
    "section", "article", "header", "footer", "blockquote", "pre", "figcaption", "ul", "ol", "table", "dd", "dt",
    "nav", "aside", "main", "form", "figure", "address", "dl", "hr", "caption", "details", "summary", "option",
)  # fmt: skip
BOOTSTRAP = 1000
SEED = 13

Extractor = Callable[[str, str | None], str]


@dataclass
class Page:
    id: str
    url: str | None
    html: str
    gold: str


@dataclass
class SystemScore:
    name: str
    description: str
    shingle: dict[str, float]
    token: dict[str, float]
    accuracy: float
    empty: int
    seconds: float
    pages: int
    per_page: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self, with_pages: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "shingle4": self.shingle,
            "token": self.token,
            "accuracy": self.accuracy,
            "empty_outputs": self.empty,
            "seconds": round(self.seconds, 2),
            "ms_per_page": round(1000 * self.seconds / max(self.pages, 1), 1),
        }
        if with_pages:
            out["pages"] = self.per_page
        return out


# --- the benchmark's measure --------------------------------------------------------------------------------


def tokenize(text: str | None) -> list[str]:
    return _TOKEN.findall(text or "")


def shingles(text: str | None, n: int) -> Counter[tuple[str, ...]]:
    tokens = tokenize(text)
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def tp_fp_fn(gold: str | None, pred: str | None, n: int = 4) -> tuple[float, float, float]:
    """Shingle overlap of one page, normalised so the three counts sum to 1 (0, 0, 0 when both are empty)."""
    true, found = shingles(gold, n), shingles(pred, n)
    tp = float(sum((true & found).values()))
    fp = float(sum((found - true).values()))
    fn = float(sum((true - found).values()))
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def prf(counts: Sequence[tuple[float, float, float]]) -> dict[str, float]:
    """Mean precision (pages with output), mean recall (pages with gold) and the F1 of the two means."""
    precisions = [_precision(*c) for c in counts if c[0] + c[1] > 0]
    recalls = [_recall(*c) for c in counts if c[0] + c[2] > 0]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def with_bootstrap(counts: Sequence[tuple[float, float, float]], rounds: int = BOOTSTRAP) -> dict[str, float]:
    scores = prf(counts)
    rng = random.Random(SEED)
    samples: dict[str, list[float]] = {key: [] for key in scores}
    for _ in range(rounds if len(counts) > 1 else 0):
        resample = [counts[rng.randrange(len(counts))] for _ in counts]
        for key, value in prf(resample).items():
            samples[key].append(value)
    out = {key: round(value, 4) for key, value in scores.items()}
    for key, values in samples.items():
        if len(values) > 1:
            out[f"{key}_std"] = round(statistics.stdev(values), 4)
    return out


# --- the systems ---------------------------------------------------------------------------------------------


def quotegraph_body(html: str, url: str | None) -> str:
    from quotegraph.readers.common import ReadError
    from quotegraph.readers.html import read_html

    article = read_html(html, doc_id="page", path="page", url=url)
    return "" if isinstance(article, ReadError) else article.body


def trafilatura_default(html: str, url: str | None) -> str:
    import trafilatura

    return trafilatura.extract(html) or ""


def naive_visible_text(html: str, url: str | None) -> str:
    """Every text node outside script/style/head and the like, one block per line."""
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return ""
    for element in list(root.iter(*_INVISIBLE)):
        parent = element.getparent()
        if parent is not None:
            tail = element.tail
            parent.remove(element)
            if tail:  # keep the text after a removed element
                previous = parent[-1] if len(parent) else None
                if previous is not None:
                    previous.tail = (previous.tail or "") + tail
                else:
                    parent.text = (parent.text or "") + tail
    for element in root.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().split("\n"))
    return "\n".join(line for line in lines if line)


SYSTEMS: dict[str, tuple[str, Extractor]] = {
    "quotegraph": (
        "quotegraph's HTML reader (trafilatura, fast=True, no comments, title line dropped): Article.body",
        quotegraph_body,
    ),
    "trafilatura": ("trafilatura.extract(html), trafilatura's default settings", trafilatura_default),
    "naive": ("all visible text of the page (lxml; script/style/head removed)", naive_visible_text),
}


# --- running ---------------------------------------------------------------------------------------------------


def find_benchmark(explicit: Path | None = None) -> tuple[Path | None, list[Path]]:
    """The benchmark folder (with ground-truth.json and html/) and every place looked at. ``explicit`` may be
    the folder itself or a shared data folder holding html/article-extraction-benchmark;
    ``$QUOTEGRAPH_SHARED_DATA`` likewise; else ``shared/data`` beside the current folder or the package, or above.
    """
    if explicit is None and os.environ.get("QUOTEGRAPH_SHARED_DATA"):
        explicit = Path(os.environ["QUOTEGRAPH_SHARED_DATA"])
    bases: list[Path] = []
    if explicit is not None:
        explicit = explicit.expanduser()
        bases = [explicit, explicit / "html" / BENCHMARK_DIR, explicit / "data" / "html" / BENCHMARK_DIR]
    else:
        for start in (Path.cwd(), Path(__file__).resolve().parent):
            for folder in (start, *start.parents):
                bases.append(folder / "shared" / "data" / "html" / BENCHMARK_DIR)
    looked: list[Path] = []
    for candidate in bases:
        if candidate in looked:
            continue
        looked.append(candidate)
        if (candidate / "ground-truth.json").is_file() and (candidate / "html").is_dir():
            return candidate, looked
    return None, looked


def load_pages(folder: Path, limit: int = 0) -> list[Page]:
    gold = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages: list[Page] = []
    for page_id in sorted(gold):
        path = folder / "html" / f"{page_id}.html.gz"
        if not path.is_file():
            continue
        with gzip.open(path, "rb") as handle:
            html = handle.read().decode("utf-8", errors="replace")
        pages.append(Page(page_id, gold[page_id].get("url"), html, gold[page_id].get("articleBody") or ""))
        if limit and len(pages) >= limit:
            break
    return pages


def score_system(name: str, pages: Sequence[Page], progress: Callable[[str], None] | None = None) -> SystemScore:
    description, extract = SYSTEMS[name]
    outputs: list[str] = []
    started = time.perf_counter()
    for page in pages:
        try:
            outputs.append(extract(page.html, page.url) or "")
        except Exception as exc:  # a crash on one page scores as empty output, as the benchmark would
            if progress:
                progress(f"{name}: {page.id}: {type(exc).__name__}: {exc}")
            outputs.append("")
    seconds = time.perf_counter() - started
    shingle_counts = [tp_fp_fn(page.gold, text, 4) for page, text in zip(pages, outputs, strict=True)]
    token_counts = [tp_fp_fn(page.gold, text, 1) for page, text in zip(pages, outputs, strict=True)]
    accuracy = statistics.mean(
        float(tokenize(page.gold) == tokenize(text)) for page, text in zip(pages, outputs, strict=True)
    )
    per_page = [
        {
            "id": page.id,
            "shingle4_f1": round(_f1(counts), 4),
            "chars_gold": len(page.gold),
            "chars_extracted": len(text),
        }
        for page, text, counts in zip(pages, outputs, shingle_counts, strict=True)
    ]
    return SystemScore(
        name=name,
        description=description,
        shingle=with_bootstrap(shingle_counts),
        token=with_bootstrap(token_counts),
        accuracy=round(accuracy, 4),
        empty=sum(1 for text in outputs if not text.strip()),
        seconds=seconds,
        pages=len(pages),
        per_page=per_page,
    )


def _f1(counts: tuple[float, float, float]) -> float:
    p, r = _precision(*counts), _recall(*counts)
    return 2 * p * r / (p + r) if p + r else 0.0


def machine() -> dict[str, Any]:
    import trafilatura

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "trafilatura": trafilatura.__version__,
    }


def run_html_eval(
    data: Path | None,
    output: Path | None,
    systems: Sequence[str] = tuple(SYSTEMS),
    limit: int = 0,
    console: Any = None,
) -> int:
    """Score each system on the benchmark; a table on stdout, JSON with ``output``. Exit code 0, or 2 when the
    data is absent or an argument is wrong."""
    from rich.console import Console
    from rich.table import Table

    err = Console(stderr=True, highlight=False)
    out = console or Console(highlight=False)
    if console is None and not out.is_terminal:
        out = Console(highlight=False, width=140)  # fixed, so a file or pipe gets the same table every run
    unknown = [name for name in systems if name not in SYSTEMS]
    if unknown:
        err.print(f"quotegraph: unknown system {', '.join(unknown)} (known: {', '.join(SYSTEMS)})")
        return 2
    folder, looked = find_benchmark(data)
    if folder is None:
        err.print(
            "quotegraph: the article-extraction benchmark was not found (give --data or set "
            f"QUOTEGRAPH_SHARED_DATA); looked in: {', '.join(str(p) for p in looked)}"
        )
        return 2
    pages = load_pages(folder, limit)
    if not pages:
        err.print(f"quotegraph: no pages in {folder}")
        return 2
    scores: list[SystemScore] = []
    for name in systems:
        err.print(f"scoring {name} on {len(pages)} pages ...")
        scores.append(score_system(name, pages, progress=err.print))

    table = Table(title=f"HTML body-text extraction: {len(pages)} pages of {folder.name}", show_lines=False)
    for column in ("system", "F1 (4-shingles)", "P", "R", "accuracy", "F1 (tokens)", "P tok", "R tok"):
        table.add_column(column, justify="left" if column == "system" else "right")
    table.add_column("empty", justify="right")
    table.add_column("ms/page", justify="right")
    for s in scores:
        table.add_row(
            s.name,
            f"{s.shingle['f1']:.3f} ± {s.shingle.get('f1_std', 0):.3f}",
            f"{s.shingle['precision']:.3f}",
            f"{s.shingle['recall']:.3f}",
            f"{s.accuracy:.3f}",
            f"{s.token['f1']:.3f}",
            f"{s.token['precision']:.3f}",
            f"{s.token['recall']:.3f}",
            str(s.empty),
            f"{1000 * s.seconds / len(pages):.0f}",
        )
    out.print(table)
    if output is not None:
        report = {
            "benchmark": str(folder),
            "pages": len(pages),
            "measure": "the benchmark's evaluate.py: 4-token shingles, per-page normalised tp/fp/fn, macro P, R",
            "machine": machine(),
            "systems": {s.name: s.to_dict(with_pages=True) for s in scores},
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        err.print(f"quotegraph: scores written to {output}")
    return 0
