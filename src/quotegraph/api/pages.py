"""What the explorer's templates draw, computed here as plain data (the templates only escape and place it).

Article text is cut into segments at every quote, cue and mention boundary; the template writes each segment's text
through Jinja's autoescaping, so nothing in an article can become markup. The speaker timeline is an SVG bar
chart whose geometry is computed here; colours come from CSS classes, never inline styles (the pages' Content
Security Policy allows no inline style or script).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from quotegraph.store.schemas import ArticleDetail, ArticleQuote, SpeakerDetail

# Speaker colours: a palette of classes in app.css (sp-0 .. sp-11); unresolved speakers are grey (sp-none).
PALETTE_SIZE = 12


def speaker_class(speaker_id: int | None) -> str:
    return "sp-none" if speaker_id is None else f"sp-{speaker_id % PALETTE_SIZE}"


def safe_href(url: str | None) -> str | None:
    """``url`` when it is an http(s) link, else None: an article's 'javascript:' URL must never become a link."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def query_string(params: dict[str, object], **changes: object) -> str:
    """'?a=1&b=2' from ``params`` with ``changes`` applied; a None or '' value drops the key."""
    merged = {**params, **changes}
    kept = {key: str(value) for key, value in merged.items() if value is not None and value != ""}
    return "?" + urlencode(kept) if kept else "?"


@dataclass
class Segment:
    """A run of article text with one set of marks: the innermost quote over it, and whose cue or mention it is."""

    text: str
    quote: int | None = None  # index into the article's quotes
    cue_of: int | None = None
    mention_of: int | None = None

    @property
    def marked(self) -> bool:
        return self.quote is not None or self.cue_of is not None or self.mention_of is not None


def _valid(start: int | None, end: int | None, low: int, high: int) -> bool:
    return start is not None and end is not None and low <= start < end <= high


def segments(text: str, quotes: list[ArticleQuote], low: int, high: int) -> list[Segment]:
    """The text between ``low`` and ``high`` cut into Segments by the quotes' spans (offsets out of range are
    ignored, so a bad record can misplace a mark but never break the page)."""
    spans: list[tuple[str, int, int, int]] = []
    for index, quote in enumerate(quotes):
        record = quote.record
        if _valid(record.start, record.end, low, high):
            spans.append(("quote", record.start, record.end, index))
        if _valid(record.cue_start, record.cue_end, low, high):
            spans.append(("cue", record.cue_start, record.cue_end, index))  # type: ignore[arg-type]
        if _valid(record.mention_start, record.mention_end, low, high):
            spans.append(("mention", record.mention_start, record.mention_end, index))  # type: ignore[arg-type]
    cuts = sorted({low, high, *(s for _, s, _, _ in spans), *(e for _, _, e, _ in spans)})
    out: list[Segment] = []
    for start, end in itertools.pairwise(cuts):
        covering = [span for span in spans if span[1] <= start and span[2] >= end]
        quote_spans = [span for span in covering if span[0] == "quote"]
        innermost = min(quote_spans, key=lambda span: (span[2] - span[1], -span[1]), default=None)
        cue = next((span[3] for span in covering if span[0] == "cue"), None)
        mention = next((span[3] for span in covering if span[0] == "mention"), None)
        segment = Segment(text[start:end], innermost[3] if innermost else None, cue, mention)
        previous = out[-1] if out else None
        if previous and (previous.quote, previous.cue_of, previous.mention_of) == (
            segment.quote,
            segment.cue_of,
            segment.mention_of,
        ):
            previous.text += segment.text
        else:
            out.append(segment)
    return out


@dataclass
class ArticleView:
    headline: list[Segment]
    body: list[Segment]
    speakers: list[tuple[int | None, str, str]] = field(default_factory=list)  # (id, name, css class)


def article_view(article: ArticleDetail) -> ArticleView:
    """The headline and body of ``article`` as segments, and the legend of its speakers' colours."""
    if article.headline_start is not None and article.headline_end is not None:
        headline = segments(article.text, article.quotes, article.headline_start, article.headline_end)
    else:
        headline = []
    body = segments(article.text, article.quotes, article.body_start, article.body_end)
    legend: dict[int | None, tuple[int | None, str, str]] = {}
    for quote in article.quotes:
        name = quote.record.speaker or "unresolved speaker"
        key = quote.speaker_id
        if key not in legend:
            legend[key] = (quote.speaker_id, name, speaker_class(quote.speaker_id))
    return ArticleView(headline, body, sorted(legend.values(), key=lambda item: (item[0] is None, item[1])))


@dataclass
class Bar:
    x: float
    width: float
    label: str
    tooltip: str
    href: str
    parts: list[tuple[str, float, float]]  # (kind, y, height)


@dataclass
class Chart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # (y, label) of the count axis
    labels: list[tuple[float, str]]  # (x, label) of the time axis
    max_count: int


CHART_WIDTH = 720
CHART_HEIGHT = 220
MAX_BAR_WIDTH = 48.0  # one month alone is a bar, not a wall
_LEFT, _RIGHT, _TOP, _BOTTOM = 36, 8, 10, 28


def timeline_chart(speaker: SpeakerDetail) -> Chart | None:
    """A stacked bar per period (direct, indirect, mixed), each a link to that period's quotes."""
    points = speaker.timeline
    if not points:
        return None
    max_count = max(point.count for point in points) or 1
    plot_width = CHART_WIDTH - _LEFT - _RIGHT
    plot_height = CHART_HEIGHT - _TOP - _BOTTOM
    slot = plot_width / len(points)
    bar_width = min(max(1.0, slot * 0.8), MAX_BAR_WIDTH)
    bars: list[Bar] = []
    labels: list[tuple[float, str]] = []
    every = max(1, round(len(points) / 8))  # at most about 8 time labels
    for index, point in enumerate(points):
        x = _LEFT + index * slot + (slot - bar_width) / 2
        y = float(CHART_HEIGHT - _BOTTOM)
        parts = []
        for kind in ("direct", "indirect", "mixed"):
            n = getattr(point, kind)
            if n:
                height = n / max_count * plot_height
                y -= height
                parts.append((kind, round(y, 2), round(height, 2)))
        detail = ", ".join(
            f"{getattr(point, kind)} {kind}" for kind in ("direct", "indirect", "mixed") if getattr(point, kind)
        )
        tooltip = f"{point.period}: {point.count} quote{'s' if point.count != 1 else ''}" + (
            f" ({detail})" if detail else ""
        )
        href = "/" + query_string(
            {
                "speaker_id": speaker.id,
                "since": point.start.isoformat(),
                "until": point.end.isoformat(),
                "sort": "oldest",
            }
        )
        bars.append(Bar(round(x, 2), round(bar_width, 2), point.period, tooltip, href, parts))
        if index % every == 0:
            labels.append((round(x + bar_width / 2, 2), point.period))
    ticks = [
        (round(CHART_HEIGHT - _BOTTOM - value / max_count * plot_height, 2), str(value))
        for value in sorted({0, max_count // 2, max_count})
    ]
    return Chart(CHART_WIDTH, CHART_HEIGHT, _TOP, CHART_HEIGHT - _BOTTOM, bars, ticks, labels, max_count)
