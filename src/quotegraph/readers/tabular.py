"""JSONL (one JSON object a line) and CSV/TSV (one article a row, a header line first) to Articles.

Which key or column holds what is configurable (``ReaderOptions.fields``); the defaults read the Wikinews CSV
(``url,date,title,text``) and the common JSONL keys (text|body|content, title|headline, date|published|
publish_date, url, source|outlet|site) with no settings. The first name present with a non-empty value wins;
exact names first, then regardless of case; in JSON a dotted name (``meta.title``) looks inside nested objects.

Article ids: the record's ``id`` field when it has one, else a slug of its URL (see ``common.url_id``), else
``<file stem>-<line number>`` for JSONL and ``<file stem>-<row number>`` for CSV (rows count from 1 after the
header). A line or row that cannot be read becomes a ReadError with ``file:line`` (the line the row starts on)
and the reason, and the next one is read. Files are streamed, never read whole.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from typing import IO, Any

from quotegraph.readers.common import (
    MAX_READ_BYTES,
    ReaderOptions,
    ReadError,
    RecordError,
    compose_article,
    normalize_date,
    one_line,
    url_id,
)
from quotegraph.record import Article

_UTF8_BOM = b"\xef\xbb\xbf"


def read_jsonl(
    stream: IO[bytes], *, path: str, stem: str, options: ReaderOptions | None = None
) -> Iterator[Article | ReadError]:
    """One Article (or ReadError) per non-blank line of a JSON-lines stream."""
    opts = options or ReaderOptions()
    for number, raw in enumerate(_lines(stream), start=1):
        if len(raw) > MAX_READ_BYTES:
            yield ReadError(path, f"line is over {MAX_READ_BYTES:,} bytes", str(number))
            continue
        if number == 1 and raw.startswith(_UTF8_BOM):
            raw = raw[len(_UTF8_BOM) :]
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield ReadError(path, f"invalid UTF-8 at byte {exc.start} of the line", str(number))
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ReadError(path, f"invalid JSON ({exc.msg} at column {exc.colno})", str(number))
            continue
        if not isinstance(value, dict):
            yield ReadError(path, f"not a JSON object but {_json_kind(value)}", str(number))
            continue
        yield _record(value, path=path, location=str(number), fallback_id=f"{stem}-{number}", options=opts)


def read_csv(
    stream: IO[bytes], *, path: str, stem: str, options: ReaderOptions | None = None, delimiter: str = ","
) -> Iterator[Article | ReadError]:
    """One Article (or ReadError) per row of a CSV (RFC 4180: quoted fields may span lines) or TSV stream."""
    opts = options or ReaderOptions()
    _allow_long_fields()
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    row_start = 1
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as exc:
        yield ReadError(path, f"unreadable header ({_csv_reason(exc)})", "1")
        return
    if not header or not any(cell.strip() for cell in header):
        yield ReadError(path, "no header line (a CSV file needs one naming its columns)", "1")
        return
    columns = [cell.strip() for cell in header]
    missing = _missing_text_column(columns, opts)
    if missing:
        yield ReadError(path, missing, "1")
        return
    row_start = reader.line_num + 1
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            # a CSV cannot be resynchronised reliably after a broken quote or undecodable bytes: stop this file
            reason = f"unreadable row ({_csv_reason(exc)}); the rest of the file is not read"
            yield ReadError(path, reason, str(row_start))
            return
        number += 1
        location = str(row_start)
        row_start = reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns):
            yield ReadError(path, f"row {number} has {len(row)} fields, the header {len(columns)}", location)
            continue
        values = dict(zip(columns, row, strict=False))
        yield _record(values, path=path, location=location, fallback_id=f"{stem}-{number}", options=opts)


def _record(
    values: Mapping[str, Any], *, path: str, location: str, fallback_id: str, options: ReaderOptions
) -> Article | ReadError:
    text_key, text = _lookup(values, options.names("text"))
    if text is None:
        names = ", ".join(options.names("text"))
        return ReadError(path, f"no text: none of the fields {names} is present and non-empty", location)
    if not isinstance(text, str):
        return ReadError(path, f"field '{text_key}' is {_json_kind(text)}, not a string", location)
    title = _string(_lookup(values, options.names("title"))[1])
    url = _string(_lookup(values, options.names("url"))[1])
    raw_date = _string(_lookup(values, options.names("date"))[1])
    outlet = _string(_lookup(values, options.names("outlet"))[1])
    given_id = _string(_lookup(values, options.names("id"))[1])
    meta: dict[str, Any] = {"line": int(location)}
    date = normalize_date(raw_date)
    if raw_date and date is None:
        meta["raw_date"] = raw_date
    try:
        return compose_article(
            id=one_line(given_id) if given_id else url_id(url) if url else fallback_id,
            body=text,
            title=title,
            date=date,
            url=url,
            outlet=outlet,
            path=path,
            meta=meta,
        )
    except RecordError as exc:
        return ReadError(path, str(exc), location)


def _lookup(values: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str | None, Any]:
    """(name, value) of the first of ``names`` with a non-empty value, or (None, None)."""
    folded: dict[str, str] | None = None
    for name in names:
        value = _get(values, name)
        if value is None:
            if folded is None:
                folded = {key.casefold(): key for key in values if isinstance(key, str)}
            key = folded.get(name.casefold())
            value = values.get(key) if key is not None else None
            name = key or name
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        return name, value
    return None, None


def _get(values: Mapping[str, Any], name: str) -> Any:
    if name in values:
        return values[name]
    if "." in name:
        current: Any = values
        for part in name.split("."):
            if not isinstance(current, Mapping) or part not in current:
                return None
            current = current[part]
        return current
    return None


def _string(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = str(value).strip()
    return text or None


def _missing_text_column(columns: list[str], options: ReaderOptions) -> str | None:
    folded = {column.casefold() for column in columns}
    names = options.names("text")
    if any(name.casefold() in folded for name in names):
        return None
    return f"no text column: the header has {', '.join(columns)}; looked for {', '.join(names)} (--text-field)"


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    """Lines without their line ending, each read with a bound (an endless line cannot fill the memory)."""
    while True:
        line = stream.readline(MAX_READ_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_READ_BYTES and not line.endswith(b"\n"):
            while True:  # skip the rest of the over-long line
                more = stream.readline(MAX_READ_BYTES)
                if not more or more.endswith(b"\n"):
                    break
            yield line
            continue
        yield line.rstrip(b"\r\n")


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an object"


def _csv_reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "invalid UTF-8; save the file as UTF-8"
    return one_line(str(exc))


def _allow_long_fields() -> None:
    """Articles are longer than the csv module's default 128 KB field limit; allow up to MAX_READ_BYTES."""
    if csv.field_size_limit() < MAX_READ_BYTES:
        csv.field_size_limit(MAX_READ_BYTES)
