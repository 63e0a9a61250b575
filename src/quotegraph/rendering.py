"""displaCy-style HTML of an article with its quotes: ``quotegraph.render(doc_or_text)``.

Each quote's content is highlighted in its speaker's colour, its cue and speaker mention are marked, the speaker's
name follows the quote, and hovering a quote shows how it was attributed (the record's evidence). The HTML is
self-contained (inline CSS from ``resources/article.css``, which the web explorer's article view shares; no
scripts, no network) and every piece of article text is escaped, so untrusted text cannot inject markup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal, overload

from quotegraph.quotes import QUOTE_MARK_CHARS
from quotegraph.record import Article, QuoteRecord

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from quotegraph.component import Quote

#: Speaker colours in the CSS: qg-s0 ... qg-s{N_COLOURS - 1}, then they repeat.
N_COLOURS = 10


@lru_cache(maxsize=1)
def article_css() -> str:
    """The shared article-view stylesheet (``quotegraph/resources/article.css``) as text."""
    return resources.files("quotegraph.resources").joinpath("article.css").read_text(encoding="utf-8")


@dataclass
class _Mark:
    """One quote to draw, in offsets of its region's text."""

    index: int
    start: int
    end: int
    kind: str
    cue: tuple[int, int] | None
    mention: tuple[int, int] | None
    speaker: str | None
    speaker_type: str
    confidence: float
    evidence: list[str] = field(default_factory=list)
    anonymous: dict[str, Any] | None = None
    colour: str = "qg-s-none"
    label: str = ""


@dataclass
class _Region:
    css_class: str
    tag: str
    text: str
    marks: list[_Mark]


def _pair(start: int | None, end: int | None, shift: int = 0) -> tuple[int, int] | None:
    if start is None or end is None:
        return None
    return start - shift, end - shift


def _mark_from_record(index: int, r: QuoteRecord, shift: int = 0) -> _Mark:
    return _Mark(
        index=index,
        start=r.start - shift,
        end=r.end - shift,
        kind=r.kind,
        cue=_pair(r.cue_start, r.cue_end, shift),
        mention=_pair(r.mention_start, r.mention_end, shift),
        speaker=r.speaker,
        speaker_type=r.speaker_type,
        confidence=r.confidence,
        evidence=list(r.evidence),
        anonymous=r.anonymous.model_dump() if r.anonymous is not None else None,
    )


def _mark_from_quote(index: int, q: Quote) -> _Mark:
    return _Mark(
        index=index,
        start=q.start,
        end=q.end,
        kind=q.kind,
        cue=q.cue_chars,
        mention=q.mention_chars,
        speaker=q.speaker,
        speaker_type=q.speaker_type,
        confidence=q.confidence,
        evidence=list(q.evidence),
        anonymous=q.anonymous.model_dump() if q.anonymous is not None else None,
    )


def _regions_for_text(text: str, headline: str | None, records: Sequence[QuoteRecord]) -> list[_Region]:
    """Records with ``extract``'s offsets: body ones into ``text``, headline ones into ``headline``."""
    regions = []
    if headline:
        marks = [_mark_from_record(i, r) for i, r in enumerate(records) if r.in_headline]
        regions.append(_Region("qg-headline", "h2", headline, marks))
    body = [_mark_from_record(i, r) for i, r in enumerate(records) if not (headline and r.in_headline)]
    regions.append(_Region("qg-body", "div", text, body))
    return regions


def _regions_for_article(article: Article, records: Sequence[QuoteRecord]) -> list[_Region]:
    """Records with offsets into ``article.text`` (the Extractor's and the CLI's)."""
    regions = []
    if article.headline_span is not None:
        hs, he = article.headline_span
        marks = [_mark_from_record(i, r, hs) for i, r in enumerate(records) if hs <= r.start and r.end <= he]
        regions.append(_Region("qg-headline", "h2", article.text[hs:he], marks))
    bs, be = article.body_span
    marks = [_mark_from_record(i, r, bs) for i, r in enumerate(records) if bs <= r.start and r.end <= be]
    regions.append(_Region("qg-body", "div", article.text[bs:be], marks))
    return regions


def _regions(
    obj: object, records: Sequence[QuoteRecord] | None, headline: str | None, date: str | None
) -> list[_Region]:
    if isinstance(obj, str):
        if records is None:
            from quotegraph.pipeline import extract

            records = extract(obj, headline=headline, date=date)
        return _regions_for_text(obj, headline, records)
    if isinstance(obj, Article):
        if records is None:
            from quotegraph.pipeline import default_extractor

            records = default_extractor().extract(obj)
        return _regions_for_article(obj, records)
    from spacy.tokens import Doc

    if isinstance(obj, Doc):
        from quotegraph.component import get_quotes, has_quotes

        if records is not None:
            return _regions_for_text(obj.text, None, records)
        if not has_quotes(obj):
            raise ValueError(
                "render() got a Doc that has not been through the 'quotegraph' component: "
                "add it with nlp.add_pipe('quotegraph'), or pass the text instead"
            )
        return [
            _Region("qg-body", "div", obj.text, [_mark_from_quote(i, q) for i, q in enumerate(get_quotes(obj))])
        ]
    hint = "; decode it first, e.g. data.decode('utf-8')" if isinstance(obj, (bytes, bytearray)) else ""
    raise TypeError(f"render() takes a str, a spaCy Doc or an Article, not {type(obj).__name__}{hint}")


def _speaker_key(m: _Mark) -> str | None:
    if m.speaker:
        return f"name:{m.speaker}"
    if m.anonymous and m.anonymous.get("source_id"):
        return f"anon:{m.anonymous['source_id']}"
    return None


def _speaker_label(m: _Mark, text: str) -> str:
    if m.speaker:
        return m.speaker
    if m.anonymous:
        role = m.anonymous.get("role") or "source"
        affiliation = m.anonymous.get("affiliation")
        return f"unnamed {role}" + (f" ({affiliation})" if affiliation else "")
    if m.mention is not None:
        return text[m.mention[0] : m.mention[1]] + "?"
    return "unattributed"


def _assign_colours(regions: list[_Region]) -> list[tuple[str, str, int]]:
    """Colour classes by speaker, in order of first quote; returns the legend (class, label, count)."""
    colours: dict[str, str] = {}
    legend: dict[str, tuple[str, str, int]] = {}
    # body first: the headline's speakers are usually introduced there
    for region in sorted(regions, key=lambda r: r.css_class != "qg-body"):
        for m in sorted(region.marks, key=lambda m: m.start):
            m.label = _speaker_label(m, region.text)
            key = _speaker_key(m)
            if key is None:
                m.colour = "qg-s-none"
                key = "none"
                legend_label = "unattributed"
            else:
                if key not in colours:
                    colours[key] = f"qg-s{len(colours) % N_COLOURS}"
                m.colour = colours[key]
                legend_label = m.label
            colour, label, count = legend.get(key, (m.colour, legend_label, 0))
            legend[key] = (colour, label, count + 1)
    items = list(legend.items())
    items.sort(key=lambda kv: kv[0] == "none")  # unattributed last
    return [value for _, value in items]


def _tooltip(m: _Mark, text: str) -> str:
    who = m.label if m.speaker or m.anonymous else "speaker unresolved"
    lines = [f"#{m.index} {who} ({m.speaker_type})", f"{m.kind} quote, confidence {m.confidence:.2f}"]
    parts = []
    if m.cue is not None:
        parts.append(f"cue: {text[m.cue[0] : m.cue[1]]}")
    if m.mention is not None:
        parts.append(f"mention: {text[m.mention[0] : m.mention[1]]}")
    if parts:
        lines.append(", ".join(parts))
    lines.extend(f"- {step}" for step in m.evidence)
    return "\n".join(lines)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _label_position(m: _Mark, text: str) -> int:
    """Where the speaker's name goes: after the quote's closing mark (and its punctuation), if it has one."""
    pos = m.end
    while pos < len(text) and pos < m.end + 2 and text[pos] in QUOTE_MARK_CHARS:
        pos += 1
    return pos


@dataclass
class _Element:
    start: int
    end: int
    rank: int  # for elements over the same characters: quote outside mention outside cue
    open_tag: str
    close_tag: str


def _elements(region: _Region) -> list[_Element]:
    text = region.text
    n = len(text)
    marks = [m for m in region.marks if 0 <= m.start < m.end <= n]
    elements = [
        _Element(
            m.start,
            m.end,
            0,
            f'<mark class="qg-quote qg-{_esc(m.kind)} {m.colour}" data-quote="{m.index}" '
            f'title="{_esc(_tooltip(m, text))}">',
            "</mark>",
        )
        for m in marks
    ]
    mentions: dict[tuple[int, int], list[_Mark]] = {}
    cues: dict[tuple[int, int], list[_Mark]] = {}
    for m in marks:
        if m.mention is not None and 0 <= m.mention[0] < m.mention[1] <= n:
            mentions.setdefault(m.mention, []).append(m)
        if m.cue is not None and 0 <= m.cue[0] < m.cue[1] <= n:
            cues.setdefault(m.cue, []).append(m)
    for (start, end), of in mentions.items():
        who = ", ".join(dict.fromkeys(m.label for m in of))
        elements.append(
            _Element(
                start,
                end,
                1,
                f'<span class="qg-mention {of[0].colour}" title="{_esc("speaker mention: " + who)}">',
                "</span>",
            )
        )
    for (start, end), of in cues.items():
        numbers = list(dict.fromkeys(str(m.index) for m in of))
        what = ("cue of quote #" if len(numbers) == 1 else "cue of quotes #") + ", #".join(numbers)
        elements.append(
            _Element(
                start, end, 2, f'<span class="qg-cue" data-quotes="{" ".join(numbers)}" title="{what}">', "</span>"
            )
        )
    return elements


def _region_html(region: _Region) -> str:
    """The region's text with its elements, properly nested: an element crossing another's end is closed there
    and reopened after it, so the markup is always valid whatever the spans do."""
    text = region.text
    n = len(text)
    elements = _elements(region)
    labels: dict[int, list[_Mark]] = {}
    for m in region.marks:
        if 0 <= m.start < m.end <= n:
            labels.setdefault(_label_position(m, text), []).append(m)
    starting: dict[int, list[_Element]] = {}
    for e in elements:
        starting.setdefault(e.start, []).append(e)
    cuts = sorted({0, n, *labels, *(e.start for e in elements), *(e.end for e in elements)})
    out: list[str] = []
    stack: list[_Element] = []
    for i, p in enumerate(cuts):
        ended = [k for k, e in enumerate(stack) if e.end <= p]
        if ended:
            first = ended[0]
            reopen = [e for e in stack[first:] if e.end > p]
            out.extend(e.close_tag for e in reversed(stack[first:]))
            del stack[first:]
        else:
            reopen = []
        for m in labels.get(p, ()):
            out.append(
                f'<span class="qg-speaker {m.colour}" data-quote="{m.index}" '
                f'title="speaker of quote #{m.index} ({m.speaker_type})">{_esc(m.label)}</span>'
            )
        for e in reopen + sorted(starting.get(p, ()), key=lambda e: (-e.end, e.rank)):
            out.append(e.open_tag)
            stack.append(e)
        if i + 1 < len(cuts):
            out.append(_esc(text[p : cuts[i + 1]]))
    out.extend(e.close_tag for e in reversed(stack))
    return "".join(out)


def _render_html(
    regions: list[_Region], *, page: bool = False, css: bool = True, title: str = "quotegraph"
) -> str:
    """The HTML of prepared regions (internal; use ``render``)."""
    legend = _assign_colours(regions)
    parts = ['<div class="qg-article tex2jax_ignore">']
    if legend:
        items = "".join(
            f'<span class="qg-legend-item {colour}"><span class="qg-swatch"></span>{_esc(label)}'
            f'<span class="qg-count">{count}</span></span>'
            for colour, label, count in legend
        )
        parts.append(f'<div class="qg-legend">{items}</div>')
    else:
        parts.append('<div class="qg-legend"><span class="qg-empty">no quotes found</span></div>')
    for region in regions:
        parts.append(f'<{region.tag} class="{region.css_class}">{_region_html(region)}</{region.tag}>')
    parts.append("</div>")
    fragment = (f"<style>{article_css()}</style>" if css else "") + "".join(parts)
    if not page:
        return fragment
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_esc(title)}</title>\n</head>\n<body>\n{fragment}\n</body>\n</html>\n"
    )


@overload
def render(
    doc_or_text: str | Doc | Article,
    *,
    records: Sequence[QuoteRecord] | None = ...,
    headline: str | None = ...,
    date: str | None = ...,
    page: bool = ...,
    css: bool = ...,
    jupyter: Literal[False],
) -> str: ...


@overload
def render(
    doc_or_text: str | Doc | Article,
    *,
    records: Sequence[QuoteRecord] | None = ...,
    headline: str | None = ...,
    date: str | None = ...,
    page: bool = ...,
    css: bool = ...,
    jupyter: bool | None = ...,
) -> Any: ...


def render(
    doc_or_text: str | Doc | Article,
    *,
    records: Sequence[QuoteRecord] | None = None,
    headline: str | None = None,
    date: str | None = None,
    page: bool = False,
    css: bool = True,
    jupyter: bool | None = None,
) -> Any:
    """An article with its quotes highlighted per speaker, as HTML (like ``spacy.displacy.render``).

    Args:
        doc_or_text: what to draw:
            - a ``str``: the article's text, run through ``quotegraph.extract`` (with ``headline`` and ``date``);
            - a spaCy ``Doc`` that went through the ``quotegraph`` component (its ``doc._.quotes``);
            - an ``Article`` (from ``quotegraph.readers``), extracted like the CLI does, headline included.
        records: draw these records instead of extracting: for a str (or Doc), records as ``extract`` returns
            them (body offsets into the text, headline ones into ``headline``); for an Article, records with
            offsets into ``article.text``, as the CLI writes them.
        headline: the headline, for a str (drawn above the body, with its own quotes).
        date: the article's date, for a str (passed to ``extract``).
        page: a whole HTML page (``<!DOCTYPE html>`` ...) instead of a fragment.
        css: start with a ``<style>`` holding the article CSS (the default); False for the bare markup, for a
            page that links ``article_css()`` once itself (the web explorer).
        jupyter: return an ``IPython.display.HTML`` (displayed by Jupyter) instead of a str; by default (None)
            only when running in a Jupyter notebook. Needs IPython.

    Returns:
        The HTML as a str: a ``<style>`` with the shared article CSS, then a ``div.qg-article`` holding a
        legend of speakers, the headline and the body. Every quote's content is a ``mark.qg-quote`` coloured per
        speaker, with its evidence in a ``title`` tooltip; cues are ``span.qg-cue``, speaker mentions
        ``span.qg-mention``, and the speaker's name follows each quote as ``span.qg-speaker``. All text is
        escaped. In Jupyter, an ``IPython.display.HTML`` of the same.

    Raises:
        TypeError: ``doc_or_text`` is none of the above (bytes, None...).
        ValueError: a Doc that the quotegraph component has not processed, or text ``extract`` refuses.
    """
    regions = _regions(doc_or_text, records, headline, date)
    title = next((r.text for r in regions if r.css_class == "qg-headline"), "quotegraph")
    markup = _render_html(regions, page=page, css=css, title=title)
    if jupyter is None:
        from spacy.util import is_in_jupyter

        jupyter = is_in_jupyter()
    if jupyter:
        try:
            from IPython.display import HTML
        except ImportError:
            raise ImportError("render(jupyter=True) needs IPython; install it, or pass jupyter=False") from None
        return HTML(markup)
    return markup


__all__ = ["N_COLOURS", "article_css", "render"]
