"""Paths to Articles: files, directories (recursively) and '-' for standard input, in every supported format.

The format is chosen by the file name (a trailing ``.gz`` is looked through): ``.html``/``.htm`` pages
(``quotegraph.readers.html``, trafilatura), ``.warc``/``.arc`` web archives (``quotegraph.readers.warc``),
``.jsonl``/``.ndjson`` and ``.csv``/``.tsv`` tables of articles (``quotegraph.readers.tabular``); anything else,
``.txt`` and names without an extension included, is read as UTF-8 text (gzip-compressed files are decompressed
first, whatever their name), plain or in the dated-article format (see ``quotegraph.readers.text``).
``ReaderOptions.format`` forces one format for every input, standard input included (text by default).

A file holds one article (text, HTML) or many (WARC, JSONL, CSV). What cannot be read becomes a ``ReadError``
with a one-line reason (for a record of a multi-record file, also where it is: ``file:line``, or the WARC
record's number and byte offset) and the iteration goes on with the next record or file.

Directories are walked depth-first in name order, so the output order never depends on the file system. Hidden
files and directories are skipped, and so are a folder's README, CREDITS, LICENSE, NOTICE and COPYING files (a
corpus folder's paperwork, not articles); a file named on the command line is always read.
"""

from __future__ import annotations

import gzip
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from io import BytesIO
from pathlib import Path
from typing import IO

from quotegraph.readers.common import MAX_ARTICLE_CHARS, MAX_READ_BYTES, ReaderOptions, ReadError, one_line
from quotegraph.readers.text import TextError, decode_text, parse_article
from quotegraph.record import Article

__all__ = [
    "FORMATS",
    "MAX_ARTICLE_CHARS",
    "MAX_READ_BYTES",
    "ReadError",
    "ReaderOptions",
    "detect_format",
    "read_bytes",
    "read_file",
    "read_paths",
]

STDIN_PATH = "<stdin>"
STDIN_ID = "stdin"
_GZIP_MAGIC = b"\x1f\x8b"
_PAPERWORK = frozenset({"README", "CREDITS", "LICENSE", "NOTICE", "COPYING"})
#: The formats, and the file name endings that choose them (after a trailing .gz is looked through).
FORMATS: dict[str, tuple[str, ...]] = {
    "html": (".html", ".htm", ".xhtml", ".shtml"),
    "warc": (".warc", ".arc"),
    "jsonl": (".jsonl", ".ndjson", ".jsonlines"),
    "csv": (".csv",),
    "tsv": (".tsv",),
    "text": (".txt", ".text", "(any other name)"),
}
_BY_SUFFIX = {suffix: name for name, suffixes in FORMATS.items() for suffix in suffixes if suffix.startswith(".")}


def detect_format(name: str) -> str:
    """The format a file name says: ``news.warc.gz`` -> warc, ``a.jsonl`` -> jsonl, ``story`` -> text."""
    lower = name.lower().removesuffix(".gz")
    return _BY_SUFFIX.get(os.path.splitext(lower)[1], "text")


def read_paths(paths: Iterable[str], options: ReaderOptions | None = None) -> Iterator[Article | ReadError]:
    """Yield the Articles and ReadErrors of every file found under ``paths``, in order."""
    for raw in paths:
        if raw == "-":
            yield from _read_stdin_items(options)
            continue
        path = Path(raw)
        if path.is_dir():
            for item in _walk(path, set()):
                if isinstance(item, ReadError):
                    yield item
                else:
                    yield from read_file(item, options)
        else:
            yield from read_file(path, options)


def read_file(path: Path, options: ReaderOptions | None = None) -> Iterator[Article | ReadError]:
    """The Articles (or ReadErrors) of one file, in the format its name says (or ``options.format``)."""
    fmt = (options.format if options else None) or detect_format(path.name)
    if fmt == "text":
        yield _read_file(path)
        return
    try:
        handle = path.open("rb")
    except (OSError, ValueError) as exc:  # ValueError: a NUL character in the path
        yield ReadError(str(path), _os_reason(exc))
        return
    with handle:
        yield from read_stream(handle, path=str(path), doc_id=_doc_id(path), fmt=fmt, options=options)


def read_bytes(data: bytes, path: str, options: ReaderOptions | None = None) -> Iterator[Article | ReadError]:
    """The Articles (or ReadErrors) of a file's bytes already in memory (a Spark binaryFiles record, say);
    ``path`` names it (a URI is fine) and chooses the format and the ids exactly as ``read_file`` would."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    fmt = (options.format if options else None) or detect_format(name)
    doc_id = _doc_id(Path(name))
    if fmt == "text":
        yield _article(data, doc_id=doc_id, path=path)
        return
    yield from read_stream(BytesIO(data), path=path, doc_id=doc_id, fmt=fmt, options=options)


def read_stream(
    stream: IO[bytes], *, path: str, doc_id: str, fmt: str, options: ReaderOptions | None = None
) -> Iterator[Article | ReadError]:
    """The Articles (or ReadErrors) of a binary stream in the format ``fmt``. A reader that breaks down on the
    stream itself (unreadable bytes, corrupt gzip data) ends that stream with a ReadError; the caller goes on."""
    from quotegraph.readers.html import read_html
    from quotegraph.readers.tabular import read_csv, read_jsonl
    from quotegraph.readers.warc import read_warc

    if fmt not in FORMATS:
        yield ReadError(path, f"unknown format '{fmt}' (known: {', '.join(FORMATS)})")
        return
    try:
        if fmt == "text":
            yield _article(stream.read(MAX_READ_BYTES + 1), doc_id=doc_id, path=path)
        elif fmt == "html":
            data = _gunzip(stream.read(MAX_READ_BYTES + 1), path)
            yield read_html(data, doc_id=doc_id, path=path, options=options)
        elif fmt == "warc":  # warcio reads gzipped and plain WARCs alike, member by member
            yield from read_warc(stream, path=path, stem=doc_id, options=options)
        else:
            source = _gunzip_stream(stream, path)
            if fmt == "jsonl":
                yield from read_jsonl(source, path=path, stem=doc_id, options=options)
            else:
                delimiter = "\t" if fmt == "tsv" else ","
                yield from read_csv(source, path=path, stem=doc_id, options=options, delimiter=delimiter)
    except TextError as exc:
        yield ReadError(path, str(exc))
    except (OSError, EOFError, zlib.error) as exc:
        yield ReadError(path, f"unreadable from here on ({_stream_reason(exc)}); the rest of the file is not read")


def _walk(directory: Path, seen: set[tuple[int, int]]) -> Iterator[Path | ReadError]:
    """The article files under ``directory``, depth-first in name order; ``seen`` guards against symlink loops."""
    try:
        info = directory.stat()
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError as exc:
        yield ReadError(str(directory), _os_reason(exc))
        return
    if (info.st_dev, info.st_ino) in seen:
        return
    seen.add((info.st_dev, info.st_ino))
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            is_dir, is_file = entry.is_dir(), entry.is_file()
        except OSError as exc:
            yield ReadError(str(path), _os_reason(exc))
            continue
        if is_dir:
            yield from _walk(path, seen)
        elif is_file:
            if entry.name.split(".", 1)[0].upper() not in _PAPERWORK:
                yield path
        elif entry.is_symlink():
            yield ReadError(str(path), "broken symbolic link")
        # sockets, FIFOs and devices inside a folder are not articles: skipped


def _read_file(path: Path) -> Article | ReadError:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_READ_BYTES + 1)
    except (OSError, ValueError) as exc:  # ValueError: a NUL character in the path
        return ReadError(str(path), _os_reason(exc))
    return _article(data, doc_id=_doc_id(path), path=str(path))


def _read_stdin_items(options: ReaderOptions | None) -> Iterator[Article | ReadError]:
    fmt = options.format if options else None
    if fmt in (None, "text"):
        yield _read_stdin()
        return
    stream = sys.stdin
    buffer = getattr(stream, "buffer", None) if stream is not None else None
    if buffer is None or getattr(stream, "closed", False):
        yield ReadError(STDIN_PATH, f"standard input is closed or not binary; cannot read it as {fmt}")
        return
    if fmt in ("warc", "html"):  # WARC needs to seek to skip a corrupt record; HTML is one page anyway
        try:
            data = buffer.read(MAX_READ_BYTES + 1)
        except (OSError, ValueError) as exc:
            yield ReadError(STDIN_PATH, _os_reason(exc))
            return
        yield from read_stream(BytesIO(data), path=STDIN_PATH, doc_id=STDIN_ID, fmt=fmt, options=options)
        return
    yield from read_stream(buffer, path=STDIN_PATH, doc_id=STDIN_ID, fmt=fmt, options=options)


def _read_stdin() -> Article | ReadError:
    stream = sys.stdin
    if stream is None or getattr(stream, "closed", False):
        return ReadError(STDIN_PATH, "standard input is closed")
    try:
        buffer = getattr(stream, "buffer", None)
        if buffer is None:  # replaced by a text stream (an embedding program, a notebook)
            return _article(stream.read(MAX_READ_BYTES + 1), doc_id=STDIN_ID, path=STDIN_PATH)
        return _article(buffer.read(MAX_READ_BYTES + 1), doc_id=STDIN_ID, path=STDIN_PATH)
    except (OSError, ValueError) as exc:  # ValueError: a text stream that cannot decode its bytes
        return ReadError(STDIN_PATH, _os_reason(exc))


def _article(data: bytes | str, *, doc_id: str, path: str) -> Article | ReadError:
    """Bytes (or already decoded text) to an Article, or the ReadError saying why not."""
    try:
        if isinstance(data, bytes):
            data = _gunzip(data, path)
            if len(data) > MAX_READ_BYTES:
                return ReadError(
                    path,
                    f"article is over {MAX_READ_BYTES:,} bytes, far over the "
                    f"{MAX_ARTICLE_CHARS:,}-character limit; split it",
                )
            text = decode_text(data)
        else:
            text = data
        if len(text) > MAX_ARTICLE_CHARS:
            return ReadError(
                path, f"article is {len(text):,} characters, over the {MAX_ARTICLE_CHARS:,} limit; split it"
            )
        return parse_article(text, doc_id=doc_id, path=path)
    except TextError as exc:
        return ReadError(path, str(exc))


def _gunzip(data: bytes, path: str) -> bytes:
    if not data.startswith(_GZIP_MAGIC):
        if path.endswith(".gz"):
            raise TextError("not gzip data, although the name ends in .gz")
        return data
    try:
        with gzip.GzipFile(fileobj=BytesIO(data)) as archive:
            return archive.read(MAX_READ_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise TextError(f"corrupt gzip data ({exc})") from None


def _gunzip_stream(stream: IO[bytes], path: str) -> IO[bytes]:
    """The stream itself, or a decompressing view of it when it starts with the gzip magic (whatever its name)."""
    peek = getattr(stream, "peek", None)
    if callable(peek):
        head = bytes(peek(2)[:2])
    elif stream.seekable():
        here = stream.tell()
        head = stream.read(2)
        stream.seek(here)
    else:
        head = b""
    if head == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[return-value]
    if path.endswith(".gz"):
        raise TextError("not gzip data, although the name ends in .gz")
    return stream


def _stream_reason(exc: BaseException) -> str:
    if isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile)):
        return f"corrupt gzip data: {one_line(str(exc)) or type(exc).__name__}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return one_line(str(exc)) or type(exc).__name__


def _doc_id(path: Path) -> str:
    """The file's stem; for 'x.txt.gz' that is 'x'."""
    return Path(path.stem).stem if path.suffix == ".gz" else path.stem


def _os_reason(exc: OSError | ValueError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return " ".join(str(exc).split())
