"""Does extraction scale linearly with input size? (issue 9). Not a test: a benchmark that prints and saves a curve.

    .venv/bin/python benchmarks/scaling.py                       # the full run (about 10 minutes on 2 cores)
    .venv/bin/python benchmarks/scaling.py --pipeline-max 80000 --free-max 640000    # a quick look

Inputs, all built from the committed samples/wikinews articles (their body lines, cycled, with newlines kept):

* ``news``: the articles' paragraphs concatenated to the target size;
* ``soup``: the same paragraphs with a seeded soup of quote marks of every kind (" ' “ ” ‘ ’ « » „ ‹ › `` '')
  spliced in between words, so that most marks are unbalanced, nested or stray;
* ``soup-1para`` (spaCy-free steps only): the soup with every newline replaced by a space, so the whole input is
  one paragraph (the worst case for the per-paragraph quote stack).

Two measurements:

* the whole pipeline (``Extractor.extract`` on an Article, spaCy included) from 10 KB doubling up to
  ``--pipeline-max`` characters. Articles over ``readers.MAX_ARTICLE_CHARS`` (1,000,000 characters) are refused
  with a clear error by design (spaCy's own ``nlp.max_length`` is also 1,000,000), and there is no documented way
  to raise the limit, so the pipeline is measured up to 640 KB (the largest doubling under the limit);
* the spaCy-free steps, from 10 KB doubling to 5 MB (``--free-max``): decoding the bytes and parsing the article
  (``readers.text.decode_text`` + ``parse_article``), and the character-level quote finder
  ``quotes.find_quotes``; these have no size limit.

Each (variant, size) point runs in a fresh subprocess, so its peak memory is its own. For the pipeline it is the
growth of ``ru_maxrss`` over the process's footprint just before the timed call (spaCy already loaded and warmed
up); for the pure-Python spaCy-free steps it is tracemalloc's peak (input bytes included) in a separate untimed
run. Time
is wall-clock, best of ``--repeat`` for the fast steps, one run for the pipeline. The growth exponent is the
least-squares slope of log(time) and log(memory) against log(size) over the points >= 40 KB (smaller points
are dominated by fixed costs); 1.0 is linear, 2.0 quadratic.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "wikinews"
MARKS = ['"', "'", "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb", "\u201e", "\u2039", "\u203a", "``", "''"]


def news_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted(SAMPLES.glob("*.txt")):
        body = path.read_text(encoding="utf-8").splitlines()[1:]  # line 1 is 'date YYYY-MM-DD headline'
        lines.extend(line for line in body if line.strip())
    return lines


def make_text(variant: str, size: int) -> str:
    lines = news_lines()
    rng = random.Random(9)
    out: list[str] = []
    total = 0
    i = 0
    while total < size:
        line = lines[i % len(lines)]
        i += 1
        if variant.startswith("soup"):
            words = line.split(" ")
            for _ in range(max(1, len(words) // 4)):
                pos = rng.randrange(len(words) + 1)
                words.insert(pos, "".join(rng.choice(MARKS) for _ in range(rng.randint(1, 4))))
            line = " ".join(words)
        out.append(line)
        total += len(line) + 1
    sep = " " if variant == "soup-1para" else "\n"
    return sep.join(out)[:size]


def rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def point(step: str, variant: str, size: int, repeat: int) -> dict[str, object]:
    """One measurement, in this process (run by ``main`` in a fresh subprocess)."""
    text = make_text(variant, size)
    if step == "pipeline":
        from quotegraph.pipeline import Extractor
        from quotegraph.record import Article

        extractor = Extractor()
        extractor.extract(Article.from_text(make_text(variant, 5000), id="warm"))  # load and warm up
        article = Article.from_text(text, id="bench")
        before = rss_kib()
        t0 = time.perf_counter()
        records = extractor.extract(article)
        seconds = time.perf_counter() - t0
        return {"n_records": len(records), "seconds": seconds, "peak_growth_mib": (rss_kib() - before) / 1024}
    from quotegraph.quotes import find_quotes
    from quotegraph.readers.text import decode_text, parse_article

    data = text.encode("utf-8")
    find_quotes(make_text(variant, 5000))
    best = math.inf
    n = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        article = parse_article(decode_text(data), doc_id="bench", path=None)
        n = len(find_quotes(article.text))
        best = min(best, time.perf_counter() - t0)
    # memory in a separate, untimed run: tracemalloc sees every Python allocation (these steps are pure Python)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    find_quotes(parse_article(decode_text(data), doc_id="bench", path=None).text)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return {"n_records": n, "seconds": best, "peak_growth_mib": peak / 2**20}


def sizes(top: int) -> list[int]:
    out, s = [], 10_000
    while s <= top:
        out.append(s)
        s *= 2
    return out


def slope(points: list[dict[str, object]], key: str) -> float | None:
    xs, ys = [], []
    for p in points:
        value = float(p[key])  # type: ignore[arg-type]
        if int(p["size"]) >= 40_000 and value > 0:  # type: ignore[call-overload]
            xs.append(math.log(int(p["size"])))  # type: ignore[call-overload]
            ys.append(math.log(value))
    if len(xs) < 2:
        return None
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipeline-max", type=int, default=640_000)
    parser.add_argument("--soup-pipeline-max", type=int, default=320_000)
    parser.add_argument("--free-max", type=int, default=5_120_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" /
                        f"scaling-{datetime.date.today().isoformat()}.json")
    parser.add_argument("--point", nargs=3, metavar=("STEP", "VARIANT", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.point:
        step, variant, size = args.point
        print(json.dumps(point(step, variant, int(size), args.repeat)))
        return
    plan = [("free", v, s) for v in ("news", "soup", "soup-1para") for s in sizes(args.free_max)]
    plan += [("pipeline", "news", s) for s in sizes(args.pipeline_max)]
    plan += [("pipeline", "soup", s) for s in sizes(args.soup_pipeline_max)]
    results: list[dict[str, object]] = []
    for step, variant, size in plan:
        proc = subprocess.run(
            [sys.executable, __file__, "--point", step, variant, str(size), "--repeat", str(args.repeat)],
            capture_output=True, text=True, check=True,
        )
        row = {"step": step, "variant": variant, "size": size, **json.loads(proc.stdout.strip().splitlines()[-1])}
        results.append(row)
        print(f"{step:8} {variant:10} {size:>9,} chars  {row['seconds']:8.3f} s  "
              f"+{row['peak_growth_mib']:7.1f} MiB  {row['n_records']:>7,} records", flush=True)
    fits = []
    for step, variant in sorted({(r["step"], r["variant"]) for r in results}):
        pts = [r for r in results if r["step"] == step and r["variant"] == variant]
        fit = {"step": step, "variant": variant, "time_exponent": slope(pts, "seconds"),
               "memory_exponent": slope(pts, "peak_growth_mib")}
        fits.append(fit)
        print(f"fit {step:8} {variant:10} time exponent {_fmt(fit['time_exponent'])}  memory exponent "
              f"{_fmt(fit['memory_exponent'])}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({
        "date": datetime.date.today().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"{platform.python_implementation()} {platform.python_version()}", "points": results, "fits": fits,
    }, indent=1) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
