"""What ``quotegraph trace`` does (cli.py only parses): rebuild the quote groups, or trace words to their groups.

Exit codes: 0 done (also when nothing matched: the output says so), 1 the store cannot be opened or used, 2 bad
input. Everything from an article is printed as rich ``Text``, never parsed as markup.
"""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

from quotegraph.store.db import StoreError, open_store
from quotegraph.store.quote_groups import (
    AUTO_REBUILD_QUOTES,
    TraceResult,
    index_state,
    rebuild,
    trace_quote,
    trace_words,
)
from quotegraph.trace import QuoteGroup, VariantDiff

DIFF_STYLES = {
    "equal": "",
    "case": "yellow",
    "replace": "bold red",
    "insert": "bold green",
    "delete": "red strike",
    "omitted": "dim",
    "outside": "dim",
    "extra": "cyan",
}


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def run_trace(
    words: str | None,
    db: str | None,
    output_format: str,
    *,
    rebuild_index: bool = False,
    quote_id: int | None = None,
) -> int:
    if not rebuild_index and not (words and words.strip()) and quote_id is None:
        _stderr().print(
            Text('error: give the words of a quote (quotegraph trace "words"), --quote ID or --rebuild')
        )
        return 2
    try:
        store = open_store(db)
    except StoreError as exc:
        _stderr().print(Text(f"error: {exc}"))
        return 1
    try:
        with store.session() as session:
            state = index_state(session)
            n_quotes = state.quotes
            if not state.fresh:
                from sqlalchemy import func, select

                from quotegraph.store.models import quotes

                n_quotes = int(session.execute(select(func.count()).select_from(quotes)).scalar_one())
        if rebuild_index or (not state.fresh and n_quotes <= AUTO_REBUILD_QUOTES):
            if not rebuild_index:
                _stderr().print(
                    Text(
                        f"quotegraph: grouping the store's {n_quotes:,} quotes (quote groups were not up to date)"
                    )
                )
            summary = rebuild(store, progress=lambda m: _stderr().print(Text(f"quotegraph: {m}")))
            _stderr().print(
                Text(
                    f"quotegraph: {summary.quotes:,} quotes grouped in {summary.seconds:.1f} s: "
                    f"{summary.groups:,} groups of two or more ({summary.grouped_quotes:,} quotes)"
                )
            )
            if rebuild_index and not words and quote_id is None:
                return 0
        elif not state.fresh:
            _stderr().print(
                Text(
                    "quotegraph: quote groups are older than the store; new quotes join by full-text match only."
                    " Run `quotegraph trace --rebuild`."
                )
            )
        with store.session() as session:
            if quote_id is not None:
                result = trace_quote(session, quote_id)
                if result is None:
                    _stderr().print(Text(f"error: no quote {quote_id}"))
                    return 2
            else:
                result = trace_words(session, words or "")
    except StoreError as exc:
        _stderr().print(Text(f"error: {exc}"))
        return 1
    finally:
        store.close()
    if output_format == "json":
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_table(result)
    return 0


def diff_text(diff: VariantDiff) -> Text:
    """A variant as rich Text: changed words coloured, words an ellipsis stands for in brackets."""
    text = Text()
    for piece in diff.pieces:
        if text:
            text.append(" ")
        if piece.op in ("equal", "case", "insert", "extra"):
            text.append(piece.variant, style=DIFF_STYLES[piece.op])
        elif piece.op == "replace":
            text.append(piece.reference, style="red strike")
            text.append(" ")
            text.append(piece.variant, style="bold green")
        elif piece.op == "delete":
            text.append(piece.reference, style=DIFF_STYLES["delete"])
        elif piece.op == "omitted":
            text.append(f"[\u2026 {piece.reference}]", style="dim")
        elif piece.op == "outside":
            text.append(f"({piece.reference})", style="dim")
    return text


def print_table(result: TraceResult, console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    if not result.groups:
        console.print(Text(f"No quote found for: {result.query}"))
        return
    for number, group in enumerate(result.groups, 1):
        _print_group(console, number, group, result)


def _print_group(console: Console, number: int, group: QuoteGroup, result: TraceResult) -> None:
    first = group.first.item
    header = Text(f"{number}. ", style="bold")
    header.append(f"{len(group.appearances)} appearance(s) in {len(group.outlets) or 1} outlet(s); first ")
    header.append(f"{first.date or 'undated'}", style="bold")
    header.append(f" in {first.outlet or 'an unnamed outlet'}")
    if first.title:
        header.append(f" ({first.title})", style="italic")
    console.print(header)
    console.print(Text("   earliest full form: ", style="dim") + Text(f"\u201c{group.reference_text}\u201d"))
    speakers = ", ".join(f"{name} ({count})" for name, count in group.speakers) or "unresolved"
    line = Text("   attributed to: ", style="dim") + Text(speakers)
    if group.misattribution:
        line.append("  MISATTRIBUTION: attributed to different people", style="bold red")
    console.print(line)
    table = Table(show_edge=False, pad_edge=False, expand=False)
    for column in ("date", "outlet", "speaker", "change", "words (diff against the earliest full form)"):
        table.add_column(column, overflow="fold")
    for appearance in group.appearances:
        item = appearance.item
        label = "reference" if appearance.is_reference else appearance.diff.label
        style = "bold red" if appearance.diff.altered else ("yellow" if appearance.diff.omission else "")
        table.add_row(
            Text(item.date or "-"),
            Text(item.outlet or "-"),
            Text(item.record.speaker or item.record.mention or "-"),
            Text(label + (" (headline)" if item.record.in_headline else ""), style=style),
            diff_text(appearance.diff) if not appearance.is_reference else Text(item.record.text),
        )
    console.print(table)
    for headline, body in group.headline_links:
        text = result.headlines.get(int(str(headline)), {}).get("text")
        if text:
            console.print(
                Text("   headline ", style="dim")
                + Text(f"\u201c{text}\u201d")
                + Text(f" condenses quote {body}", style="dim")
            )
    console.print()
