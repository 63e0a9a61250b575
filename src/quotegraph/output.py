"""Sinks for extracted records: JSON lines for tools, a table for people.

``write_records(stream, fmt)`` is a context manager giving a sink with ``.write(article, records)``::

    with write_records(sys.stdout, "jsonl") as sink:
        sink.write(article, records)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from quotegraph.record import Article, QuoteRecord

FORMATS = ("jsonl", "table")
QUOTE_WIDTH = 80
# Fixed when not writing to a terminal, so files and pipes get the same table every run.
PIPE_WIDTH = 160


class RecordSink(Protocol):
    def write(self, article: Article, records: Sequence[QuoteRecord]) -> None: ...


class JsonlSink:
    """One JSON object per record per line; flushed per article so a reader downstream sees results as they come."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, article: Article, records: Sequence[QuoteRecord]) -> None:
        for record in records:
            self.stream.write(record.to_json() + "\n")
        self.stream.flush()

    def close(self) -> None:
        self.stream.flush()


class TableSink:
    """All records in one rich table, printed when the sink closes (column widths need every row)."""

    def __init__(self, stream: TextIO) -> None:
        is_terminal = bool(getattr(stream, "isatty", lambda: False)())
        self.console = Console(file=stream, width=None if is_terminal else PIPE_WIDTH, highlight=False)
        self.rows: list[tuple[str, QuoteRecord]] = []
        self.n_articles = 0

    def write(self, article: Article, records: Sequence[QuoteRecord]) -> None:
        self.n_articles += 1
        self.rows.extend((article.id, record) for record in records)

    def close(self) -> None:
        articles = f"{self.n_articles} article{'s' if self.n_articles != 1 else ''}"
        if not self.rows:
            self.console.print(Text(f"No quotes found in {articles}."))
            return
        table = Table(caption=f"{len(self.rows)} quotes in {articles}", show_lines=False)
        table.add_column("doc", max_width=30, overflow="fold")
        table.add_column("kind")
        table.add_column("speaker")
        table.add_column("cue")
        table.add_column("quote")
        table.add_column("conf", justify="right")
        # Text, never str: a quote holding '[bold]' must print as written, not as rich markup.
        for doc_id, record in self.rows:
            table.add_row(
                Text(doc_id),
                Text(record.kind),
                _speaker_cell(record),
                Text(record.cue or ""),
                Text(shorten(record.text, QUOTE_WIDTH)),
                Text(f"{record.confidence:.2f}"),
            )
        self.console.print(table)


def _speaker_cell(record: QuoteRecord) -> Text:
    """The canonical speaker, else the mention as written (dimmed: not resolved to anyone)."""
    if record.speaker:
        return Text(record.speaker)
    if record.mention:
        return Text(record.mention, style="dim italic")
    return Text("")


def shorten(text: str, width: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``width`` characters with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    cut = flat[: width - 1]
    space = cut.rfind(" ")
    if flat[len(cut)] != " " and space > width // 2:  # mid-word: back up to the last whole word
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


@contextmanager
def write_records(stream: TextIO, fmt: str) -> Iterator[RecordSink]:
    """A sink writing records to ``stream`` as ``fmt`` ('jsonl' or 'table'); flushed or printed on exit."""
    sink: JsonlSink | TableSink
    if fmt == "jsonl":
        sink = JsonlSink(stream)
    elif fmt == "table":
        sink = TableSink(stream)
    else:
        raise ValueError(f"unknown output format {fmt!r}; use one of: {', '.join(FORMATS)}")
    try:
        yield sink
    finally:
        # Printed even when the run is interrupted: the quotes found so far are still worth showing.
        sink.close()
