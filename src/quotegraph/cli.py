"""The ``quotegraph`` command: one subcommand per verb, thin over the modules that do the work."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="quotegraph",
    help="Who said what, about whom, and when: quotes in news articles, attributed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
eval_app = typer.Typer(help="Measure quotegraph against gold annotations.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


class OutputFormat(str, Enum):
    jsonl = "jsonl"
    table = "table"


def _err(message: str) -> None:
    typer.echo(message, err=True)


@app.command()
def extract(
    paths: Annotated[list[str], typer.Argument(help="files, directories (recursive) or - for standard input")],
    format: Annotated[OutputFormat, typer.Option("--format", "-f", help="jsonl for tools, table for people")] = (
        OutputFormat.jsonl
    ),
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write here instead of stdout")] = None,
    batch_size: Annotated[int, typer.Option(help="articles per spaCy batch")] = 16,
) -> None:
    """Find and attribute every quote in the given articles.

    Exit code 0 when every file was processed, 2 when some failed (each failure is one line on stderr).
    """
    from quotegraph.output import write_records
    from quotegraph.pipeline import ExtractionError, Extractor
    from quotegraph.readers import ReadError, read_paths

    extractor = Extractor()
    failures = 0
    n_articles = 0
    n_quotes = 0
    speakers: dict[str, int] = {}
    articles = []

    def good_articles():  # reader errors are reported as they come, the batch goes on
        nonlocal failures
        for item in read_paths(paths):
            if isinstance(item, ReadError):
                failures += 1
                _err(f"error: {item}")
            else:
                yield item

    out = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        with write_records(out, format.value) as sink:
            for article, result in extractor.extract_many(good_articles(), batch_size=batch_size):
                if isinstance(result, ExtractionError):
                    failures += 1
                    _err(f"error: {article.path or article.id}: {result.reason}")
                    continue
                n_articles += 1
                n_quotes += len(result)
                for record in result:
                    if record.speaker:
                        speakers[record.speaker] = speakers.get(record.speaker, 0) + 1
                sink.write(article, result)
                articles.append(article.id)
    finally:
        if output:
            out.close()
    if output:
        top = sorted(speakers.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        top_text = ", ".join(f"{name} ({count})" for name, count in top) or "none"
        _err(
            f"quotegraph: {n_quotes} quotes in {n_articles} articles"
            f"{f', {failures} failed' if failures else ''}; most quoted: {top_text}"
        )
        _err(f"quotegraph: output written to {output}")
    raise typer.Exit(2 if failures else 0)


@app.command()
def schema() -> None:
    """Print the JSON Schema of one quote record."""
    from quotegraph.record import quote_record_schema

    typer.echo(json.dumps(quote_record_schema(), indent=2))


class Split(str, Enum):
    dev = "dev"
    test = "test"


@eval_app.command("polnear")
def eval_polnear(
    split: Annotated[Split, typer.Option(help="dev for tuning; test only for reported figures")] = Split.dev,
    data: Annotated[
        Path | None, typer.Option(help="the shared data folder (default: ../shared/data beside the project)")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="also write the scores as JSON")] = None,
) -> None:
    """PolNeAR: the CofeNet sentence-level BIO protocol and article-level exact span F1."""
    from quotegraph.evaluate.polnear import run_polnear_eval

    raise typer.Exit(run_polnear_eval(split.value, data, output))


@app.command()
def bench(
    corpus: Annotated[Path | None, typer.Option(help="folder of articles (default: the shared BBC corpus)")] = None,
    limit: Annotated[int, typer.Option(help="articles to use")] = 500,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="also write the figures as JSON")] = None,
) -> None:
    """Articles/s and words/s of extract against the bare spaCy pipeline, in the same run; peak memory."""
    from quotegraph.bench import run_bench

    raise typer.Exit(run_bench(corpus, limit, output))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
