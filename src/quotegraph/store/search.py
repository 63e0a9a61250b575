"""Quote search: words (full-text), filters, facets and pages, as parameterised SQLAlchemy queries.

Words are matched by the engine's full-text index: FTS5 on SQLite, a tsvector on PostgreSQL, both stemming English.
A user's query is never passed to either as syntax: it is cut into words and "quoted phrases", and each word is
handed over as a quoted string (FTS5) or through plainto_tsquery / phraseto_tsquery (PostgreSQL), so ``"``,
``AND(``, ``*`` or ``--`` are just characters. Every other value is a bound parameter.

Name filters (speaker, about) match whole words of a name in any case: 'johnson' finds 'Boris Johnson'. A speaker
is also found by an alias (a way articles wrote the speaker), compared whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session

from quotegraph.record import QuoteRecord
from quotegraph.store.models import articles, entities, quote_about, quotes, speaker_aliases, speakers
from quotegraph.store.registry import name_key
from quotegraph.store.schemas import Facets, FacetValue, QuoteHit, SearchParams, SearchResult

FACET_SIZE = 10
_WORD = re.compile(r"\w+")
_QUOTE_MARKS = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})
_FTS_TABLE = sa.table("quotes_fts", sa.column("rowid"), sa.column("rank"))


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
        if params.q:
            self._add_text(parse_text_query(params.q))
        if params.speaker_id is not None:
            self.where.append(quotes.c.speaker_id == params.speaker_id)
        if params.speaker:
            self.where.append(quotes.c.speaker_id.in_(speaker_ids_named(params.speaker)))
        if params.about:
            entity_ids = sa.select(entities.c.id).where(_names_match(entities.c.key, params.about))
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

    def _add_text(self, text_query: TextQuery) -> None:
        if text_query.empty:  # punctuation only: no word can match it
            self.matches_nothing = True
            return
        if self.dialect == "sqlite":
            self.from_ = quotes.join(_FTS_TABLE, _FTS_TABLE.c.rowid == quotes.c.id)
            self.where.append(sa.literal_column("quotes_fts").op("MATCH")(sa.literal(text_query.fts5())))
            self.rank = _FTS_TABLE.c.rank.asc()  # bm25: lower is better
        else:
            english = sa.cast(sa.literal("english"), REGCONFIG)
            parts = []
            if text_query.terms:
                parts.append(sa.func.plainto_tsquery(english, " ".join(text_query.terms)))
            parts += [sa.func.phraseto_tsquery(english, " ".join(phrase)) for phrase in text_query.phrases]
            tsquery = parts[0]
            for part in parts[1:]:
                tsquery = tsquery.op("&&")(part)
            vector = sa.literal_column("quotes.search_vector")
            self.where.append(vector.op("@@")(tsquery))
            self.rank = sa.func.ts_rank(vector, tsquery).desc()

    def select(self, *columns: Any) -> sa.Select:
        statement = sa.select(*columns).select_from(self.from_)
        return statement.where(*self.where) if self.where else statement

    def order_by(self) -> list[Any]:
        sort = self.params.sort
        if sort == "relevance" and self.rank is not None:
            return [self.rank, quotes.c.id.desc()]
        if sort == "oldest":
            return [quotes.c.date.asc().nulls_last(), quotes.c.id.asc()]
        newest = quotes.c.date.desc()
        if self.dialect != "sqlite":  # SQLite already sorts NULL last when descending; this keeps its index usable
            newest = newest.nulls_last()
        return [newest, quotes.c.id.desc()]


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


def search(session: Session, params: SearchParams, *, with_facets: bool = True) -> SearchResult:
    """One page of the quotes ``params`` selects, with the total and (unless told not to) the facets."""
    query = QuoteQuery(session, params)
    if query.matches_nothing:
        return SearchResult(total=0, page=params.page, page_size=params.page_size, pages=0, results=[], facets=Facets())
    total = count(session, query)
    hits = page_of_hits(session, query)
    facets = compute_facets(session, query) if with_facets and total else Facets()
    return SearchResult(
        total=total,
        page=params.page,
        page_size=params.page_size,
        pages=-(-total // params.page_size),
        results=hits,
        facets=facets,
    )


def count(session: Session, query: QuoteQuery) -> int:
    if query.matches_nothing:
        return 0
    return int(session.execute(query.select(sa.func.count())).scalar_one())


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


def _anonymous(value: dict | None) -> Any:
    from quotegraph.record import AnonymousSource

    return AnonymousSource.model_validate(value) if value else None


def compute_facets(session: Session, query: QuoteQuery) -> Facets:
    """Counts by kind, speaker, outlet, year and about over the whole matching set (GROUP BY, one query each)."""
    n = sa.func.count().label("n")
    kind_rows = session.execute(query.select(quotes.c.kind, n).group_by(quotes.c.kind).order_by(n.desc()))
    year_rows = session.execute(
        query.select(quotes.c.year, n).where(quotes.c.year.is_not(None)).group_by(quotes.c.year).order_by(quotes.c.year)
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
        query.select(articles.c.outlet, n)
        .join(articles, articles.c.id == quotes.c.article_id)
        .where(articles.c.outlet.is_not(None))
        .group_by(articles.c.outlet)
        .order_by(n.desc(), articles.c.outlet)
        .limit(FACET_SIZE)
    )
    top_entities = (
        query.select(quote_about.c.entity_id, n)
        .join(quote_about, quote_about.c.quote_id == quotes.c.id)
        .group_by(quote_about.c.entity_id)
        .order_by(n.desc(), quote_about.c.entity_id)
        .limit(FACET_SIZE)
        .subquery()
    )
    about_rows = session.execute(
        sa.select(entities.c.name, top_entities.c.n)
        .join(top_entities, top_entities.c.entity_id == entities.c.id)
        .order_by(top_entities.c.n.desc(), entities.c.name)
    )
    return Facets(
        kind=[FacetValue(value=row.kind, label=row.kind, count=row.n) for row in kind_rows],
        speaker=[FacetValue(value=str(row.id), label=row.name, count=row.n) for row in speaker_rows],
        outlet=[FacetValue(value=row.outlet, label=row.outlet, count=row.n) for row in outlet_rows],
        year=[FacetValue(value=str(row.year), label=str(row.year), count=row.n) for row in year_rows],
        about=[FacetValue(value=row.name, label=row.name, count=row.n) for row in about_rows],
    )
