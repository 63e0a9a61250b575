"""find_quotes, the character-level direct quote finder: marks, nesting, apostrophes, paragraphs, bad input.

The texts are written for these tests in the styles of real outlets (US straight and curly double quotes, British
single quotes, French and German guillemets). Each test says what a reader of the article would call a quote.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotegraph.quotes import QUOTE_MARK_CHARS, QuoteSpan, find_quotes


def texts(text: str, spans: list[QuoteSpan]) -> list[str]:
    return [text[q.start : q.end] for q in spans]


def only(text: str) -> QuoteSpan:
    spans = find_quotes(text)
    assert len(spans) == 1, texts(text, spans)
    return spans[0]


def check_invariants(text: str, spans: list[QuoteSpan]) -> None:
    """What any caller may rely on, whatever the input."""
    n = len(spans)
    for i, q in enumerate(spans):
        assert 0 <= q.open_mark < q.start <= q.end <= len(text), (i, q)
        assert text[q.open_mark] in QUOTE_MARK_CHARS
        if q.close_mark is not None:
            assert q.end <= q.close_mark < len(text)
            assert text[q.close_mark] in QUOTE_MARK_CHARS
        content = text[q.start : q.end]
        assert content == content.strip(), "content is trimmed of the whitespace inside the marks"
        assert content, "an empty pair of marks is no quote"
        if q.parent is not None:
            assert 0 <= q.parent < n and q.parent != i
            outer = spans[q.parent]
            assert outer.start <= q.open_mark and q.outer_end <= max(outer.end, outer.outer_end)
        if q.continues is not None:
            assert 0 <= q.continues < n and q.continues != i
            assert spans[q.continues].start < q.start
            assert spans[q.continues].close_mark is None, "only an unclosed quote runs on"
    assert [q.start for q in spans] == sorted(q.start for q in spans)


# --- the three families of marks ------------------------------------------------------------------------------


def test_straight_double_quotes() -> None:
    text = 'Fire chief Maria Alvarez said "we were lucky nobody was asleep upstairs" after the blaze.'
    q = only(text)
    assert text[q.start : q.end] == "we were lucky nobody was asleep upstairs"
    assert text[q.open_mark] == '"' and text[q.close_mark] == '"'
    assert q.close_mark == q.end and q.open_mark == q.start - 1
    assert q.parent is None and q.continues is None


def test_curly_double_quotes() -> None:
    text = "\u201cThe numbers simply do not add up,\u201d council member Rafael Ortiz said on Tuesday."
    q = only(text)
    assert text[q.start : q.end].rstrip(",") == "The numbers simply do not add up"
    assert q.open_mark == 0 and text[q.close_mark] == "\u201d"


def test_guillemets_french_spacing() -> None:
    """French typesetting puts a (no-break) space inside the guillemets; the content leaves it out."""
    text = "Le maire a déclaré\u00a0: \u00ab\u00a0Nous ne partirons pas de cette ville.\u00a0\u00bb Puis il est sorti."
    q = only(text)
    assert text[q.start : q.end] == "Nous ne partirons pas de cette ville."


def test_guillemets_in_english_copy() -> None:
    text = "The mayor, Claire Dubois, told reporters: \u00abWe will not leave this town.\u00bb"
    assert texts(text, find_quotes(text)) == ["We will not leave this town."]


def test_reversed_guillemets_german() -> None:
    text = "Der Minister sagte: \u00bbWir werden die Brücke bis zum Frühjahr wieder öffnen.\u00ab Dann ging er."
    assert texts(text, find_quotes(text)) == ["Wir werden die Brücke bis zum Frühjahr wieder öffnen."]


def test_german_low_high_double_quotes() -> None:
    text = "\u201eDas ist ein schwarzer Tag für die Stadt\u201c, sagte die Bürgermeisterin."
    assert texts(text, find_quotes(text)) == ["Das ist ein schwarzer Tag für die Stadt"]


def test_british_single_curly_quotes() -> None:
    text = "\u2018We\u2019re not going anywhere,\u2019 said Mrs Patel, who has run the shop for 31 years."
    assert [t.rstrip(",") for t in texts(text, find_quotes(text))] == ["We\u2019re not going anywhere"]


def test_several_quotes_in_one_paragraph_in_order() -> None:
    text = (
        '"It was like a bomb went off," said neighbour Tom Reyes. "The windows came in. '
        'Then the smoke." He paused. "I still cannot sleep."'
    )
    assert [t.rstrip(",") for t in texts(text, find_quotes(text))] == [
        "It was like a bomb went off",
        "The windows came in. Then the smoke.",
        "I still cannot sleep.",
    ]


def test_curly_open_with_straight_close_is_still_one_quote() -> None:
    """Copy pasted from two systems mixes the marks; the pair is still obvious."""
    text = '\u201cWe will appeal this ruling," the club\u2019s lawyer said.'
    assert [t.rstrip(",") for t in texts(text, find_quotes(text))] == ["We will appeal this ruling"]


# --- nested quotes ---------------------------------------------------------------------------------------------


def test_single_inside_double_is_a_nested_quote() -> None:
    text = "\"When the inspector told us 'this building is safe', we believed him,\" said tenant Grace Obi."
    spans = find_quotes(text)
    assert len(spans) == 2, texts(text, spans)
    outer = next(q for q in spans if q.parent is None)
    inner = next(q for q in spans if q.parent is not None)
    assert text[inner.start : inner.end] == "this building is safe"
    assert spans[inner.parent] is outer
    assert (
        text[outer.start : outer.end].startswith("When the inspector")
        and "believed him" in text[outer.start : outer.end]
    )


def test_curly_nested_in_curly() -> None:
    text = (
        "\u201cMy father always said \u2018the sea gives and the sea takes\u2019, and this winter it took,\u201d "
        "the fisherman said."
    )
    spans = find_quotes(text)
    assert len(spans) == 2, texts(text, spans)
    inner = next(q for q in spans if q.parent is not None)
    assert text[inner.start : inner.end] == "the sea gives and the sea takes"
    assert spans[inner.parent].parent is None


def test_double_inside_guillemets() -> None:
    text = (
        "\u00abLe juge nous a dit \u201cvous aurez une réponse en mars\u201d, et nous attendons toujours\u00bb, "
        "a déclaré l'avocate."
    )
    spans = find_quotes(text)
    assert len(spans) == 2, texts(text, spans)
    inner = next(q for q in spans if q.parent is not None)
    assert text[inner.start : inner.end] == "vous aurez une réponse en mars"


def test_double_inside_british_single_quotes() -> None:
    """British style: single quotes outside, double inside."""
    text = "\u2018The referee told me \u201cone more word and you\u2019re off\u201d,\u2019 the captain said."
    spans = find_quotes(text)
    assert len(spans) == 2, texts(text, spans)
    inner = next(q for q in spans if q.parent is not None)
    assert text[inner.start : inner.end] == "one more word and you\u2019re off"


def test_three_levels_of_nesting() -> None:
    text = (
        '"She wrote to me: \u2018The officer said \u201cwait here\u201d and never came back,\u2019 and I '
        'believed her," the witness said.'
    )
    spans = find_quotes(text)
    assert len(spans) == 3, texts(text, spans)
    by_text = {text[q.start : q.end]: q for q in spans}
    wait = by_text["wait here"]
    middle = spans[wait.parent]
    assert text[middle.start : middle.end].startswith("The officer said")
    assert middle.parent is not None and spans[middle.parent].parent is None


# --- single quotes against apostrophes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Jones' lawyer said the appeal would be filed on Monday.",
        "The Joneses' house was the first to flood.",
        "Harris\u2019s campaign declined to comment on the poll.",
        "The club still plays rock 'n' roll every Friday night.",
        "The band was huge in the '90s and toured until 2004.",
        "It was the summer of \u201969 and nobody had heard of the internet.",
        "O'Brien didn't think the players' union would agree.",
        "We'll see what the ministers' working group says, an aide said, before adding they'd wait.",
        "The owners\u2019 association and the tenants\u2019 group will meet in the mayor\u2019s office.",
        "Fish 'n' chips cost \u00a39.50 at the pier, up from \u00a36 in the '00s.",
    ],
    ids=[
        "jones-possessive",
        "plural-possessive",
        "curly-possessive",
        "rock-n-roll",
        "nineties",
        "curly-sixty-nine",
        "contractions",
        "many-apostrophes",
        "curly-plural-possessives",
        "fish-n-chips",
    ],
)
def test_apostrophes_and_possessives_are_not_quotes(text: str) -> None:
    assert texts(text, find_quotes(text)) == []


def test_single_quotes_as_quotes_in_a_headline() -> None:
    text = "Mayor Slams Council as She Says Plan Is 'Dead on Arrival'"
    assert texts(text, find_quotes(text)) == ["Dead on Arrival"]


def test_single_quoted_headline_holding_rock_n_roll() -> None:
    text = "Veteran Drummer Says 'Rock 'n' Roll Saved My Life'"
    assert texts(text, find_quotes(text)) == ["Rock 'n' Roll Saved My Life"]


def test_quote_holding_possessives_and_an_elision() -> None:
    text = "\"Jones' lawyer called it 'a farce' and Harris\u2019s team agreed. It's the '90s all over again,\" she said."
    spans = find_quotes(text)
    by_text = {text[q.start : q.end].rstrip(","): q for q in spans}
    assert set(by_text) == {
        "Jones' lawyer called it 'a farce' and Harris\u2019s team agreed. It's the '90s all over again",
        "a farce",
    }
    assert by_text["a farce"].parent is not None


def test_british_single_quote_with_a_plural_possessive_inside() -> None:
    """British papers quote in single marks, so a plural possessive's apostrophe sits inside a single quote."""
    text = "\u2018The players\u2019 union will not accept this offer,\u2019 said club captain Jack Burns."
    assert [t.rstrip(",") for t in texts(text, find_quotes(text))] == [
        "The players\u2019 union will not accept this offer"
    ]


def test_british_single_quote_with_a_possessive_s_inside() -> None:
    text = "\u2018It was the club\u2019s worst night in living memory,\u2019 he said."
    assert [t.rstrip(",") for t in texts(text, find_quotes(text))] == [
        "It was the club\u2019s worst night in living memory"
    ]


def test_straight_single_quoted_speech_with_a_contraction() -> None:
    text = "'We don't have the money and we won't pretend we do,' the treasurer said."
    assert [t.rstrip(",") for t in texts(text, find_quotes(text))] == [
        "We don't have the money and we won't pretend we do"
    ]


# --- paragraphs ---------------------------------------------------------------------------------------------------


def test_quote_running_on_into_the_next_paragraph() -> None:
    text = (
        'Dana Thompson said the cuts had gone too far. "We have cut the buses, the after-school clubs and the '
        "summer programme.\n"
        '"What is left now is teachers, and I will not put my name to that."\n'
        "The board votes on Thursday."
    )
    spans = find_quotes(text)
    assert texts(text, spans) == [
        "We have cut the buses, the after-school clubs and the summer programme.",
        "What is left now is teachers, and I will not put my name to that.",
    ]
    first, second = spans
    assert first.close_mark is None, "the first part has no closing mark"
    assert text[first.end] == "\n"
    assert second.continues == 0
    assert first.continues is None


def test_quote_running_over_three_paragraphs_with_blank_lines() -> None:
    text = (
        "\u201cThe water came up through the floor first.\n\n"
        "\u201cThen it came through the walls, and then there was nowhere left to stand.\n\n"
        "\u201cWe sat on the roof until the boats came,\u201d Mrs Okoye said.\n"
    )
    spans = find_quotes(text)
    assert len(spans) == 3, texts(text, spans)
    assert [q.continues for q in spans] == [None, 0, 1]
    assert spans[0].close_mark is None and spans[1].close_mark is None and spans[2].close_mark is not None


def test_crlf_paragraphs_continue_too() -> None:
    text = '"First we lost the harvest.\r\n"Then we lost the farm," he said.\r\n'
    spans = find_quotes(text)
    assert texts(text, spans) == ["First we lost the harvest.", "Then we lost the farm,"]
    assert spans[1].continues == 0


def test_a_closed_quote_is_not_continued_by_the_next_paragraph() -> None:
    text = '"We won," the coach said.\n"Next week is another story," the captain added.'
    spans = find_quotes(text)
    assert len(spans) == 2
    assert [q.continues for q in spans] == [None, None]


def test_unclosed_quote_stops_at_its_paragraph() -> None:
    """An unclosed quote followed by narrative runs to its paragraph's end, never into the narrative."""
    text = 'Mayor Tom Reyes said: "We will rebuild the bridge by spring.\nThe council meets again on Thursday.'
    spans = find_quotes(text)
    assert texts(text, spans) == ["We will rebuild the bridge by spring."]
    assert spans[0].close_mark is None and spans[0].continues is None


# --- unbalanced marks: never raise, still sensible --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        '"',
        '""',
        '" "',
        "\u201c\u201d\u2018\u2019\u00ab\u00bb'\"",
        '"""""""""""""',
        "'''''''''''",
        "\u00bb\u00bb\u00bb\u00ab\u00ab",
        '"\n"\n"\n',
        'He said "this never closes',
        "The closing mark comes first\u201d and then \u201copens at the end",
        "\u2019Twas a stray mark\u2019 or two\u2019",
        "'\"'\"'\"",
        "\u201cOpen curly, \u2018open single, \u00abopen guillemet",
        "a\"b\"c'd'e\u201cf\u201dg",
        '\r\n\r\n"\r\n',
    ],
)
def test_unbalanced_marks_never_raise(text: str) -> None:
    check_invariants(text, find_quotes(text))


def test_stray_closing_mark_is_ignored() -> None:
    text = "The minister\u201d denied everything in a statement on Friday."
    assert find_quotes(text) == []


def test_a_file_of_only_quote_marks_has_no_quotes() -> None:
    text = "\"\" \u201c\u201d '' \u00ab\u00bb\n" * 50
    spans = find_quotes(text)
    check_invariants(text, spans)
    assert texts(text, spans) == []


def test_unclosed_quote_before_a_closed_one_keeps_the_closed_one() -> None:
    text = 'The sign said "closed until further notice.\n"We open at nine," the owner insisted.'
    spans = find_quotes(text)
    check_invariants(text, spans)
    assert "We open at nine," in texts(text, spans)


_ALPHABET = list("ab ,.\n") + sorted(QUOTE_MARK_CHARS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=_ALPHABET, max_size=120))
def test_any_mix_of_marks_never_raises_and_keeps_invariants(text: str) -> None:
    check_invariants(text, find_quotes(text))


def test_linear_time_on_a_long_run_of_unclosed_marks() -> None:
    """The module promises one linear pass: 20,000 opening marks left open must take a blink, not seconds."""
    text = ('"a \u201cb \u2018c \u00abd ' * 5_000) + "\n" + ("x' " * 10_000)
    started = time.perf_counter()
    spans = find_quotes(text)
    elapsed = time.perf_counter() - started
    check_invariants(text, spans)
    assert elapsed < 1.5, f"{elapsed:.1f} s for {len(text):,} characters"


# --- a space set between closing marks (issue 4) ------------------------------------------------------------------


@pytest.mark.parametrize("space", [" ", "\u2009", "\u202f"], ids=["space", "thin", "narrow-nbsp"])
def test_a_double_mark_closes_after_a_spaced_single_closing_mark(space: str) -> None:
    text = f"\"I thought, 'I am a drummer'{space}\", he recalled. Then he left the room."
    spans = find_quotes(text)
    check_invariants(text, spans)
    outer = [q for q in spans if q.parent is None]
    assert len(outer) == 1 and outer[0].closed
    assert text[outer[0].start : outer[0].end] == "I thought, 'I am a drummer'"
    assert [text[q.start : q.end] for q in spans if q.parent is not None] == ["I am a drummer"]


def test_a_double_mark_after_a_plain_space_still_closes_nothing() -> None:
    assert find_quotes('He said " we will win " and left.') == []  # only a single closing mark lets it close
