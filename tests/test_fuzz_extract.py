"""Property-based fuzzing of extraction on hostile text (issue 9).

Arbitrary Unicode, soups of quote marks of every kind, unbalanced and deeply nested quotes, zero-width and
right-to-left characters, CRLF and lone CR, NUL bytes and BOMs, mixed with realistic news sentences. Properties:

* ``quotegraph.extract`` never raises on a str under the size limit (TypeError/ValueError only as documented);
* every record's text, cue and mention offsets point at their strings: ``text[start:end] == record.text``;
* records are ordered by (start, -end);
* top-level records do not cross each other. The contract (``Finder.merge``) folds a direct quote that an indirect
  clause holds into one mixed record, and drops a clause that crosses a quote. What it does *not* promise is that
  two top-level records are disjoint: an indirect clause may contain a separate direct quote when the clause's
  words outside the quote are at most one word ('that "..."', where the direct record carries the cue), and two
  indirect clauses of one sentence may nest. So the property asserted is the weaker one: two top-level records
  are either disjoint or one contains the other (no partial overlap), and a child lies inside its parent;
* confidence in [0, 1]; references (parent, continues) index the list;
* determinism: the same input gives the same records.

The whole pipeline is slow per example (spaCy), so those properties run ~60 examples each on short texts;
``find_quotes`` (pure Python) gets thousands.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import quotegraph
from quotegraph.quotes import find_quotes
from quotegraph.readers import MAX_ARTICLE_CHARS

QUOTE_MARKS = ['"', "'", "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb", "\u201e", "\u201a", "\u201f",
               "\u2039", "\u203a", "``", "''"]
ZERO_WIDTH = ["\u200b", "\u200d", "\u200c", "\ufeff", "\u2060"]
RTL = ["\u200f", "\u202e", "\u202b", "\u202c", "\u061c", "\u0627\u0644\u0633\u0644\u0627\u0645", "\u05e9\u05dc\u05d5\u05dd",
       "\u0642\u0627\u0644", "\u05d0\u05de\u05e8"]
BREAKS = ["\n", "\r\n", "\r", "\n\n", "\u2028", "\u2029", "\x0b", "\x0c", "\x85"]
ODD = ["\x00", "\ufeff", "\ufffd", "\x1b", "\ud7ff", "\U0001f600", "\u0301", "\t", "  ", "\u00a0", "\u3000"]
SENTENCES = [
    '"We will win," she said.',
    "\u201cWe will not leave this town,\u201d the mayor told reporters on Tuesday.",
    "The minister said that taxes would rise next year.",
    "According to police, the fire started in the kitchen.",
    "\u00abNous allons gagner\u00bb, a d\u00e9clar\u00e9 le ministre.",
    "\u201eDas ist ein schwarzer Tag\u201c, sagte Merkel.",
    "'I don't know,' Jones' lawyer said. \"It's the '90s rock 'n' roll.\"",
    'Smith said the plan was "a disaster" and "a waste of money".',
    '"It is over. "We are done," he said," the official recalled.',
    "He added: \u201cThe \u2018so-called\u2019 deal is \u2018dead\u2019.",
    "Officials familiar with the matter said the talks had stalled.",
    "\u201cThe players\u2019 fans were angry,\u2019 she said.",
    "\u201cIt\u2019s fine,\u201d Trump tweeted. \u201cTotally fine.",
]

quote_soup = st.lists(st.sampled_from(QUOTE_MARKS + [" ", "a", "word", ".", ","]), max_size=80).map("".join)


@st.composite
def nested_quotes(draw: st.DrawFn) -> str:
    """Quotes nested up to 20 deep, each level closed or not: 'He said "a 'b “c ..." '."""
    depth = draw(st.integers(1, 20))
    opens = draw(st.lists(st.sampled_from(QUOTE_MARKS), min_size=depth, max_size=depth))
    closes = draw(st.lists(st.sampled_from(QUOTE_MARKS + [""]), min_size=depth, max_size=depth))
    words = draw(st.lists(st.sampled_from(["We", "will", "win", "said", "she", "no"]), min_size=depth, max_size=depth))
    inner = "".join(f"{o}{w} " for o, w in zip(opens, words))
    outer = "".join(f"{c}" for c in reversed(closes))
    return f"She said {inner}end{outer}, he told reporters."


pieces = st.one_of(
    st.sampled_from(SENTENCES),
    st.sampled_from(QUOTE_MARKS),
    st.sampled_from(ZERO_WIDTH),
    st.sampled_from(RTL),
    st.sampled_from(BREAKS),
    st.sampled_from(ODD),
    st.text(max_size=12),
    quote_soup,
    nested_quotes(),
)
hostile_text = st.one_of(
    st.lists(pieces, max_size=12).map(" ".join),
    st.lists(pieces, max_size=12).map("".join),
    st.text(max_size=300),
    quote_soup,
    nested_quotes(),
)
# random characters put anywhere inside a realistic article
sprinkled = st.builds(
    lambda base, inserts: _sprinkle(base, inserts),
    st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6).map(" ".join),
    st.lists(
        st.tuples(st.integers(0, 10_000), st.sampled_from(QUOTE_MARKS + ZERO_WIDTH + RTL + BREAKS + ODD)), max_size=8
    ),
)


def _sprinkle(base: str, inserts: list[tuple[int, str]]) -> str:
    for pos, s in inserts:
        i = pos % (len(base) + 1)
        base = base[:i] + s + base[i:]
    return base


any_text = st.one_of(hostile_text, sprinkled)

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_records(text: str, records: list) -> None:
    n = len(records)
    for r in records:
        assert not r.in_headline
        assert 0 <= r.start <= r.end <= len(text)
        assert text[r.start : r.end] == r.text
        assert r.text.strip(), "an empty quote"
        if r.cue_start is not None or r.cue_end is not None or r.cue is not None:
            assert r.cue_start is not None and r.cue_end is not None
            assert 0 <= r.cue_start <= r.cue_end <= len(text)
            assert text[r.cue_start : r.cue_end] == r.cue
        if r.mention_start is not None or r.mention_end is not None or r.mention is not None:
            assert r.mention_start is not None and r.mention_end is not None
            assert 0 <= r.mention_start <= r.mention_end <= len(text)
            assert text[r.mention_start : r.mention_end] == r.mention
        assert 0.0 <= r.confidence <= 1.0
        assert r.parent is None or 0 <= r.parent < n
        assert r.continues is None or 0 <= r.continues < n
    keys = [(r.start, -r.end) for r in records]
    assert keys == sorted(keys), "records are not ordered by start"
    for r in records:
        if r.parent is not None:
            p = records[r.parent]
            # a nested quote lies within its parent's quote marks (the parent's text excludes them)
            assert p.start - 2 <= r.start and r.end <= p.end + 2, (p, r)
    top = [r for r in records if r.parent is None]
    for i, a in enumerate(top):
        for b in top[i + 1 :]:
            disjoint = a.end <= b.start or b.end <= a.start
            nested = (a.start <= b.start and b.end <= a.end) or (b.start <= a.start and a.end <= b.end)
            assert disjoint or nested, f"top-level records cross: {a.text!r} / {b.text!r}"


def _extract(text: str) -> list:
    return quotegraph.extract(text)


@pytest.fixture(scope="module", autouse=True)
def _loaded(extractor):
    return extractor


@FUZZ
@given(any_text)
def test_extract_never_raises_and_offsets_hold(text: str) -> None:
    records = _extract(text)
    _check_records(text, records)


@FUZZ
@given(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=8), st.sampled_from(BREAKS + [" "]))
def test_realistic_paragraphs_with_any_line_breaks(sentences: list[str], sep: str) -> None:
    text = sep.join(sentences)
    _check_records(text, _extract(text))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
def test_extract_is_deterministic(text: str) -> None:
    first = [r.to_dict() for r in _extract(text)]
    second = [r.to_dict() for r in _extract(text)]
    assert first == second


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text, st.sampled_from(["\ufeff", "\u202e", '"Deal" "off"', "\u201cNo,\u201d he said", "x\x00y"]))
def test_extract_with_hostile_headline(text: str, headline: str) -> None:
    records = quotegraph.extract(text, headline=headline, date="2024-03-05")
    for r in records:
        source = headline if r.in_headline else text
        assert source[r.start : r.end] == r.text
        assert r.date == "2024-03-05"
        if r.cue is not None:
            assert source[r.cue_start : r.cue_end] == r.cue
        if r.mention is not None:
            assert source[r.mention_start : r.mention_end] == r.mention


@pytest.mark.parametrize("bad", [None, b'"We will win," she said.', 42, ["text"]])
def test_extract_rejects_non_str_with_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        quotegraph.extract(bad)  # type: ignore[arg-type]


def test_two_megabyte_paragraph_gets_a_clear_error() -> None:
    """One 2 MB paragraph (no newline) is over MAX_ARTICLE_CHARS: a ValueError that says so, quickly."""
    unit = '"We will win," she said. The minister said that taxes would rise. \u201cNever\u201d, he added. '
    text = (unit * (2_000_000 // len(unit) + 1))[:2_000_000]
    assert len(text) > MAX_ARTICLE_CHARS
    with pytest.raises(ValueError, match="limit"):
        quotegraph.extract(text)
    # the character-level quote finder has no limit and handles it in one linear pass
    spans = find_quotes(text)
    assert len(spans) > 10_000
    for q in spans[:: max(1, len(spans) // 500)]:
        assert 0 <= q.start < q.end <= len(text)


def test_long_single_paragraph_under_the_limit() -> None:
    """A 60,000-character paragraph of quote-mark soup and sentences, no newline, goes through whole."""
    unit = '"We will win," she said. \u201c\u00ab\u2018 "\u201e x \u203a\u00bb ' + "'" * 3 + " \u200b\u202e "
    text = (unit * (60_000 // len(unit) + 1))[:60_000]
    _check_records(text, _extract(text))


# --- find_quotes directly: pure Python, so many more examples -------------------------------------------------


@settings(max_examples=3000, deadline=None)
@given(any_text)
def test_find_quotes_properties(text: str) -> None:
    spans = find_quotes(text)
    keys = [(q.start, -q.end) for q in spans]
    assert keys == sorted(keys)
    for n, q in enumerate(spans):
        assert 0 <= q.open_mark < q.start <= q.end <= len(text)
        assert text[q.start : q.end].strip()
        if q.close_mark is not None:
            assert q.end <= q.close_mark < len(text)
        if q.parent is not None:
            p = spans[q.parent]
            assert p.outer_start < q.open_mark and q.outer_end <= p.outer_end
        if q.continues is not None:
            assert 0 <= q.continues < len(spans) and spans[q.continues].start < q.start
        assert "\n" not in text[q.start : q.end] and "\r" not in text[q.start : q.end]
    assert find_quotes(text) == spans  # deterministic


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from([*QUOTE_MARKS, " ", "a", "\n", "\r"]), max_size=400).map("".join))
def test_find_quotes_mark_soup(text: str) -> None:
    spans = find_quotes(text)
    for q in spans:
        assert 0 <= q.start <= q.end <= len(text)
    assert find_quotes(text) == spans
