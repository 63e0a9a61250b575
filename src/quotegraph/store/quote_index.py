"""An in-memory index of the store's quotes, for the HTTP API: filters, facets and page order in numpy.

Under load, the API's cost was its per-request work in SQL and Python: every search counted five facets over its
whole matching set (thousands of rows read and counted per request), name filters scanned the registry with LIKE,
and relevance order made the full-text engine rank every match again. This index keeps, per process, what those
steps need about every quote, as arrays indexed by quote id (about 60 bytes a quote with the names: some 20 MB for
100,000 quotes, loaded in about a second), so a search is a few vectorised passes over small integer arrays:

* per quote: kind, date, year, speaker, outlet (the facet label) and the article's outlet key (the filter), the
  article, and which entities the quote is about (and, reversed, which quotes are about each entity);
* speaker and entity names with a word index, for the whole-word name filters;
* the matches of each full-text phrase (ids and rank), cached: words are still matched by the store's own
  full-text index (FTS5 or tsvector), once per phrase, not once per request. On SQLite a query of several
  phrases is the intersection of its phrases' matches and its rank the sum of theirs, which is exactly FTS5's
  bm25 (a sum over phrases), in the same order; on PostgreSQL each whole query is matched and ranked by the
  database (``ts_rank`` is not a sum) and cached as one;
* on SQLite, FTS5's row count, token count and each quote's length in tokens: with FTS5's list of where a word
  occurs (its ``fts5vocab`` instance table) that is all bm25 needs, so a one-word phrase is ranked here, with
  the very same arithmetic (the same doubles), five times cheaper than FTS5 ranking every match.

The answers are the same as ``search.py``'s SQL (a test compares them on both engines): the same matching set,
counts, facet order, and page order, with ties in rank broken by id as FTS5 breaks them.

Freshness: quotes, their about-links, articles' outlets, speakers' names and entities are only ever added, never
changed, so after an ingest (the store's generation goes up) a refresh loads only rows with ids above those seen
and checks the counts; if they disagree (PostgreSQL can commit ids out of order) it reloads everything. Readers
use an immutable snapshot: a refresh builds the next one beside it and swaps it in.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.pool import StaticPool

from quotegraph.store.models import articles, entities, quote_about, quotes, speaker_aliases, speakers, store_state
from quotegraph.store.registry import name_key
from quotegraph.store.schemas import SearchParams
from quotegraph.store.search import FACET_SIZE, TextQuery, parse_text_query, text_condition

Array = npt.NDArray[Any]

KINDS = ("direct", "indirect", "mixed")
_KIND_CODE = {kind: code for code, kind in enumerate(KINDS)}
ABSENT = 255  # kind code of an id with no quote
# Cached full-text matches, per process: at most this many ids in all (an id and a rank, 16 bytes: 32 MB).
PHRASE_CACHE_IDS = 2_000_000
# A phrase matching more than this is not kept (it would push everything else out); it is matched again.
PHRASE_CACHE_MAX_ONE = 400_000
_NO_DATE_LAST = np.int64(1 << 30)  # a date ordinal past any real one: no date sorts last in 'oldest'
_EMPTY_IDS: Array = np.zeros(0, dtype=np.int64)
# A page of a set larger than this is found by walking the store's date order rather than sorting the set.
_BY_GLOBAL_ORDER = 4096


# ---------------------------------------------------------------------------------------------------- names


class NameIndex:
    """Names by id (speakers or entities) with a word index for whole-word matching; only ever appended to."""

    def __init__(self) -> None:
        self.names: list[str | None] = [None]
        self.keys: list[str | None] = [None]
        self.words: dict[str, list[int]] = {}
        self.by_key: dict[str, int] = {}
        self.max_id = 0
        self.count = 0

    def add(self, item_id: int, name: str, key: str) -> None:
        if item_id >= len(self.names):
            grow = item_id + 1 - len(self.names)
            self.names.extend([None] * grow)
            self.keys.extend([None] * grow)
        if self.names[item_id] is None:
            self.count += 1
        self.names[item_id] = name
        self.keys[item_id] = key
        self.by_key.setdefault(key, item_id)
        for word in set(key.split(" ")):
            self.words.setdefault(word, []).append(item_id)
        self.max_id = max(self.max_id, item_id)

    def matching(self, name: str, max_id: int) -> list[int]:
        """Ids whose key equals ``name``'s key or holds it as whole words (search.py's ``_names_match``)."""
        key = name_key(name)
        if not key:
            return []
        postings = []
        for word in set(key.split(" ")):
            found = self.words.get(word)
            if not found:
                return []
            postings.append(found)
        padded = f" {key} "
        keys = self.keys
        shortest = min(postings, key=len)
        return sorted(
            i
            for i in shortest
            if i <= max_id and (keys[i] == key or padded in f" {keys[i]} ")  # whole words, in order
        )


# ---------------------------------------------------------------------------------------------------- snapshot


@dataclass(frozen=True)
class Snapshot:
    """What the index knows at one store generation; never changed once built."""

    generation: int
    kind: Array  # uint8 per id; ABSENT where no quote has that id
    date: Array  # int32 date ordinal, 0 for none
    year: Array  # int32, 0 for none
    speaker: Array  # int32 speaker id, 0 for none
    outlet: Array  # int32 index into outlet_names (the quote's outlet, the facet label), -1 for none
    outlet_key: Array  # int32 index into outlet_keys (its article's outlet_key, the filter), -1 for none
    article: Array  # int32 article id
    ids: Array  # int64 ids of every quote, ascending
    about_ptr: Array  # int64, len(kind) + 1: quote i is about about_entity[about_ptr[i]:about_ptr[i + 1]]
    about_entity: Array  # int32
    entity_ptr: Array  # int64: entity e is what entity_quotes[entity_ptr[e]:entity_ptr[e + 1]] are about
    entity_quotes: Array  # int64, ascending within each entity
    outlet_names: tuple[str, ...]  # what quotes.outlet holds
    outlet_key_names: tuple[str, ...]  # what articles.outlet_key holds
    outlet_keys: dict[str, int]  # outlet_key -> its code
    speakers: NameIndex
    entities: NameIndex
    max_speaker_id: int
    max_entity_id: int
    n_about: int
    newest: Array  # every quote id, newest first (search.py's 'newest' order)
    oldest: Array  # every quote id, oldest first
    fts: FtsStats | None = None  # SQLite: what FTS5's bm25 needs, to rank one-word matches here

    @property
    def n_quotes(self) -> int:
        return len(self.ids)

    @property
    def max_quote_id(self) -> int:
        return len(self.kind) - 1


@dataclass(frozen=True)
class FtsStats:
    """FTS5's own figures, as its bm25 reads them: rows, tokens in all, and each quote's length in tokens."""

    rows: int
    tokens: int
    doc_length: Array  # int32 per quote id


@dataclass
class Selection:
    """The quotes a search selects: ids ascending, with their full-text rank (lower is better) when it has words."""

    ids: Array
    rank: Array | None = None
    nothing: bool = False


@dataclass
class _Rows:
    """Rows loaded from the store, as column lists, to append to a snapshot."""

    ids: list[int] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    date: list[int] = field(default_factory=list)
    year: list[int] = field(default_factory=list)
    speaker: list[int] = field(default_factory=list)
    outlet: list[int] = field(default_factory=list)
    outlet_key: list[int] = field(default_factory=list)
    article: list[int] = field(default_factory=list)


class QuoteIndex:
    """The store's quotes in memory (see the module docstring); ``snapshot`` brings it up to a generation."""

    def __init__(self) -> None:
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self._phrases: OrderedDict[tuple[int, str], tuple[Array, Array]] = OrderedDict()
        self._phrase_ids = 0
        self._phrase_lock = threading.Lock()
        self._tokenizer: _Tokenizer | None = None
        self.loads = 0  # full loads, for tests and the curious
        self.refreshes = 0  # incremental ones

    # ------------------------------------------------------------------------------------------------ loading

    def snapshot(self, engine: Engine, generation: int) -> Snapshot:
        """The index at ``generation`` (the store's generation as last seen) or later, loading what is new."""
        current = self._snapshot
        if current is not None and current.generation >= generation:
            return current
        with self._lock:
            current = self._snapshot
            if current is not None and current.generation >= generation:
                return current
            with _read_transaction(engine) as connection:
                read_at = int(
                    connection.execute(
                        sa.select(store_state.c.generation).where(store_state.c.id == 1)
                    ).scalar_one()
                )
                fresh = self._refresh(connection, current, read_at) if current is not None else None
                if fresh is None:
                    fresh = self._load(connection, read_at)
                    self.loads += 1
                else:
                    self.refreshes += 1
            self._snapshot = fresh
            with self._phrase_lock:
                self._phrases.clear()
                self._phrase_ids = 0
            return fresh

    def _load(self, connection: Connection, generation: int) -> Snapshot:
        outlets = _Codes()
        keys = _Codes()
        rows = _quote_rows(connection, 0, outlets, keys)
        about = _about_rows(connection, 0)
        speaker_index, entity_index = NameIndex(), NameIndex()
        _load_names(connection, speaker_index, entity_index)
        snap = _build(generation, _Columns.empty(), rows, about, outlets, keys, speaker_index, entity_index)
        return _with_fts_stats(connection, snap, None)

    def _refresh(self, connection: Connection, old: Snapshot, generation: int) -> Snapshot | None:
        """The next snapshot: ``old`` plus what was added since; None when only a full load will do."""
        if generation == old.generation:
            return old
        outlets = _Codes(old.outlet_names)
        keys = _Codes(old.outlet_key_names)
        rows = _quote_rows(connection, old.max_quote_id, outlets, keys)
        about = _about_rows(connection, old.max_quote_id)
        counts = connection.execute(
            sa.select(
                sa.select(sa.func.count()).select_from(quotes).scalar_subquery(),
                sa.select(sa.func.count()).select_from(quote_about).scalar_subquery(),
            )
        ).one()
        if tuple(counts) != (old.n_quotes + len(rows.ids), old.n_about + len(about[0])):
            return None  # something was written out of id order (or removed): start again
        speaker_index, entity_index = old.speakers, old.entities
        if not _load_names(connection, speaker_index, entity_index):
            return None
        snap = _build(generation, _Columns.of(old), rows, about, outlets, keys, speaker_index, entity_index)
        return _with_fts_stats(connection, snap, old.fts)

    # ------------------------------------------------------------------------------------------------ selecting

    def select(self, connection: Connection, snap: Snapshot, params: SearchParams) -> Selection:
        """The quotes ``params`` selects (what search.py's QuoteQuery selects)."""
        ids: Array | None = None  # None: every quote
        rank: Array | None = None
        if params.q:
            text = parse_text_query(params.q)
            if text.empty:
                return Selection(_EMPTY_IDS, nothing=True)
            ids, rank = self._text_matches(connection, snap, text)
        if params.speaker_id is not None:
            ids, rank = _keep(snap, ids, rank, lambda c: snap.speaker[c] == params.speaker_id)
        if params.speaker:
            found = snap.speakers.matching(params.speaker, snap.max_speaker_id)
            found += _alias_speakers(connection, params.speaker, snap.max_speaker_id)
            if not found:
                return Selection(_EMPTY_IDS, nothing=True)
            wanted = np.unique(np.array(found, dtype=np.int32))
            ids, rank = _keep(snap, ids, rank, lambda c: np.isin(snap.speaker[c], wanted))
        if params.about:
            entity_ids = snap.entities.matching(params.about, snap.max_entity_id)
            if not entity_ids:
                return Selection(_EMPTY_IDS, nothing=True)
            about_ids = _quotes_about(snap, entity_ids)
            if ids is None:
                ids = about_ids
            else:
                keep = np.isin(ids, about_ids, assume_unique=True)
                ids, rank = ids[keep], (rank[keep] if rank is not None else None)
        if params.since:
            since = params.since.toordinal()
            ids, rank = _keep(snap, ids, rank, lambda c: snap.date[c] >= since)
        if params.until:
            until = params.until.toordinal()
            ids, rank = _keep(snap, ids, rank, lambda c: (snap.date[c] <= until) & (snap.date[c] > 0))
        if params.outlet:
            code = snap.outlet_keys.get(name_key(params.outlet))
            if code is None:
                ids, rank = _EMPTY_IDS, None
            else:
                ids, rank = _keep(snap, ids, rank, lambda c: snap.outlet_key[c] == code)
        if params.kind:
            kind_code = _KIND_CODE[params.kind]
            ids, rank = _keep(snap, ids, rank, lambda c: snap.kind[c] == kind_code)
        if params.article_id is not None:
            ids, rank = _keep(snap, ids, rank, lambda c: snap.article[c] == params.article_id)
        return Selection(snap.ids if ids is None else ids, rank)

    def _text_matches(self, connection: Connection, snap: Snapshot, text: TextQuery) -> tuple[Array, Array]:
        """Ids (ascending) and rank of the quotes holding every word and phrase of ``text``."""
        if connection.dialect.name != "sqlite":
            return self._matches(snap, text.fts5(), partial(_tsquery_matches, connection, text))
        phrases = [f'"{term}"' for term in text.terms] + ['"' + " ".join(p) + '"' for p in text.phrases]
        parts = [self._matches(snap, p, partial(self._phrase_matches, connection, snap, p)) for p in phrases]
        if len(parts) == 1:
            return parts[0]
        if any(len(ids) == 0 for ids, _ in parts):
            # a phrase FTS5 finds no token in ('_', an emoji) is ignored in a query of several: ask for the whole
            whole = text.fts5()
            return self._matches(snap, whole, partial(_fts5_matches, connection, snap, whole))
        by_size = sorted(parts, key=lambda part: len(part[0]))
        common = by_size[0][0]
        for ids, _ in by_size[1:]:  # the smallest set, looked up in each other one (both ascend): no sorting
            at = np.searchsorted(ids, common)
            at[at == len(ids)] = 0
            common = common[ids[at] == common]
            if not len(common):
                return _EMPTY_IDS, np.zeros(0)
        # FTS5's bm25 adds the phrases' scores in query order: so do we, for the very same doubles
        rank = np.zeros(len(common))
        for ids, phrase_rank in parts:
            rank = rank + phrase_rank[np.searchsorted(ids, common)]
        return common, rank

    def _phrase_matches(self, connection: Connection, snap: Snapshot, phrase: str) -> tuple[Array, Array]:
        """One phrase's matches and bm25 rank: computed here from FTS5's instance list when the phrase is one
        token (five times cheaper than FTS5 ranking every match itself), else by FTS5."""
        if snap.fts is not None:
            if self._tokenizer is None:
                self._tokenizer = _Tokenizer.of(connection)
            tokens = self._tokenizer.tokens(phrase[1:-1]) if self._tokenizer is not None else None
            if tokens is not None and len(tokens) == 1:
                return _bm25_matches(connection, snap.fts, tokens[0])
        return _fts5_matches(connection, snap, phrase)

    def _matches(self, snap: Snapshot, key: str, fetch: Callable[[], tuple[Array, Array]]) -> tuple[Array, Array]:
        cache_key = (snap.generation, key)
        with self._phrase_lock:
            found = self._phrases.get(cache_key)
            if found is not None:
                self._phrases.move_to_end(cache_key)
        if found is None:
            ids, rank = fetch()
            inside = ids <= snap.max_quote_id  # matches committed after this snapshot are left for the next
            if not inside.all():
                ids, rank = ids[inside], rank[inside]
            found = (ids, rank)
            if len(ids) <= PHRASE_CACHE_MAX_ONE:
                with self._phrase_lock:
                    if cache_key not in self._phrases:
                        self._phrases[cache_key] = found
                        self._phrase_ids += len(ids)
                    while self._phrase_ids > PHRASE_CACHE_IDS and self._phrases:
                        _, (old_ids, _) = self._phrases.popitem(last=False)
                        self._phrase_ids -= len(old_ids)
        return found

    # ------------------------------------------------------------------------------------------------ counting

    @staticmethod
    def facets(snap: Snapshot, selection: Selection) -> tuple[int, dict[str, Any]]:
        """The total and the facets of a selection, as search.py's ``count_and_facets`` computes them (JSON-ready)."""
        ids = selection.ids
        total = len(ids)
        if selection.nothing or not total:
            return 0, empty_facets()
        everything = ids is snap.ids
        kinds = np.bincount(snap.kind[ids], minlength=len(KINDS))
        kind_facet = sorted(
            ((KINDS[code], int(n)) for code, n in enumerate(kinds[: len(KINDS)]) if n),
            key=lambda kv: (-kv[1], kv[0]),
        )
        years = np.bincount(snap.year[ids])  # 0: no date
        year_facet = [(int(y), int(years[y])) for y in np.flatnonzero(years) if y]
        speaker_ids = snap.speaker[ids]
        speaker_ids = speaker_ids[speaker_ids > 0]
        top_speakers = _top_counts(speaker_ids)
        outlets = snap.outlet[ids]
        outlets = outlets[outlets >= 0]
        outlet_counts = np.bincount(outlets, minlength=len(snap.outlet_names)) if len(outlets) else np.zeros(0)
        outlet_facet = sorted(
            ((snap.outlet_names[code], int(n)) for code, n in enumerate(outlet_counts) if n),
            key=lambda kv: (-kv[1], kv[0]),
        )[:FACET_SIZE]
        if everything:
            about_entities = snap.about_entity
        else:
            about_entities = _gather_about(snap, ids)
        top_about = _top_counts(about_entities)
        speaker_facet = sorted(_named(top_speakers, snap.speakers.names), key=lambda item: (-item[2], item[1]))
        about_facet = sorted(_named(top_about, snap.entities.names), key=lambda item: (-item[2], item[1]))
        return total, {
            "kind": [_facet(k, k, n) for k, n in kind_facet],
            "speaker": [_facet(str(i), name, n) for i, name, n in speaker_facet],
            "outlet": [_facet(o, o, n) for o, n in outlet_facet],
            "year": [_facet(str(y), str(y), n) for y, n in year_facet],
            "about": [_facet(name, name, n) for _, name, n in about_facet],
        }

    # ------------------------------------------------------------------------------------------------ ordering

    @staticmethod
    def page(snap: Snapshot, selection: Selection, params: SearchParams) -> list[int]:
        """The ids of page ``params.page``, in search.py's order (``QuoteQuery.order_by``)."""
        ids = selection.ids
        start = (params.page - 1) * params.page_size
        end = min(len(ids), start + params.page_size)
        if selection.nothing or start >= end:
            return []
        if params.sort == "relevance" and selection.rank is not None:
            return [int(ids[i]) for i in _smallest(selection.rank, ids, end)[start:end]]
        oldest = params.sort == "oldest"
        if len(ids) > _BY_GLOBAL_ORDER:  # a large set: walk the store's own order, keeping what is in the set
            return _first_in(snap.oldest if oldest else snap.newest, ids, len(snap.kind), end)[start:end]
        dates = snap.date[ids].astype(np.int64)
        if oldest:  # date ascending, no date last, then id ascending
            key = (np.where(dates > 0, dates, _NO_DATE_LAST) << 32) | ids
        else:  # newest: date descending, no date last, then id descending
            key = -((dates << 32) | ids)
        order = np.argsort(key)[:end]
        return [int(ids[i]) for i in order[start:end]]


@dataclass
class SpeakerStats:
    """What a speaker's page shows about their quotes (browse.get_speaker's queries, answered from the index)."""

    by_day: list[tuple[datetime.date, str, int]]  # (date, kind, quotes) for the dated ones
    undated: int
    talks_about: list[tuple[str, int]]
    quoted_about: int
    recent: list[int]


def speaker_stats(snap: Snapshot, speaker_id: int, name_key: str, talks_about: int, recent: int) -> SpeakerStats:
    ids = np.flatnonzero(snap.speaker == speaker_id).astype(np.int64)
    dates = snap.date[ids].astype(np.int64)
    dated = dates > 0
    keys, counts = np.unique(dates[dated] * 4 + snap.kind[ids][dated], return_counts=True)
    by_day = [
        (datetime.date.fromordinal(int(key) // 4), KINDS[int(key) % 4], int(n))
        for key, n in zip(keys, counts, strict=True)
    ]
    top = sorted(
        _named(_top_counts(_gather_about(snap, ids), talks_about), snap.entities.names),
        key=lambda t: (-t[2], t[1]),
    )
    entity = snap.entities.by_key.get(name_key)
    quoted = 0
    if entity is not None and entity + 1 < len(snap.entity_ptr):
        quoted = int(snap.entity_ptr[entity + 1] - snap.entity_ptr[entity])
    page = QuoteIndex.page(snap, Selection(ids), SearchParams(sort="newest", page_size=recent))
    return SpeakerStats(
        by_day=by_day,
        undated=int(len(ids) - dated.sum()),
        talks_about=[(name, n) for _, name, n in top],
        quoted_about=quoted,
        recent=page,
    )


# ---------------------------------------------------------------------------------------------------- helpers


@dataclass
class _Columns:
    kind: Array
    date: Array
    year: Array
    speaker: Array
    outlet: Array
    outlet_key: Array
    article: Array
    about_counts: Array  # per id: how many entities the quote is about
    about_entity: Array

    @classmethod
    def empty(cls) -> _Columns:
        return cls(
            kind=np.full(1, ABSENT, dtype=np.uint8),
            date=np.zeros(1, dtype=np.int32),
            year=np.zeros(1, dtype=np.int32),
            speaker=np.zeros(1, dtype=np.int32),
            outlet=np.full(1, -1, dtype=np.int32),
            outlet_key=np.full(1, -1, dtype=np.int32),
            article=np.zeros(1, dtype=np.int32),
            about_counts=np.zeros(1, dtype=np.int64),
            about_entity=np.zeros(0, dtype=np.int32),
        )

    @classmethod
    def of(cls, snap: Snapshot) -> _Columns:
        return cls(
            kind=snap.kind,
            date=snap.date,
            year=snap.year,
            speaker=snap.speaker,
            outlet=snap.outlet,
            outlet_key=snap.outlet_key,
            article=snap.article,
            about_counts=np.diff(snap.about_ptr),
            about_entity=snap.about_entity,
        )


def _build(
    generation: int,
    old: _Columns,
    rows: _Rows,
    about: tuple[list[int], list[int]],
    outlets: _Codes,
    keys: _Codes,
    speaker_index: NameIndex,
    entity_index: NameIndex,
) -> Snapshot:
    """A snapshot of ``old``'s columns with ``rows`` (ids above old's) and their about-links added."""
    size = max(len(old.kind), (rows.ids[-1] + 1) if rows.ids else 0)

    def grown(column: Array, fill: int, values: list[int]) -> Array:
        out = np.full(size, fill, dtype=column.dtype)
        out[: len(column)] = column
        if values:
            out[np.array(rows.ids, dtype=np.int64)] = np.array(values, dtype=column.dtype)
        return out

    kind = grown(old.kind, ABSENT, rows.kind)
    about_quotes = np.array(about[0], dtype=np.int64)
    about_new = np.array(about[1], dtype=np.int32)
    order = np.lexsort((about_new, about_quotes))
    about_quotes, about_new = about_quotes[order], about_new[order]
    counts = np.zeros(size, dtype=np.int64)
    counts[: len(old.about_counts)] = old.about_counts
    counts += np.bincount(about_quotes, minlength=size)[:size] if len(about_quotes) else 0
    about_ptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(counts, out=about_ptr[1:])
    about_entity = np.concatenate([old.about_entity, about_new])
    # quotes per entity: the links sorted by entity (stable: quote ids stay ascending within one)
    link_quotes = np.repeat(np.arange(size, dtype=np.int64), counts)
    by_entity = np.argsort(about_entity, kind="stable")
    n_entities = max(int(about_entity.max()) + 1 if len(about_entity) else 0, entity_index.max_id + 1)
    entity_ptr = np.zeros(n_entities + 1, dtype=np.int64)
    np.cumsum(np.bincount(about_entity, minlength=n_entities), out=entity_ptr[1:])
    date = grown(old.date, 0, rows.date)
    ids = np.flatnonzero(kind != ABSENT).astype(np.int64)
    dates = date[ids].astype(np.int64)
    newest = ids[np.argsort(-((dates << 32) | ids))]
    oldest = ids[np.argsort((np.where(dates > 0, dates, _NO_DATE_LAST) << 32) | ids)]
    return Snapshot(
        generation=generation,
        kind=kind,
        date=date,
        year=grown(old.year, 0, rows.year),
        speaker=grown(old.speaker, 0, rows.speaker),
        outlet=grown(old.outlet, -1, rows.outlet),
        outlet_key=grown(old.outlet_key, -1, rows.outlet_key),
        article=grown(old.article, 0, rows.article),
        ids=ids,
        newest=newest,
        oldest=oldest,
        about_ptr=about_ptr,
        about_entity=about_entity,
        entity_ptr=entity_ptr,
        entity_quotes=link_quotes[by_entity],
        outlet_names=tuple(outlets.names),
        outlet_key_names=tuple(keys.names),
        outlet_keys=dict(keys.codes),
        speakers=speaker_index,
        entities=entity_index,
        max_speaker_id=speaker_index.max_id,
        max_entity_id=entity_index.max_id,
        n_about=len(about_entity),
    )


class _Codes:
    """Small integer codes for the distinct strings of a column (outlets), in order of first sight."""

    def __init__(self, names: Sequence[str] = ()) -> None:
        self.names = list(names)
        self.codes = {name: code for code, name in enumerate(self.names)}

    def code(self, value: str | None) -> int:
        if value is None:
            return -1
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.names)
            self.names.append(value)
        return code


@contextmanager
def _read_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection whose statements all see the store as of one moment (a repeatable-read transaction)."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # pysqlite starts no transaction for reads: each SELECT would see the store as of its own moment. (Not
            # on an in-memory store: its one connection is everyone's, and its writers' transaction is theirs.)
            if not isinstance(engine.pool, StaticPool):
                connection.exec_driver_sql("BEGIN")
        else:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        try:
            yield connection
        finally:
            connection.rollback()


def _load_names(connection: Connection, speaker_index: NameIndex, entity_index: NameIndex) -> bool:
    """Add the speakers and entities newer than the indexes hold; False when their counts then disagree with the
    store's (written out of id order): the caller starts again."""
    for row in connection.execute(
        sa.select(speakers.c.id, speakers.c.name, speakers.c.name_key)
        .where(speakers.c.id > speaker_index.max_id)
        .order_by(speakers.c.id)
    ):
        speaker_index.add(int(row.id), row.name, row.name_key)
    for row in connection.execute(
        sa.select(entities.c.id, entities.c.name, entities.c.key)
        .where(entities.c.id > entity_index.max_id)
        .order_by(entities.c.id)
    ):
        entity_index.add(int(row.id), row.name, row.key)
    counts = connection.execute(
        sa.select(
            sa.select(sa.func.count()).select_from(speakers).scalar_subquery(),
            sa.select(sa.func.count()).select_from(entities).scalar_subquery(),
        )
    ).one()
    return tuple(counts) == (speaker_index.count, entity_index.count)


def _quote_rows(connection: Connection, after: int, outlets: _Codes, keys: _Codes) -> _Rows:
    """The quotes with ids above ``after``: the columns the index keeps."""
    rows = _Rows()
    statement = (
        sa.select(
            quotes.c.id,
            quotes.c.kind,
            quotes.c.date,
            quotes.c.year,
            quotes.c.speaker_id,
            quotes.c.outlet,
            quotes.c.article_id,
            articles.c.outlet_key,
        )
        .join(articles, articles.c.id == quotes.c.article_id)
        .where(quotes.c.id > after)
        .order_by(quotes.c.id)
    )
    for quote_id, kind, date, year, speaker_id, outlet, article_id, outlet_key in connection.execute(statement):
        rows.ids.append(quote_id)
        rows.kind.append(_KIND_CODE.get(kind, ABSENT))
        rows.date.append(date.toordinal() if date is not None else 0)
        rows.year.append(year or 0)
        rows.speaker.append(speaker_id or 0)
        rows.outlet.append(outlets.code(outlet))
        rows.outlet_key.append(keys.code(outlet_key))
        rows.article.append(article_id)
    return rows


def _about_rows(connection: Connection, after: int) -> tuple[list[int], list[int]]:
    """(quote ids, entity ids) of the about-links of the quotes with ids above ``after``."""
    quote_ids: list[int] = []
    entity_ids: list[int] = []
    for quote_id, entity_id in connection.execute(
        sa.select(quote_about.c.quote_id, quote_about.c.entity_id).where(quote_about.c.quote_id > after)
    ):
        quote_ids.append(quote_id)
        entity_ids.append(entity_id)
    return quote_ids, entity_ids


def _keep(snap: Snapshot, ids: Array | None, rank: Array | None, test: Any) -> tuple[Array, Array | None]:
    """``ids`` (every quote when None) narrowed to those passing ``test``, which maps ids to a boolean array."""
    if ids is None:
        mask = test(slice(None)) & (snap.kind != ABSENT)
        return np.flatnonzero(mask).astype(np.int64), None
    keep = test(ids)
    return ids[keep], (rank[keep] if rank is not None else None)


def _quotes_about(snap: Snapshot, entity_ids: Sequence[int]) -> Array:
    """Ids (ascending, distinct) of the quotes about any of ``entity_ids``."""
    parts = [
        snap.entity_quotes[snap.entity_ptr[e] : snap.entity_ptr[e + 1]]
        for e in entity_ids
        if e + 1 < len(snap.entity_ptr)
    ]
    if not parts:
        return _EMPTY_IDS
    if len(parts) == 1:
        return parts[0]
    return np.unique(np.concatenate(parts))


def _gather_about(snap: Snapshot, ids: Array) -> Array:
    """The entity ids of every about-link of the quotes ``ids``."""
    starts = snap.about_ptr[ids]
    lengths = snap.about_ptr[ids + 1] - starts
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int32)
    # positions start[i], start[i] + 1, ... for each quote, without a Python loop
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return snap.about_entity[offsets + np.arange(total)]


def _top_counts(values: Array, size: int = FACET_SIZE) -> list[tuple[int, int]]:
    """The ``size`` most frequent values, most frequent first, ties by the smaller value (SQL's ORDER BY n DESC,
    id). By counting, never by partitioning: numpy's partition is slow on the many equal counts facets have."""
    if not len(values):
        return []
    if len(values) > 2048:
        counts = np.bincount(values)
        present = (counts > 0).nonzero()[0]
        counts = counts[present]
    else:
        present, counts = np.unique(values, return_counts=True)
    if len(present) > size:
        # the size-th largest count: from how many values have each count (counts are small numbers)
        at_least = np.cumsum(np.bincount(counts)[::-1])[::-1]  # at_least[k]: values counted k times or more
        threshold = int(np.flatnonzero(at_least >= size)[-1])
        above = (counts > threshold).nonzero()[0]
        at = (counts == threshold).nonzero()[0][: size - len(above)]  # present ascends: the smallest values
        keep = np.concatenate((above, at))
        present, counts = present[keep], counts[keep]
    top = [(int(value), int(n)) for value, n in zip(present, counts, strict=True)]
    top.sort(key=lambda item: (-item[1], item[0]))
    return top


def _smallest(rank: Array, ids: Array, n: int) -> Array:
    """Positions of the ``n`` best ranked (lowest rank, then lowest id), in order."""
    if n < len(rank):
        threshold = np.partition(rank, n - 1)[n - 1]
        candidates = np.flatnonzero(rank <= threshold)
    else:
        candidates = np.arange(len(rank))
    order = np.lexsort((ids[candidates], rank[candidates]))
    return candidates[order][:n]


def _first_in(order: Array, ids: Array, size: int, n: int) -> list[int]:
    """The first ``n`` of ``order`` (every quote id, in some order) that are among ``ids``."""
    member = np.zeros(size, dtype=np.bool_)
    member[ids] = True
    found: list[int] = []
    at = 0
    step = max(256, 2 * n * len(order) // max(1, len(ids)))  # about twice what should hold n of them
    while len(found) < n and at < len(order):
        chunk = order[at : at + step]
        found.extend(int(i) for i in chunk[member[chunk]][: n - len(found)])
        at += step
        step *= 4
    return found


def _named(top: list[tuple[int, int]], names: list[str | None]) -> list[tuple[int, str, int]]:
    """(id, name, count) for each (id, count) of ``top`` whose name is known."""
    named = []
    for item_id, n in top:
        name = names[item_id] if item_id < len(names) else None
        if name is not None:
            named.append((item_id, name, n))
    return named


def _facet(value: str, label: str, count: int) -> dict[str, Any]:
    return {"value": value, "label": label, "count": count}


def empty_facets() -> dict[str, Any]:
    return {"kind": [], "speaker": [], "outlet": [], "year": [], "about": []}


def _alias_speakers(connection: Connection, name: str, max_id: int) -> list[int]:
    return [
        int(i)
        for i in connection.execute(
            sa.select(speaker_aliases.c.speaker_id).where(speaker_aliases.c.alias_key == name_key(name))
        ).scalars()
        if i <= max_id
    ]


def _fts5_matches(connection: Connection, snap: Snapshot, query: str) -> tuple[Array, Array]:
    """(ids ascending, bm25 rank) of an FTS5 query, straight from the driver (plain tuples, no row objects)."""
    driver = connection.connection.dbapi_connection
    assert driver is not None
    rows = driver.execute("SELECT rowid, rank FROM quotes_fts WHERE quotes_fts MATCH ? ORDER BY rowid", (query,))
    flat = np.fromiter(chain.from_iterable(rows.fetchall()), dtype=np.float64)
    return flat[0::2].astype(np.int64), flat[1::2].copy()


# FTS5's bm25 constants (fts5_aux.c)
_K1 = 1.2
_B = 0.75


def _bm25_matches(connection: Connection, fts: FtsStats, token: str) -> tuple[Array, Array]:
    """(ids ascending, rank) of the quotes holding ``token``, with FTS5's bm25 computed as fts5_aux.c computes it,
    operation for operation, so the doubles are the very same (a test checks): f = occurrences in the quote,
    D = its length, idf = log((N - hits + 0.5) / (hits + 0.5)) (1e-6 when not positive)."""
    driver = connection.connection.dbapi_connection
    assert driver is not None
    info = connection.connection.info  # the driver connection's own (emptied if it is closed or invalidated)
    if _INSTANCE not in info:  # FTS5's list of where each token occurs, as a table (this connection's own)
        driver.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_INSTANCE} USING fts5vocab(main, quotes_fts, instance)"
        )
        info[_INSTANCE] = True
    found = driver.execute(f"SELECT group_concat(doc) FROM temp.{_INSTANCE} WHERE term = ?", (token,)).fetchone()
    if not found or not found[0]:
        return _EMPTY_IDS, np.zeros(0)
    docs = np.array(found[0].split(","), dtype=np.int64)  # one per occurrence, in doc order
    starts = np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1])))
    ids = docs[starts]
    freq = np.diff(np.append(starts, len(docs))).astype(np.float64)
    idf = math.log((fts.rows - len(ids) + 0.5) / (len(ids) + 0.5))
    if idf <= 0.0:
        idf = 1e-6
    avgdl = float(fts.tokens) / float(fts.rows)
    if ids[-1] >= len(fts.doc_length):  # quotes newer than these figures: left for the next snapshot
        known = ids < len(fts.doc_length)
        ids, freq = ids[known], freq[known]
    length = fts.doc_length[ids].astype(np.float64)
    score = 0.0 + idf * ((freq * (_K1 + 1.0)) / (freq + _K1 * ((1 - _B) + _B * length / avgdl)))
    return ids, -1.0 * score


_INSTANCE = "quotegraph_fts_instance"


class _Tokenizer:
    """The store's FTS5 tokenizer, run on a scratch in-memory table: what tokens FTS5 makes of a query word."""

    def __init__(self, spec: str) -> None:
        self._connection = sqlite3.connect(":memory:", check_same_thread=False)
        self._connection.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize={spec})")
        self._connection.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
        self._lock = threading.Lock()
        self._cache: dict[str, list[str]] = {}

    @classmethod
    def of(cls, connection: Connection) -> _Tokenizer | None:
        """The tokenizer of the store's ``quotes_fts`` (None if its definition cannot be read)."""
        sql = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'quotes_fts'").scalar()
        found = re.search(r"tokenize\s*=\s*('(?:[^']|'')*')", sql or "")
        if not found:
            return None
        try:
            return cls(found.group(1))
        except sqlite3.Error:  # an FTS5 this Python's SQLite lacks, a custom tokenizer: FTS5 ranks instead
            return None

    def tokens(self, text: str) -> list[str]:
        found = self._cache.get(text)
        if found is None:
            with self._lock:
                self._connection.execute("DELETE FROM t")
                self._connection.execute("INSERT INTO t(rowid, x) VALUES (1, ?)", (text,))
                found = [row[0] for row in self._connection.execute("SELECT term FROM v ORDER BY offset")]
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[text] = found
        return found


def _with_fts_stats(connection: Connection, snap: Snapshot, old: FtsStats | None) -> Snapshot:
    """``snap`` with FTS5's figures (SQLite), read in the same transaction; without them where they cannot be."""
    if connection.dialect.name != "sqlite":
        return snap
    driver = connection.connection.dbapi_connection
    assert driver is not None
    try:
        block = driver.execute("SELECT block FROM quotes_fts_data WHERE id = 1").fetchone()
        after = len(old.doc_length) - 1 if old is not None else 0
        sizes = driver.execute("SELECT id, sz FROM quotes_fts_docsize WHERE id > ?", (after,)).fetchall()
    except sqlite3.Error:  # no such tables (an FTS5 without them): FTS5 ranks everything
        return snap
    if not block or not block[0]:
        return snap
    rows, at = _varint(block[0], 0)
    tokens, _ = _varint(block[0], at)
    if not rows:
        return snap
    length = np.zeros(len(snap.kind), dtype=np.int32)
    if old is not None:
        length[: len(old.doc_length)] = old.doc_length[: len(length)]
    for quote_id, size in sizes:
        if quote_id < len(length):
            length[quote_id] = _varint(size, 0)[0]
    stats = FtsStats(rows=rows, tokens=tokens, doc_length=length)
    return dataclasses.replace(snap, fts=stats)


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """An SQLite varint in ``data`` at ``at``: (value, where the next one starts)."""
    value = 0
    for i in range(9):
        byte = data[at]
        at += 1
        if i == 8:
            return (value << 8) | byte, at
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, at
    return value, at


def _tsquery_matches(connection: Connection, text: TextQuery) -> tuple[Array, Array]:
    """(ids ascending, rank) on PostgreSQL: ``ts_rank`` negated, so that lower is better as with FTS5."""
    condition, score = text_condition(connection.dialect.name, text)
    rows = connection.execute(sa.select(quotes.c.id, score).where(condition).order_by(quotes.c.id)).all()
    if not rows:
        return _EMPTY_IDS, np.zeros(0)
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    rank = -np.array([row[1] for row in rows], dtype=np.float64)
    return ids, rank
