"""Articles in, extracted and stored: idempotent, resumable, one transaction per batch.

An article is keyed by the sha256 of its text. One already stored is skipped before extraction (so a rerun over
the same folder costs a hash per file); one stored as failed is extracted again, and replaced if it now works.
Articles are committed in batches: an article and all its quotes are always in the same transaction, so a run
killed at any point loses at most the batches in flight, and running it again picks up where it stopped.

With ``workers`` > 1, extraction runs in that many worker processes (each loads the pipeline once) while this
process stays the only writer: it reads, skips what is stored, hands batches out and writes the results back in
input order, so the store ends the same as with one worker. A worker that dies (a crash, the OOM killer) costs a
restart: the batches it took down with it are redone article by article, and an article a worker dies on again
is stored as failed. Workers exit on their own when this process is killed.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import multiprocessing
import os
import random
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from itertools import chain
from typing import Any, Literal, TypeAlias

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from quotegraph.pipeline import ExtractionError, Extractor
from quotegraph.readers import ReadError
from quotegraph.record import Article, QuoteRecord
from quotegraph.store import registry
from quotegraph.store.db import Store
from quotegraph.store.models import NAME_LENGTH, URL_LENGTH, articles, quote_about, quotes, store_state

DEFAULT_BATCH_SIZE = 16
WRITE_ATTEMPTS = 5
RETRY_PAUSE_SECONDS = 0.1
# PostgreSQL's deadlock_detected and serialization_failure: the transaction was aborted and can be run again
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
#: inputs looked up in the store at a time (is it stored already?)
LOOKUP_CHUNK = 64
#: batches handed out per worker ahead of the writer: enough that no worker waits while a batch is written
BATCHES_AHEAD_PER_WORKER = 2
#: how often a worker checks that the ingest that started it is still alive
PARENT_CHECK_SECONDS = 0.5
WORKER_DIED = "the extraction worker process died on this article (a crash, or killed: out of memory?)"

ExtractResult: TypeAlias = list[QuoteRecord] | ExtractionError

OutcomeStatus = Literal["stored", "skipped", "failed", "error"]


@dataclass
class IngestOutcome:
    """What became of one input: stored (with its quotes), skipped (already stored), failed (stored as failed,
    with the reason, to be retried) or error (could not even be read or stored; nothing was written)."""

    status: OutcomeStatus
    label: str
    article_id: int | None = None
    content_hash: str | None = None
    n_quotes: int = 0
    reason: str | None = None

    def __str__(self) -> str:
        return f"{self.label}: {self.reason}" if self.reason else self.label


@dataclass
class IngestSummary:
    stored: int = 0
    skipped: int = 0
    failed: int = 0
    errors: int = 0
    quotes: int = 0

    def add(self, outcome: IngestOutcome) -> None:
        if outcome.status == "stored":
            self.stored += 1
            self.quotes += outcome.n_quotes
        elif outcome.status == "skipped":
            self.skipped += 1
        elif outcome.status == "failed":
            self.failed += 1
        else:
            self.errors += 1


def content_hash(text: str) -> str:
    """The article's key: sha256 of its text as UTF-8, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def unstorable_reason(text: str) -> str | None:
    """Why ``text`` cannot be stored as is, or None. PostgreSQL refuses NUL in text; no database takes a lone
    surrogate (which only arrives from a JSON escape such as \\ud800)."""
    if "\x00" in text:
        return "the text holds a NUL character (binary data?)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"the text holds an unpaired surrogate at character {exc.start}"
    return None


def ingest(
    store: Store,
    items: Iterable[Article | ReadError],
    *,
    extractor: Extractor | Callable[[], Extractor] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    outlet: str | None = None,
    on_outcome: Callable[[IngestOutcome], None] | None = None,
    workers: int = 1,
) -> IngestSummary:
    """Extract and store every new article in ``items``; report each input's outcome to ``on_outcome``.

    ``extractor`` may be an Extractor or a function making one: it is only called when some article is new, so a
    rerun over stored articles never loads spaCy. ``outlet`` fills in articles that name none. ``workers`` > 1
    extracts in that many processes (started only when some article is new); ``extractor`` must then be a
    picklable function (each worker calls it once) or None for the default pipeline. Raises WorkerSetupError
    when the workers cannot build their extractor; what was committed until then is kept.
    """
    batch_size = max(1, batch_size)
    factory: Callable[[], Extractor] | None = None  # what each worker calls to build its own
    if workers > 1:
        if isinstance(extractor, Extractor):
            raise ValueError("an Extractor cannot be shared with worker processes: pass a function that makes one")
        factory = extractor
    summary = IngestSummary()

    def report(outcome: IngestOutcome) -> None:
        summary.add(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    fresh = _new_articles(store, items, outlet, report)
    first = next(fresh, None)
    if first is None:
        return summary
    queued = chain([first], fresh)
    with ExitStack() as stack:
        results: Iterator[tuple[Article, ExtractResult]]
        if workers > 1:
            # closed on the way out (an error, Ctrl-C), so the workers are stopped then, not at garbage collection
            results = stack.enter_context(closing(_extract_in_workers(queued, batch_size, workers, factory)))
        else:
            if extractor is None:
                from quotegraph.pipeline import default_extractor

                extractor = default_extractor()
            elif not isinstance(extractor, Extractor):
                extractor = extractor()
            results = extractor.extract_many(queued, batch_size=batch_size)

        batch: list[tuple[Article, ExtractResult]] = []
        for article, result in results:
            batch.append((article, result))
            if len(batch) >= batch_size:
                for outcome in write_batch(store, batch):
                    report(outcome)
                batch = []
        if batch:
            for outcome in write_batch(store, batch):
                report(outcome)
    return summary


class WorkerSetupError(RuntimeError):
    """The worker processes could not build their extractor (the pipeline failed to load); the message says why."""


# Worker side: the state of one worker process, set once by _start_worker.
_worker_extractor: Extractor | None = None
_worker_setup_error: str | None = None


def _start_worker(factory: Callable[[], Extractor] | None, parent_pid: int) -> None:
    """A worker's initializer: load the pipeline once, and arrange to die with the ingest that started it."""
    global _worker_extractor, _worker_setup_error
    # Ctrl-C is the parent's to handle (it stops handing out work and shuts the pool down); a worker that took
    # it too would print a traceback of its own. Already ignored from birth when started from the main thread.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), name="watch-parent", daemon=True).start()
    try:
        if factory is None:
            from quotegraph.pipeline import default_extractor

            _worker_extractor = default_extractor()
        else:
            _worker_extractor = factory()
    except Exception as exc:  # reported with the first batch: an initializer error would only break the pool
        _worker_setup_error = f"{type(exc).__name__}: {exc}"


@contextmanager
def _children_ignore_sigint() -> Iterator[None]:
    """Processes started inside ignore SIGINT from birth (an ignored signal stays ignored in a new program, and
    Python keeps it so). Ctrl-C reaches the whole process group; a worker still importing would otherwise die
    with a traceback of its own before its initializer could ignore it."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _exit_with_parent(parent_pid: int) -> None:
    """A SIGKILLed parent runs no cleanup and a pool worker never sees its queue close (it holds both ends), so
    each worker watches for itself: once it is orphaned (re-parented), it exits."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _extract_batch_in_worker(batch: list[Article]) -> list[ExtractResult]:
    if _worker_extractor is None:
        raise WorkerSetupError(_worker_setup_error or "the worker has no extractor")
    return [result for _, result in _worker_extractor.extract_many(batch, batch_size=len(batch))]


class _WorkerPool:
    """Worker processes (spawned: safe with the parent's threads, the same on every platform) that a dead worker
    does not bring down: the pool is started again and the lost batches are redone."""

    def __init__(self, workers: int, factory: Callable[[], Extractor] | None) -> None:
        self.workers = workers
        self.factory = factory
        self.restarts = 0
        self.executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self.factory, os.getpid()),
        )

    def submit(self, batch: list[Article]) -> Future[list[ExtractResult]]:
        with _children_ignore_sigint():  # a submit may start a worker
            return self.executor.submit(_extract_batch_in_worker, batch)

    def restart(self) -> None:
        """A fresh pool; the old one is stopped, its workers and pending batches with it."""
        self._terminate_workers()
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._start()
        self.restarts += 1

    def close(self, *, now: bool = False) -> None:
        """Shut the pool down; ``now`` (stopped early: Ctrl-C, an error) stops the workers too rather than wait
        for their batches, which nobody will write and which can take seconds (or a model load) to finish."""
        if now:
            self._terminate_workers()
        self.executor.shutdown(wait=True, cancel_futures=True)

    def _terminate_workers(self) -> None:
        terminate = getattr(self.executor, "terminate_workers", None)  # Python 3.14 has it; before, by hand
        if terminate is not None:
            terminate()
            return
        for process in list((self.executor._processes or {}).values()):
            if process.is_alive():
                process.terminate()

    def results(self, batch: list[Article], future: Future[list[ExtractResult]]) -> list[ExtractResult]:
        """The batch's results. After a dead worker (maybe busy with another batch) or an unexpected error, a
        fresh pool redoes the batch article by article with nothing else in flight, so the culprit is found."""
        try:
            return future.result()
        except WorkerSetupError:
            raise
        except Exception:  # BrokenProcessPool, or e.g. a result that could not be pickled
            self.restart()
            return self.one_by_one(batch)

    def salvage(self, batch: list[Article], future: Future[list[ExtractResult]]) -> list[ExtractResult]:
        """A batch handed to a pool that has since been replaced: its results if it finished, else redone."""
        if future.done() and not future.cancelled() and future.exception() is None:
            return future.result()
        return self.one_by_one(batch)

    def one_by_one(self, batch: list[Article]) -> list[ExtractResult]:
        """Each article alone, waited for, so a death is pinned on one article (stored as failed) and costs a
        restart; the articles around it are unharmed. Only after a failure: it leaves all but one worker idle."""
        results: list[ExtractResult] = []
        for article in batch:
            try:
                results.extend(self.submit([article]).result())
            except WorkerSetupError:
                raise
            except BrokenProcessPool:
                self.restart()
                results.append(ExtractionError(article.id, WORKER_DIED))
            except Exception as exc:  # whatever it is, it is this article's failure, not the run's
                results.append(
                    ExtractionError(article.id, f"extraction failed in a worker ({type(exc).__name__}: {exc})")
                )
        return results


def _extract_in_workers(
    articles: Iterator[Article],
    batch_size: int,
    workers: int,
    extractor: Callable[[], Extractor] | None,
) -> Generator[tuple[Article, ExtractResult], None, None]:
    """(article, result) in input order, extracted by ``workers`` processes a batch at a time. Only a few batches
    are handed out ahead of the writer, so memory stays flat on any input and a kill loses little work."""
    pool = _WorkerPool(workers, extractor)
    window: deque[tuple[list[Article], Future[list[ExtractResult]]]] = deque()

    def take() -> Iterator[tuple[Article, ExtractResult]]:
        batch, future = window.popleft()
        restarts = pool.restarts
        yield from zip(batch, pool.results(batch, future), strict=True)
        if pool.restarts != restarts:
            # the other batches in flight went to the pool that died: each is redone in turn before anything new
            # is handed out, so that a second culprit among them is pinned down too (not resubmitted in bulk)
            while window:
                waiting, earlier = window.popleft()
                yield from zip(waiting, pool.salvage(waiting, earlier), strict=True)

    finished = False
    try:
        batch: list[Article] = []
        for article in articles:
            batch.append(article)
            if len(batch) >= batch_size:
                window.append((batch, pool.submit(batch)))
                batch = []
                while len(window) > BATCHES_AHEAD_PER_WORKER * workers:
                    yield from take()
        if batch:
            window.append((batch, pool.submit(batch)))
        while window:
            yield from take()
        finished = True
    finally:
        pool.close(now=not finished)


def _new_articles(
    store: Store,
    items: Iterable[Article | ReadError],
    outlet: str | None,
    report: Callable[[IngestOutcome], None],
) -> Iterator[Article]:
    """The articles not yet stored (or stored as failed); the rest are reported as skipped or errors.

    Looked up LOOKUP_CHUNK at a time: one query per chunk, not one per article, keeps this (the writer's side,
    which also feeds the workers) cheap."""
    seen: set[str] = set()
    pending: list[tuple[Article, str]] = []

    def lookup() -> Iterator[Article]:
        with store.session() as session:
            done = dict(
                session.execute(
                    select(articles.c.content_hash, articles.c.id).where(
                        articles.c.content_hash.in_([digest for _, digest in pending]), articles.c.status == "done"
                    )
                ).all()
            )
        for article, digest in pending:
            if digest in done:
                report(
                    IngestOutcome(
                        "skipped",
                        article.path or article.id,
                        int(done[digest]),
                        content_hash=digest,
                        reason="already stored",
                    )
                )
                continue
            if outlet and not article.outlet:
                article.outlet = outlet
            yield article
        pending.clear()

    for item in items:
        if isinstance(item, ReadError):  # `error: <path>: <reason>`, the reason saying where in a many-record file
            where = f"line {item.location}" if (item.location or "").isdigit() else item.location
            report(IngestOutcome("error", item.path, reason=f"{where}: {item.reason}" if where else item.reason))
            continue
        reason = unstorable_reason(item.text)
        if reason:
            report(IngestOutcome("error", item.path or item.id, reason=reason))
            continue
        digest = content_hash(item.text)
        if digest in seen:
            report(
                IngestOutcome(
                    "skipped", item.path or item.id, content_hash=digest, reason="same text as an earlier input"
                )
            )
            continue
        seen.add(digest)
        pending.append((item, digest))
        if len(pending) >= LOOKUP_CHUNK:
            yield from lookup()
    if pending:
        yield from lookup()


def write_batch(
    store: Store, batch: list[tuple[Article, list[QuoteRecord] | ExtractionError]]
) -> list[IngestOutcome]:
    """Store a batch of extracted articles in one transaction; an article and its quotes are never split.

    Two ingests writing at once on PostgreSQL can deadlock on shared rows; the database then aborts one
    transaction, which is simply run again after a short random pause (nothing of it was kept).
    """
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with store.write_session() as session:
                outcomes = [write_article(session, article, result) for article, result in batch]
                if any(outcome.status in ("stored", "failed") for outcome in outcomes):
                    session.execute(
                        update(store_state)
                        .where(store_state.c.id == 1)
                        .values(generation=store_state.c.generation + 1)
                    )
                session.commit()
            return outcomes
        except DBAPIError as exc:
            if attempt == WRITE_ATTEMPTS or getattr(exc.orig, "sqlstate", None) not in _RETRYABLE_SQLSTATES:
                raise
            # run again at once, the same writers often deadlock again: a random pause lets one of them go first
            time.sleep(random.uniform(0, RETRY_PAUSE_SECONDS * attempt))
    raise AssertionError("unreachable")


def write_article(
    session: Session, article: Article, result: list[QuoteRecord] | ExtractionError
) -> IngestOutcome:
    """Write one article (and its quotes, or its failure) in ``session``'s transaction; does not commit."""
    label = article.path or article.id
    digest = content_hash(article.text)
    records: list[QuoteRecord] = [] if isinstance(result, ExtractionError) else result
    values = _article_values(article, digest, result)
    # FOR UPDATE (PostgreSQL; SQLite holds the write lock already): two ingests retrying the same failed
    # article take turns, and the second then finds it done
    existing = session.execute(_FIND_ARTICLE, {"digest": digest}).first()
    if existing is not None and existing.status == "done":  # another process stored it meanwhile
        return IngestOutcome("skipped", label, existing.id, digest, reason="already stored")
    if existing is not None:  # a failed article, retried: the row (and its id) stays, its content is replaced
        article_id = int(existing.id)
        session.execute(update(articles).where(articles.c.id == article_id).values(**values))
    else:
        inserted_id = session.execute(_insert_article(session), values).scalar()
        if inserted_id is None:  # a concurrent writer inserted the same text first: it is theirs to fill
            return IngestOutcome("skipped", label, None, digest, reason="stored by another writer")
        article_id = int(inserted_id)
    if isinstance(result, ExtractionError):
        return IngestOutcome("failed", label, article_id, digest, reason=result.reason)
    _write_quotes(session, article_id, article, records)
    return IngestOutcome("stored", label, article_id, digest, n_quotes=len(records))


# Built once and run with parameters: SQLAlchemy then reuses the compiled SQL (a statement with its values baked
# in is compiled again for every article, which made up most of the writer's time per article).
_FIND_ARTICLE = (
    select(articles.c.id, articles.c.status)
    .where(articles.c.content_hash == bindparam("digest"))
    .with_for_update()
)
_INSERT_ARTICLE: dict[str, Any] = {}


def _insert_article(session: Session) -> Any:
    """INSERT ... ON CONFLICT (content_hash) DO NOTHING RETURNING id, for the session's dialect."""
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERT_ARTICLE:
        _INSERT_ARTICLE[dialect] = (
            registry.dialect_insert(session, articles)
            .on_conflict_do_nothing(index_elements=["content_hash"])
            .returning(articles.c.id)
        )
    return _INSERT_ARTICLE[dialect]


def _write_quotes(session: Session, article_id: int, article: Article, records: list[QuoteRecord]) -> None:
    if not records:
        return
    rows = []
    outlet = registry.clean_name(article.outlet or "") or None
    per_speaker: Counter[int] = Counter()
    for position, record in enumerate(records):
        speaker_id = registry.assign_speaker(session, record, outlet)
        if speaker_id is not None:
            per_speaker[speaker_id] += 1
        rows.append(_quote_values(article_id, position, record, speaker_id, outlet))
    session.execute(insert(quotes), rows)
    ids = dict(
        session.execute(select(quotes.c.position, quotes.c.id).where(quotes.c.article_id == article_id)).all()
    )
    about_rows = []
    for position, record in enumerate(records):
        for entity_id in registry.assign_entities(session, record.about):
            about_rows.append({"quote_id": ids[position], "entity_id": entity_id})
    if about_rows:
        session.execute(insert(quote_about), about_rows)
    registry.count_appearances(session, per_speaker, parse_date(article.date))


def _article_values(article: Article, digest: str, result: list[QuoteRecord] | ExtractionError) -> dict[str, Any]:
    outlet = registry.clean_name(article.outlet or "") or None
    headline = article.headline_span
    failed = isinstance(result, ExtractionError)
    return {
        "content_hash": digest,
        "doc_id": (article.id or digest[:12])[:NAME_LENGTH],
        "path": article.path,
        "url": article.url[:URL_LENGTH] if article.url else None,
        "outlet": outlet,
        "outlet_key": registry.name_key(outlet) if outlet else None,
        "date": parse_date(article.date),
        "title": article.title or article.headline,
        "text": article.text,
        "headline_start": headline[0] if headline else None,
        "headline_end": headline[1] if headline else None,
        "body_start": article.body_span[0],
        "body_end": article.body_span[1],
        "meta": json.loads(json.dumps(article.meta or {}, default=str)),
        "status": "failed" if failed else "done",
        "error": result.reason if isinstance(result, ExtractionError) else None,
        "n_quotes": 0 if isinstance(result, ExtractionError) else len(result),
        "ingested_at": datetime.datetime.now(datetime.UTC),
    }


def _quote_values(
    article_id: int, position: int, record: QuoteRecord, speaker_id: int | None, outlet: str | None
) -> dict[str, Any]:
    date = parse_date(record.date)
    return {
        "article_id": article_id,
        "speaker_id": speaker_id,
        "position": position,
        "doc_id": record.doc_id[:NAME_LENGTH],
        "text": record.text,
        "start": record.start,
        "end": record.end,
        "kind": record.kind,
        "cue": record.cue,
        "cue_start": record.cue_start,
        "cue_end": record.cue_end,
        "mention": record.mention,
        "mention_start": record.mention_start,
        "mention_end": record.mention_end,
        "speaker": record.speaker[:NAME_LENGTH] if record.speaker else None,
        "speaker_type": record.speaker_type,
        "parent": record.parent,
        "in_headline": record.in_headline,
        "confidence": record.confidence,
        "continues": record.continues,
        "date": date,
        "year": date.year if date else None,
        "outlet": outlet,
        "about": list(record.about),
        "anonymous": record.anonymous.model_dump(mode="json") if record.anonymous else None,
        "evidence": list(record.evidence),
    }


def parse_date(value: str | None) -> datetime.date | None:
    """'YYYY-MM-DD' to a date; None for None or anything that is not a real date."""
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None
