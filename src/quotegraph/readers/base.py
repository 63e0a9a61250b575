"""Paths to Articles: files, directories (recursively) and '-' for standard input.

Every file is read as UTF-8 text (gzip-compressed files are decompressed first, whatever their name), either plain
or in the dated-article format (see ``quotegraph.readers.text``). A file that cannot be read becomes a
``ReadError`` with a one-line reason and the iteration goes on with the next one.

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
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from quotegraph.readers.text import TextError, decode_text, parse_article
from quotegraph.record import Article

# spaCy's own default max_length; longer articles are refused with a clear error rather than truncated.
MAX_ARTICLE_CHARS = 1_000_000
# Bytes read at most from one input: enough to count the characters of any near-miss, and a bound on memory for
# /dev/zero, a huge log file or a gzip bomb.
MAX_READ_BYTES = 64 * 1024 * 1024

STDIN_PATH = "<stdin>"
STDIN_ID = "stdin"
_GZIP_MAGIC = b"\x1f\x8b"
_PAPERWORK = frozenset({"README", "CREDITS", "LICENSE", "NOTICE", "COPYING"})


@dataclass
class ReadError:
    """A file (or record) that could not be read, and why, in one line."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def read_paths(paths: Iterable[str]) -> Iterator[Article | ReadError]:
    """Yield one Article or ReadError per file found under ``paths``, in order."""
    for raw in paths:
        if raw == "-":
            yield _read_stdin()
            continue
        path = Path(raw)
        if path.is_dir():
            for item in _walk(path, set()):
                yield item if isinstance(item, ReadError) else _read_file(item)
        else:
            yield _read_file(path)


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
