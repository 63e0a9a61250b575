"""Reading the store other than by search: speakers, one speaker, one article, totals, every quote for export."""

from __future__ import annotations

import datetime
from collections import namedtuple
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from quotegraph.record import QuoteRecord
from quotegraph.store.models import articles, entities, quote_about, quotes, speaker_aliases, speakers
from quotegraph.store.schemas import (
    AliasCount,
    ArticleDetail,
    ArticleQuote,
    ArticleSummary,
    NameCount,
    SearchParams,
    SpeakerDetail,
    SpeakerList,
    SpeakerSummary,
    StoreStats,
    TimelinePoint,
)
from quotegraph.store.search import (
    QuoteQuery,
    hits_by_ids,
    page_of_hits,
    record_from_row,
    record_json,
    speaker_ids_named,
    sqlite_quote_rows,
)

if TYPE_CHECKING:
    from quotegraph.store.quote_index import Snapshot

SpeakerSort = Literal["quotes", "name", "recent"]
RECENT_QUOTES = 20
TALKS_ABOUT = 15
ALIASES = 20
# A timeline by month up to this many months, by year beyond (a bar per month of ten years would be unreadable).
MAX_MONTHS = 48


def speaker_summary(row: sa.Row) -> SpeakerSummary:
    return SpeakerSummary(
        id=row.id,
        name=row.name,
        type=row.type,
        quote_count=row.quote_count,
        article_count=row.article_count,
        first_date=row.first_date,
        last_date=row.last_date,
    )


def list_speakers(
    session: Session,
    *,
    name: str | None = None,
    type: str | None = None,
    sort: SpeakerSort = "quotes",
    page: int = 1,
    page_size: int = 50,
) -> SpeakerList:
    """Speakers with at least one quote, most quoted first (or by name, or most recently quoted)."""
    where = [speakers.c.quote_count > 0]
    if name:
        where.append(speakers.c.id.in_(speaker_ids_named(name)))
    if type:
        where.append(speakers.c.type == type)
    total = int(session.execute(sa.select(sa.func.count()).select_from(speakers).where(*where)).scalar_one())
    orders: dict[str, list[Any]] = {
        "quotes": [speakers.c.quote_count.desc(), speakers.c.name_key, speakers.c.id],
        "name": [speakers.c.name_key, speakers.c.id],
        "recent": [speakers.c.last_date.desc().nulls_last(), speakers.c.quote_count.desc(), speakers.c.id],
    }
    order = orders[sort]
    rows = session.execute(
        sa.select(speakers).where(*where).order_by(*order).limit(page_size).offset((page - 1) * page_size)
    )
    return SpeakerList(
        total=total,
        page=page,
        page_size=page_size,
        pages=-(-total // page_size),
        results=[speaker_summary(row) for row in rows],
    )


def get_speaker(session: Session, speaker_id: int) -> SpeakerDetail | None:
    """One speaker with aliases, a timeline of their quotes, whom they talk about and their latest quotes."""
    row = session.execute(sa.select(speakers).where(speakers.c.id == speaker_id)).first()
    if row is None:
        return None
    aliases = [
        AliasCount(alias=alias.alias, count=alias.count)
        for alias in session.execute(
            sa.select(speaker_aliases.c.alias, speaker_aliases.c.count)
            .where(speaker_aliases.c.speaker_id == speaker_id)
            .order_by(speaker_aliases.c.count.desc(), speaker_aliases.c.alias_key)
            .limit(ALIASES)
        )
    ]
    by_day = session.execute(
        sa.select(quotes.c.date, quotes.c.kind, sa.func.count().label("n"))
        .where(quotes.c.speaker_id == speaker_id)
        .group_by(quotes.c.date, quotes.c.kind)
    ).all()
    unit, timeline = build_timeline([(r.date, r.kind, r.n) for r in by_day if r.date is not None])
    undated = sum(r.n for r in by_day if r.date is None)
    n = sa.func.count().label("n")
    top = (
        sa.select(quote_about.c.entity_id, n)
        .join(quotes, quotes.c.id == quote_about.c.quote_id)
        .where(quotes.c.speaker_id == speaker_id)
        .group_by(quote_about.c.entity_id)
        .order_by(n.desc(), quote_about.c.entity_id)
        .limit(TALKS_ABOUT)
        .subquery()
    )
    talks_about = [
        NameCount(name=r.name, count=r.n)
        for r in session.execute(
            sa.select(entities.c.name, top.c.n)
            .join(top, top.c.entity_id == entities.c.id)
            .order_by(top.c.n.desc(), entities.c.name)
        )
    ]
    quoted_about = int(
        session.execute(
            sa.select(sa.func.count())
            .select_from(quote_about)
            .join(entities, entities.c.id == quote_about.c.entity_id)
            .where(entities.c.key == row.name_key)
        ).scalar_one()
    )
    recent = page_of_hits(
        session, QuoteQuery(session, SearchParams(speaker_id=speaker_id, sort="newest", page_size=RECENT_QUOTES))
    )
    return SpeakerDetail(
        **speaker_summary(row).model_dump(),
        aliases=aliases,
        timeline_unit=unit,
        timeline=timeline,
        undated_quotes=undated,
        talks_about=talks_about,
        quoted_about=quoted_about,
        recent_quotes=recent,
    )


def speaker_json(
    connection: sa.Connection, speaker_id: int, snap: Snapshot | None = None
) -> dict[str, Any] | None:
    """``get_speaker`` as the dict its JSON is made of; with an in-memory index ``snap``, the timeline, subjects
    and latest quotes come from it (three small queries instead of seven)."""
    if snap is None:
        detail = get_speaker(Session(bind=connection), speaker_id)
        return None if detail is None else detail.model_dump()
    from quotegraph.store import quote_index

    if connection.dialect.name == "sqlite":  # straight from the driver: see search.sqlite_quote_rows
        driver = connection.connection.dbapi_connection
        assert driver is not None
        found = driver.execute(_SQLITE_SPEAKER, (speaker_id,)).fetchone()
        if found is None:
            return None
        summary = dict(zip(_SPEAKER_FIELDS, found, strict=True))
        for day in ("first_date", "last_date"):
            summary[day] = datetime.date.fromisoformat(summary[day]) if summary[day] else None
        name_key = summary.pop("name_key")
        alias_rows: Any = driver.execute(_SQLITE_ALIASES, (speaker_id, ALIASES)).fetchall()
    else:
        row = connection.execute(sa.select(speakers).where(speakers.c.id == speaker_id)).first()
        if row is None:
            return None
        summary = speaker_summary(row).model_dump()
        name_key = row.name_key
        alias_rows = connection.execute(
            sa.select(speaker_aliases.c.alias, speaker_aliases.c.count)
            .where(speaker_aliases.c.speaker_id == speaker_id)
            .order_by(speaker_aliases.c.count.desc(), speaker_aliases.c.alias_key)
            .limit(ALIASES)
        ).all()
    aliases = [{"alias": alias, "count": count} for alias, count in alias_rows]
    stats = quote_index.speaker_stats(snap, speaker_id, name_key, TALKS_ABOUT, RECENT_QUOTES)
    unit, timeline = build_timeline(stats.by_day)
    return {
        **summary,
        "aliases": aliases,
        "timeline_unit": unit,
        "timeline": [point.model_dump() for point in timeline],
        "undated_quotes": stats.undated,
        "talks_about": [{"name": name, "count": n} for name, n in stats.talks_about],
        "quoted_about": stats.quoted_about,
        "recent_quotes": hits_by_ids(connection, stats.recent),
    }


_SPEAKER_FIELDS = ("id", "name", "type", "quote_count", "article_count", "first_date", "last_date", "name_key")
_SQLITE_SPEAKER = f"SELECT {', '.join(_SPEAKER_FIELDS)} FROM speakers WHERE id = ?"
_SQLITE_ALIASES = (
    "SELECT alias, count FROM speaker_aliases WHERE speaker_id = ? ORDER BY count DESC, alias_key LIMIT ?"
)


def build_timeline(
    counts: list[tuple[datetime.date, str, int]],
) -> tuple[Literal["month", "year"], list[TimelinePoint]]:
    """Quotes per month (per year over long spans) from (date, kind, count) rows, empty periods included."""
    if not counts:
        return "month", []
    first = min(date for date, _, _ in counts)
    last = max(date for date, _, _ in counts)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    unit: Literal["month", "year"] = "month" if months <= MAX_MONTHS else "year"

    def period_of(date: datetime.date) -> tuple[int, int]:
        return (date.year, date.month if unit == "month" else 1)

    buckets: dict[tuple[int, int], dict[str, int]] = {}
    year, month = period_of(first)
    while (year, month) <= period_of(last):
        buckets[(year, month)] = {"direct": 0, "indirect": 0, "mixed": 0}
        if unit == "month":
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        else:
            year += 1
    for date, kind, n in counts:
        bucket = buckets[period_of(date)]
        bucket[kind] = bucket.get(kind, 0) + n
    points = []
    for (year, month), by_kind in buckets.items():
        if unit == "month":
            start = datetime.date(year, month, 1)
            end = (
                datetime.date(year + 1, 1, 1) if month == 12 else datetime.date(year, month + 1, 1)
            ) - datetime.timedelta(days=1)
            period = f"{year:04d}-{month:02d}"
        else:
            start, end, period = datetime.date(year, 1, 1), datetime.date(year, 12, 31), f"{year:04d}"
        points.append(
            TimelinePoint(
                period=period,
                start=start,
                end=end,
                count=sum(by_kind.values()),
                direct=by_kind.get("direct", 0),
                indirect=by_kind.get("indirect", 0),
                mixed=by_kind.get("mixed", 0),
            )
        )
    return unit, points


def article_summary(row: sa.Row) -> ArticleSummary:
    return ArticleSummary(
        id=row.id,
        doc_id=row.doc_id,
        content_hash=row.content_hash,
        title=row.title,
        outlet=row.outlet,
        url=row.url,
        date=row.date,
        status=row.status,
        error=row.error,
        n_quotes=row.n_quotes,
        # SQLite hands back the stored UTC time without its zone: say it is UTC (an RFC 3339 date-time needs one)
        ingested_at=row.ingested_at if row.ingested_at.tzinfo else row.ingested_at.replace(tzinfo=datetime.UTC),
    )


def get_article(session: Session, article_id: int) -> ArticleDetail | None:
    """One article with its text and every quote in it, in text order."""
    row = session.execute(sa.select(articles).where(articles.c.id == article_id)).first()
    if row is None:
        return None
    quote_rows = session.execute(
        sa.select(quotes).where(quotes.c.article_id == article_id).order_by(quotes.c.position)
    )
    return ArticleDetail(
        **article_summary(row).model_dump(),
        text=row.text,
        headline_start=row.headline_start,
        headline_end=row.headline_end,
        body_start=row.body_start,
        body_end=row.body_end,
        quotes=[ArticleQuote(id=q.id, speaker_id=q.speaker_id, record=record_from_row(q)) for q in quote_rows],
    )


def article_json(connection: sa.Connection, article_id: int) -> dict[str, Any] | None:
    """``get_article`` as the dict its JSON is made of, built from the rows without models."""
    if connection.dialect.name == "sqlite":  # straight from the driver: see search.sqlite_quote_rows
        row: Any = _sqlite_article(connection, article_id)
        quote_rows: Any = sqlite_quote_rows(connection, "q.article_id = ? ORDER BY q.position", (article_id,))
    else:
        row = connection.execute(sa.select(*_ARTICLE_COLUMNS).where(articles.c.id == article_id)).first()
        quote_rows = connection.execute(
            sa.select(quotes).where(quotes.c.article_id == article_id).order_by(quotes.c.position)
        ).all()
    if row is None:
        return None
    ingested_at = row.ingested_at if row.ingested_at.tzinfo else row.ingested_at.replace(tzinfo=datetime.UTC)
    return {
        "id": row.id,
        "doc_id": row.doc_id,
        "content_hash": row.content_hash,
        "title": row.title,
        "outlet": row.outlet,
        "url": row.url,
        "date": row.date,
        "status": row.status,
        "error": row.error,
        "n_quotes": row.n_quotes,
        "ingested_at": ingested_at,
        "text": row.text,
        "headline_start": row.headline_start,
        "headline_end": row.headline_end,
        "body_start": row.body_start,
        "body_end": row.body_end,
        "quotes": [{"id": q.id, "speaker_id": q.speaker_id, "record": record_json(q)} for q in quote_rows],
    }


_ARTICLE_FIELDS = [
    "id",
    "doc_id",
    "content_hash",
    "title",
    "outlet",
    "url",
    "date",
    "status",
    "error",
    "n_quotes",
    "ingested_at",
    "text",
    "headline_start",
    "headline_end",
    "body_start",
    "body_end",
]
_ARTICLE_COLUMNS = [articles.c[name] for name in _ARTICLE_FIELDS]
_ArticleRow = namedtuple("_ArticleRow", _ARTICLE_FIELDS)  # type: ignore[misc]


def _sqlite_article(connection: sa.Connection, article_id: int) -> Any:
    """The article row ``_ARTICLE_COLUMNS`` selects, from SQLite's driver, dates converted as SQLAlchemy would."""
    driver = connection.connection.dbapi_connection
    assert driver is not None
    sql = f"SELECT {', '.join(_ARTICLE_FIELDS)} FROM articles WHERE id = ?"
    found = driver.execute(sql, (article_id,)).fetchone()
    if found is None:
        return None
    values = list(found)
    date_at, ingested_at = _ARTICLE_FIELDS.index("date"), _ARTICLE_FIELDS.index("ingested_at")
    values[date_at] = datetime.date.fromisoformat(values[date_at]) if values[date_at] else None
    values[ingested_at] = datetime.datetime.fromisoformat(values[ingested_at])
    return _ArticleRow(*values)


def find_article(session: Session, ref: str) -> tuple[int | None, list[ArticleSummary]]:
    """An article by id, content hash (or a prefix of 8+ characters), doc id or path.

    Returns (id, []) when exactly one matches, (None, candidates) when several do, (None, []) when none does.
    """
    ref = ref.strip()
    if not ref:
        return None, []
    if ref.isdigit() and len(ref) < 10:
        row = session.execute(sa.select(articles.c.id).where(articles.c.id == int(ref))).first()
        if row is not None:
            return int(row.id), []
    conditions = [articles.c.doc_id == ref, articles.c.path == ref]
    if len(ref) >= 8 and all(c in "0123456789abcdef" for c in ref.lower()):
        conditions.append(articles.c.content_hash.startswith(ref.lower(), autoescape=True))
    rows = session.execute(sa.select(articles).where(sa.or_(*conditions)).order_by(articles.c.id).limit(20)).all()
    if len(rows) == 1:
        return int(rows[0].id), []
    return None, [article_summary(row) for row in rows]


def stats(session: Session) -> StoreStats:
    def scalar(statement: sa.Select) -> int:
        return int(session.execute(statement).scalar_one())

    return StoreStats(
        articles=scalar(sa.select(sa.func.count()).select_from(articles).where(articles.c.status == "done")),
        failed_articles=scalar(
            sa.select(sa.func.count()).select_from(articles).where(articles.c.status == "failed")
        ),
        quotes=scalar(sa.select(sa.func.count()).select_from(quotes)),
        speakers=scalar(sa.select(sa.func.count()).select_from(speakers).where(speakers.c.quote_count > 0)),
    )


def iter_records(session: Session, params: SearchParams | None = None, chunk: int = 1000) -> Iterator[QuoteRecord]:
    """Every quote record ``params`` selects (all of them by default), in article order, streamed in chunks.

    Keyset pagination on (article_id, position), not one huge result: memory stays flat on any store size.
    """
    query = QuoteQuery(session, params or SearchParams())
    if query.matches_nothing:
        return
    after: tuple[int, int] | None = None
    while True:
        statement = query.select(quotes).order_by(quotes.c.article_id, quotes.c.position).limit(chunk)
        if after is not None:
            statement = statement.where(sa.tuple_(quotes.c.article_id, quotes.c.position) > sa.tuple_(*after))
        rows = session.execute(statement).all()
        if not rows:
            return
        for row in rows:
            yield record_from_row(row)
        after = (rows[-1].article_id, rows[-1].position)
