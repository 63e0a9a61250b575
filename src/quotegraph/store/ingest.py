"""Articles in, extracted and stored: idempotent, resumable, one transaction per batch.

An article is keyed by the sha256 of its text. One already stored is skipped before extraction (so a rerun over
the same folder costs a hash per file); one stored as failed is extracted again, and replaced if it now works.
Articles are committed in batches: an article and all its quotes are always in the same transaction, so a run
killed at any point loses at most the batch in flight, and running it again picks up where it stopped.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from quotegraph.pipeline import ExtractionError, Extractor
from quotegraph.readers import ReadError
from quotegraph.record import Article, QuoteRecord
from quotegraph.store import registry
from quotegraph.store.db import Store
from quotegraph.store.models import NAME_LENGTH, URL_LENGTH, articles, quote_about, quotes, store_state

DEFAULT_BATCH_SIZE = 16
WRITE_ATTEMPTS = 3
# PostgreSQL's deadlock_detected and serialization_failure: the transaction was aborted and can be run again
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})

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
) -> IngestSummary:
    """Extract and store every new article in ``items``; report each input's outcome to ``on_outcome``.

    ``extractor`` may be an Extractor or a function making one: it is only called when some article is new, so a
    rerun over stored articles never loads spaCy. ``outlet`` fills in articles that name none.
    """
    batch_size = max(1, batch_size)
    summary = IngestSummary()

    def report(outcome: IngestOutcome) -> None:
        summary.add(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    fresh = _new_articles(store, items, outlet, report)
    first = next(fresh, None)
    if first is None:
        return summary
    if extractor is None:
        from quotegraph.pipeline import default_extractor

        extractor = default_extractor()
    elif not isinstance(extractor, Extractor):
        extractor = extractor()

    def queued() -> Iterator[Article]:
        yield first
        yield from fresh

    batch: list[tuple[Article, list[QuoteRecord] | ExtractionError]] = []
    for article, result in extractor.extract_many(queued(), batch_size=batch_size):
        batch.append((article, result))
        if len(batch) >= batch_size:
            for outcome in write_batch(store, batch):
                report(outcome)
            batch = []
    if batch:
        for outcome in write_batch(store, batch):
            report(outcome)
    return summary


def _new_articles(
    store: Store,
    items: Iterable[Article | ReadError],
    outlet: str | None,
    report: Callable[[IngestOutcome], None],
) -> Iterator[Article]:
    """The articles not yet stored (or stored as failed); the rest are reported as skipped or errors."""
    seen: set[str] = set()
    for item in items:
        if isinstance(item, ReadError):
            report(IngestOutcome("error", item.path, reason=item.reason))
            continue
        label = item.path or item.id
        reason = unstorable_reason(item.text)
        if reason:
            report(IngestOutcome("error", label, reason=reason))
            continue
        digest = content_hash(item.text)
        if digest in seen:
            report(IngestOutcome("skipped", label, content_hash=digest, reason="same text as an earlier input"))
            continue
        seen.add(digest)
        with store.session() as session:
            row = session.execute(
                select(articles.c.id, articles.c.status).where(articles.c.content_hash == digest)
            ).first()
        if row is not None and row.status == "done":
            report(
                IngestOutcome("skipped", label, article_id=row.id, content_hash=digest, reason="already stored")
            )
            continue
        if outlet and not item.outlet:
            item.outlet = outlet
        yield item


def write_batch(
    store: Store, batch: list[tuple[Article, list[QuoteRecord] | ExtractionError]]
) -> list[IngestOutcome]:
    """Store a batch of extracted articles in one transaction; an article and its quotes are never split.

    Two ingests writing at once on PostgreSQL can deadlock on shared speaker rows; the database then aborts one
    transaction, which is simply run again (nothing of it was kept).
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
    existing = session.execute(
        select(articles.c.id, articles.c.status).where(articles.c.content_hash == digest).with_for_update()
    ).first()
    if existing is not None and existing.status == "done":  # another process stored it meanwhile
        return IngestOutcome("skipped", label, existing.id, digest, reason="already stored")
    if existing is not None:  # a failed article, retried: the row (and its id) stays, its content is replaced
        article_id = int(existing.id)
        session.execute(update(articles).where(articles.c.id == article_id).values(**values))
    else:
        statement = (
            registry.dialect_insert(session, articles)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["content_hash"])
            .returning(articles.c.id)
        )
        inserted_id = session.execute(statement).scalar()
        if inserted_id is None:  # a concurrent writer inserted the same text first: it is theirs to fill
            return IngestOutcome("skipped", label, None, digest, reason="stored by another writer")
        article_id = int(inserted_id)
    if isinstance(result, ExtractionError):
        return IngestOutcome("failed", label, article_id, digest, reason=result.reason)
    _write_quotes(session, article_id, article, records)
    return IngestOutcome("stored", label, article_id, digest, n_quotes=len(records))


def _write_quotes(session: Session, article_id: int, article: Article, records: list[QuoteRecord]) -> None:
    if not records:
        return
    rows = []
    outlet = registry.clean_name(article.outlet or "") or None
    per_speaker: Counter[int] = Counter()
    for position, record in enumerate(records):
        speaker_id = registry.assign_speaker(session, record)
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
