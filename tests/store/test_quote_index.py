"""The API's in-memory quote index (issue 5, load) answers exactly what the SQL path answers, on both engines:
every filter, facet, order and page of a search, a speaker's page, an article, FTS5's bm25 computed by hand, and
an index brought up to date after an ingest equal to one loaded afresh."""

from __future__ import annotations

import json
import math
import re
import sqlite3

import numpy as np
import pytest
import sqlalchemy as sa
from pydantic_core import to_json

from quotegraph.store import browse
from quotegraph.store.models import speakers
from quotegraph.store.quote_index import QuoteIndex, _bm25_matches, _fts5_matches, _Tokenizer
from quotegraph.store.schemas import SearchParams
from quotegraph.store.search import hits_by_ids, parse_text_query, search

SEARCHES: list[dict] = [
    {},
    {"page": 2, "page_size": 7},
    {"page": 40},  # past the end
    {"sort": "oldest", "page_size": 100},
    {"q": "economy"},
    {"q": "economies", "sort": "newest"},
    {"q": "economy recession"},
    {"q": "said"},
    {"q": "said", "sort": "oldest", "page": 2, "page_size": 5},
    {"q": "the minister", "page_size": 50},
    {"q": "people government"},
    {"q": '"Hong Kong economy"'},
    {"q": '"Hong Kong" economy'},
    {"q": '"economy Hong Kong"'},
    {"q": "Hagia Sophia", "page_size": 3},
    {"q": "%_% economy"},  # '_' is no FTS5 token: FTS5 ignores it beside a real word
    {"q": "%_%"},
    {"q": "😀 économie"},
    {"q": '" , ! ?'},
    {"q": "NEAR(economy recession, 2)"},
    {"q": "DROP TABLE quotes"},
    {"q": "<script> pwned"},
    {"q": "x" * 500},
    {"speaker": "JOHNSON"},
    {"speaker": "prime minister johnson"},  # an alias
    {"speaker": "ohnso"},
    {"speaker": "%"},
    {"speaker": "erdogan", "kind": "direct", "since": "2019-01-01"},
    {"about": "brexit"},
    {"about": "Johnson", "sort": "oldest"},
    {"about": "brexit", "until": "2019-12-31"},
    {"about": "nobody at all"},
    {"since": "2020-01-01", "until": "2020-12-31"},
    {"since": "2019-08-29", "until": "2019-08-29"},
    {"outlet": "the test GAZETTE"},
    {"outlet": "wikinews", "kind": "indirect"},
    {"outlet": "no such outlet"},
    {"kind": "direct", "sort": "oldest", "page": 3, "page_size": 4},
    {"kind": "mixed"},
    {"q": "said", "kind": "direct", "outlet": "Wikinews", "since": "2019-01-01"},
    {"q": "economy", "speaker": "lam"},
    {"q": "he", "about": "Johnson"},
]


def sql_json(store, params: SearchParams) -> bytes:
    with store.session() as session:
        return search(session, params).model_dump_json().encode()


def index_json(store, index: QuoteIndex, params: SearchParams) -> bytes:
    with store.engine.connect() as connection:
        snap = index.snapshot(store.engine, store.generation())
        selection = index.select(connection, snap, params)
        total, facets = QuoteIndex.facets(snap, selection)
        ids = QuoteIndex.page(snap, selection, params) if total else []
        return to_json(
            {
                "total": total,
                "page": params.page,
                "page_size": params.page_size,
                "pages": -(-total // params.page_size),
                "results": hits_by_ids(connection, ids),
                "facets": facets,
            }
        )


@pytest.fixture(scope="module")
def index(filled_store) -> QuoteIndex:
    """One index per store (an index belongs to one store: it knows it by generation only)."""
    return QuoteIndex()


def with_fixture_ids(store, params: dict) -> list[dict]:
    """``params`` and, for a speaker_id / article_id case, real ids from the store."""
    with store.engine.connect() as connection:
        speaker_id = connection.execute(
            sa.select(speakers.c.id).order_by(speakers.c.quote_count.desc()).limit(1)
        ).scalar_one()
    return [params, {"speaker_id": speaker_id}, {"speaker_id": speaker_id, "q": "said"}, {"article_id": 2}]


@pytest.mark.parametrize("case", range(len(SEARCHES)))
def test_a_search_answers_as_the_sql_path(filled_store, index, case: int) -> None:
    for raw in with_fixture_ids(filled_store, SEARCHES[case]) if case == 0 else [SEARCHES[case]]:
        for sort in ("relevance", "newest", "oldest"):
            params = SearchParams(**{"sort": sort, **raw})
            expected, got = sql_json(filled_store, params), index_json(filled_store, index, params)
            if filled_store.dialect == "postgresql" and params.q and params.sort == "relevance":
                # PostgreSQL orders equal ts_rank as it likes; the index breaks ties by id: same set, same facets
                expected_body, got_body = json.loads(expected), json.loads(got)
                assert (
                    got_body["facets"] == expected_body["facets"] and got_body["total"] == expected_body["total"]
                )
                everything = params.model_copy(update={"page": 1, "page_size": 100})
                ids = {hit["id"] for hit in json.loads(index_json(filled_store, index, everything))["results"]}
                assert ids == {hit["id"] for hit in json.loads(sql_json(filled_store, everything))["results"]}
                continue
            assert got == expected, (raw, sort)


def test_speaker_pages_answer_as_the_sql_path(filled_store, index) -> None:
    snap = index.snapshot(filled_store.engine, filled_store.generation())
    with filled_store.session() as session:
        ids = session.execute(sa.select(speakers.c.id)).scalars().all()
        assert len(ids) > 10
        for speaker_id in [*ids, max(ids) + 1]:
            expected = browse.get_speaker(session, speaker_id)
            got = browse.speaker_json(session.connection(), speaker_id, snap)
            if expected is None:
                assert got is None
                continue
            assert got is not None and to_json(got) == expected.model_dump_json().encode()
            assert to_json(browse.speaker_json(session.connection(), speaker_id, None)) == to_json(got)


def test_articles_answer_as_the_models(filled_store) -> None:
    with filled_store.session() as session:
        for article_id in range(1, 40):
            expected = browse.get_article(session, article_id)
            got = browse.article_json(session.connection(), article_id)
            if expected is None:
                assert got is None
                continue
            assert got is not None and to_json(got) == expected.model_dump_json().encode()


def test_the_hand_computed_bm25_is_fts5s_own(filled_store, index) -> None:
    if filled_store.dialect != "sqlite":
        pytest.skip("bm25 by hand is for FTS5 (SQLite)")
    snap = index.snapshot(filled_store.engine, filled_store.generation())
    assert snap.fts is not None
    with filled_store.engine.connect() as connection:
        tokenizer = _Tokenizer.of(connection)
        assert tokenizer is not None
        words = {
            word
            for (text,) in connection.exec_driver_sql("SELECT text FROM quotes")
            for word in re.findall(r"\w+", text)
        }
        checked = 0
        for word in sorted(words)[:600]:
            tokens = tokenizer.tokens(word)
            if len(tokens) != 1:
                continue
            mine_ids, mine_rank = _bm25_matches(connection, snap.fts, tokens[0])
            fts_ids, fts_rank = _fts5_matches(connection, snap, f'"{word}"')
            assert np.array_equal(mine_ids, fts_ids), word
            assert np.array_equal(mine_rank, fts_rank), word  # the very same doubles, not merely close
            checked += 1
        assert checked > 300
    assert math.isfinite(float(snap.fts.tokens)) and snap.fts.rows == snap.n_quotes


def test_several_words_rank_as_fts5_ranks_them(filled_store, index) -> None:
    """Intersection of each word's matches, ranks added in query order: FTS5's own order for the whole query."""
    if filled_store.dialect != "sqlite":
        pytest.skip("FTS5 (SQLite)")
    snap = index.snapshot(filled_store.engine, filled_store.generation())
    with filled_store.engine.connect() as connection:
        for q in ("said the", "the minister said", "economy recession", 'he "prime minister"', "it's"):
            params = SearchParams(q=q, page_size=100)
            selection = index.select(connection, snap, params)
            whole = _fts5_matches(connection, snap, parse_text_query(q).fts5())
            assert np.array_equal(selection.ids, whole[0]) and np.array_equal(selection.rank, whole[1]), q


def test_an_index_brought_up_to_date_equals_a_fresh_one(store_factory, extracted_articles) -> None:
    from quotegraph.store.ingest import write_batch

    store = store_factory.open()
    half = len(extracted_articles) // 2
    write_batch(store, extracted_articles[:3])
    index = QuoteIndex()
    index.snapshot(store.engine, store.generation())
    for start in range(3, len(extracted_articles), half):
        write_batch(store, extracted_articles[start : start + half])
        updated = index.snapshot(store.engine, store.generation())
    assert index.loads == 1 and index.refreshes >= 1
    fresh = QuoteIndex().snapshot(store.engine, store.generation())
    for name in ("kind", "date", "year", "speaker", "article", "ids", "about_ptr", "about_entity", "entity_ptr"):
        assert np.array_equal(getattr(updated, name), getattr(fresh, name)), name
    assert np.array_equal(updated.entity_quotes, fresh.entity_quotes)
    decode = lambda snap, column, names: [names[c] if c >= 0 else None for c in getattr(snap, column)]
    assert decode(updated, "outlet", updated.outlet_names) == decode(fresh, "outlet", fresh.outlet_names)
    assert decode(updated, "outlet_key", updated.outlet_key_names) == decode(
        fresh, "outlet_key", fresh.outlet_key_names
    )
    assert updated.speakers.names == fresh.speakers.names and updated.entities.names == fresh.entities.names
    if store.dialect == "sqlite":
        assert updated.fts is not None and fresh.fts is not None
        assert np.array_equal(updated.fts.doc_length, fresh.fts.doc_length)
        assert (updated.fts.rows, updated.fts.tokens) == (fresh.fts.rows, fresh.fts.tokens)
    for raw in ({}, {"q": "said"}, {"speaker": "johnson", "sort": "oldest"}, {"about": "brexit"}):
        params = SearchParams(**raw)
        assert index_json(store, index, params) == sql_json(store, params)


def test_without_the_index_the_api_answers_the_same(filled_store) -> None:
    import asyncio

    import httpx

    from quotegraph.api import create_app

    paths = [
        "/api/quotes?q=economy",
        "/api/quotes?q=said&kind=direct&page=2&page_size=5",
        "/api/quotes?q=said&kind=direct&page_size=20",  # the same quotes again, from the per-quote cache
        "/api/quotes?speaker=johnson&sort=oldest",
        "/api/quotes?about=brexit&until=2019-12-31",
        "/api/quotes?outlet=wikinews",
        "/api/speakers?sort=name&page=2&page_size=5",
        "/api/speakers?name=boris%20johnson",
        "/api/speakers/1",
        "/api/articles/1",
        "/api/stats",
    ]

    async def answers(app) -> list[tuple[int, bytes, str | None]]:
        out = []
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http,
        ):
            for path in paths * 2:  # the second time from the cache
                response = await http.get(path)
                out.append((response.status_code, response.content, response.headers.get("x-quotegraph-cache")))
        return out

    indexed = asyncio.run(answers(create_app(store=filled_store)))
    plain = asyncio.run(answers(create_app(store=filled_store, memory_index=False, cache_size=0)))
    assert [(status, body) for status, body, _ in indexed] == [(status, body) for status, body, _ in plain]
    assert [cache for _, _, cache in indexed] == ["miss"] * len(paths) + ["hit"] * len(paths)
    assert all(status == 200 for status, _, _ in indexed)


def test_requests_fastreads_leaves_to_fastapi(filled_store) -> None:
    """Repeated or unknown parameters and invalid values get FastAPI's own answers (and its 422 messages)."""
    import asyncio

    import httpx

    from quotegraph.api import create_app

    app = create_app(store=filled_store)

    async def get(path: str) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            return await client.get(path)

    repeated = asyncio.run(get("/api/quotes?q=said&q=economy"))
    assert repeated.status_code == 200 and "x-quotegraph-cache" not in repeated.headers
    assert repeated.content == asyncio.run(get("/api/quotes?q=economy")).content  # the last one counts
    for path, message in [
        ("/api/quotes?page=0", "page: Input should be greater than or equal to 1"),
        ("/api/quotes?speakr=x", "speakr: Extra inputs are not permitted"),
        ("/api/speakers?page=abc", "page: Input should be a valid integer"),
        ("/api/speakers?name=a%07", "name: control character U+0007"),
    ]:
        response = asyncio.run(get(path))
        assert response.status_code == 422 and message in " ".join(response.json()["errors"]), path
    assert asyncio.run(get("/api/speakers?unknown=1")).status_code == 200  # FastAPI ignores it
    assert asyncio.run(get("/api/speakers/99999999")).status_code == 404
    assert asyncio.run(get("/api/articles/99999999")).json()["detail"] == "no article 99999999"
    for response in (repeated, asyncio.run(get("/api/quotes?q=said"))):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "script-src 'self'" in response.headers["content-security-policy"]


def test_tokenizer_is_the_stores(filled_store) -> None:
    if filled_store.dialect != "sqlite":
        pytest.skip("FTS5 (SQLite)")
    with filled_store.engine.connect() as connection:
        tokenizer = _Tokenizer.of(connection)
    assert tokenizer is not None
    assert tokenizer.tokens("Economies") == ["economi"]
    assert tokenizer.tokens("it's") == ["it", "s"] and tokenizer.tokens("_") == []
    assert tokenizer.tokens("Élysée") == ["elyse"]
    with pytest.raises(sqlite3.Error):
        _Tokenizer("'no_such_tokenizer'")


def test_large_sets_page_by_the_stores_order(filled_store, monkeypatch) -> None:
    """A page of a large set is found by walking the snapshot's date orders: the same pages as sorting the set."""
    from quotegraph.store import quote_index

    monkeypatch.setattr(quote_index, "_BY_GLOBAL_ORDER", 0)
    index = QuoteIndex()
    for raw in ({}, {"kind": "direct"}, {"outlet": "wikinews"}, {"since": "2019-06-01"}, {"q": "said"}):
        for sort in ("newest", "oldest"):
            for page, page_size in ((1, 20), (2, 7), (3, 100), (50, 100)):
                params = SearchParams(sort=sort, page=page, page_size=page_size, **raw)
                assert index_json(filled_store, index, params) == sql_json(filled_store, params), (raw, sort, page)


def test_top_counts_matches_a_plain_count() -> None:
    from collections import Counter

    from quotegraph.store.quote_index import _top_counts

    rng = np.random.default_rng(5)
    for size in (0, 1, 5, 10, 11, 300, 2048, 2049, 5000, 40_000):
        for spread in (3, 50, 5000):
            values = rng.integers(1, spread + 1, size).astype(np.int32)
            expected = sorted(Counter(values.tolist()).items(), key=lambda item: (-item[1], item[0]))[:10]
            assert _top_counts(values) == expected, (size, spread)


def test_the_index_can_be_turned_off(filled_store, monkeypatch) -> None:
    from quotegraph.api import create_app

    assert create_app(store=filled_store).state.reads.index is not None
    monkeypatch.setenv("QUOTEGRAPH_MEMORY_INDEX", "0")
    assert create_app(store=filled_store).state.reads.index is None
    assert create_app(store=filled_store, memory_index=True).state.reads.index is not None


def test_start_up_leaves_its_objects_to_no_collection(filled_store) -> None:
    """After the lifespan's start-up (the index loaded), what it built is frozen out of the collector: a full
    collection under load walked some 300,000 such objects while every request of the worker waited."""
    import asyncio
    import gc

    from quotegraph.api import create_app

    app = create_app(store=filled_store)

    async def start_and_stop() -> int:
        async with app.router.lifespan_context(app):
            return gc.get_freeze_count()

    gc.unfreeze()
    try:
        frozen = asyncio.run(start_and_stop())
    finally:
        gc.unfreeze()  # the test process's objects go back to the collector
    assert frozen > 1000
    assert app.state.reads.index is not None and app.state.reads.index._snapshot is not None  # loaded first
