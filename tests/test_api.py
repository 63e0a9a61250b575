"""The Python API of issue 8: quotegraph.extract, quotegraph.extract_many and quotegraph.render, on news text."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest

import quotegraph
import quotegraph.rendering
from quotegraph import Article, QuoteRecord
from quotegraph.readers import MAX_ARTICLE_CHARS

STORM_HEADLINE = 'Ortiz: "Worst storm in a generation"'
STORM = (
    "Hurricane Leona knocked out power to more than 200,000 homes across the Gulf Coast on Wednesday.\n"
    "Governor Linda Ortiz declared a state of emergency in 12 counties. She said the National Guard would help "
    "clear roads.\n"
    '"This is the worst storm we\'ve seen in a generation," Ortiz told reporters at a briefing in Mobile. '
    '"Stay off the roads."\n'
    "According to the National Weather Service, the storm dropped 14 inches of rain in some areas."
)

COURT = (
    "A federal judge on Monday blocked the state's new voting law from taking effect.\n"
    "State Attorney General Dana Whitfield said her office would appeal. \"The people's representatives passed "
    'this law, and we will defend it," Whitfield said in a statement.\n'
    'Voting rights groups welcomed the ruling. "Today the court stood up for every voter in this state," said '
    "Maya Chen, director of the Fair Ballot Project."
)

MARKET = (
    "Shares of Northwind Logistics fell 9 percent on Thursday after the company cut its forecast.\n"
    '"Demand in Europe has simply not come back," chief financial officer Raj Patel told analysts on a call.'
)

QUIET = "The library will be closed on Monday for the holiday. Normal hours resume on Tuesday."


def _check_offsets(text: str, headline: str | None, records: list[QuoteRecord]) -> None:
    for r in records:
        source = headline if r.in_headline else text
        assert source is not None
        assert source[r.start : r.end] == r.text
        if r.cue_start is not None and r.cue_end is not None:
            assert source[r.cue_start : r.cue_end] == r.cue
        if r.mention_start is not None and r.mention_end is not None:
            assert source[r.mention_start : r.mention_end] == r.mention
        for ref in (r.parent, r.continues):
            assert ref is None or 0 <= ref < len(records)


# --- extract ----------------------------------------------------------------------------------------------------


def test_extract_with_headline_and_date() -> None:
    records = quotegraph.extract(STORM, date="2024-09-12", headline=STORM_HEADLINE)
    assert records and all(isinstance(r, QuoteRecord) for r in records)
    _check_offsets(STORM, STORM_HEADLINE, records)
    assert {r.date for r in records} == {"2024-09-12"}
    assert {r.doc_id for r in records} == {"text"}
    headline = [r for r in records if r.in_headline]
    assert [r.text for r in headline] == ["Worst storm in a generation"]
    assert headline[0].speaker == "Linda Ortiz"  # 'Ortiz' in the headline resolved against the body's people
    assert records.index(headline[0]) == 0  # headline quotes come first
    body = [r for r in records if not r.in_headline]
    assert [r.start for r in body] == sorted(r.start for r in body)
    worst = next(r for r in body if r.text.startswith("This is the worst storm"))
    assert (worst.kind, worst.cue, worst.mention, worst.speaker, worst.speaker_type) == (
        "direct",
        "told",
        "Ortiz",
        "Linda Ortiz",
        "person",
    )
    assert any(step.endswith("by name") for step in worst.evidence)
    nws = next(r for r in body if r.text.startswith("the storm dropped"))
    assert (nws.kind, nws.cue, nws.speaker_type) == ("indirect", "According to", "organization")
    # the same record the CLI writes
    assert QuoteRecord.model_validate(worst.to_dict()) == worst


def test_extract_without_headline_matches_the_extractor(extractor) -> None:
    records = quotegraph.extract(COURT)
    _check_offsets(COURT, None, records)
    assert records == extractor.extract(Article.from_text(COURT))
    speakers = {r.speaker for r in records if r.kind == "direct"}
    assert {"Dana Whitfield", "Maya Chen"} <= speakers
    assert quotegraph.extract(QUIET) == []
    assert quotegraph.extract("") == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: quotegraph.extract(b'"We won," she said.'), "must be a str, not bytes; decode it first"),
        (lambda: quotegraph.extract(None), "must be a str, not NoneType"),  # type: ignore[arg-type]
        (lambda: quotegraph.extract(42), "must be a str, not int"),  # type: ignore[arg-type]
        (lambda: quotegraph.extract("text", headline=b"head"), "headline must be a str, not bytes"),  # type: ignore[arg-type]
        (lambda: quotegraph.extract("text", date=20240912), "date must be a str, not int"),  # type: ignore[arg-type]
    ],
)
def test_extract_refuses_non_strings(call, message: str) -> None:
    with pytest.raises(TypeError, match=message) as info:
        call()
    assert "\n" not in str(info.value) and str(info.value).startswith("extract():")


def test_extract_refuses_an_overlong_text() -> None:
    with pytest.raises(ValueError, match="over the 1,000,000 limit"):
        quotegraph.extract("a" * (MAX_ARTICLE_CHARS + 1))


# --- extract_many -----------------------------------------------------------------------------------------------


def test_extract_many_yields_one_list_per_input_in_order() -> None:
    inputs = [
        COURT,
        (STORM, {"id": "storm", "date": "2024-09-12", "headline": STORM_HEADLINE}),
        QUIET,
        Article.from_text(MARKET, id="northwind", date="2024-10-03"),
        (MARKET, {}),
    ]
    results = list(quotegraph.extract_many(iter(inputs), batch_size=2))
    assert len(results) == len(inputs)
    assert results[0] == [r.model_copy(update={"doc_id": "0"}) for r in quotegraph.extract(COURT)]
    assert results[1] == [
        r.model_copy(update={"doc_id": "storm"})
        for r in quotegraph.extract(STORM, date="2024-09-12", headline=STORM_HEADLINE)
    ]
    _check_offsets(STORM, STORM_HEADLINE, results[1])
    assert results[2] == []
    assert {r.doc_id for r in results[3]} == {"northwind"} and {r.date for r in results[3]} == {"2024-10-03"}
    assert [r.speaker for r in results[3]] == ["Raj Patel"]
    assert [r.doc_id for r in results[4]] == ["4"]
    assert [r.text for r in results[4]] == [r.text for r in results[3]]


def test_extract_many_streams_its_input() -> None:
    taken: list[int] = []

    def endless() -> Iterator[str]:
        n = 0
        while True:
            taken.append(n)
            yield MARKET if n % 2 == 0 else QUIET
            n += 1

    stream = quotegraph.extract_many(endless(), batch_size=2)
    first = next(stream)
    assert [r.speaker for r in first] == ["Raj Patel"]
    assert len(taken) <= 3  # one batch (and the generator's next step) read, not the endless rest
    stream.close()


def test_extract_many_refuses_bad_inputs() -> None:
    with pytest.raises(TypeError, match="not a single text; for one text use extract"):
        quotegraph.extract_many(COURT)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="iterable of articles, not int"):
        quotegraph.extract_many(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        quotegraph.extract_many([COURT], batch_size=0)
    with pytest.raises(ValueError, match="n_process must be a positive int or -1"):
        quotegraph.extract_many([COURT], n_process=0)
    with pytest.raises(
        TypeError, match="input 1 must be a str, a \\(text, meta dict\\) pair or an Article, not bytes"
    ):
        list(quotegraph.extract_many([QUIET, b"bytes"]))  # type: ignore[list-item]
    with pytest.raises(TypeError, match="input 0: the article text must be a str, not NoneType"):
        list(quotegraph.extract_many([(None, {})]))  # type: ignore[list-item]
    with pytest.raises(ValueError, match="input 0: unknown meta key\\(s\\) title; use id, date, headline"):
        list(quotegraph.extract_many([(QUIET, {"title": "Closed"})]))
    with pytest.raises(TypeError, match="input 0: the meta of a \\(text, meta\\) pair must be a dict"):
        list(quotegraph.extract_many([(QUIET, "Closed")]))  # type: ignore[list-item]
    with pytest.raises(ValueError, match="input 1 \\(1\\) could not be processed: .*over the 1,000,000 limit"):
        list(quotegraph.extract_many([QUIET, "a" * (MAX_ARTICLE_CHARS + 1)]))


def test_extract_many_with_two_processes_keeps_order() -> None:
    texts = [COURT, QUIET, MARKET, (STORM, {"headline": STORM_HEADLINE})]
    serial = list(quotegraph.extract_many(texts))
    parallel = list(quotegraph.extract_many(texts, batch_size=1, n_process=2))
    assert parallel == serial
    assert [len(x) > 0 for x in parallel] == [True, False, True, True]


# --- render -----------------------------------------------------------------------------------------------------


class _NestingChecker(HTMLParser):
    """Fails on a closing tag that does not close the innermost open element."""

    VOID = frozenset({"meta", "br", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def _parse(html: str) -> _NestingChecker:
    checker = _NestingChecker()
    checker.feed(html)
    checker.close()
    assert checker.stack == ["style"] or checker.stack == [], checker.stack
    return checker


def test_render_escapes_untrusted_text() -> None:
    text = (
        'Police said the note read "<script>alert(document.cookie)</script>" and nothing else.\n'
        '"I saw <b>nothing</b> & left," said witness Jo <img src=x onerror=alert(1)> Baker.'
    )
    html = quotegraph.render(text, headline="<script>alert('head')</script>", jupyter=False)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(document.cookie)&lt;/script&gt;" in html
    assert "&lt;b&gt;nothing&lt;/b&gt; &amp; left," in html
    tags = set(_parse(html).tags)
    assert tags <= {"style", "div", "span", "mark", "h2"}


def test_render_marks_quotes_cues_mentions_and_speakers() -> None:
    records = quotegraph.extract(STORM, headline=STORM_HEADLINE)
    html = quotegraph.render(STORM, headline=STORM_HEADLINE, jupyter=False)
    _parse(html)
    assert html.startswith("<style>") and ".qg-article" in html
    assert html.count('<mark class="qg-quote') >= len(records)
    assert '<h2 class="qg-headline">' in html and '<div class="qg-body">' in html
    assert '<span class="qg-cue"' in html and '<span class="qg-mention' in html
    # one colour per speaker: every label of Linda Ortiz has the same class
    labels = [part for part in html.split('<span class="qg-speaker ')[1:] if ">Linda Ortiz</span>" in part[:120]]
    assert len(labels) == sum(r.speaker == "Linda Ortiz" for r in records)
    assert len({part.split('"')[0] for part in labels}) == 1
    assert "by name" in html  # the evidence, in the quotes' title tooltips
    # the same records given explicitly draw the same page
    assert quotegraph.render(STORM, headline=STORM_HEADLINE, records=records, jupyter=False) == html


def test_render_page_is_self_contained() -> None:
    page = quotegraph.render(MARKET, page=True, jupyter=False)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    lowered = page.lower()
    for external in ("<link", "<script", "src=", "@import", "url(", "http://", "https://"):
        assert external not in lowered
    assert "Raj Patel" in page
    bare = quotegraph.render(MARKET, css=False, jupyter=False)
    assert bare.startswith('<div class="qg-article') and "<style>" not in bare
    assert page.count(quotegraph.rendering.article_css()) == 1


def test_render_article_and_empty_text() -> None:
    article = Article.from_text(COURT, id="court", headline="Judge blocks voting law")
    html = quotegraph.render(article, jupyter=False)
    _parse(html)
    assert "Judge blocks voting law" in html and "Maya Chen" in html
    assert "no quotes found" in quotegraph.render(QUIET, jupyter=False)


def test_render_refuses_what_it_cannot_draw() -> None:
    with pytest.raises(TypeError, match="render\\(\\) takes a str, a spaCy Doc or an Article, not bytes"):
        quotegraph.render(b"bytes", jupyter=False)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="not NoneType"):
        quotegraph.render(None, jupyter=False)  # type: ignore[call-overload]


def test_render_in_jupyter_returns_ipython_html(monkeypatch: pytest.MonkeyPatch) -> None:
    class HTML:
        def __init__(self, data: str) -> None:
            self.data = data

    display = types.ModuleType("IPython.display")
    display.HTML = HTML  # type: ignore[attr-defined]
    ipython = types.ModuleType("IPython")
    ipython.display = display  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display)
    shown = quotegraph.render(MARKET, jupyter=True)
    assert isinstance(shown, HTML) and shown.data == quotegraph.render(MARKET, jupyter=False)
    monkeypatch.setattr("spacy.util.is_in_jupyter", lambda: True)
    assert isinstance(quotegraph.render(MARKET), HTML)  # auto-detected, like displaCy
    monkeypatch.setitem(sys.modules, "IPython.display", None)
    with pytest.raises(ImportError, match="needs IPython"):
        quotegraph.render(MARKET, jupyter=True)


def test_render_outside_jupyter_returns_a_str() -> None:
    assert isinstance(quotegraph.render(MARKET), str)


# --- documentation ----------------------------------------------------------------------------------------------


def test_public_names_have_docstrings() -> None:
    import importlib
    import inspect

    modules = ("quotegraph", "quotegraph.pipeline", "quotegraph.component", "quotegraph.rendering")
    own = {*modules, "quotegraph.record"}  # classes re-exported from elsewhere are checked by their owners
    missing = []
    for module_name in modules:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            if not inspect.getdoc(obj):
                missing.append(f"{module_name}.{name}")
            if inspect.isclass(obj) and obj.__module__ in own:
                for attr, value in vars(obj).items():
                    func = value.fget if isinstance(value, property) else value
                    if not attr.startswith("_") and inspect.isfunction(func) and not func.__doc__:
                        missing.append(f"{module_name}.{name}.{attr}")
    assert not missing, f"public names without a docstring: {missing}"
