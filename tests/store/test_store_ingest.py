"""Ingest on both engines: real articles extracted and stored once by content hash, failures kept and retried,
records read back exactly as extracted, and the speaker registry's counts."""

from __future__ import annotations

import dataclasses
from collections import Counter

import sqlalchemy as sa

from quotegraph.pipeline import ExtractionError
from quotegraph.readers import ReadError
from quotegraph.record import Article
from quotegraph.store.browse import get_article, iter_records, list_speakers
from quotegraph.store.ingest import content_hash, ingest, write_batch
from quotegraph.store.models import articles, quotes, speaker_aliases, speakers
from quotegraph.store.registry import PRONOUNS

TABLES = ("articles", "quotes", "speakers", "speaker_aliases", "entities", "quote_about")


def table_counts(store) -> dict[str, int]:
    with store.engine.connect() as connection:
        return {name: connection.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one() for name in TABLES}


def fresh_copies(articles_: list[Article]) -> list[Article]:
    """New Article objects (ingest fills in defaults such as the outlet; the session's originals stay as read)."""
    return [dataclasses.replace(a, meta={}) for a in articles_]


def test_ingest_stores_each_article_once_and_a_rerun_changes_nothing(
    store_factory, store_articles, extractor
) -> None:
    store = store_factory.open()
    some = fresh_copies(store_articles[:4])
    outcomes = []
    summary = ingest(store, some, extractor=extractor, batch_size=3, on_outcome=outcomes.append)
    assert (summary.stored, summary.skipped, summary.failed, summary.errors) == (4, 0, 0, 0)
    assert [o.status for o in outcomes] == ["stored"] * 4
    assert summary.quotes > 10
    before = table_counts(store)
    assert before["articles"] == 4 and before["quotes"] == summary.quotes
    generation = store.generation()

    again = ingest(store, fresh_copies(store_articles[:4]), extractor=extractor)
    assert (again.stored, again.skipped) == (0, 4)
    assert table_counts(store) == before
    assert store.generation() == generation  # nothing written, caches stay valid

    # the same text under another name is the same article; a new one beside it is stored
    renamed = fresh_copies(store_articles[:1])[0]
    renamed.id, renamed.path = "renamed", "/elsewhere/renamed.txt"
    mixed = ingest(store, [renamed, *fresh_copies(store_articles[4:5])], extractor=extractor)
    assert (mixed.stored, mixed.skipped) == (1, 1)
    assert table_counts(store)["articles"] == 5


def test_stored_records_read_back_exactly_as_extracted(filled_store, extracted_articles) -> None:
    expected = [record for _, records in extracted_articles for record in records]
    with filled_store.session() as session:
        stored = list(iter_records(session, chunk=7))  # a small chunk: the keyset paging is exercised too
    assert len(stored) == len(expected)
    assert [r.to_dict() for r in stored] == [r.to_dict() for r in expected]
    # offsets still point into the stored text
    with filled_store.session() as session:
        article_ids = session.execute(sa.select(articles.c.id).order_by(articles.c.id)).scalars().all()
        for article_id in article_ids:
            article = get_article(session, article_id)
            assert article is not None
            for quote in article.quotes:
                assert article.text[quote.record.start : quote.record.end] == quote.record.text


def test_a_failed_article_is_kept_with_its_reason_and_retried(store_factory, store_articles, extractor) -> None:
    store = store_factory.open()
    article = fresh_copies(store_articles[:1])[0]
    # a failure from an earlier run (a real ExtractionError value, as the pipeline yields for a bad article)
    [outcome] = write_batch(
        store, [(article, ExtractionError(article.id, "the NLP pipeline failed on this article"))]
    )
    assert outcome.status == "failed" and "NLP pipeline failed" in (outcome.reason or "")
    with store.session() as session:
        row = session.execute(sa.select(articles).where(articles.c.id == outcome.article_id)).one()
    assert (row.status, row.error, row.n_quotes) == ("failed", "the NLP pipeline failed on this article", 0)

    summary = ingest(store, fresh_copies(store_articles[:1]), extractor=extractor)
    assert summary.stored == 1 and summary.quotes > 0
    with store.session() as session:
        row = session.execute(
            sa.select(articles).where(articles.c.content_hash == content_hash(article.text))
        ).one()
        n_quotes = session.execute(sa.select(sa.func.count()).where(quotes.c.article_id == row.id)).scalar_one()
    assert row.id == outcome.article_id  # retried in place: links to the article keep working
    assert (row.status, row.error, row.n_quotes) == ("done", None, n_quotes)


def test_an_article_over_the_length_limit_is_stored_as_failed(store_factory, extractor) -> None:
    from quotegraph.readers import MAX_ARTICLE_CHARS

    store = store_factory.open()
    huge = Article.from_text("He said it. " * (MAX_ARTICLE_CHARS // 12 + 1), id="huge")
    outcomes = []
    summary = ingest(store, [huge], extractor=extractor, on_outcome=outcomes.append)
    assert summary.failed == 1
    assert "over the 1,000,000 limit" in (outcomes[0].reason or "")
    with store.session() as session:
        row = session.execute(sa.select(articles.c.status, articles.c.error)).one()
    assert row.status == "failed" and "limit" in row.error


def test_unreadable_and_unstorable_inputs_are_reported_and_nothing_is_written(store_factory, extractor) -> None:
    store = store_factory.open()
    outcomes = []
    items = [
        ReadError("missing.txt", "no such file or directory"),
        Article.from_text('"Hello\x00there," she said.', id="nul"),
        Article.from_text('"Hello \ud800 there," she said.', id="surrogate"),
    ]
    summary = ingest(store, items, extractor=extractor, on_outcome=outcomes.append)
    assert summary.errors == 3 and summary.stored == 0
    assert [o.reason for o in outcomes] == [
        "no such file or directory",
        "the text holds a NUL character (binary data?)",
        "the text holds an unpaired surrogate at character 7",
    ]
    assert set(table_counts(store).values()) == {0}


def test_the_same_text_twice_in_one_run_is_stored_once(store_factory, store_articles, extractor) -> None:
    store = store_factory.open()
    twice = fresh_copies([store_articles[0], store_articles[0]])
    outcomes = []
    ingest(store, twice, extractor=extractor, on_outcome=outcomes.append)
    # outcomes come as they are known: the duplicate at once, the stored one when its batch commits
    assert sorted(o.status for o in outcomes) == ["skipped", "stored"]
    assert table_counts(store)["articles"] == 1


def test_the_registry_counts_quotes_articles_and_aliases(filled_store, extracted_articles) -> None:
    expected_quotes: Counter[tuple[str, str]] = Counter()
    expected_articles: Counter[tuple[str, str]] = Counter()
    for _, records in extracted_articles:
        seen = set()
        for record in records:
            if record.speaker:
                key = (" ".join(record.speaker.casefold().split()), record.speaker_type)
                expected_quotes[key] += 1
                seen.add(key)
        expected_articles.update(seen)
    with filled_store.session() as session:
        rows = session.execute(sa.select(speakers)).all()
        actual_quotes = {(r.name_key, r.type): r.quote_count for r in rows}
        actual_articles = {(r.name_key, r.type): r.article_count for r in rows}
        aliases = session.execute(sa.select(speaker_aliases.c.alias_key)).scalars().all()
        listing = list_speakers(session, page_size=100)
    assert actual_quotes == dict(expected_quotes)
    assert actual_articles == dict(expected_articles)
    assert aliases and not set(aliases) & PRONOUNS  # 'he' and 'she' name nobody
    counts = [s.quote_count for s in listing.results]
    assert counts == sorted(counts, reverse=True)
    assert listing.total == len(rows)


def test_concurrent_writers_all_land(store_factory, extracted_articles) -> None:
    """Four writers at once (as four ingest processes would be): every article is stored once, counts add up."""
    import threading

    store = store_factory.open()
    # each writer gets every article: they race for the same rows, speakers and aliases
    errors: list[Exception] = []
    outcomes: list = []

    def writer(order: list) -> None:
        try:
            for start in range(0, len(order), 3):
                outcomes.extend(write_batch(store, order[start : start + 3]))
        except Exception as exc:  # noqa: BLE001 (collected: the assertion below shows it)
            errors.append(exc)

    orders = [extracted_articles, extracted_articles[::-1], extracted_articles[1:] + extracted_articles[:1]]
    threads = [threading.Thread(target=writer, args=(order,)) for order in [*orders, extracted_articles]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    statuses = Counter(outcome.status for outcome in outcomes)
    assert statuses["stored"] == len(extracted_articles)
    assert statuses["skipped"] == 3 * len(extracted_articles)
    expected_quotes = sum(len(records) for _, records in extracted_articles)
    with store.session() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(quotes)).scalar_one() == expected_quotes
        counted = session.execute(sa.select(sa.func.sum(speakers.c.quote_count))).scalar_one()
        attributed = session.execute(
            sa.select(sa.func.count()).select_from(quotes).where(quotes.c.speaker_id.is_not(None))
        ).scalar_one()
    assert counted == attributed
