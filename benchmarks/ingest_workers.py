"""Does `quotegraph ingest --workers 2` go twice as fast as `--workers 1`? (issue 6; goal: >= 1.8x on 2 cores)

    .venv/bin/python benchmarks/ingest_workers.py --output benchmarks/results/ingest-workers-$(date +%F).json
    .venv/bin/python benchmarks/ingest_workers.py --limit 40 --rounds 1      # a quick check that it runs

Inputs: the shared BBC and Reuters-21578 corpora (``shared/data/news``, found as ``quotegraph bench`` finds them,
or ``--data``), a fixed subset: the first ``--limit`` / 2 BBC files in name order and the first ``--limit`` / 2
Reuters stories with a body (files and records in order), interleaved, written once to a JSONL file (title, text,
date, outlet). Research-use data: it is read from the shared folder and the JSONL lives in a temporary folder.

Each run is the real command, ``quotegraph ingest FILE.jsonl --db NEW.sqlite --workers N``, into a fresh SQLite
file, and the runs alternate (1, 2, 1, 2, ... for ``--rounds`` rounds), so a busy spell hits both. Two readings:

* ``steady``: from the commit of the first N batches (N = workers: by then every worker has loaded the model and
  finished one batch) to the last commit, from the stored articles' ``ingested_at``; model loading and process
  start are not in it. This is the throughput the issue's goal is about.
* ``total``: the command's wall time, start to exit, model loading included.

The best run (highest rate) of each worker count is reported with the median beside it, plus the CPU time of the
command and its workers. Every run must store the same articles and quotes; the script checks that.
"""

from __future__ import annotations

import argparse
import datetime
import html
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from quotegraph.bench import find_bbc_corpus, machine_info

GOAL = 1.8
DEFAULT_LIMIT = 1000
DEFAULT_ROUNDS = 2
BATCH_SIZE = 16

_REUTERS = re.compile(r"<REUTERS\b.*?NEWID=\"(\d+)\".*?</REUTERS>", re.DOTALL)
_FIELD = re.compile(r"<(TITLE|BODY|DATE)>(.*?)</\1>", re.DOTALL)


def say(message: str) -> None:
    print(f"ingest_workers: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------- corpora


def find_news(data: Path | None) -> tuple[Path, Path]:
    """(BBC folder of category folders, Reuters folder of reut2-*.sgm); SystemExit(2) with one line if absent."""
    if data is not None:
        bbc, reuters = data / "news" / "bbc" / "bbc", data / "news" / "reuters21578" / "reuters21578"
    else:
        found, looked = find_bbc_corpus()
        if found is None:
            say(f"the shared BBC corpus was not found (give --data); looked in: {', '.join(map(str, looked))}")
            raise SystemExit(2)
        bbc, reuters = found, found.parent.parent / "reuters21578" / "reuters21578"
    for name, folder in (("BBC", bbc), ("Reuters", reuters)):
        if not folder.is_dir():
            say(f"the {name} corpus is not at {folder} (give --data, the shared data folder)")
            raise SystemExit(2)
    return bbc, reuters


def bbc_records(folder: Path, n: int) -> list[dict[str, Any]]:
    """The first ``n`` BBC files in name order: first line the headline, then paragraphs."""
    records = []
    for path in sorted(folder.glob("*/*.txt"))[:n]:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:  # sport/199.txt holds one Latin-1 byte
            text = data.decode("latin-1")
        lines = [line.strip() for line in text.splitlines()]
        body = "\n".join(line for line in lines[1:] if line)
        records.append(
            {"id": f"bbc-{path.parent.name}-{path.stem}", "title": lines[0], "text": body, "outlet": "BBC"}
        )
    return records


def reuters_records(folder: Path, n: int) -> list[dict[str, Any]]:
    """The first ``n`` Reuters stories that have a body, in file and record order; the hard-wrapped lines joined
    into paragraphs (a paragraph starts with an indent)."""
    records: list[dict[str, Any]] = []
    for path in sorted(folder.glob("reut2-*.sgm")):
        raw = path.read_bytes().decode("latin-1")
        for match in _REUTERS.finditer(raw):
            fields = {m.group(1): m.group(2) for m in _FIELD.finditer(match.group(0))}
            if not fields.get("BODY", "").strip():
                continue
            body = html.unescape(re.sub(r"&#\d+;", "", fields["BODY"]))
            body = re.sub(r"\s*Reuter\s*$", "", body)
            paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s{3,}", body) if p.strip()]
            record: dict[str, Any] = {"id": f"reuters-{match.group(1)}", "text": "\n".join(paragraphs)}
            record["outlet"] = "Reuters"
            if fields.get("TITLE", "").strip():
                record["title"] = " ".join(html.unescape(fields["TITLE"]).split())
            try:
                stamp = datetime.datetime.strptime(fields.get("DATE", "").strip()[:11], "%d-%b-%Y")
                record["date"] = stamp.date().isoformat()
            except ValueError:
                pass
            records.append(record)
            if len(records) >= n:
                return records
    return records


def build_input(data: Path | None, limit: int, target: Path) -> dict[str, Any]:
    bbc, reuters = find_news(data)
    from_bbc = bbc_records(bbc, (limit + 1) // 2)
    from_reuters = reuters_records(reuters, limit - len(from_bbc))
    records = [r for pair in zip(from_bbc, from_reuters, strict=False) for r in pair]
    records += from_bbc[len(from_reuters) :] + from_reuters[len(from_bbc) :]
    target.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return {
        "bbc": str(bbc),
        "reuters": str(reuters),
        "limit": limit,
        "articles": len(records),
        "bbc_articles": len(from_bbc),
        "reuters_articles": len(from_reuters),
        "words": sum(len(r["text"].split()) + len(r.get("title", "").split()) for r in records),
        "first": [from_bbc[0]["id"] if from_bbc else None, from_reuters[0]["id"] if from_reuters else None],
        "last": [from_bbc[-1]["id"] if from_bbc else None, from_reuters[-1]["id"] if from_reuters else None],
    }


# ---------------------------------------------------------------------------------------------------- the runs


def quotegraph_command() -> list[str]:
    script = Path(sys.executable).with_name("quotegraph")
    return [str(script)] if script.exists() else [sys.executable, "-m", "quotegraph.cli"]


def one_run(jsonl: Path, folder: Path, workers: int, index: int, batch_size: int) -> dict[str, Any]:
    db = folder / f"run-{index}-w{workers}.sqlite"
    log = folder / f"run-{index}-w{workers}.log"
    command = [*quotegraph_command(), "ingest", str(jsonl), "--db", f"sqlite:///{db}"]
    command += ["--workers", str(workers), "--batch-size", str(batch_size)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with log.open("wb") as out:
        returncode = subprocess.run(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=out, check=False
        ).returncode
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and the workers it waited for
    if returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        raise RuntimeError(f"run {index} (--workers {workers}) exited {returncode}: {' | '.join(tail)}")
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as connection:
            stamps = [
                row[0]
                for row in connection.execute(
                    sa.text("SELECT ingested_at FROM articles WHERE status = 'done' ORDER BY id")
                )
            ]
            n_quotes = connection.execute(sa.text("SELECT count(*) FROM quotes")).scalar_one()
            failed = connection.execute(
                sa.text("SELECT count(*) FROM articles WHERE status <> 'done'")
            ).scalar_one()
    finally:
        engine.dispose()
    times = [datetime.datetime.fromisoformat(str(stamp)) for stamp in stamps]
    # written in input order, one commit per batch: the first `workers` batches fill the pipeline
    warm = min(len(times), workers * batch_size) - 1
    steady_n = len(times) - 1 - warm
    steady_s = (times[-1] - times[warm]).total_seconds() if steady_n > 0 else 0.0
    return {
        "workers": workers,
        "articles": len(times),
        "failed": failed,
        "quotes": n_quotes,
        "wall_s": round(wall, 3),
        "cpu_s": round(
            (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            3,
        ),
        "total_articles_per_s": round(len(times) / wall, 2) if wall else None,
        "steady_articles": steady_n,
        "steady_s": round(steady_s, 3),
        "steady_articles_per_s": round(steady_n / steady_s, 2) if steady_s > 0 else None,
    }


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def best(key: str) -> float | None:
        values = [run[key] for run in runs if run[key] is not None]
        return max(values) if values else None

    def median(key: str) -> float | None:
        values = [run[key] for run in runs if run[key] is not None]
        return round(statistics.median(values), 2) if values else None

    return {
        "steady_articles_per_s": best("steady_articles_per_s"),
        "median_steady_articles_per_s": median("steady_articles_per_s"),
        "total_articles_per_s": best("total_articles_per_s"),
        "median_total_articles_per_s": median("total_articles_per_s"),
        "runs": runs,
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="benchmarks/ingest_workers.py",
        description="Throughput of `quotegraph ingest` with 1 and 2 worker processes, alternating, on the shared "
        "BBC + Reuters corpora.",
    )
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="articles: half BBC, half Reuters")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, help="rounds of (1 worker, 2 workers)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="ingest's --batch-size")
    parser.add_argument(
        "--data", type=Path, help="the shared data folder (default: found as `quotegraph bench` does)"
    )
    parser.add_argument("--output", "-o", type=Path, help="write the figures here as JSON")
    parser.add_argument("--keep", type=Path, help="keep the JSONL, stores and logs in this folder")
    args = parser.parse_args(argv)
    if args.limit < 2 or args.rounds < 1 or args.batch_size < 1:
        say("--limit must be at least 2, --rounds and --batch-size at least 1")
        return 2

    folder = Path(tempfile.mkdtemp(prefix="quotegraph-ingest-workers-"))
    try:
        jsonl = folder / "articles.jsonl"
        corpus = build_input(args.data, args.limit, jsonl)
        say(
            f"{corpus['articles']:,} articles ({corpus['bbc_articles']} BBC, {corpus['reuters_articles']} Reuters,"
            f" {corpus['words']:,} words); {args.rounds} round(s) of --workers 1, 2"
        )
        runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
        index = 0
        for round_number in range(1, args.rounds + 1):
            for workers in (1, 2):  # alternating, so a busy spell on a shared machine hits both
                index += 1
                try:
                    run = one_run(jsonl, folder, workers, index, args.batch_size)
                except RuntimeError as exc:
                    say(str(exc))
                    return 1
                runs[workers].append(run)
                say(
                    f"round {round_number}, --workers {workers}: {run['steady_articles_per_s']} articles/s steady,"
                    f" {run['total_articles_per_s']} with start-up ({run['wall_s']:.1f} s wall,"
                    f" {run['cpu_s']:.1f} s CPU)"
                )
        outcomes = {(run["articles"], run["failed"], run["quotes"]) for group in runs.values() for run in group}
        if len(outcomes) != 1:
            say(f"the runs did not store the same: (articles, failed, quotes) = {sorted(outcomes)}")
            return 1
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for path in folder.iterdir():
                shutil.copy2(path, args.keep / path.name)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    one, two = summarize(runs[1]), summarize(runs[2])
    steady = ratio(two["steady_articles_per_s"], one["steady_articles_per_s"])
    result: dict[str, Any] = {
        "benchmark": "quotegraph ingest: --workers 2 vs --workers 1",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": "quotegraph ingest ARTICLES.jsonl --db sqlite:///NEW.sqlite --workers N "
        f"--batch-size {args.batch_size}",
        "corpus": corpus,
        "settings": {
            "rounds": args.rounds,
            "order": ", ".join(f"--workers {w}" for _ in range(args.rounds) for w in (1, 2)),
            "steady": "from the commit of the first N batches (N = workers) to the last commit (ingested_at)",
            "total": "the command's wall time, start to exit, model loading included",
            "reported": "best run (highest rate) of each; median beside it",
        },
        "workers_1": one,
        "workers_2": two,
        "ratio_2_vs_1": {
            "steady_articles_per_s": steady,
            "median_steady_articles_per_s": ratio(
                two["median_steady_articles_per_s"], one["median_steady_articles_per_s"]
            ),
            "total_articles_per_s": ratio(two["total_articles_per_s"], one["total_articles_per_s"]),
        },
        "goal": {"steady_ratio_at_least": GOAL, "met": steady is not None and steady >= GOAL},
        "machine": machine_info(),
    }
    for workers, figures in ((1, one), (2, two)):
        print(
            f"--workers {workers}: {figures['steady_articles_per_s']} articles/s steady,"
            f" {figures['total_articles_per_s']} with start-up"
        )
    print(
        f"ratio 2 vs 1: {steady} steady (goal >= {GOAL}),"
        f" {result['ratio_2_vs_1']['total_articles_per_s']} with start-up"
    )
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        say(f"figures written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
