"""Search on both engines over real extracted quotes: words, phrases, every filter, facets, pages, order, and
hostile queries that must stay plain text."""

from __future__ import annotations

import datetime

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from quotegraph.store.schemas import SearchParams
from quotegraph.store.search import parse_text_query, search

TABLES = ("articles", "quotes", "speakers", "speaker_aliases", "entities", "quote_about")


def run(store, **params):
    with store.session() as session:
        return search(session, SearchParams(**params))


def all_hits(store, **params):
    result = run(store, page_size=100, **params)
    assert result.total <= 100, "the fixture store is small: one page holds every match"
    return result.results


def expected(extracted_articles, keep) -> list:
    return [
        (article, record) for article, records in extracted_articles for record in records if keep(article, record)
    ]


def words_of(name: str | None) -> list[str]:
    return (name or "").casefold().split()


def test_words_are_stemmed_and_every_word_must_occur(filled_store) -> None:
    texts = [hit.record.text for hit in all_hits(filled_store, q="economies")]
    assert any("Hong Kong economy has already slipped" in text for text in texts)
    assert any("worst their economy had performed" in text for text in texts)
    assert all("econom" in text.casefold() for text in texts)
    both = all_hits(filled_store, q="economy recession")
    assert [hit.record.text[:28] for hit in both] == ["The Hong Kong economy has al"]


def test_a_quoted_phrase_must_occur_in_order(filled_store) -> None:
    [hit] = all_hits(filled_store, q='"Hong Kong economy"')
    assert "Hong Kong economy has already slipped" in hit.record.text
    assert all_hits(filled_store, q='"economy Hong Kong"') == []
    # typographic quote marks make a phrase too
    assert len(all_hits(filled_store, q="\u201cHong Kong economy\u201d")) == 1


def test_speaker_by_any_part_of_the_name_or_an_alias(filled_store, extracted_articles) -> None:
    johnson = expected(extracted_articles, lambda a, r: "johnson" in words_of(r.speaker))
    hits = all_hits(filled_store, speaker="JOHNSON")
    assert len(hits) == len(johnson) > 3
    assert {hit.record.speaker for hit in hits} == {"Boris Johnson"}
    # 'Prime Minister Johnson' is how one article wrote him: an alias
    assert {hit.record.speaker for hit in all_hits(filled_store, speaker="prime minister johnson")} == {
        "Boris Johnson"
    }
    assert all_hits(filled_store, speaker="ohnso") == []  # whole words only
    assert all_hits(filled_store, speaker="%") == []  # LIKE wildcards are just characters


def test_speaker_id_selects_exactly_one_speaker(filled_store) -> None:
    erdogan = all_hits(filled_store, speaker="erdogan")
    speaker_ids = {hit.speaker_id for hit in erdogan}
    assert len(speaker_ids) == 1
    by_id = all_hits(filled_store, speaker_id=speaker_ids.pop())
    assert sorted(hit.id for hit in by_id) == sorted(hit.id for hit in erdogan)


def test_about_a_name(filled_store, extracted_articles) -> None:
    brexit = expected(extracted_articles, lambda a, r: "Brexit" in r.about)
    hits = all_hits(filled_store, about="brexit")
    assert len(hits) == len(brexit) > 2
    assert all("Brexit" in hit.record.about for hit in hits)
    about_johnson = all_hits(filled_store, about="Johnson")
    assert about_johnson and all(any("Johnson" in name for name in hit.record.about) for hit in about_johnson)


def test_dates_outlet_and_kind_narrow_the_set(filled_store, extracted_articles) -> None:
    in_2020 = expected(extracted_articles, lambda a, r: r.date and "2020-01-01" <= r.date <= "2020-12-31")
    hits = all_hits(filled_store, since="2020-01-01", until="2020-12-31")
    assert len(hits) == len(in_2020) > 5
    assert all("2020-01-01" <= hit.record.date <= "2020-12-31" for hit in hits)

    gazette = expected(extracted_articles, lambda a, r: a.outlet == "The Test Gazette")
    hits = all_hits(filled_store, outlet="the test GAZETTE")
    assert len(hits) == len(gazette) > 5
    assert {hit.outlet for hit in hits} == {"The Test Gazette"}

    indirect = all_hits(filled_store, kind="indirect")
    assert indirect and {hit.record.kind for hit in indirect} == {"indirect"}

    combined = all_hits(filled_store, speaker="erdogan", kind="direct", since="2019-01-01")
    assert combined and all(hit.record.kind == "direct" and hit.record.speaker == "Erdogan" for hit in combined)


def test_facets_count_the_whole_matching_set(filled_store) -> None:
    result = run(filled_store, page_size=3)
    assert len(result.results) == 3 and result.total > 50
    facets = result.facets
    assert sum(item.count for item in facets.kind) == result.total
    assert sum(item.count for item in facets.year) == result.total  # every fixture article is dated
    assert [item.value for item in facets.year] == sorted(item.value for item in facets.year)
    for item in facets.speaker[:3]:
        assert run(filled_store, speaker_id=int(item.value)).total == item.count
    for item in facets.outlet:
        assert run(filled_store, outlet=item.value).total == item.count
    for item in facets.about[:3]:
        assert item.count <= run(filled_store, about=item.value).total  # whole-word matches may add more
    narrowed = run(filled_store, kind="direct")
    assert [(item.value, item.count) for item in narrowed.facets.kind] == [("direct", narrowed.total)]


def test_pages_are_disjoint_cover_the_set_and_keep_their_order(filled_store) -> None:
    total = run(filled_store).total
    seen: list[int] = []
    dates: list[str] = []
    page = 1
    while True:
        result = run(filled_store, sort="newest", page=page, page_size=7)
        if not result.results:
            break
        seen += [hit.id for hit in result.results]
        dates += [hit.record.date for hit in result.results]
        page += 1
    assert len(seen) == len(set(seen)) == total
    assert page - 1 == -(-total // 7)
    assert dates == sorted(dates, reverse=True)
    oldest = [hit.record.date for hit in all_hits(filled_store, sort="oldest", speaker="johnson")]
    assert oldest == sorted(oldest)
    beyond = run(filled_store, page=page + 5, page_size=7)
    assert beyond.results == [] and beyond.total == total


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"""',
        "AND(",
        "NOT",
        "a OR b",
        "*",
        "econ*",
        "NEAR(economy recession, 2)",
        "text:economy",
        "^economy",
        "'; DROP TABLE quotes; --",
        "1' OR '1'='1",
        "<script>alert(1)</script>",
        "\\",
        "%_%",
        "!!!",
        "😀 économie",
        "x" * 500,
    ],
)
def test_hostile_queries_are_only_words(filled_store, query: str) -> None:
    result = run(filled_store, q=query)
    assert result.total >= 0
    for param in ("speaker", "about", "outlet"):
        run(filled_store, **{param: query[:200]})
    with filled_store.engine.connect() as connection:
        counts = [connection.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one() for name in TABLES]
    assert all(counts)


def test_markup_and_sql_in_quotes_are_found_as_words_and_returned_as_written(filled_store) -> None:
    [hit] = all_hits(filled_store, q="<script> pwned")
    assert hit.record.text == "<script>alert('pwned')</script> is what we found in the logs,"
    assert hit.outlet == "<script>alert('outlet')</script>"
    dropped = all_hits(filled_store, q="DROP TABLE quotes")
    assert dropped and "DROP TABLE quotes;--" in dropped[0].record.text


def test_punctuation_only_matches_nothing(filled_store) -> None:
    assert run(filled_store, q='" , ! ?').total == 0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x" * 501}, "at most 500 characters"),
        ({"speaker": "x" * 201}, "at most 200 characters"),
        ({"page_size": 101}, "less than or equal to 100"),
        ({"page_size": 0}, "greater than or equal to 1"),
        ({"page": 0}, "greater than or equal to 1"),
        ({"page": 200, "page_size": 100}, "goes past result 10,000"),
        ({"since": "2020-02-01", "until": "2020-01-01"}, "is after until"),
        ({"since": "2020-02-30"}, "valid date"),
        ({"q": "a\x00b"}, r"control character U\+0000"),
        ({"q": "a\ud800b"}, "unicode string"),
        ({"kind": "rumour"}, "'direct', 'indirect' or 'mixed'"),
        ({"speaker_id": 2**40}, "less than or equal to 2147483647"),
        ({"outlet": "a\x1bb"}, r"control character U\+001B"),
        ({"sort": "random"}, "'relevance', 'newest' or 'oldest'"),
    ],
)
def test_bad_search_params_are_refused_with_a_reason(params: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SearchParams(**params)


def test_query_parsing_keeps_only_words() -> None:
    parsed = parse_text_query('who said "it first" AND( "x" -- *')
    assert parsed.terms == ("who", "said", "AND", "x")
    assert parsed.phrases == (("it", "first"),)
    assert parsed.fts5() == '"who" "said" "AND" "x" "it first"'
    assert parse_text_query('"unclosed phrase').terms == ("unclosed", "phrase")
    assert parse_text_query("").empty


def test_dates_are_dates() -> None:
    params = SearchParams(since="2020-01-01", until=datetime.date(2020, 12, 31))
    assert params.since == datetime.date(2020, 1, 1)
