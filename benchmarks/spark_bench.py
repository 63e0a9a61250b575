"""Spark throughput against the single-process Extractor, in the same run, and the projected core-hours for
Quotebank's 196M articles.

    .venv/bin/python benchmarks/spark_bench.py                      # 300 BBC articles, local[1] and local[2]
    .venv/bin/python benchmarks/spark_bench.py --limit 100 --output benchmarks/results/spark-bench-$(date +%F).json

The first ``--limit`` BBC articles in name order (``shared/data/news/bbc/bbc``, as ``quotegraph bench`` takes
them) are written to one JSONL file in a temporary folder (id = the file's id, text = the file's text), and the
same Articles are then processed three ways:

- **single**: ``Extractor().extract_many(articles, batch_size=16)`` in this process, after loading the model and
  a 4-article warm-up (what ``quotegraph extract`` does minus writing the output);
- **local[1]** and **local[2]**: ``quotegraph.spark.run_spark`` on a Spark session with that master, writing
  the full Parquet output (quotes, speakers, articles, errors), 4 partitions per core. Each session first runs
  a warm-up job on 8 articles (it starts the Python workers and loads spaCy in each, the cost every executor pays
  once), then the timed job, warm, as every task after an executor's first runs on a long cluster job. Session
  start-up and the warm-up are timed apart.

Figures: articles/s and articles/s per core (the master's core count) for the whole job and for its read+extract
stage alone (``SparkSummary.extract_seconds``: on 300 articles the whole job is dominated by Spark's fixed cost
of a few seconds per output written, which a long job amortises), articles per CPU-second (``time.process_time``
for the single process; for Spark, the CPU time of this process, the JVM and the Python workers, from /proc), and
the projected hours for 196M articles at each rate (``196e6 / rate / 3600``). Wall-time figures are the ones to
read only on an idle machine (the load average before and after is recorded); CPU time is not inflated by a busy
one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

QUOTEBANK_ARTICLES = 196_000_000


def find_bbc(explicit: Path | None) -> Path | None:
    candidates = [explicit] if explicit else []
    env = os.environ.get("QUOTEGRAPH_SHARED_DATA")
    if env:
        candidates += [Path(env) / "news" / "bbc" / "bbc", Path(env) / "data" / "news" / "bbc" / "bbc"]
    here = Path(__file__).resolve().parent
    for folder in (here, *here.parents):
        candidates.append(folder / "shared" / "data" / "news" / "bbc" / "bbc")
    return next((c for c in candidates if c is not None and c.is_dir()), None)


def write_jsonl(corpus: Path, limit: int, folder: Path) -> tuple[Path, int, int]:
    from quotegraph.readers import ReadError, read_paths

    path = folder / "bbc.jsonl"
    n = words = 0
    with path.open("w", encoding="utf-8") as handle:
        for item in read_paths([str(corpus)]):
            if isinstance(item, ReadError):
                continue
            doc_id = Path(item.path or item.id).parent.name + "-" + item.id
            handle.write(json.dumps({"id": doc_id, "text": item.text}, ensure_ascii=False) + "\n")
            n += 1
            words += len(item.text.split())
            if n >= limit:
                break
    return path, n, words


def time_single(jsonl: Path) -> dict[str, Any]:
    from quotegraph.pipeline import Extractor
    from quotegraph.readers import ReadError, read_paths

    articles = [item for item in read_paths([str(jsonl)]) if not isinstance(item, ReadError)]
    extractor = Extractor()
    list(extractor.extract_many(articles[:4]))  # warm-up
    cpu, started = time.process_time(), time.perf_counter()
    quotes = sum(len(r) for _, r in extractor.extract_many(articles, batch_size=16) if isinstance(r, list))
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return {
        "articles": len(articles),
        "quotes": quotes,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "cores": 1,
        "articles_per_s": round(len(articles) / seconds, 2),
        "articles_per_s_per_core": round(len(articles) / seconds, 2),
        "extract_articles_per_s_per_core": round(len(articles) / seconds, 2),
        "articles_per_cpu_s": round(len(articles) / cpu_seconds, 2),
    }


def tree_cpu_seconds(root: int | None = None) -> float:
    """CPU seconds (user + system, with those of reaped children) of a process and all its live descendants:
    for local mode, this Python, Spark's JVM and its Python workers. Linux /proc only; 0.0 elsewhere."""
    root = root or os.getpid()
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
        ppid = int(fields[1])
        cpu = sum(int(x) for x in fields[11:15]) / tick  # utime, stime, cutime, cstime
        stats[int(entry.name)] = (ppid, cpu)
    total, todo, seen = 0.0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in stats:
            continue
        seen.add(pid)
        total += stats[pid][1]
        todo.extend(child for child, (ppid, _) in stats.items() if ppid == pid)
    return total


def time_spark(jsonl: Path, warmup: Path, cores: int, out: Path) -> dict[str, Any]:
    from quotegraph.spark import run_spark, spark_session

    started = time.perf_counter()
    spark = spark_session(f"local[{cores}]")
    startup = time.perf_counter() - started
    try:
        # a small job first: starts one Python worker per core and loads spaCy in each (the cost every executor
        # pays once); the timed job then runs warm, as every task after an executor's first does
        warm_up = run_spark(spark, [str(warmup)], str(out / f"{cores}-warmup"), partitions=4 * cores)
        cpu_before = tree_cpu_seconds()
        timed = run_spark(spark, [str(jsonl)], str(out / f"{cores}-timed"), partitions=4 * cores)
        cpu = tree_cpu_seconds() - cpu_before
    finally:
        spark.stop()
    rate = timed.articles / timed.seconds
    stage_rate = timed.articles / timed.extract_seconds
    return {
        "master": f"local[{cores}]",
        "cores": cores,
        "partitions": 4 * cores,
        "session_start_seconds": round(startup, 2),
        "warmup_articles": warm_up.articles,
        "warmup_seconds": round(warm_up.seconds, 2),
        "articles": timed.articles,
        "quotes": timed.quotes,
        "speakers": timed.speakers,
        "errors": timed.errors,
        "seconds": round(timed.seconds, 2),
        "extract_seconds": round(timed.extract_seconds, 2),
        "write_seconds": round(timed.seconds - timed.extract_seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "articles_per_s": round(rate, 2),
        "articles_per_s_per_core": round(rate / cores, 2),
        "extract_articles_per_s": round(stage_rate, 2),
        "extract_articles_per_s_per_core": round(stage_rate / cores, 2),
        "articles_per_cpu_s": round(timed.articles / cpu, 2) if cpu else None,
    }


def machine() -> dict[str, Any]:
    import pyspark
    import spacy

    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "spacy": spacy.__version__,
        "pyspark": pyspark.__version__,
        "java": shutil.which("java"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="BBC folder (default: shared/data/news/bbc/bbc)")
    parser.add_argument("--limit", type=int, default=300, help="articles (default 300)")
    parser.add_argument("--cores", type=int, nargs="+", default=[1, 2], help="local[N] masters to time")
    parser.add_argument("--output", "-o", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    corpus = find_bbc(args.corpus)
    if corpus is None:
        print(
            "spark_bench: the BBC corpus was not found (give --corpus or set QUOTEGRAPH_SHARED_DATA)",
            file=sys.stderr,
        )
        return 2
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="quotegraph-spark-bench-") as tmp:
        folder = Path(tmp)
        jsonl, n, words = write_jsonl(corpus, args.limit, folder)
        warmup = folder / "warmup.jsonl"
        warmup.write_text(
            "".join(jsonl.read_text(encoding="utf-8").splitlines(keepends=True)[:8]), encoding="utf-8"
        )
        print(f"spark_bench: {n} articles ({words:,} words) from {corpus}", file=sys.stderr)
        results: dict[str, Any] = {"single": time_single(jsonl)}
        print(f"single: {results['single']}", file=sys.stderr)
        for cores in args.cores:
            results[f"local[{cores}]"] = time_spark(jsonl, warmup, cores, folder / "out")
            print(f"local[{cores}]: {results[f'local[{cores}]']}", file=sys.stderr)
    for figures in results.values():
        # wall time per core: the whole job (small inputs: dominated by Spark's fixed cost per job), and the
        # read+extract stage alone (the steady state of a long job); CPU time: immune to a busy machine
        figures["core_hours_196M"] = round(QUOTEBANK_ARTICLES / figures["articles_per_s_per_core"] / 3600)
        figures["core_hours_196M_extract_stage"] = round(
            QUOTEBANK_ARTICLES / figures["extract_articles_per_s_per_core"] / 3600
        )
        if figures.get("articles_per_cpu_s"):
            figures["cpu_hours_196M"] = round(QUOTEBANK_ARTICLES / figures["articles_per_cpu_s"] / 3600)
    report = {
        "corpus": str(corpus),
        "articles": n,
        "words": words,
        "machine": machine(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "results": results,
    }
    header = ("system", "articles/s", "per core", "stage/core", "per CPU-s", "core-h 196M", "stage", "CPU-h")
    print("{:<10} {:>11} {:>9} {:>11} {:>10} {:>12} {:>9} {:>9}".format(*header))
    for name, f in results.items():
        print(
            f"{name:<10} {f['articles_per_s']:>11.2f} {f['articles_per_s_per_core']:>9.2f} "
            f"{f['extract_articles_per_s_per_core']:>11.2f} {f.get('articles_per_cpu_s') or 0:>10.2f} "
            f"{f['core_hours_196M']:>12,} {f['core_hours_196M_extract_stage']:>9,} "
            f"{f.get('cpu_hours_196M', 0):>9,}"
        )
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"spark_bench: figures written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
