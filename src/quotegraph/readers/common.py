"""What every reader shares: the error item, the options, limits, and building an Article from its parts.

No file system and no NLP here. ``ReadError`` and the limits are re-exported by ``quotegraph.readers.base`` (and
``quotegraph.readers``), where they have always been imported from.
"""

from __future__ import annotations

import datetime
import email.utils
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from quotegraph.record import Article

# spaCy's own default max_length; longer articles are refused with a clear error rather than truncated.
MAX_ARTICLE_CHARS = 1_000_000
# Bytes read at most from one input (a file, a WARC record, one JSONL line): enough to count the characters of any
# near-miss, and a bound on memory for /dev/zero, a huge log file or a gzip bomb.
MAX_READ_BYTES = 64 * 1024 * 1024

_SLUG_CHARS = re.compile(r"[^a-z0-9]+")
_SLUG_MAX = 60
_ISO_DAY = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?![0-9])")
_INLINE_SPACE = re.compile(r"\s+")


@dataclass
class ReadError:
    """An input (a file, or one record of a multi-record file) that could not be read, and why, in one line.

    ``path`` is the file; ``location`` says where in it for a multi-record file: ``"17"`` for line 17 of a JSONL
    or CSV file (``file:line``), ``"record 4 at byte 1234"`` for a WARC record. ``None`` for a whole file.
    """

    path: str
    reason: str
    location: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.location}" if self.location else self.path
        return f"{where}: {self.reason}"


#: The field names looked up, in order, when none is given: the Wikinews CSV (url, date, title, text) and the
#: keys common in news JSONL dumps. The first name present with a non-empty value wins; names match exactly
#: first, then regardless of case; a dotted name (``meta.title``) looks inside nested JSON objects.
DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("text", "body", "content", "maintext", "article"),
    "title": ("title", "headline"),
    "date": ("date", "published", "publish_date", "date_publish", "published_at", "pubdate"),
    "url": ("url", "link", "uri"),
    "outlet": ("source", "outlet", "site", "source_domain", "sitename"),
    "id": ("id",),
}


@dataclass(frozen=True)
class ReaderOptions:
    """How files are read. The defaults read every supported format with no settings at all.

    ``fields`` overrides the field names of JSONL and CSV files (keys: text, title, date, url, outlet, id; each
    value a tuple of names tried in order). ``format`` forces one format for every file and for standard input
    (``text``, ``html``, ``warc``, ``jsonl``, ``csv``, ``tsv``) instead of choosing by file name.
    ``html_favor_recall`` and ``html_favor_precision`` are passed to trafilatura (see docs/readers.md for what
    each costs on the extraction benchmark). ``verify_digests`` checks each WARC record's WARC-Block-Digest.
    """

    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    format: str | None = None
    html_favor_recall: bool = False
    html_favor_precision: bool = False
    verify_digests: bool = True

    def names(self, key: str) -> tuple[str, ...]:
        return self.fields.get(key) or DEFAULT_FIELDS[key]

    @classmethod
    def from_field_options(cls, **names: str | None) -> ReaderOptions:
        """Options from CLI-style values: ``text="body,content"`` -> ``fields["text"] == ("body", "content")``."""
        fields: dict[str, tuple[str, ...]] = {}
        for key, value in names.items():
            if key not in DEFAULT_FIELDS:
                raise ValueError(f"unknown field '{key}' (known: {', '.join(DEFAULT_FIELDS)})")
            if value:
                parts = tuple(part.strip() for part in value.split(",") if part.strip())
                if parts:
                    fields[key] = parts
        return cls(fields=fields)


class RecordError(ValueError):
    """One record that cannot become an Article; the message is the one-line reason."""


def one_line(text: str) -> str:
    """Whitespace (newlines included) collapsed to single spaces; for reasons and headlines."""
    return _INLINE_SPACE.sub(" ", text).strip()


def compose_article(
    *,
    id: str,
    body: str,
    title: str | None = None,
    date: str | None = None,
    url: str | None = None,
    outlet: str | None = None,
    path: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Article:
    """An Article whose text is ``title + "\\n\\n" + body`` (headline_span on the title) or the body alone.

    The title is put on one line (a headline is one sentence of its own); the body keeps its line breaks (one
    paragraph per line is what the pipeline's paragraph rule reads) minus surrounding blank space. Raises
    RecordError when there are no letters to read or the text is over MAX_ARTICLE_CHARS.
    """
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    head = one_line(title) if title else ""
    if not any(char.isalpha() for char in head + body):
        raise RecordError("no text: the record holds no letters")
    if not body:  # a headline alone is still an article; its text is the headline
        body, head = head, ""
    if head:
        text = head + "\n\n" + body
        headline_span: tuple[int, int] | None = (0, len(head))
        body_span = (len(head) + 2, len(text))
    else:
        text = body
        headline_span = None
        body_span = (0, len(text))
    if len(text) > MAX_ARTICLE_CHARS:
        raise RecordError(f"article is {len(text):,} characters, over the {MAX_ARTICLE_CHARS:,} limit; split it")
    return Article(
        id=id,
        text=text,
        body_span=body_span,
        headline_span=headline_span,
        date=date,
        url=url or None,
        outlet=outlet or None,
        title=head or None,
        path=path,
        meta=meta or {},
    )


def normalize_date(value: object) -> str | None:
    """YYYY-MM-DD from an ISO date or datetime ('2019-05-01T12:00:00Z'), an HTTP/RFC 2822 date ('Tue, 05 Mar
    2019 10:00:00 GMT') or a date object; None when the value is empty or not a real date."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return None
    match = _ISO_DAY.match(text)
    if match:
        try:
            return datetime.date(*(int(part) for part in match.groups())).isoformat()
        except ValueError:
            return None
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.date().isoformat() if parsed else None


def url_id(url: str) -> str:
    """A readable, stable id for an article known by its URL: a slug of the URL's last path segment (or its
    host) and 8 hex digits of the URL's SHA-1, so two URLs ending alike still differ.

    ``https://en.wikinews.org//wiki/Greta_Thunberg_named_2019_Time_Person_of_the_Year`` ->
    ``greta-thunberg-named-2019-time-person-of-the-year-1c5d7e0a`` (the digits depend on the whole URL).
    """
    parts = urlsplit(url.strip())
    segments = [segment for segment in unquote(parts.path).split("/") if segment]
    tail = segments[-1] if segments else parts.netloc or url
    tail = re.sub(r"\.(s?html?|php|aspx?|jsp)$", "", tail, flags=re.IGNORECASE)
    if not re.search(r"[A-Za-z]", tail) and len(segments) > 1:  # '.../story/12345' -> use 'story-12345'
        tail = segments[-2] + "-" + tail
    ascii_tail = unicodedata.normalize("NFKD", tail).encode("ascii", "ignore").decode("ascii")
    slug = _SLUG_CHARS.sub("-", ascii_tail.lower()).strip("-")[:_SLUG_MAX].rstrip("-") or "article"
    digest = hashlib.sha1(url.strip().encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}"
