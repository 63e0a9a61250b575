"""WARC and ARC files (plain or gzipped, Common Crawl's CC-NEWS layout) to Articles, with warcio.

Every ``response`` (or ``resource``) record whose HTTP status is 2xx and whose content type is HTML goes through
the HTML reader: ``url`` is the record's WARC-Target-URI, ``date`` the page's own date, else the record's
WARC-Date. Other records (warcinfo, request, metadata, redirects, images, PDFs, robots.txt) are skipped quietly:
they are not articles.

A record that cannot be read becomes a ReadError naming the file and the record (its number and byte offset) and
the rest of the file is still read: after a corrupt record (a bad header, broken gzip data, a WARC-Block-Digest
that does not match), the reader looks for the next record from the bad one's offset onward (the next gzip member
that opens with a WARC header, or the next ``WARC/1.x`` line in a plain file) and carries on from there. That
needs a seekable input; on a pipe the rest of the file is given up, with a ReadError saying so.

warcio rather than FastWARC: warcio is pure Python (installs anywhere, no compiler), reads ARC as well as WARC,
writes WARCs too (the tests build theirs with it) and reports each record's offset and length, which is what a
precise error needs; FastWARC parses faster, but parsing is not where the time goes: trafilatura and spaCy take
10 to 100 times longer per page than warcio takes to read it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import IO, Any

from quotegraph.readers.common import MAX_READ_BYTES, ReaderOptions, ReadError, normalize_date, one_line, url_id
from quotegraph.readers.html import read_html
from quotegraph.record import Article

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_GZIP_MEMBER = b"\x1f\x8b\x08"
_SCAN_CHUNK = 1 << 20


def read_warc(
    stream: IO[bytes], *, path: str, stem: str, options: ReaderOptions | None = None
) -> Iterator[Article | ReadError]:
    """The articles of one WARC/ARC stream, record by record; corrupt records become ReadErrors."""
    from warcio.archiveiterator import ArchiveIterator

    opts = options or ReaderOptions()
    seekable = _seekable(stream)
    start = stream.tell() if seekable else 0
    number = 0  # records met so far, 1-based in messages
    last: tuple[int, bool] | None = None  # (offset, reported as an error) of the last record handed out
    while True:
        iterator = ArchiveIterator(stream, check_digests=opts.verify_digests)
        try:
            for record in iterator:
                number += 1
                offset = iterator.offset
                item = _read_record(record, path=path, stem=stem, number=number, offset=offset, options=opts)
                last = (offset, isinstance(item, ReadError))
                if item is not None:
                    yield item
            return
        except Exception as exc:  # warcio raises ArchiveLoadFailed, zlib.error, ValueError, ... on broken bytes
            bad = iterator.offset if iterator.offset is not None else start
            already_reported = last is not None and last == (bad, True)
            if last is None or last[0] != bad:
                number += 1  # the failure is a record of its own, not the rest of the one just read
            reason = _reason(exc)
            if not seekable:
                if not already_reported:
                    message = f"corrupt record ({reason}); the rest of this stream is not read"
                    yield ReadError(path, message, _at(number, bad))
                return
            resume = _next_record_start(stream, bad + 1)
            if not already_reported:
                tail = f"; reading resumed at byte {resume}" if resume is not None else "; no record after it"
                yield ReadError(path, f"corrupt record ({reason}){tail}", _at(number, bad))
            if resume is None:
                return
            stream.seek(resume)
            start = resume
            last = None


def _read_record(
    record: Any, *, path: str, stem: str, number: int, offset: int, options: ReaderOptions
) -> Article | ReadError | None:
    if record.rec_type not in ("response", "resource"):
        return None
    headers = record.rec_headers
    uri = (headers.get_header("WARC-Target-URI") or "").strip() or None
    location = _at(number, offset)
    http = record.http_headers
    if record.rec_type == "response":
        status = (http.get_statuscode() or "").strip() if http is not None else ""
        content_type = (http.get_header("Content-Type") or "") if http is not None else ""
    else:
        status, content_type = "200", headers.get_header("Content-Type") or ""
    wanted = status.startswith("2") and content_type.lower().lstrip().startswith(_HTML_TYPES)
    payload = b""
    try:
        if wanted:
            payload = record.content_stream().read(MAX_READ_BYTES + 1)
        while record.raw_stream.read(_SCAN_CHUNK):  # the rest of the block, so its digest is complete
            pass
    except Exception as exc:
        return ReadError(path, f"unreadable payload ({_reason(exc)})", location)
    # checked on every response, not only HTML ones: a corrupt header can hide that a record was a page
    checker = getattr(record, "digest_checker", None)
    problems = [p for p in (getattr(checker, "problems", None) or []) if p.startswith("block digest failed")]
    if problems:
        return ReadError(path, "corrupt record (WARC-Block-Digest does not match its bytes)", location)
    if not wanted:
        return None
    if len(payload) > MAX_READ_BYTES:
        return ReadError(path, f"page is over {MAX_READ_BYTES:,} bytes", location)
    meta: dict[str, Any] = {"format": "warc", "record": number, "offset": offset}
    record_id = headers.get_header("WARC-Record-ID")
    if record_id:
        meta["warc_record_id"] = record_id
    if headers.get_header("WARC-Truncated"):
        meta["truncated"] = headers.get_header("WARC-Truncated")
    return read_html(
        payload,
        doc_id=url_id(uri) if uri else f"{stem}-r{number}",
        path=path,
        location=location,
        url=uri,
        date=normalize_date(headers.get_header("WARC-Date")),
        charset=_charset(content_type),
        options=options,
        meta=meta,
    )


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def _at(number: int, offset: int) -> str:
    return f"record {number} at byte {offset}"


def _reason(exc: BaseException) -> str:
    text = one_line(str(exc))
    head, sep, _ = text.partition("first line:")
    if sep:  # warcio quotes the bytes it met, binary garbage in a corrupt file
        text = head + "not a WARC or ARC header"
    text = "".join(char if char.isprintable() else "?" for char in text)
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _seekable(stream: IO[bytes]) -> bool:
    try:
        return bool(stream.seekable()) and stream.tell() >= 0
    except (AttributeError, OSError, ValueError):
        return False


def _next_record_start(stream: IO[bytes], position: int) -> int | None:
    """The byte offset of the next record at or after ``position``: a gzip member whose first bytes inflate to
    a WARC/ARC header, or a ``WARC/1.`` line in an uncompressed file. None when there is none."""
    stream.seek(0)
    gzipped = stream.read(2) == _GZIP_MEMBER[:2]
    needle = _GZIP_MEMBER if gzipped else b"\nWARC/1."
    overlap = len(needle) - 1
    base = position
    while True:
        stream.seek(base)
        chunk = stream.read(_SCAN_CHUNK + overlap)
        if not chunk:
            return None
        found = chunk.find(needle)
        while 0 <= found < len(chunk):
            candidate = base + found + (0 if gzipped else 1)
            if not gzipped or _opens_with_header(stream, candidate):
                return candidate
            found = chunk.find(needle, found + 1)
        if len(chunk) <= overlap:
            return None
        base += len(chunk) - overlap


def _opens_with_header(stream: IO[bytes], offset: int) -> bool:
    """Whether a gzip member starting at ``offset`` inflates to something that starts like a WARC/ARC record."""
    here = stream.tell()
    try:
        stream.seek(offset)
        head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(stream.read(4096), 64)
    except zlib.error:
        return False
    finally:
        stream.seek(here)
    return head.startswith((b"WARC/", b"filedesc:", b"http:", b"https:", b"dns:"))
