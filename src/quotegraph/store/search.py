"""Quote search: words (full-text), filters, facets and pages, as parameterised SQLAlchemy queries.

Words are matched by the engine's full-text index: FTS5 on SQLite, a tsvector on PostgreSQL, both stemming English.
A user's query is never passed to either as syntax: it is cut into words and "quoted phrases", and each word is
handed over as a quoted string (FTS5) or through plainto_tsquery / phraseto_tsquery (PostgreSQL), so ``"``,
``AND(``, ``*`` or ``--`` are just characters. Every other value is a bound parameter.

Name filters (speaker, about) match whole words of a name in any case: 'johnson' finds 'Boris Johnson'. A speaker
is also found by an alias (a way articles wrote the speaker), compared whole.
"""

from __future__ import annotations

import datetime
import itertools
import re
from collections import Counter, namedtuple
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic_core import from_json
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session

from quotegraph.record import QuoteRecord
from quotegraph.store.models import articles, entities, quote_about, quotes, speaker_aliases, speakers
from quotegraph.store.registry import name_key
from quotegraph.store.schemas import Facets, FacetValue, QuoteHit, SearchParams, SearchResult

FACET_SIZE = 10
# A selective search matching at most this many quotes is counted in Python in one pass; more, by GROUP BY.
ONE_PASS_LIMIT = 20_000
# Names resolved to more ids than this stay a subquery (a bound list that long would cost more than it saves).
MAX_RESOLVED_IDS = 2000
_WORD = re.compile(r"\w+")
_QUOTE_MARKS = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})
_FTS_TABLE = sa.table("quotes_fts", sa.column("rowid"), sa.column("rank"))


class FullTextJoin(sa.Join):
    """The full-text table joined to quotes, which SQLite must run in that order.

    Left to itself, SQLite's planner may walk every quote of a filter (say kind = 'direct', tens of thousands)
    and probe the FTS index for each: seconds instead of milliseconds. A CROSS JOIN is SQLite's documented way to
    fix the order: the matches drive, each looked up by rowid. Other engines get a plain JOIN.
    """

    inherit_cache = True


class FacetFullTextJoin(FullTextJoin):
    """The same join for reading only facet columns: on SQLite the quotes are then read from the narrow covering
    index ``ix_quotes_id_facets`` rather than from their wide rows (half the time for a few thousand matches)."""

    inherit_cache = True  # a class of its own, so its SQL never shares a statement-cache entry with the plain join


@compiles(FullTextJoin, "sqlite")
def _compile_full_text_join(join: FullTextJoin, compiler: Any, from_linter: Any = None, **kw: Any) -> str:
    kw.pop("asfrom", None)
    if from_linter is not None:
        from_linter.edges.update(itertools.product(join.left._from_objects, join.right._from_objects))
    left = join.left._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw)
    right = join.right._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw)
    if isinstance(join, FacetFullTextJoin):
        right += " INDEXED BY ix_quotes_id_facets"
    assert join.onclause is not None  # made with one, always
    onclause = join.onclause._compiler_dispatch(compiler, from_linter=from_linter, **kw)
    return f"{left} CROSS JOIN {right} ON {onclause}"


@dataclass(frozen=True)
class TextQuery:
    """A user's words, parsed: ``terms`` must all occur (stemmed), each of ``phrases`` must occur in order."""

    terms: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]

    @property
    def empty(self) -> bool:
        return not self.terms and not self.phrases

    def fts5(self) -> str:
        """The FTS5 MATCH string: every word double-quoted, so none of FTS5's operators can be spelt by a user."""
        parts = [f'"{term}"' for term in self.terms]
        parts += ['"' + " ".join(phrase) + '"' for phrase in self.phrases]
        return " ".join(parts)


def parse_text_query(q: str) -> TextQuery:
    """Words outside double quotes are terms; words inside a pair of them a phrase (an unpaired mark is ignored)."""
    q = q.translate(_QUOTE_MARKS)
    pieces = q.split('"')
    terms: list[str] = []
    phrases: list[tuple[str, ...]] = []
    for index, piece in enumerate(pieces):
        words = _WORD.findall(piece)
        inside = index % 2 == 1 and index < len(pieces) - 1
        if inside and len(words) > 1:
            phrases.append(tuple(words))
        else:
            terms.extend(words)
    # the \w+ words hold no quote mark, so quoting them is all the escaping FTS5 needs
    return TextQuery(tuple(dict.fromkeys(terms)), tuple(dict.fromkeys(phrases)))


class QuoteQuery:
    """The set of quotes ``params`` selects, as SQL: ``from_`` joined with ``where``, and how to rank it."""

    def __init__(self, session: Session, params: SearchParams) -> None:
        self.params = params
        self.dialect = session.get_bind().dialect.name
        self.from_: Any = quotes
        self.where: list[Any] = []
        self.rank: Any = None
        self.matches_nothing = False
        # words, a speaker, a subject or an article: a set small enough to count in one pass (see count_and_facets)
        self.selective = bool(
            params.q or params.speaker or params.speaker_id is not None or params.about or params.article_id
        )
        if params.q:
            self._add_text(parse_text_query(params.q))
        if params.speaker_id is not None:
            self.where.append(quotes.c.speaker_id == params.speaker_id)
        # Names are resolved to ids once, here: the name match scans the registry, and every query of a search
        # (count, page, five facets) would otherwise repeat it. No such name: nothing can match.
        if params.speaker:
            speaker_ids = self._resolve(session, speaker_ids_named(params.speaker))
            self.where.append(quotes.c.speaker_id.in_(speaker_ids))
        if params.about:
            entity_ids = self._resolve(
                session, sa.select(entities.c.id).where(_names_match(entities.c.key, params.about))
            )
            self.where.append(
                quotes.c.id.in_(sa.select(quote_about.c.quote_id).where(quote_about.c.entity_id.in_(entity_ids)))
            )
        if params.since:
            self.where.append(quotes.c.date >= params.since)
        if params.until:
            self.where.append(quotes.c.date <= params.until)
        if params.outlet:
            self.where.append(
                quotes.c.article_id.in_(
                    sa.select(articles.c.id).where(articles.c.outlet_key == name_key(params.outlet))
                )
            )
        if params.kind:
            self.where.append(quotes.c.kind == params.kind)
        if params.article_id is not None:
            self.where.append(quotes.c.article_id == params.article_id)

    def _resolve(self, session: Session, ids: sa.Select) -> Any:
        """The ids ``ids`` selects, as a list to bind; the query itself when there are very many of them."""
        found = session.execute(ids.limit(MAX_RESOLVED_IDS + 1)).scalars().all()
        if not found:
            self.matches_nothing = True
        return found if len(found) <= MAX_RESOLVED_IDS else ids

    def _add_text(self, text_query: TextQuery) -> None:
        if text_query.empty:  # punctuation only: no word can match it
            self.matches_nothing = True
            return
        condition, score = text_condition(self.dialect, text_query)
        self.where.append(condition)
        if self.dialect == "sqlite":
            self.from_ = FullTextJoin(_FTS_TABLE, quotes, _FTS_TABLE.c.rowid == quotes.c.id)
            self.rank = score.asc()  # bm25: lower is better
        else:
            self.rank = score.desc()

    def select(self, *columns: Any) -> sa.Select:
        statement = sa.select(*columns).select_from(self.from_)
        return statement.where(*self.where) if self.where else statement

    def select_narrow(self, *columns: Any) -> sa.Select:
        """Like ``select``, for a statement that reads no quote column outside ``ix_quotes_id_facets`` (id, kind,
        year, speaker_id, outlet): full-text matches are then read from that narrow index."""
        if isinstance(self.from_, FullTextJoin):
            narrow = FacetFullTextJoin(self.from_.left, self.from_.right, self.from_.onclause)
            return sa.select(*columns).select_from(narrow).where(*self.where)
        return self.select(*columns)

    def order_by(self) -> list[Any]:
        sort = self.params.sort
        if sort == "relevance" and self.rank is not None:
            # rank alone (no tie-break column): FTS5 then sorts its matches itself, three times faster
            return [self.rank]
        if sort == "oldest":
            return [quotes.c.date.asc().nulls_last(), quotes.c.id.asc()]
        newest = quotes.c.date.desc()
        if self.dialect != "sqlite":  # SQLite already sorts NULL last when descending; this keeps its index usable
            newest = newest.nulls_last()
        return [newest, quotes.c.id.desc()]


def text_condition(dialect: str, text_query: TextQuery) -> tuple[Any, Any]:
    """The full-text condition for ``text_query`` and its score: FTS5's bm25 ``rank`` on SQLite (lower is better;
    the condition needs ``quotes_fts`` in the FROM clause), ``ts_rank`` on the quotes' tsvector elsewhere (higher
    is better)."""
    if dialect == "sqlite":
        return sa.literal_column("quotes_fts").op("MATCH")(sa.literal(text_query.fts5())), _FTS_TABLE.c.rank
    english = sa.cast(sa.literal("english"), REGCONFIG)
    parts = []
    if text_query.terms:
        parts.append(sa.func.plainto_tsquery(english, " ".join(text_query.terms)))
    parts += [sa.func.phraseto_tsquery(english, " ".join(phrase)) for phrase in text_query.phrases]
    tsquery: Any = parts[0]
    for part in parts[1:]:
        tsquery = tsquery.op("&&")(part)
    vector: Any = sa.literal_column("quotes.search_vector")
    return vector.op("@@")(tsquery), sa.func.ts_rank(vector, tsquery)


def speaker_ids_named(name: str) -> sa.Select:
    """Ids of speakers whose name holds ``name`` as whole words, or who were written exactly so (an alias)."""
    by_name = sa.select(speakers.c.id).where(_names_match(speakers.c.name_key, name))
    by_alias = sa.select(speaker_aliases.c.speaker_id).where(speaker_aliases.c.alias_key == name_key(name))
    return sa.union(by_name, by_alias).subquery().select()


def _names_match(key_column: Any, name: str) -> Any:
    """``key_column`` equals ``name``'s key or holds it as whole words; LIKE wildcards in ``name`` are escaped."""
    key = name_key(name)
    padded = sa.literal(" ") + key_column + sa.literal(" ")
    return sa.or_(key_column == key, padded.contains(f" {key} ", autoescape=True))


HIT_COLUMNS = (
    quotes,
    articles.c.title.label("article_title"),
    articles.c.outlet.label("article_outlet"),
    articles.c.url.label("article_url"),
)


def search(session: Session, params: SearchParams) -> SearchResult:
    """One page of the quotes ``params`` selects, with the total and the facets."""
    query = QuoteQuery(session, params)
    total, facets = count_and_facets(session, query)
    return SearchResult(
        total=total,
        page=params.page,
        page_size=params.page_size,
        pages=-(-total // params.page_size),
        results=page_of_hits(session, query) if total else [],
        facets=facets,
    )


def page_of_hits(session: Session, query: QuoteQuery) -> list[QuoteHit]:
    if query.matches_nothing:
        return []
    params = query.params
    statement = (
        query.select(*HIT_COLUMNS)
        .join(articles, articles.c.id == quotes.c.article_id)
        .order_by(*query.order_by())
        .limit(params.page_size)
        .offset((params.page - 1) * params.page_size)
    )
    return [hit_from_row(row) for row in session.execute(statement)]


def hit_from_row(row: Any) -> QuoteHit:
    return QuoteHit(
        id=row.id,
        article_id=row.article_id,
        speaker_id=row.speaker_id,
        article_title=row.article_title,
        outlet=row.article_outlet,
        url=row.article_url,
        record=record_from_row(row),
    )


def record_from_row(row: Any) -> QuoteRecord:
    """A stored quote row back to the QuoteRecord it was made from."""
    return QuoteRecord.model_construct(
        doc_id=row.doc_id,
        text=row.text,
        start=row.start,
        end=row.end,
        kind=row.kind,
        cue=row.cue,
        cue_start=row.cue_start,
        cue_end=row.cue_end,
        mention=row.mention,
        mention_start=row.mention_start,
        mention_end=row.mention_end,
        speaker=row.speaker,
        speaker_type=row.speaker_type,
        parent=row.parent,
        in_headline=bool(row.in_headline),
        confidence=row.confidence,
        continues=row.continues,
        date=row.date.isoformat() if row.date else None,
        about=list(row.about or []),
        anonymous=_anonymous(row.anonymous),
        evidence=list(row.evidence or []),
    )


def hits_by_ids(connection: sa.Connection, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The quotes ``ids`` as QuoteHit JSON objects (dicts, see ``hit_json``), in the order of ``ids``."""
    if not ids:
        return []
    if connection.dialect.name == "sqlite":
        rows: Any = sqlite_quote_rows(connection, f"q.id IN ({','.join('?' * len(ids))})", ids, articles=True)
    else:
        rows = connection.execute(
            sa.select(*HIT_COLUMNS)
            .join(articles, articles.c.id == quotes.c.article_id)
            .where(quotes.c.id.in_(ids))
        )
    by_id = {row.id: hit_json(row) for row in rows}
    return [by_id[i] for i in ids if i in by_id]


# The quote columns record_json reads, and a hit's article columns: SQLite's fast path selects them by name.
QUOTE_FIELDS = [
    "id",
    "article_id",
    "speaker_id",
    "doc_id",
    "text",
    "start",
    "end",
    "kind",
    "cue",
    "cue_start",
    "cue_end",
    "mention",
    "mention_start",
    "mention_end",
    "speaker",
    "speaker_type",
    "parent",
    "in_headline",
    "confidence",
    "continues",
    "date",
    "about",
    "anonymous",
    "evidence",
]
_HIT_ARTICLE_FIELDS = ("title", "article_title"), ("outlet", "article_outlet"), ("url", "article_url")
_HitRow = namedtuple("_HitRow", [*QUOTE_FIELDS, *(name for _, name in _HIT_ARTICLE_FIELDS)])  # type: ignore[misc]
_QuoteRow = namedtuple("_QuoteRow", QUOTE_FIELDS)  # type: ignore[misc]
_DATE_AT = QUOTE_FIELDS.index("date")
_JSON_AT = tuple(QUOTE_FIELDS.index(name) for name in ("about", "anonymous", "evidence"))
_QUOTE_COLUMNS = ", ".join(f'q."{name}"' for name in QUOTE_FIELDS)


def sqlite_quote_rows(
    connection: sa.Connection, where: str, parameters: Sequence[Any], *, articles: bool = False
) -> list[Any]:
    """Quote rows (with their article's title, outlet and url when ``articles``) straight from SQLite's driver, with
    the conversions SQLAlchemy's types would make done by hand (a date from its ISO text, the JSON columns
    parsed, by pydantic's parser: six times json.loads' speed): a third of the cost of a Core query for the
    same rows. ``where`` is SQL over ``q`` (the quotes)."""
    driver = connection.connection.dbapi_connection
    assert driver is not None
    if articles:
        extra = "".join(f", a.{column}" for column, _ in _HIT_ARTICLE_FIELDS)
        sql = f"SELECT {_QUOTE_COLUMNS}{extra} FROM quotes q JOIN articles a ON a.id = q.article_id WHERE {where}"
    else:
        sql = f"SELECT {_QUOTE_COLUMNS} FROM quotes q WHERE {where}"
    make = _HitRow if articles else _QuoteRow
    rows = []
    for row in driver.execute(sql, tuple(parameters)).fetchall():
        values = list(row)
        values[_DATE_AT] = datetime.date.fromisoformat(values[_DATE_AT]) if values[_DATE_AT] else None
        for at in _JSON_AT:
            values[at] = from_json(values[at]) if values[at] is not None else None
        rows.append(make(*values))
    return rows


def hit_json(row: Any) -> dict[str, Any]:
    """``hit_from_row(row)`` as the dict its JSON is made of: the same keys in the same order, no models built."""
    return {
        "id": row.id,
        "article_id": row.article_id,
        "speaker_id": row.speaker_id,
        "article_title": row.article_title,
        "outlet": row.article_outlet,
        "url": row.article_url,
        "record": record_json(row),
    }


def record_json(row: Any) -> dict[str, Any]:
    """``record_from_row(row)`` as the dict its JSON is made of (QuoteRecord's fields, in order)."""
    return {
        "doc_id": row.doc_id,
        "text": row.text,
        "start": row.start,
        "end": row.end,
        "kind": row.kind,
        "cue": row.cue,
        "cue_start": row.cue_start,
        "cue_end": row.cue_end,
        "mention": row.mention,
        "mention_start": row.mention_start,
        "mention_end": row.mention_end,
        "speaker": row.speaker,
        "speaker_type": row.speaker_type,
        "parent": row.parent,
        "in_headline": bool(row.in_headline),
        "confidence": row.confidence,
        "continues": row.continues,
        "date": row.date.isoformat() if row.date else None,
        "about": list(row.about or []),
        "anonymous": _anonymous(row.anonymous).model_dump(mode="json") if row.anonymous else None,
        "evidence": list(row.evidence or []),
    }


def _anonymous(value: dict | None) -> Any:
    from quotegraph.record import AnonymousSource

    return AnonymousSource.model_validate(value) if value else None


def count_and_facets(session: Session, query: QuoteQuery) -> tuple[int, Facets]:
    """How many quotes match, and their counts by kind, speaker, outlet, year and about.

    A selective search (words, a speaker, a subject, an article) usually matches a few thousand quotes at most:
    those are read once and counted here, one pass instead of four GROUP BY queries that would each find the same
    set again. A broad one (everything, a kind, an outlet, dates) is counted by the database, GROUP BY over a
    narrow index; so is a selective one that turns out to match more than ``ONE_PASS_LIMIT`` quotes.
    """
    if query.matches_nothing:
        return 0, Facets()
    if query.selective:
        columns = (quotes.c.kind, quotes.c.year, quotes.c.speaker_id, quotes.c.outlet)
        rows = session.execute(query.select_narrow(*columns).limit(ONE_PASS_LIMIT + 1)).all()
        if not rows:
            return 0, Facets()
        if len(rows) <= ONE_PASS_LIMIT:
            return len(rows), _facets_of_rows(session, query, rows)
    return _facets_by_group_by(session, query)


def _top(counts: Counter[Any], size: int = FACET_SIZE) -> list[tuple[Any, int]]:
    """The largest counts, ties broken by value, as the SQL version orders them."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:size]


def _facets_of_rows(session: Session, query: QuoteQuery, rows: Sequence[Any]) -> Facets:
    kinds: Counter[str] = Counter()
    years: Counter[int] = Counter()
    by_speaker: Counter[int] = Counter()
    by_outlet: Counter[str] = Counter()
    for kind, year, speaker_id, outlet in rows:
        kinds[kind] += 1
        if year is not None:
            years[year] += 1
        if speaker_id is not None:
            by_speaker[speaker_id] += 1
        if outlet is not None:
            by_outlet[outlet] += 1
    top_speakers = _top(by_speaker)
    names = dict(
        session.execute(
            sa.select(speakers.c.id, speakers.c.name).where(speakers.c.id.in_([i for i, _ in top_speakers]))
        ).all()
    )
    speaker_facet = sorted(
        (FacetValue(value=str(i), label=names[i], count=n) for i, n in top_speakers if i in names),
        key=lambda item: (-item.count, item.label),
    )
    return Facets(
        kind=[FacetValue(value=k, label=k, count=n) for k, n in _top(kinds, len(kinds))],
        speaker=speaker_facet,
        outlet=[FacetValue(value=o, label=o, count=n) for o, n in _top(by_outlet)],
        year=[FacetValue(value=str(y), label=str(y), count=years[y]) for y in sorted(years)],
        about=_about_facet(session, query),
    )


def _about_facet(session: Session, query: QuoteQuery) -> list[FacetValue]:
    n = sa.func.count().label("n")
    if query.where:
        by_entity = query.select_narrow(quote_about.c.entity_id, n).join(
            quote_about, quote_about.c.quote_id == quotes.c.id
        )
    else:  # the whole store: count the index of about-entities alone, no join to the quotes
        by_entity = sa.select(quote_about.c.entity_id, n)
    top_entities = (
        by_entity.group_by(quote_about.c.entity_id)
        .order_by(n.desc(), quote_about.c.entity_id)
        .limit(FACET_SIZE)
        .subquery()
    )
    rows = session.execute(
        sa.select(entities.c.name, top_entities.c.n)
        .join(top_entities, top_entities.c.entity_id == entities.c.id)
        .order_by(top_entities.c.n.desc(), entities.c.name)
    )
    return [FacetValue(value=row.name, label=row.name, count=row.n) for row in rows]


def _facets_by_group_by(session: Session, query: QuoteQuery) -> tuple[int, Facets]:
    """The facets as GROUP BY queries; the total is the sum of the kind counts (every quote has a kind)."""
    n = sa.func.count().label("n")
    kinds = [
        FacetValue(value=row.kind, label=row.kind, count=row.n)
        for row in session.execute(
            query.select(quotes.c.kind, n).group_by(quotes.c.kind).order_by(n.desc(), quotes.c.kind)
        )
    ]
    total = sum(item.count for item in kinds)
    if not total:
        return 0, Facets()
    year_rows = session.execute(
        query.select(quotes.c.year, n)
        .where(quotes.c.year.is_not(None))
        .group_by(quotes.c.year)
        .order_by(quotes.c.year)
    )
    top_speakers = (
        query.select(quotes.c.speaker_id, n)
        .where(quotes.c.speaker_id.is_not(None))
        .group_by(quotes.c.speaker_id)
        .order_by(n.desc(), quotes.c.speaker_id)
        .limit(FACET_SIZE)
        .subquery()
    )
    speaker_rows = session.execute(
        sa.select(speakers.c.id, speakers.c.name, top_speakers.c.n)
        .join(top_speakers, top_speakers.c.speaker_id == speakers.c.id)
        .order_by(top_speakers.c.n.desc(), speakers.c.name)
    )
    outlet_rows = session.execute(
        query.select(quotes.c.outlet, n)
        .where(quotes.c.outlet.is_not(None))
        .group_by(quotes.c.outlet)
        .order_by(n.desc(), quotes.c.outlet)
        .limit(FACET_SIZE)
    )
    return total, Facets(
        kind=kinds,
        speaker=[FacetValue(value=str(row.id), label=row.name, count=row.n) for row in speaker_rows],
        outlet=[FacetValue(value=row.outlet, label=row.outlet, count=row.n) for row in outlet_rows],
        year=[FacetValue(value=str(row.year), label=str(row.year), count=row.n) for row in year_rows],
        about=_about_facet(session, query),
    )
