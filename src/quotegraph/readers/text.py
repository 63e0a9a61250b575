"""Bytes to text to Article, for plain-text and dated-article files. No file system here.

Offsets are character offsets into the decoded text. The one change made to the text is that a leading UTF-8 byte
order mark is removed, so offsets count from the first character after it; line endings (CRLF included) and
everything else are kept exactly as in the file.

The dated-article format: the first line is ``date YYYY-MM-DD <headline>`` (leading spaces allowed), the rest of the
file is the body, one paragraph per line.
"""

from __future__ import annotations

import datetime
import re

from quotegraph.record import Article, strip_span

# NUL never occurs in text; look for it only near the start, as git and grep do.
BINARY_SNIFF_BYTES = 8192
_UTF8_BOM = "\ufeff"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_DATED_LINE = re.compile(r"[ \t]*date[ \t]+(\d{4}-\d{1,2}-\d{1,2})(?=\s|$)")


class TextError(ValueError):
    """Bytes or text that cannot become an Article; the message is the one-line reason."""


def decode_text(data: bytes) -> str:
    """Strict UTF-8 decoding; a leading BOM is dropped. Raises TextError for binary or non-UTF-8 data."""
    if data.startswith(_UTF16_BOMS):
        raise TextError("UTF-16 text; save the file as UTF-8")
    nul = data.find(b"\x00", 0, BINARY_SNIFF_BYTES)
    if nul >= 0:
        raise TextError(f"binary file, not text (NUL byte at byte {nul})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Guessing another encoding would silently corrupt quotes; say where it breaks instead.
        raise TextError(
            f"invalid UTF-8 at byte {exc.start} (0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None
    return text[1:] if text.startswith(_UTF8_BOM) else text


def parse_article(text: str, *, doc_id: str, path: str | None) -> Article:
    """An Article from decoded text: dated-article format when line 1 says so, otherwise plain text."""
    if not text.strip():
        raise TextError("empty file")
    line_end = text.find("\n")
    if line_end < 0:
        line_end = len(text)
    match = _DATED_LINE.match(text, 0, line_end)
    if match is None:
        _require_letters(text)
        return Article(id=doc_id, text=text, body_span=(0, len(text)), path=path)

    date = match.group(1)
    try:
        datetime.date.fromisoformat(date)
    except ValueError:
        raise TextError(f"invalid date '{date}' on line 1 (want a real date, YYYY-MM-DD)") from None

    head_start, head_end = strip_span(text, match.end(), line_end)
    body_start = line_end
    while body_start < len(text) and text[body_start] in "\r\n":
        body_start += 1
    body_end = max(len(text.rstrip()), body_start)
    _require_letters(text[head_start:head_end] + text[body_start:body_end])

    headline_span = (head_start, head_end) if head_end > head_start else None
    return Article(
        id=doc_id,
        text=text,
        body_span=(body_start, body_end),
        headline_span=headline_span,
        date=date,
        title=text[head_start:head_end] if headline_span else None,
        path=path,
    )




def _require_letters(text: str) -> None:
    if not any(char.isalpha() for char in text):
        raise TextError("no text: the file holds no letters")
