"""Output sinks: JSON lines that parse back into QuoteRecords, and a table people can read."""

from __future__ import annotations

import io
import json

import pytest

from quotegraph.output import shorten, write_records
from quotegraph.record import Article, QuoteRecord

LONG_QUOTE = (
    "We are going to build the bridge, and we are going to build it on time, whatever the weather does and "
    "whatever the council decides next spring"
)


def article_and_records() -> tuple[Article, list[QuoteRecord]]:
    text = (
        "date 2019-01-07 Mayor promises bridge\n"
        f'"{LONG_QUOTE}," Mayor Jane Doe said. "Ask [bold]them[/bold]," she added.\n'
    )
    article = Article(
        id="2019-01-07-bridge",
        text=text,
        headline_span=(16, 37),
        body_span=(38, len(text) - 1),
        date="2019-01-07",
        title="Mayor promises bridge",
    )
    first = text.index(LONG_QUOTE)
    second = text.index("Ask [bold]")
    records = [
        QuoteRecord(
            doc_id=article.id,
            text=LONG_QUOTE,
            start=first,
            end=first + len(LONG_QUOTE),
            kind="direct",
            cue="said",
            mention="Mayor Jane Doe",
            speaker="Jane Doe",
            speaker_type="person",
            confidence=0.93,
            date="2019-01-07",
            evidence=["name"],
        ),
        QuoteRecord(
            doc_id=article.id,
            text="Ask [bold]them[/bold],",
            start=second,
            end=second + len("Ask [bold]them[/bold],"),
            kind="direct",
            cue="added",
            mention="she",
            confidence=0.5,
        ),
    ]
    for record in records:
        assert text[record.start : record.end] == record.text
    return article, records


def test_jsonl_lines_parse_back_to_the_records() -> None:
    article, records = article_and_records()
    stream = io.StringIO()
    with write_records(stream, "jsonl") as sink:
        sink.write(article, records)
        sink.write(Article.from_text("No quotes here.", id="empty"), [])
    lines = stream.getvalue().splitlines()
    assert len(lines) == len(records)
    assert [QuoteRecord.model_validate_json(line) for line in lines] == records
    assert [json.loads(line) for line in lines] == [record.to_dict() for record in records]
    assert stream.getvalue().endswith("\n")


def test_jsonl_keeps_non_ascii_text_readable() -> None:
    article = Article.from_text("\u201cCaf\u00e9,\u201d he said.", id="cafe")
    record = QuoteRecord(doc_id="cafe", text="Caf\u00e9,", start=1, end=6, kind="direct", confidence=0.9)
    stream = io.StringIO()
    with write_records(stream, "jsonl") as sink:
        sink.write(article, [record])
    assert '"text": "Caf\u00e9,"' in stream.getvalue()


def render_table(*batches: tuple[Article, list[QuoteRecord]]) -> str:
    stream = io.StringIO()
    with write_records(stream, "table") as sink:
        for article, records in batches:
            sink.write(article, records)
    return stream.getvalue()


def test_table_shows_doc_speaker_cue_quote_and_confidence() -> None:
    article, records = article_and_records()
    out = render_table((article, records))
    assert "2019-01-07-bridge" in out
    assert "Jane Doe" in out
    assert "said" in out and "added" in out
    assert "0.93" in out and "0.50" in out
    assert "direct" in out
    assert "We are going to build the bridge" in out
    assert "2 quotes in 1 article" in out


def test_table_falls_back_to_the_mention_and_prints_markup_literally() -> None:
    out = render_table(article_and_records())
    assert "she" in out.split("added")[0].splitlines()[-1]  # the unresolved speaker, on the 'added' row
    assert "Ask [bold]them[/bold]," in out


def test_table_shortens_long_quotes_and_has_a_fixed_width_off_a_terminal() -> None:
    out = render_table(article_and_records())
    assert LONG_QUOTE not in " ".join(out.split())
    assert "\u2026" in out
    assert max(len(line) for line in out.splitlines()) <= 160
    assert out == render_table(article_and_records())
    assert "\x1b[" not in out  # no colour codes in a file


def test_table_without_quotes_says_so() -> None:
    out = render_table((Article.from_text("Nothing quoted.", id="a"), []), (Article.from_text("Nor.", id="b"), []))
    assert out.strip() == "No quotes found in 2 articles."


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown output format 'csv'"), write_records(io.StringIO(), "csv"):
        pass


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("short", "short"),
        ("spread\n  over\tlines", "spread over lines"),
        ("word " * 30, ("word " * 16).strip() + "\u2026"),
        ("abcdef " * 20, ("abcdef " * 11).strip() + "\u2026"),
        ("x" * 100, "x" * 79 + "\u2026"),
    ],
)
def test_shorten(text: str, expected: str) -> None:
    assert shorten(text, 80) == expected
    assert len(expected) <= 80
