"""HTML pages to Articles with trafilatura: main text, title, date, byline, site name and URL.

``Article.text`` is ``title + "\\n\\n" + main text`` (the title is the headline_span, one paragraph per line in
the body), since quote offsets point into ``Article.text``. When the main text starts with the title itself (an
``<h1>`` inside the article), that first line is dropped from the body so the headline is not read twice.

Metadata: ``outlet`` is trafilatura's site name (else the host name), ``date`` the page's publication date (else
the date the caller gives, e.g. a WARC record's WARC-Date), ``url`` the URL the caller gives (a WARC record's
WARC-Target-URI) else the page's canonical URL; ``meta['byline']`` the author(s). No file system, no NLP.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from quotegraph.readers.common import (
    MAX_READ_BYTES,
    ReaderOptions,
    ReadError,
    RecordError,
    compose_article,
    normalize_date,
    one_line,
)
from quotegraph.record import Article

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_SNIFF_BYTES = 4096
_WORD = re.compile(r"\w+")
#: Pages whose main text has fewer words are refused: what trafilatura finds in a page cut off before its
#: article, or in a front page, is navigation ('Home | World'), not an article.
MIN_BODY_WORDS = 10

# trafilatura logs every page it finds too short or empty at WARNING level; the reader reports those itself.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


def decode_html(data: bytes, charset: str | None = None) -> str:
    """Bytes of a page to text: the given charset (an HTTP header's), else a <meta charset> in the first 4 KB,
    else UTF-8, else Windows-1252 (what browsers assume); undecodable bytes become U+FFFD, as in a browser."""
    candidates: list[str] = []
    if charset:
        candidates.append(charset)
    sniffed = _CHARSET.search(data[:_SNIFF_BYTES])
    if sniffed:
        candidates.append(sniffed.group(1).decode("ascii", "replace"))
    for name in candidates:
        try:
            return data.decode(name, errors="replace")
        except LookupError:  # an unknown charset name
            continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def extract_page(html: str, *, url: str | None = None, options: ReaderOptions | None = None) -> Any:
    """trafilatura's ``bare_extraction`` with quotegraph's settings (comments left out; metadata on), or None.

    Settings, chosen on the Readability test pages and then measured on the article-extraction benchmark (see
    docs/readers.md and BENCHMARKS.md): trafilatura's main extractor without its fallback algorithms
    (``fast=True``), which was as accurate as the default and about twice as fast.
    """
    from trafilatura import bare_extraction

    opts = options or ReaderOptions()
    return bare_extraction(
        html,
        url=url,
        fast=True,
        favor_recall=opts.html_favor_recall,
        favor_precision=opts.html_favor_precision,
        include_comments=False,
        include_tables=True,
        with_metadata=True,
    )


def read_html(
    data: bytes | str,
    *,
    doc_id: str,
    path: str,
    location: str | None = None,
    url: str | None = None,
    date: str | None = None,
    charset: str | None = None,
    options: ReaderOptions | None = None,
    meta: dict[str, Any] | None = None,
) -> Article | ReadError:
    """One page to an Article, or the ReadError saying why not (no main text found, too long, ...)."""
    if isinstance(data, bytes):
        if len(data) > MAX_READ_BYTES:
            return ReadError(path, f"page is over {MAX_READ_BYTES:,} bytes", location)
        text = decode_html(data, charset)
    else:
        text = data
    if not text.strip():
        return ReadError(path, "empty page", location)
    try:
        document = extract_page(text, url=url, options=options)
    except Exception as exc:  # trafilatura or lxml on a page it cannot parse: that page only
        reason = f"HTML extraction failed ({type(exc).__name__}: {one_line(str(exc))[:200]})"
        return ReadError(path, reason, location)
    if document is None:
        return ReadError(path, "no main text found in the page (truncated, empty or not an article)", location)
    title = one_line(document.title or "") or None
    body = _drop_leading_title(document.text or "", title)
    words = len(_WORD.findall(body))
    if words < MIN_BODY_WORDS:
        found = f"too little main text ({words} words)" if words else "no main text"
        return ReadError(path, f"{found} found in the page (truncated, empty or not an article)", location)
    extra: dict[str, Any] = dict(meta or {})
    extra.setdefault("format", "html")
    if document.author:
        extra["byline"] = document.author
    if document.hostname:
        extra["hostname"] = document.hostname
    if document.language:
        extra["language"] = document.language
    try:
        return compose_article(
            id=doc_id,
            body=body,
            title=title,
            date=normalize_date(document.date) or normalize_date(date),
            url=url or document.url,
            outlet=document.sitename or document.hostname,
            path=path,
            meta=extra,
        )
    except RecordError as exc:
        return ReadError(path, str(exc), location)


def _drop_leading_title(text: str, title: str | None) -> str:
    """The main text without its first line when that line is the title (trafilatura keeps an article's <h1>)."""
    text = text.strip()
    if not title:
        return text
    first, _, rest = text.partition("\n")
    if one_line(first).casefold() == title.casefold() and rest.strip():
        return rest.strip()
    return text
