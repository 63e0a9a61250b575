"""The store's speaker registry across articles (issue 4), on SQLite and PostgreSQL: a surname joins the one full
name it can only be when an outlet or a near date supports it, two people of one surname stay apart, a full name
stored after its surname alone takes that row over, and an acronym joins its organization."""

from __future__ import annotations

import sqlalchemy as sa

from quotegraph.record import Article, QuoteRecord
from quotegraph.store.ingest import write_batch
from quotegraph.store.models import quotes, speaker_aliases, speakers
from quotegraph.store.registry import assign_speaker


def quote(speaker: str, speaker_type: str = "person", *, mention: str | None = None, date: str = "2021-03-01",
          doc_id: str = "a") -> QuoteRecord:
    text = f"Words of {speaker} on {date}."
    return QuoteRecord(
        doc_id=doc_id, text=text, start=0, end=len(text), kind="direct", cue="said", mention=mention or speaker,
        speaker=speaker, speaker_type=speaker_type, confidence=0.9, date=date,  # type: ignore[arg-type]
    )


def store_article(store, doc_id: str, date: str, outlet: str, *speakers_: str | tuple[str, str]) -> None:
    """One article of one quote per speaker, through the real ingest path."""
    text = " ".join(f"Quote {i} of {doc_id}." for i in range(len(speakers_)))
    article = Article.from_text(text, id=doc_id, date=date)
    article.outlet = outlet
    records = []
    for i, entry in enumerate(speakers_):
        name, kind = entry if isinstance(entry, tuple) else (entry, "person")
        start = text.index(f"Quote {i} of")
        body = f"Quote {i} of {doc_id}."
        records.append(QuoteRecord(
            doc_id=doc_id, text=body, start=start, end=start + len(body), kind="direct", cue="said", mention=name,
            speaker=name, speaker_type=kind, confidence=0.9, date=date,  # type: ignore[arg-type]
        ))
    outcomes = write_batch(store, [(article, records)])
    assert [o.status for o in outcomes] == ["stored"]


def rows(store) -> dict[str, dict]:
    with store.session() as session:
        found = session.execute(sa.select(speakers)).all()
        aliases = session.execute(sa.select(speaker_aliases)).all()
        counted = dict(session.execute(
            sa.select(quotes.c.speaker_id, sa.func.count()).group_by(quotes.c.speaker_id)).all())
    by_id = {r.id: r.name for r in found}
    return {
        r.name: {"type": r.type, "quotes": r.quote_count, "articles": r.article_count, "stored": counted.get(r.id, 0),
                 "first": r.first_date, "last": r.last_date,
                 "aliases": sorted(a.alias for a in aliases if by_id[a.speaker_id] == r.name)}
        for r in found
    }


def test_a_surname_joins_the_only_full_name_near_in_time(store_factory) -> None:
    store = store_factory.open()
    store_article(store, "a1", "2021-03-01", "Daily A", "Mark Thompson")
    store_article(store, "a2", "2021-05-10", "Weekly B", "Thompson")
    found = rows(store)
    assert set(found) == {"Mark Thompson"}
    assert found["Mark Thompson"]["quotes"] == 2 and found["Mark Thompson"]["articles"] == 2
    assert found["Mark Thompson"]["stored"] == 2 and "Thompson" in found["Mark Thompson"]["aliases"]


def test_two_people_of_one_surname_keep_a_bare_surname_apart(store_factory) -> None:
    store = store_factory.open()
    store_article(store, "a1", "2021-03-01", "Daily A", "Mark Thompson", "Dana Thompson")
    store_article(store, "a2", "2021-03-02", "Daily A", "Thompson")
    assert set(rows(store)) == {"Mark Thompson", "Dana Thompson", "Thompson"}


def test_a_surname_years_later_in_another_outlet_stays_apart_but_the_same_outlet_supports_it(store_factory) -> None:
    store = store_factory.open()
    store_article(store, "a1", "2015-03-01", "Daily A", "Mark Thompson")
    store_article(store, "a2", "2021-06-01", "Weekly B", "Thompson")
    assert set(rows(store)) == {"Mark Thompson", "Thompson"}
    with store.write_session() as session:  # a writer that knows the outlet: the same outlet is support enough
        mark = session.execute(sa.select(speakers.c.id).where(speakers.c.name == "Mark Thompson")).scalar_one()
        assert assign_speaker(session, quote("Thompson", date="2021-07-01"), outlet="Daily A") != mark
        session.rollback()
    store_other = store_factory.open()
    store_article(store_other, "b1", "2015-03-01", "Daily A", "Mark Thompson")
    with store_other.write_session() as session:
        mark = session.execute(sa.select(speakers.c.id).where(speakers.c.name == "Mark Thompson")).scalar_one()
        assert assign_speaker(session, quote("Thompson", date="2021-07-01"), outlet="Daily A") == mark
        # each join needs its own support: the same surname from another outlet years later stays apart
        assert assign_speaker(session, quote("Thompson", date="2021-07-01"), outlet="Weekly B") != mark
        session.rollback()


def test_a_full_name_takes_over_its_earlier_surname(store_factory) -> None:
    store = store_factory.open()
    store_article(store, "a1", "2021-03-01", "Daily A", "Thompson")
    store_article(store, "a2", "2021-02-20", "Weekly B", "Mark Thompson")
    found = rows(store)
    assert set(found) == {"Mark Thompson"}
    mark = found["Mark Thompson"]
    assert (mark["quotes"], mark["articles"], mark["stored"]) == (2, 2, 2)
    assert str(mark["first"]) == "2021-02-20" and str(mark["last"]) == "2021-03-01"
    assert "Thompson" in mark["aliases"]


def test_an_acronym_joins_its_organization_and_other_types_never_mix(store_factory) -> None:
    store = store_factory.open()
    store_article(store, "a1", "2021-03-01", "Daily A", ("World Health Organization", "organization"))
    store_article(store, "a2", "2022-09-01", "Weekly B", ("WHO", "organization"), ("Thompson", "person"))
    found = rows(store)
    assert set(found) == {"World Health Organization", "Thompson"}
    assert found["World Health Organization"]["quotes"] == 2


def test_exact_names_still_meet_whatever_the_order(store_factory) -> None:
    store = store_factory.open()
    store_article(store, "a1", "2021-03-01", "Daily A", "Karen Webb", "Karen  WEBB")
    store_article(store, "a2", "2030-01-01", "Weekly B", "karen webb")
    found = rows(store)
    assert len(found) == 1 and next(iter(found.values()))["quotes"] == 3


def test_writers_racing_over_a_surname_and_its_full_name_keep_the_counts_whole(store_factory) -> None:
    """Two writers at once, one storing 'Thompson' articles and one 'Mark Thompson' ones: whatever the order of
    their transactions, every attributed quote is counted on the row it points at."""
    import threading

    store = store_factory.open()
    errors: list[Exception] = []

    def writer(name: str, prefix: str) -> None:
        try:
            for i in range(6):
                store_article(store, f"{prefix}{i}", f"2021-03-{i + 1:02d}", "Daily A", name)
        except Exception as exc:  # noqa: BLE001 (collected: the assertion below shows it)
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=args) for args in (("Thompson", "s"), ("Mark Thompson", "f"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    found = rows(store)
    assert "Mark Thompson" in found
    assert all(row["quotes"] == row["stored"] for row in found.values()), found
    assert sum(row["quotes"] for row in found.values()) == 12
