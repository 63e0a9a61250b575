"""Quote tracing over the store (issue 7): the ``quote_groups`` table, and tracing a user's words to a group.

Why a table: grouping is one pass of ``quotegraph.trace.group_encoded`` over every quote (linear: about 10 million
quotes in minutes, see BENCHMARKS.md), so it is done once, by ``quotegraph trace --rebuild``, and stored; a trace
then costs a full-text search and an index lookup, the same in every web worker, with no per-process index to
build or hold in memory. Only quotes that share their group have a row.

Freshness: the table remembers the store generation it was built at. Quotes ingested since then are still found:
a trace regroups, in memory, the stored group of each match together with every full-text hit for the words (and
the members' own hits), with the same verification, so a new copy of a quote joins its group at once; a rebuild
makes the table whole again. ``quotegraph trace`` rebuilds by itself when the table is stale and the store holds
at most ``AUTO_REBUILD_QUOTES`` quotes; the web server never writes.
"""

from __future__ import annotations

import datetime
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from quotegraph.record import QuoteRecord
from quotegraph.store.db import Store
from quotegraph.store.models import articles, quote_groups, quote_groups_state, quotes, store_state
from quotegraph.store.schemas import SearchParams
from quotegraph.store.search import QuoteQuery, record_from_row
from quotegraph.trace import (
    KIND_CODES,
    Encoded,
    QuoteGroup,
    TraceItem,
    Vocabulary,
    group_encoded,
    group_items,
    link_headline_quotes,
    query_matches,
    traced_text,
    words,
)

AUTO_REBUILD_QUOTES = 200_000
#: Full-text hits considered for one trace, and how well a hit must fit the words to seed a group.
MAX_HITS = 200
MIN_QUERY_FIT = 0.6
MAX_GROUPS = 5
MAX_MEMBERS = 500
_READ_CHUNK = 20_000
_WRITE_CHUNK = 5_000


@dataclass
class IndexState:
    built: bool
    fresh: bool
    generation: int | None = None
    store_generation: int = 0
    quotes: int = 0
    groups: int = 0
    built_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def index_state(session: Session) -> IndexState:
    current = session.execute(sa.select(store_state.c.generation).where(store_state.c.id == 1)).scalar()
    row = session.execute(sa.select(quote_groups_state).where(quote_groups_state.c.id == 1)).first()
    if row is None:
        return IndexState(built=False, fresh=False, store_generation=int(current or 0))
    return IndexState(
        built=True,
        fresh=row.generation == current,
        generation=row.generation,
        store_generation=int(current or 0),
        quotes=row.quotes,
        groups=row.groups,
        built_at=row.built_at.isoformat() if row.built_at else None,
    )


# ---------------------------------------------------------------------------------------------------- rebuild


@dataclass
class RebuildSummary:
    quotes: int
    grouped_quotes: int
    groups: int
    seconds: float


def rebuild(store: Store, progress: Callable[[str], None] | None = None) -> RebuildSummary:
    """Group every stored quote and rewrite ``quote_groups`` (in one transaction, so readers see the old groups
    or the new ones, never a mix)."""
    import time

    started = time.perf_counter()
    say = progress or (lambda message: None)
    vocabulary = Vocabulary()
    # compact arrays, not lists of Python ints: 10 million quotes are some 250 million words
    ids = array("q")
    flat = array("i")
    offsets = array("q", [0])
    speakers = array("q")
    kinds = array("b")
    with store.session() as session:
        generation = int(session.execute(sa.select(store_state.c.generation)).scalar() or 0)
        statement = sa.select(
            quotes.c.id, quotes.c.text, quotes.c.kind, quotes.c.speaker_id, quotes.c.speaker_type
        ).order_by(quotes.c.id)
        for row in session.execute(statement.execution_options(yield_per=_READ_CHUNK)):
            ids.append(row.id)
            flat.extend(vocabulary.encode(words(traced_text(row.text, row.kind))))
            offsets.append(len(flat))
            countable = row.speaker_id is not None and row.speaker_type in ("person", "organization")
            speakers.append(row.speaker_id if countable else -1)
            kinds.append(KIND_CODES.get(row.kind, 0))
            if len(ids) % 100_000 == 0:
                say(f"read {len(ids):,} quotes")
    encoded = Encoded(
        tokens=np.frombuffer(flat, dtype=np.int32).copy(),
        offsets=np.frombuffer(offsets, dtype=np.int64).copy(),
        speakers=np.frombuffer(speakers, dtype=np.int64).copy(),
        kinds=np.frombuffer(kinds, dtype=np.int8).copy(),
        vocabulary=vocabulary,
    )
    del flat
    say(f"grouping {len(ids):,} quotes")
    labels = group_encoded(encoded) if ids else np.zeros(0, dtype=np.int64)
    id_array = np.frombuffer(ids, dtype=np.int64).copy() if ids else np.zeros(0, dtype=np.int64)
    sizes = np.bincount(labels, minlength=len(ids)) if ids else np.zeros(0, dtype=np.int64)
    grouped = np.flatnonzero(sizes[labels] >= 2) if ids else np.zeros(0, dtype=np.int64)
    n_groups = int((sizes >= 2).sum())
    with store.session() as session:
        session.execute(sa.delete(quote_groups))
        rows = [{"quote_id": int(id_array[i]), "group_id": int(id_array[labels[i]])} for i in grouped.tolist()]
        for lo in range(0, len(rows), _WRITE_CHUNK):
            session.execute(sa.insert(quote_groups), rows[lo : lo + _WRITE_CHUNK])
        session.execute(sa.delete(quote_groups_state))
        session.execute(
            sa.insert(quote_groups_state),
            [
                {
                    "id": 1,
                    "generation": generation,
                    "max_quote_id": int(id_array.max()) if ids else 0,
                    "quotes": len(ids),
                    "groups": n_groups,
                    "built_at": datetime.datetime.now(datetime.UTC),
                }
            ],
        )
        session.commit()
    return RebuildSummary(len(ids), len(grouped), n_groups, time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------------- trace


@dataclass
class TraceResult:
    query: str
    groups: list[QuoteGroup]
    index: IndexState
    hits: int
    headlines: dict[int, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        groups = []
        for group in self.groups:
            body = group.to_dict()
            body["headline_links"] = [
                {"headline": h, "body": b, "headline_text": self.headlines.get(int(str(h)), {}).get("text")}
                for h, b in group.headline_links
            ]
            groups.append(body)
        return {"query": self.query, "hits": self.hits, "index": self.index.to_dict(), "groups": groups}


_ITEM_COLUMNS = (
    quotes,
    articles.c.title.label("article_title"),
    articles.c.outlet.label("article_outlet"),
    articles.c.url.label("article_url"),
)


def _items(session: Session, quote_ids: Iterable[int]) -> dict[int, TraceItem]:
    wanted = sorted(set(quote_ids))
    out: dict[int, TraceItem] = {}
    for lo in range(0, len(wanted), 900):
        statement = (
            sa.select(*_ITEM_COLUMNS)
            .join(articles, articles.c.id == quotes.c.article_id)
            .where(quotes.c.id.in_(wanted[lo : lo + 900]))
        )
        for row in session.execute(statement):
            out[row.id] = TraceItem(
                record=record_from_row(row),
                key=row.id,
                article=row.article_id,
                outlet=row.article_outlet,
                title=row.article_title,
                url=row.article_url,
            )
    return out


def _fts_hits(session: Session, words: str, limit: int = MAX_HITS) -> list[tuple[int, str]]:
    """(id, text) of the quotes holding all of ``words`` (full-text, stemmed), best first; when none does, those
    holding the longest few of them (a misremembered word should not lose the quote)."""

    def run(q: str) -> list[tuple[int, str]]:
        query = QuoteQuery(session, SearchParams(q=q, page_size=min(limit, 100)))
        if query.matches_nothing:
            return []
        statement = query.select(quotes.c.id, quotes.c.text).order_by(*query.order_by()).limit(limit)
        return [(row.id, row.text) for row in session.execute(statement)]

    found = run(words)
    if not found:
        terms = sorted({w for w in words.replace('"', " ").split() if len(w) > 3}, key=len, reverse=True)[:4]
        if len(terms) >= 2:
            found = run(" ".join(terms))
    return found


def _stored_groups(session: Session, quote_ids: Iterable[int]) -> dict[int, list[int]]:
    """Quote id -> the ids of its stored group (itself alone when it has no row)."""
    wanted = sorted(set(quote_ids))
    group_of: dict[int, int] = {}
    for lo in range(0, len(wanted), 900):
        rows = session.execute(
            sa.select(quote_groups.c.quote_id, quote_groups.c.group_id).where(
                quote_groups.c.quote_id.in_(wanted[lo : lo + 900])
            )
        )
        group_of.update({row.quote_id: row.group_id for row in rows})
    members: dict[int, list[int]] = defaultdict(list)
    group_ids = sorted(set(group_of.values()))
    for lo in range(0, len(group_ids), 900):
        rows = session.execute(
            sa.select(quote_groups.c.quote_id, quote_groups.c.group_id)
            .where(quote_groups.c.group_id.in_(group_ids[lo : lo + 900]))
            .order_by(quote_groups.c.quote_id)
        )
        for row in rows:
            if len(members[row.group_id]) < MAX_MEMBERS:
                members[row.group_id].append(row.quote_id)
    return {q: members[group_of[q]] if q in group_of else [q] for q in wanted}


def trace_words(session: Session, words: str, *, max_groups: int = MAX_GROUPS) -> TraceResult:
    """The groups of the quotes that hold ``words``, best-fitting first (see the module doc)."""
    state = index_state(session)
    hits = _fts_hits(session, words)
    fits = sorted(
        ((query_matches(words, text), rank, quote_id) for rank, (quote_id, text) in enumerate(hits)),
        key=lambda t: (-t[0], t[1]),
    )
    seeds = [quote_id for fit, _, quote_id in fits if fit >= MIN_QUERY_FIT] or [q for _, _, q in fits[:1]]
    return _trace_seeds(session, words, seeds, [q for q, _ in hits], state, max_groups)


def trace_quote(session: Session, quote_id: int) -> TraceResult | None:
    """The group of one stored quote (None when there is no such quote)."""
    text = session.execute(sa.select(quotes.c.text).where(quotes.c.id == quote_id)).scalar()
    if text is None:
        return None
    state = index_state(session)
    hits = [q for q, _ in _fts_hits(session, " ".join(text.split()[:12]))]
    return _trace_seeds(session, text, [quote_id], hits, state, 1)


def _trace_seeds(
    session: Session, query: str, seeds: list[int], hits: list[int], state: IndexState, max_groups: int
) -> TraceResult:
    stored = _stored_groups(session, seeds + hits)
    pool: set[int] = set(hits) | set(seeds)
    for members in stored.values():
        pool.update(members)
    items = _items(session, pool)
    ordered = [items[q] for q in sorted(items)]
    groups_found = group_items(ordered) if ordered else []
    group_of = {a.item.key: g for g, group in enumerate(groups_found) for a in group.appearances}
    chosen: list[int] = []
    for seed in seeds:
        g = group_of.get(seed)
        if g is not None and g not in chosen:
            chosen.append(g)
        if len(chosen) >= max_groups:
            break
    groups = [groups_found[g] for g in chosen]
    headlines = _link_headlines(session, groups)
    return TraceResult(query=query, groups=groups, index=state, hits=len(hits), headlines=headlines)


def _link_headlines(session: Session, groups: list[QuoteGroup]) -> dict[int, dict[str, Any]]:
    """Link each group's body quotes to the headline quotes of their articles that condense them."""
    article_ids = {a.item.article for group in groups for a in group.appearances}
    if not article_ids:
        return {}
    heads: dict[Any, list[tuple[int, QuoteRecord]]] = defaultdict(list)
    rows = session.execute(
        sa.select(quotes).where(quotes.c.article_id.in_(sorted(article_ids)), quotes.c.in_headline.is_(True))
    )
    for row in rows:
        heads[row.article_id].append((row.id, record_from_row(row)))
    texts: dict[int, dict[str, Any]] = {}
    for index, group in enumerate(groups):
        links = list(group.headline_links)
        by_article: dict[Any, list[TraceItem]] = defaultdict(list)
        for appearance in group.appearances:
            if not appearance.item.record.in_headline:
                by_article[appearance.item.article].append(appearance.item)
        for article, bodies in by_article.items():
            candidates = heads.get(article, [])
            if not candidates:
                continue
            records = [record for _, record in candidates] + [item.record for item in bodies]
            keys = [quote_id for quote_id, _ in candidates] + [item.key for item in bodies]
            for h, b in link_headline_quotes(records):
                pair = (keys[h], keys[b])
                if pair not in links:
                    links.append(pair)
                    texts[int(str(keys[h]))] = {"text": records[h].text}
        group.headline_links = links
        groups[index] = group
    return texts
