"""Load benchmark of the HTTP API (issue 5): many concurrent clients against `quotegraph serve` on a large store.

    .venv/bin/pip install aiohttp          # the load client (or: pip install -e '.[bench]')
    .venv/bin/python benchmarks/load_api.py                       # build (or reuse) the store, run, print tables
    .venv/bin/python benchmarks/load_api.py --cache-size 0        # the same with the server's cache off
    .venv/bin/python benchmarks/load_api.py --output benchmarks/results/load-api-$(date +%F).json
    .venv/bin/python benchmarks/load_api.py --cpu 2000 --server-cpu 2000 --no-load   # CPU per request only

What it does, in order:

1. **Store.** Builds a SQLite store of at least ``--quotes`` quotes (default 100,000) at ``--store``, once (later
   runs reuse it while it holds enough quotes). The quotes are real: a corpus is extracted by the real pipeline
   (by default the shared BBC corpus, 2,225 articles, when ``../shared/data/news/bbc`` exists, else the bundled
   Wikinews samples; the extraction is cached beside the store), then each article is stored again and again as a
   variant until the store is big enough: a line appended after the body (so its content hash differs and every
   offset still holds), a new date (2015-2024), one of 12 outlets, and speaker names varied (one speaker in four
   keeps their name, the rest get one of 60 surnames appended), so there are thousands of speakers, ten years and
   many outlets to search. Everything goes through quotegraph's own ingest path (``write_batch``), 500 articles a
   transaction, as an ingest would write it (no ANALYZE or other tuning afterwards).
2. **Server.** Starts ``quotegraph serve`` (uvicorn, ``--workers`` processes, the server's default cache unless
   ``--cache-size``) on a free 127.0.0.1 port.
3. **Load.** ``--clients`` concurrent clients (asyncio streams on uvloop, about 0.1 ms of client CPU a request;
   ``--client aiohttp`` for the earlier runs' client; one keep-alive connection each, opened with one unmeasured
   ``GET /api/health`` first) share ``--requests`` requests drawn with a fixed seed from a mix:
   quote search by one or two words taken from stored quotes, by a two-word phrase, words plus a filter, filters
   only (speaker id, speaker name, about, outlet, half a year, kind), pages 1-5 and the three sort orders; speaker
   lists; speaker detail; article detail. Each request is timed from send to the end of the body. Any non-2xx
   answer, timeout or connection error counts as an error. The run is bounded: ``--max-seconds`` per phase (what
   is left then counts as missing).
4. **Baseline, same run.** First, the same number of requests from the same clients against ``GET /api/health``
   (no database): the floor this machine, the HTTP server and FastAPI set for any route under this load.
5. **Warm-up (``--warm-up N``, off by default).** Before the measured mix, N requests of another mix of the same
   kinds (seed + 1), not measured: a server that has served such traffic for a while (its caches hold what that
   traffic left, not the measured requests), where the default measures a freshly started one.

It reports p50/p95/p99/max latency, requests per second and errors, overall and per kind of request, and how many
answers came from the server's cache (its ``X-Quotegraph-Cache: hit`` header). Traffic goes to 127.0.0.1 only, and
the server is stopped at the end.

CPU per request, which unlike latency under load hardly depends on what else the machine runs (with 200
closed-loop clients on 2 cores, the mean latency is about 200 x CPU-per-request / 2):

* ``--cpu N``: the first N requests of the mix served one at a time in this process (the app started with its
  lifespan, as the server starts it; httpx's in-process client), process CPU time per request by kind. The
  client's own work is included (about what ``GET /api/health`` costs in the same run).
* ``--server-cpu N``: the same N requests sent one at a time over one keep-alive connection to a real
  ``quotegraph serve`` with one worker; the server process's own CPU (every thread, from /proc) per request by
  kind, the HTTP server included and the client excluded: what two server cores can serve is 2000 / this.
* ``--no-load``: only these, no load run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BBC = ROOT.parent / "shared" / "data" / "news" / "bbc" / "bbc"
OUTLETS = [
    "Wikinews",
    "The Daily Ledger",
    "Morning Courier",
    "Evening Standard Post",
    "Northern Echo Times",
    "Global Wire",
    "Capital Chronicle",
    "Harbour Gazette",
    "Metro Observer",
    "Valley Herald",
    "Coastal Tribune",
    "The Week Review",
]
_SURNAME_WORDS = (
    "Abbott Baker Carter Dalton Ellis Foster Garcia Hughes Ingram Jensen Keller Lopez Moreno Nash Owens Patel Quinn "
    "Romero Santos Turner Underwood Vargas Walsh Xu Young Zimmerman Ahmed Brennan Castillo Dubois Eriksen Fischer "
    "Gallagher Hoffman Ivanova Jovanovic Kowalski Lindqvist Moretti Nakamura Okafor Petrov Rossi Schneider Tanaka "
    "Ueda Virtanen Weber Yilmaz Zhang Andersen Bianchi Costa Dimitrov Esposito Fernandes Gonzalez Horvat Ito Jung"
)
SURNAMES = _SURNAME_WORDS.split()
_STOP_WORDS = (
    "the a an and or of to in on for with that this is was are were be been it its as at by from he she they we "
    "you i his her their our your not but have has had will would can could do does did so if than then there "
    "here what which who whom when where why how all any some no yes more most very just also about into over "
    "after before up out said says say"
)
STOP = set(_STOP_WORDS.split())


# ---------------------------------------------------------------------------------------------------- the store


def extracted_corpus(corpus: list[str], cache: Path) -> list[tuple]:
    """(Article, records) for every article of ``corpus`` with quotes; cached as JSON lines in ``cache``."""
    from quotegraph.pipeline import ExtractionError, Extractor
    from quotegraph.readers import read_paths
    from quotegraph.record import Article, QuoteRecord

    if cache.exists():
        pairs = []
        for line in cache.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            data = item["article"]
            data["body_span"] = tuple(data["body_span"])
            data["headline_span"] = tuple(data["headline_span"]) if data["headline_span"] else None
            pairs.append((Article(**data), [QuoteRecord.model_validate(r) for r in item["records"]]))
        print(f"reusing the extraction in {cache} ({len(pairs)} articles)", file=sys.stderr)
        return pairs
    started = time.perf_counter()
    articles = [item for item in read_paths(corpus) if isinstance(item, Article)]
    pairs = [
        (article, records)
        for article, records in Extractor().extract_many(articles)
        if not isinstance(records, ExtractionError) and records
    ]
    with cache.open("w", encoding="utf-8") as out:
        for article, records in pairs:
            data = {
                "id": article.id,
                "text": article.text,
                "body_span": article.body_span,
                "headline_span": article.headline_span,
                "date": article.date,
                "title": article.title,
            }
            out.write(json.dumps({"article": data, "records": [r.to_dict() for r in records]}) + "\n")
    n = sum(len(records) for _, records in pairs)
    print(
        f"extracted {n} quotes from {len(pairs)} articles in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    return pairs


def build_store(path: Path, target_quotes: int, corpus: list[str]) -> dict:
    """A SQLite store of at least ``target_quotes`` quotes from varied copies of real extracted articles."""
    import sqlalchemy as sa

    from quotegraph.record import Article
    from quotegraph.store import open_store
    from quotegraph.store.ingest import write_batch

    if path.exists():
        store = open_store(f"sqlite:///{path}")
        with store.engine.connect() as connection:
            n = connection.execute(sa.text("SELECT count(*) FROM quotes")).scalar_one()
        store.close()
        if n >= target_quotes:
            print(f"reusing {path} ({n:,} quotes)", file=sys.stderr)
            return {"reused": True, "quotes": n}
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)

    extracted = extracted_corpus(corpus, path.with_suffix(".extracted.jsonl"))
    rng = random.Random(5)
    store = open_store(f"sqlite:///{path}")
    written = 0
    copy = 0
    batch: list = []
    started = time.perf_counter()
    while written < target_quotes:
        for base, records in extracted:
            copy += 1
            date = datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(3650))
            article = Article(
                id=f"{base.id}-v{copy}",
                text=base.text + f"\n[variant {copy}]",  # after the body: every offset into the text still holds
                body_span=base.body_span,
                headline_span=base.headline_span,
                date=date.isoformat(),
                outlet=rng.choice(OUTLETS),
                url=f"https://example.org/news/{copy}",
                title=base.title,
            )
            variant_records = []
            for record in records:
                data = record.model_dump()
                data["doc_id"] = article.id
                data["date"] = article.date
                if record.speaker and rng.random() >= 0.25:
                    data["speaker"] = f"{record.speaker} {rng.choice(SURNAMES)}"
                variant_records.append(type(record).model_validate(data))
            batch.append((article, variant_records))
            written += len(variant_records)
            if len(batch) >= 500:
                write_batch(store, batch)
                batch = []
                print(f"  {written:,} quotes written ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
            if written >= target_quotes:
                break
    if batch:
        write_batch(store, batch)
    with store.engine.connect() as connection:
        counts = {
            table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("articles", "quotes", "speakers", "entities")
        }
    store.close()
    seconds = time.perf_counter() - started
    distinct = sum(len(records) for _, records in extracted)
    print(f"store built: {counts} in {seconds:.0f} s", file=sys.stderr)
    return {
        "reused": False,
        "write_seconds": round(seconds, 1),
        "distinct_extracted_quotes": distinct,
        "distinct_articles": len(extracted),
        **counts,
    }


# ---------------------------------------------------------------------------------------------------- requests


def request_mix(store_path: Path, n: int, seed: int) -> list[tuple[str, str]]:
    """(kind, path-with-query) pairs drawn from what the store holds, with a fixed seed."""
    import sqlite3

    connection = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    texts = [row[0] for row in connection.execute("SELECT text FROM quotes WHERE id % 13 = 0 LIMIT 5000")]
    speakers = connection.execute("SELECT id, name FROM speakers WHERE quote_count > 0").fetchall()
    top_speakers = connection.execute("SELECT id FROM speakers ORDER BY quote_count DESC LIMIT 300").fetchall()
    entities = [row[0] for row in connection.execute("SELECT name FROM entities")]
    max_article = connection.execute("SELECT max(id) FROM articles").fetchone()[0]
    connection.close()
    rng = random.Random(seed)

    def words_of_a_quote() -> list[str]:
        while True:
            words = [w for w in re.findall(r"[A-Za-z]{4,}", rng.choice(texts)) if w.lower() not in STOP]
            if len(words) >= 2:
                return words

    def words() -> str:
        """One or two words of one stored quote: what someone half-remembering a quote would type."""
        picked = words_of_a_quote()
        return " ".join(rng.sample(picked, 2)) if rng.random() < 0.35 else rng.choice(picked)

    def phrase() -> str:
        picked = words_of_a_quote()
        start = rng.randrange(len(picked) - 1)
        return f'"{picked[start]} {picked[start + 1]}"'

    def a_filter() -> dict[str, object]:
        choice = rng.randrange(6)
        if choice == 0:
            return {"speaker_id": rng.choice(top_speakers)[0]}
        if choice == 1:
            return {"speaker": rng.choice(speakers)[1]}
        if choice == 2:
            return {"about": rng.choice(entities)}
        if choice == 3:
            return {"outlet": rng.choice(OUTLETS)}
        if choice == 4:
            year = rng.randint(2015, 2024)
            return {"since": f"{year}-01-01", "until": f"{year}-06-30"}
        return {"kind": rng.choice(["direct", "indirect", "mixed"])}

    def search(**params: object) -> str:
        if rng.random() < 0.3:
            params["page"] = rng.randint(2, 5)
        if rng.random() < 0.3:
            params["sort"] = rng.choice(["newest", "oldest", "relevance"])
        return "/api/quotes?" + urlencode(params)

    mix: list[tuple[str, str]] = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.30:
            mix.append(("search: words", search(q=words())))
        elif roll < 0.35:
            mix.append(("search: phrase", search(q=phrase())))
        elif roll < 0.50:
            mix.append(("search: words + filter", search(q=words(), **a_filter())))
        elif roll < 0.60:
            mix.append(("search: filters only", search(**a_filter())))
        elif roll < 0.75:
            query = urlencode({"page": rng.randint(1, 20), "sort": rng.choice(["quotes", "name", "recent"])})
            mix.append(("speakers: list", "/api/speakers?" + query))
        elif roll < 0.85:
            mix.append(("speakers: detail", f"/api/speakers/{rng.choice(speakers)[0]}"))
        else:
            mix.append(("articles: detail", f"/api/articles/{rng.randint(1, max_article)}"))
    return mix


@dataclass
class Outcome:
    kind: str
    seconds: float
    ok: bool
    status: int | str
    cache_hit: bool = False


async def run_load(
    base: str, mix: list[tuple[str, str]], clients: int, max_seconds: float
) -> tuple[list[Outcome], float]:
    """``clients`` workers, one keep-alive connection each, share ``mix``; returns outcomes and wall seconds."""
    import aiohttp

    pending = iter(mix)  # shared by the clients: taking the next item never awaits, so each goes to one client
    outcomes: list[Outcome] = []
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=clients, limit_per_host=clients, force_close=False)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as http:

        async def warm_up() -> None:  # opens this client's connection; not measured
            async with http.get("/api/health") as response:
                await response.read()

        await asyncio.gather(*(warm_up() for _ in range(clients)))

        async def client() -> None:
            for kind, path in pending:
                started = time.perf_counter()
                try:
                    async with http.get(path) as response:
                        await response.read()
                        status = response.status
                        hit = response.headers.get("x-quotegraph-cache") == "hit"
                    outcomes.append(Outcome(kind, time.perf_counter() - started, 200 <= status < 300, status, hit))
                except (TimeoutError, aiohttp.ClientError) as exc:
                    outcomes.append(Outcome(kind, time.perf_counter() - started, False, type(exc).__name__))

        started = time.perf_counter()
        tasks = [asyncio.create_task(client()) for _ in range(clients)]
        _, unfinished = await asyncio.wait(tasks, timeout=max_seconds)
        for task in unfinished:  # bounded in time: whatever is left is cancelled and counted missing
            task.cancel()
        wall = time.perf_counter() - started
    return outcomes, wall


class HTTPError(Exception):
    """An answer the lean client could not read as HTTP/1.1."""


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """One HTTP/1.1 response off a keep-alive connection: its status and whether it was a cache hit; the body is
    read whole (Content-Length or chunked) and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise HTTPError(f"not an HTTP status line: {lines[0][:80]!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(headers.get(b"content-length", b"0")))
    if headers.get(b"connection", b"").lower() == b"close":
        raise HTTPError("the server closed the connection")
    return int(parts[1]), headers.get(b"x-quotegraph-cache") == b"hit"


async def run_load_lean(
    base: str, mix: list[tuple[str, str]], clients: int, max_seconds: float
) -> tuple[list[Outcome], float]:
    """As ``run_load``, with asyncio streams instead of aiohttp: about 0.1 ms of client CPU per request instead of
    0.24 ms (measured), so that on a small machine the client takes less of the cores it shares with the
    server. One keep-alive connection per client, opened and used once (``GET /api/health``) before the clock
    starts."""
    host, port = base.removeprefix("http://").rsplit(":", 1)
    pending = iter(mix)  # shared by the clients: taking the next item never awaits, so each goes to one client
    outcomes: list[Outcome] = []

    def request(path: str) -> bytes:
        return f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: application/json\r\n\r\n".encode()

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(request("/api/health"))
        await _read_response(reader)
        return reader, writer

    requests = {path: request(path) for _, path in mix}
    connections = await asyncio.gather(*(connect() for _ in range(clients)))

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            for kind, path in pending:
                started = time.perf_counter()
                try:
                    writer.write(requests[path])
                    status, hit = await _read_response(reader)  # the phase's bound stops a request that never ends
                    outcomes.append(Outcome(kind, time.perf_counter() - started, 200 <= status < 300, status, hit))
                except (OSError, HTTPError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
                    outcomes.append(Outcome(kind, time.perf_counter() - started, False, type(exc).__name__))
                    writer.close()
                    try:
                        reader, writer = await asyncio.open_connection(host, int(port))
                    except OSError:
                        return
        finally:  # this client's connection, the first or one opened after an error
            writer.close()

    started = time.perf_counter()
    tasks = [asyncio.create_task(client(reader, writer)) for reader, writer in connections]
    _, unfinished = await asyncio.wait(tasks, timeout=max_seconds)
    for task in unfinished:  # bounded in time: whatever is left is cancelled and counted missing
        task.cancel()
    wall = time.perf_counter() - started
    return outcomes, wall


def run_phase(
    base: str, mix: list[tuple[str, str]], clients: int, max_seconds: float, client: str = "lean"
) -> tuple[list[Outcome], float]:
    """Runs one load phase; also prints the client's own CPU per request (it shares the machine's cores)."""
    load = run_load_lean if client == "lean" else run_load
    cpu = time.process_time()
    try:
        import uvloop

        outcomes, wall = uvloop.run(load(base, mix, clients, max_seconds))
    except ImportError:
        outcomes, wall = asyncio.run(load(base, mix, clients, max_seconds))
    cpu = time.process_time() - cpu
    print(f"load client ({client}): {cpu:.2f} s CPU, {1000 * cpu / max(1, len(outcomes)):.3f} ms per request")
    return outcomes, wall


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def summarise(outcomes: list[Outcome], wall: float, expected: int) -> dict:
    def stats(items: list[Outcome]) -> dict:
        ms = [o.seconds * 1000 for o in items]
        return {
            "requests": len(items),
            "errors": sum(not o.ok for o in items),
            "p50_ms": round(percentile(ms, 0.50), 1),
            "p95_ms": round(percentile(ms, 0.95), 1),
            "p99_ms": round(percentile(ms, 0.99), 1),
            "max_ms": round(max(ms), 1) if ms else None,
            "mean_ms": round(statistics.fmean(ms), 1) if ms else None,
            "cache_hits": sum(o.cache_hit for o in items),
        }

    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.kind].append(outcome)
    overall = stats(outcomes)
    overall["missing"] = expected - len(outcomes)
    overall["wall_s"] = round(wall, 2)
    overall["req_per_s"] = round(len(outcomes) / wall, 1) if wall else None
    overall["statuses"] = dict(Counter(str(o.status) for o in outcomes))
    return {"overall": overall, "by_kind": {kind: stats(items) for kind, items in sorted(by_kind.items())}}


def cpu_per_request(store: Path, mix: list[tuple[str, str]], cache_size: int | None) -> dict:
    """CPU time per request, by kind, serving ``mix`` one request at a time in this process (app and client).

    Unlike latency under load, this barely depends on what else the machine is doing, so it says what the same
    mix costs on any 2-core machine: at C CPU-ms per request, two cores serve at most 2000/C requests a second.
    The app starts as the server starts it (its lifespan: whatever it loads at start-up is not counted).
    """
    import httpx

    from quotegraph.api import create_app
    from quotegraph.api.app import DEFAULT_CACHE_SIZE

    app = create_app(f"sqlite:///{store}", cache_size=DEFAULT_CACHE_SIZE if cache_size is None else cache_size)

    async def serve_all() -> tuple[dict[str, float], Counter[str], Counter[str], float]:
        spent: dict[str, float] = defaultdict(float)
        counts: Counter[str] = Counter()
        hits: Counter[str] = Counter()
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://quotegraph") as http,
        ):
            await http.get("/api/health")
            for kind, path in mix:
                started = time.process_time()
                response = await http.get(path)
                spent[kind] += time.process_time() - started
                counts[kind] += 1
                hits[kind] += response.headers.get("x-quotegraph-cache") == "hit"
                if response.status_code != 200:
                    raise SystemExit(f"{path}: {response.status_code} {response.text[:200]}")
            started = time.process_time()
            for _ in range(500):
                await http.get("/api/health")
            floor = (time.process_time() - started) / 500
        return spent, counts, hits, floor

    spent, counts, hits, floor = asyncio.run(serve_all())
    total = sum(spent.values())
    return {
        "requests": len(mix),
        "cpu_ms_per_request": round(1000 * total / len(mix), 2),
        "health_cpu_ms_per_request": round(1000 * floor, 2),
        "cache_hit_rate": round(sum(hits.values()) / len(mix), 3),
        "by_kind": {kind: round(1000 * spent[kind] / counts[kind], 2) for kind in sorted(spent)},
    }


def server_cpu_per_request(store: Path, mix: list[tuple[str, str]], cache_size: int | None) -> dict:
    """Server CPU time per request, by kind: ``mix`` sent one at a time over one keep-alive connection to a real
    ``quotegraph serve`` with one worker, timed by its processes' own CPU clocks (/proc/PID/task/*/schedstat, the
    server process and any it started), so the client's work is not counted. Two server cores serve about
    2000 / this requests a second."""
    import http.client

    process, base = start_server(store, 1, cache_size)
    try:
        family = [process.pid, *_children(process.pid)]
        host, port = base.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=60)

        def get(path: str) -> tuple[int, str | None]:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            return response.status, response.getheader("x-quotegraph-cache")

        for _ in range(50):
            get("/api/health")
        spent: dict[str, float] = defaultdict(float)
        counts: Counter[str] = Counter()
        hits: Counter[str] = Counter()
        for kind, path in mix:
            started = _family_cpu(family)
            status, cache = get(path)
            spent[kind] += _family_cpu(family) - started
            counts[kind] += 1
            hits[kind] += cache == "hit"
            if status != 200:
                raise SystemExit(f"{path}: {status}")
        started = _family_cpu(family)
        for _ in range(1000):
            get("/api/health")
        floor = (_family_cpu(family) - started) / 1000
        connection.close()
    finally:
        stop_server(process)
    total = sum(spent.values())
    return {
        "requests": len(mix),
        "cpu_ms_per_request": round(1000 * total / len(mix), 3),
        "health_cpu_ms_per_request": round(1000 * floor, 3),
        "cache_hit_rate": round(sum(hits.values()) / len(mix), 3),
        "by_kind": {kind: round(1000 * spent[kind] / counts[kind], 3) for kind in sorted(spent)},
        "hit_rate_by_kind": {kind: round(hits[kind] / counts[kind], 3) for kind in sorted(counts)},
    }


def _family_cpu(pids: list[int]) -> float:
    return sum(_process_cpu(pid) for pid in pids)


def _process_cpu(pid: int) -> float:
    """CPU seconds run so far by every thread of process ``pid`` (the scheduler's nanoseconds, not clock ticks)."""
    total = 0
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:  # the process ended
        return 0.0
    for task in tasks:
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, IndexError, ValueError):  # a thread that just ended
            pass
    return total / 1e9


# ---------------------------------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(store: Path, workers: int, cache_size: int | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    quotegraph = shutil.which("quotegraph", path=str(Path(sys.executable).parent)) or "quotegraph"
    command = [quotegraph, "serve", "--db", f"sqlite:///{store}", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers)]
    if cache_size is not None:
        command += ["--cache-size", str(cache_size)]
    process = subprocess.Popen(command, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=2) as response:
                if response.status == 200:
                    _wait_until_idle(process.pid)
                    return process, base
        except (urllib.error.URLError, OSError):
            pass
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        time.sleep(0.2)
    stop_server(process)
    raise SystemExit("the server did not start within 60 s")


def _wait_until_idle(pid: int, limit: float = 60) -> None:
    """Wait until the server and its worker processes stop using CPU: one worker answering is not all of them
    having started (each loads the quote index first, and takes connections only then), and connections opened
    meanwhile would all go to the first one."""
    deadline = time.monotonic() + limit
    last = -1.0
    while time.monotonic() < deadline:
        family = [pid, *_children(pid)]
        spent = _family_cpu(family)
        if last >= 0 and spent - last < 0.02:
            return
        last = spent
        time.sleep(0.5)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # its own session: the workers go with it
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def machine() -> dict:
    info: dict = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    try:
        info["free_h"] = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout.strip()
        info["loadavg_before"] = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        pass
    return info


def print_table(title: str, summary: dict) -> None:
    print(f"\n{title}")
    print(
        f"{'kind':28} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'cached':>7}"
    )
    rows = [("all", summary["overall"]), *summary["by_kind"].items()]
    for kind, row in rows:
        print(
            f"{kind:28} {row['requests']:>8} {row['errors']:>6} {row['p50_ms']:>8} {row['p95_ms']:>8} "
            f"{row['p99_ms']:>8} {row['max_ms']:>8} {row['cache_hits']:>7}"
        )
    overall = summary["overall"]
    print(
        f"wall {overall['wall_s']} s, {overall['req_per_s']} req/s, missing {overall['missing']}, "
        f"statuses {overall['statuses']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=Path("/tmp/quotegraph-load/store.db"))
    parser.add_argument("--quotes", type=int, default=100_000, help="quotes in the store at least")
    default_corpus = [str(BBC)] if BBC.is_dir() else [str(ROOT / "samples" / "wikinews")]
    parser.add_argument("--corpus", nargs="*", default=default_corpus, help="articles to extract for the store")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--cache-size", type=int, default=None, help="the server's per-worker cache (0: none)")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--max-seconds", type=float, default=600, help="bound on each load phase")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--warm-up",
        type=int,
        default=0,
        metavar="N",
        help="first N unmeasured requests of another mix (seed + 1): the steady state rather than a fresh server",
    )
    parser.add_argument(
        "--client",
        choices=("lean", "aiohttp"),
        default="lean",
        help="the load client: asyncio streams (default, little CPU) or aiohttp (the earlier runs' client)",
    )
    parser.add_argument(
        "--cpu", type=int, default=0, metavar="N", help="also measure CPU time per request over N requests"
    )
    parser.add_argument(
        "--server-cpu",
        type=int,
        default=0,
        metavar="N",
        help="also measure the server's own CPU time per request over N requests (one worker, one client)",
    )
    parser.add_argument(
        "--no-load", action="store_true", help="only the CPU measurements (--cpu, --server-cpu): no load run"
    )
    parser.add_argument("--output", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    if not 1 <= args.clients <= 1000 or not 1 <= args.requests <= 100_000:
        parser.error("--clients 1..1000 and --requests 1..100000")
    if args.client == "aiohttp":
        try:
            import aiohttp  # noqa: F401
        except ImportError:
            parser.error("--client aiohttp needs aiohttp: .venv/bin/pip install aiohttp (or -e '.[bench]')")

    args.store.parent.mkdir(parents=True, exist_ok=True)
    build = build_store(args.store, args.quotes, args.corpus)
    mix = request_mix(args.store, args.requests, args.seed)
    result: dict = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "store": {"path": str(args.store), **build},
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "mix": dict(Counter(kind for kind, _ in mix)),
        "distinct_requests": len({path for _, path in mix}),
    }
    if args.cpu:
        result["cpu"] = cpu_per_request(args.store, mix[: args.cpu], args.cache_size)
        print(f"\nCPU per request, one at a time in one process: {result['cpu']}")
    if args.server_cpu:
        result["server_cpu"] = server_cpu_per_request(args.store, mix[: args.server_cpu], args.cache_size)
        print(f"\nserver CPU per request, one at a time: {result['server_cpu']}")
    if args.no_load:
        if args.output:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(json.dumps(result, indent=2) + "\n")
        return 0
    process, base = start_server(args.store, args.workers, args.cache_size)
    try:
        if not args.skip_baseline:
            health = [("baseline: GET /api/health", "/api/health")] * args.requests
            outcomes, wall = run_phase(base, health, args.clients, args.max_seconds, args.client)
            result["baseline"] = summarise(outcomes, wall, len(health))
            print_table("baseline: the same load on GET /api/health", result["baseline"])
        if args.warm_up:
            # a server that has been serving for a while: other requests of the same kinds (another seed), not
            # measured, so its caches hold what such traffic leaves there and not the measured requests themselves
            warm_up = request_mix(args.store, args.warm_up, args.seed + 1)
            result["warm_up"] = {
                "requests": len(warm_up),
                "seed": args.seed + 1,
                "shared_with_measured": len({p for _, p in warm_up} & {p for _, p in mix}),
            }
            outcomes, wall = run_phase(base, warm_up, args.clients, args.max_seconds, args.client)
            print(f"warm-up: {len(outcomes)} requests in {wall:.1f} s (not measured)")
        outcomes, wall = run_phase(base, mix, args.clients, args.max_seconds, args.client)
        result["api"] = summarise(outcomes, wall, len(mix))
        print_table("the API mix" + (" (after the warm-up)" if args.warm_up else ""), result["api"])
    finally:
        stop_server(process)
    result["machine"]["loadavg_after"] = Path("/proc/loadavg").read_text().split()[:3]
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=2) + "\n")
    api = result["api"]["overall"]
    return 0 if api["errors"] == 0 and api["missing"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
