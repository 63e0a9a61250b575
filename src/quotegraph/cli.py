"""The ``quotegraph`` command: one subcommand per verb, thin over the modules that do the work."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from quotegraph.readers import ReaderOptions
    from quotegraph.record import Article

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


def _read_articles(paths: list[str]) -> tuple[list[Article], int]:
    """All readable articles of ``paths``; each unreadable one is reported on stderr and counted."""
    from quotegraph.readers import ReadError, read_paths

    articles: list[Article] = []
    failures = 0
    for item in read_paths(paths):
        if isinstance(item, ReadError):
            failures += 1
            _err(f"error: {item}")
        else:
            articles.append(item)
    return articles, failures


# ===== input formats (issue 6): reader options shared by extract (and later ingest, spark) =====


class InputFormat(str, Enum):
    text = "text"
    html = "html"
    warc = "warc"
    jsonl = "jsonl"
    csv = "csv"
    tsv = "tsv"


_FIELD_HELP = "JSONL key / CSV column of the {what}, or names to try, comma-separated"
InputFormatOption = Annotated[
    InputFormat | None,
    typer.Option("--input-format", help="read every input as this format (default: by file name; stdin: text)"),
]
TextFieldOption = Annotated[
    str | None,
    typer.Option("--text-field", help=_FIELD_HELP.format(what="text") + " (default: text,body,content)"),
]
TitleFieldOption = Annotated[
    str | None,
    typer.Option("--title-field", help=_FIELD_HELP.format(what="title") + " (default: title,headline)"),
]
DateFieldOption = Annotated[
    str | None,
    typer.Option("--date-field", help=_FIELD_HELP.format(what="date") + " (default: date,published,...)"),
]
UrlFieldOption = Annotated[
    str | None, typer.Option("--url-field", help=_FIELD_HELP.format(what="URL") + " (default: url)")
]
OutletFieldOption = Annotated[
    str | None,
    typer.Option("--outlet-field", help=_FIELD_HELP.format(what="outlet") + " (default: source,outlet,site)"),
]
IdFieldOption = Annotated[
    str | None,
    typer.Option("--id-field", help=_FIELD_HELP.format(what="id") + " (default: id, else from URL or line)"),
]


def _reader_options(
    input_format: InputFormat | None,
    text_field: str | None,
    title_field: str | None,
    date_field: str | None,
    url_field: str | None,
    outlet_field: str | None,
    id_field: str | None,
) -> ReaderOptions:
    from dataclasses import replace

    from quotegraph.readers import ReaderOptions

    options = ReaderOptions.from_field_options(
        text=text_field, title=title_field, date=date_field, url=url_field, outlet=outlet_field, id=id_field
    )
    return replace(options, format=input_format.value if input_format else None)


# ===== end of input formats =====


@app.command()
def extract(
    paths: Annotated[list[str], typer.Argument(help="files, directories (recursive) or - for standard input")],
    format: Annotated[OutputFormat, typer.Option("--format", "-f", help="jsonl for tools, table for people")] = (
        OutputFormat.jsonl
    ),
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write here instead of stdout")] = None,
    batch_size: Annotated[int, typer.Option(help="articles per spaCy batch")] = 16,
    input_format: InputFormatOption = None,
    text_field: TextFieldOption = None,
    title_field: TitleFieldOption = None,
    date_field: DateFieldOption = None,
    url_field: UrlFieldOption = None,
    outlet_field: OutletFieldOption = None,
    id_field: IdFieldOption = None,
) -> None:
    """Find and attribute every quote in the given articles.

    Reads text, HTML (.html, .htm), WARC (.warc, .warc.gz), JSONL (.jsonl, .ndjson) and CSV/TSV files, each
    also gzipped; directories recursively. See docs/readers.md.

    Exit code 0 when every file was processed, 2 when some failed (each failure is one line on stderr).
    """
    from quotegraph.output import write_records
    from quotegraph.pipeline import ExtractionError, Extractor
    from quotegraph.readers import ReadError, read_paths

    reader_options = _reader_options(
        input_format, text_field, title_field, date_field, url_field, outlet_field, id_field
    )
    extractor = Extractor()
    failures = 0
    n_articles = 0
    n_quotes = 0
    speakers: dict[str, int] = {}
    articles = []

    def good_articles() -> Iterator[Article]:  # reader errors are reported as they come, the batch goes on
        nonlocal failures
        for item in read_paths(paths, reader_options):
            if isinstance(item, ReadError):
                failures += 1
                _err(f"error: {item}")
            else:
                yield item

    try:
        if output:
            output.parent.mkdir(parents=True, exist_ok=True)
        out = output.open("w", encoding="utf-8") if output else sys.stdout
    except OSError as exc:
        _err(f"error: cannot write {output}: {exc.strerror or exc}")
        raise typer.Exit(2) from None
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
def explain(
    paths: Annotated[list[str], typer.Argument(help="files, directories (recursive) or - for standard input")],
    quote: Annotated[int | None, typer.Option(help="only the quote with this index in its article")] = None,
) -> None:
    """Show how each quote was attributed: the cue, the mention and the chain from mention to speaker."""
    from rich.console import Console

    from quotegraph.pipeline import ExtractionError, Extractor

    console = Console(highlight=False)
    articles, failures = _read_articles(paths)
    for article, result in Extractor().extract_many(articles):
        if isinstance(result, ExtractionError):
            failures += 1
            _err(f"error: {article.path or article.id}: {result.reason}")
            continue
        console.print(f"[bold]{article.id}[/bold] ({len(result)} quotes)")
        for i, r in enumerate(result):
            if quote is not None and i != quote:
                continue
            speaker = r.speaker or ("anonymous" if r.speaker_type == "anonymous" else "unresolved")
            console.print(f"  [{i}] {r.kind}{' (headline)' if r.in_headline else ''}: ", end="")
            console.print(repr(r.text[:200]), markup=False)
            console.print(f"      cue {r.cue!r} at {r.cue_start}; mention {r.mention!r} at {r.mention_start}", markup=False)
            console.print(f"      speaker: {speaker} ({r.speaker_type}), confidence {r.confidence:.2f}", markup=False)
            for step in r.evidence:
                console.print(f"        - {step}", markup=False)
            if r.about:
                console.print(f"      about: {', '.join(r.about)}", markup=False)
    raise typer.Exit(2 if failures else 0)


@app.command()
def registry(
    paths: Annotated[list[str], typer.Argument(help="files, directories (recursive) or - for standard input")],
    kb: Annotated[Path | None, typer.Option(help="a knowledge-base file (JSON lines: id, label, aliases)")] = None,
    max_gap_days: Annotated[int, typer.Option(help="how far apart in time a bare surname may join a name")] = 365,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write the entities as JSON here")] = None,
) -> None:
    """One entity per speaker across the given articles: names, aliases, article counts, merges and their reasons."""
    import datetime

    from rich.console import Console
    from rich.table import Table

    from quotegraph.pipeline import ExtractionError, Extractor
    from quotegraph.registry import Appearance, SpeakerRegistry

    articles, failures = _read_articles(paths)
    facts = []
    for article, result in Extractor().extract_many(articles):
        if isinstance(result, ExtractionError):
            failures += 1
            _err(f"error: {article.path or article.id}: {result.reason}")
            continue
        date = datetime.date.fromisoformat(article.date) if article.date else None
        for r in result:
            if r.speaker and r.speaker_type in ("person", "organization"):
                facts.append(Appearance(r.speaker, r.speaker_type, article.id, article.outlet, date, r.mention))
    built = SpeakerRegistry.build(facts, max_gap_days=max_gap_days)
    if kb is not None:
        _err(f"quotegraph: {built.link_knowledge_base(kb)} entities linked to {kb}")
    entities = built.to_list()
    listed = sorted(built.entities.values(), key=lambda e: (-len(e.articles), e.name))
    if output:
        output.write_text(json.dumps(entities, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    table = Table(title=f"{len(entities)} speakers in {len(articles)} articles")
    for column in ("speaker", "type", "articles", "quotes", "aliases", "kb"):
        table.add_column(column)
    for e in listed[:50]:
        aliases = ", ".join(a for a in e.aliases if a != e.name)
        table.add_row(e.name, e.speaker_type, str(len(e.articles)), str(e.quotes), aliases[:60], e.kb_id or "")
    Console(highlight=False).print(table)
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
    include_beliefs: Annotated[
        bool,
        typer.Option(help="PolNeAR's scope: also beliefs, intentions and evidence ('X believes', 'the study found')"),
    ] = False,
) -> None:
    """PolNeAR: the CofeNet sentence-level BIO protocol and article-level exact span F1 (default pipeline)."""
    from quotegraph.evaluate.polnear import run_polnear_eval

    predict = None
    if include_beliefs:
        from quotegraph.pipeline import Extractor

        predict = Extractor(include_beliefs=True).extract_many
    raise typer.Exit(run_polnear_eval(split.value, data, output, predict=predict))


# ===== eval html (issue 6): HTML body-text extraction on the article-extraction benchmark =====


@eval_app.command("html")
def eval_html(
    data: Annotated[
        Path | None,
        typer.Option(help="the benchmark folder, or the shared data folder (default: ../shared/data/html/...)"),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="also write the scores as JSON")] = None,
    system: Annotated[
        list[str] | None, typer.Option(help="systems to score (default all: quotegraph, trafilatura, naive)")
    ] = None,
    limit: Annotated[int, typer.Option(help="pages to use (0 = all 181)")] = 0,
) -> None:
    """HTML body text: shingle and token precision, recall, F1 of the reader, trafilatura and a naive baseline."""
    from quotegraph.evaluate.html import SYSTEMS, run_html_eval

    raise typer.Exit(run_html_eval(data, output, tuple(system or SYSTEMS), limit))


# ===== end of eval html =====


@eval_app.command("speakers")
def eval_speakers(
    gold: Annotated[Path | None, typer.Option(help="the gold folder (default: eval/wikinews-gold)")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="also write the scores as JSON")] = None,
) -> None:
    """Quotes found (P/R/F1 at 0.3 and 0.8 token overlap) and speakers right, on the Wikinews gold set."""
    from quotegraph.evaluate.speakers import run_speakers_eval

    raise typer.Exit(run_speakers_eval(gold, output))


@app.command()
def calibrate(
    data: Annotated[
        Path | None, typer.Option(help="the shared data folder (default: ../shared/data beside the project)")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="where to write the table")] = None,
) -> None:
    """Refit the confidence table: rules' records on PolNeAR train, the tagger's on dev (run after `train`)."""
    from quotegraph.calibration import CALIBRATION_FILE
    from quotegraph.evaluate.calibrate import fit_on_splits, write_calibration
    from quotegraph.evaluate.polnear import find_shared_data

    root, looked = find_shared_data(data)
    if root is None:
        _err("quotegraph: PolNeAR data not found (give --data); looked in: " + ", ".join(map(str, looked)))
        raise typer.Exit(2)
    table = fit_on_splits(root / "polnear" / "data" / "train", root / "polnear" / "data" / "dev")
    target = output or Path(__file__).parent / "resources" / CALIBRATION_FILE
    write_calibration(table, target)
    _err(f"quotegraph: calibration fitted on {table['fitted_on']} ({table['samples']} records); written to {target}")


@app.command()
def train(
    data: Annotated[
        Path | None, typer.Option(help="the shared data folder (default: ../shared/data beside the project)")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="where to write the weights")] = None,
    epochs: Annotated[int, typer.Option(help="passes over PolNeAR train; the best on dev is kept")] = 8,
    cache_dir: Annotated[Path, typer.Option(help="parsed features are kept here between runs")] = Path(
        ".cache/quotegraph-train"
    ),
    threads: Annotated[int | None, typer.Option(help="torch CPU threads (default: torch's choice)")] = None,
    device: Annotated[str, typer.Option(help="cpu, or cuda on a GPU machine")] = "cpu",
) -> None:
    """Train the attribution tagger on PolNeAR train (epoch chosen on dev; test never read) and write its weights.

    With no --output this replaces the shipped model (src/quotegraph/resources/model/); then run
    `quotegraph calibrate` and `quotegraph eval polnear --split dev`.
    """
    from quotegraph.evaluate.polnear import find_shared_data
    from quotegraph.model.tagger import DEFAULT_WEIGHTS
    from quotegraph.model.train import train as run_training

    root, looked = find_shared_data(data)
    if root is None or not (root / "polnear" / "data" / "train").is_dir():
        _err("quotegraph: PolNeAR data not found (give --data); looked in: " + ", ".join(map(str, looked)))
        raise typer.Exit(2)
    if epochs < 1:
        _err("quotegraph: --epochs must be at least 1")
        raise typer.Exit(2)
    target = output or DEFAULT_WEIGHTS
    report = run_training(
        root, target, cache_dir=cache_dir, epochs=epochs, threads=threads, device=device, log=_err
    )
    best = report["best"]
    _err(
        f"quotegraph: best dev epoch {best['epoch']} (source {best['source']:.3f}, cue {best['cue']:.3f}, "
        f"content {best['content']:.3f}); weights written to {target}"
    )


@app.command()
def bench(
    corpus: Annotated[Path | None, typer.Option(help="folder of articles (default: the shared BBC corpus)")] = None,
    limit: Annotated[int, typer.Option(help="articles to use")] = 500,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="also write the figures as JSON")] = None,
) -> None:
    """Articles/s and words/s of extract against the bare spaCy pipeline, in the same run; peak memory."""
    from quotegraph.bench import run_bench

    raise typer.Exit(run_bench(corpus, limit, output))


# ===== store, search and the explorer (issue 5): thin over quotegraph.store.commands and quotegraph.api =====

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="database URL or SQLite file (default: $QUOTEGRAPH_DB, else quotegraph.db here)", show_default=False
    ),
]


class QuoteKindChoice(str, Enum):
    direct = "direct"
    indirect = "indirect"
    mixed = "mixed"


class SortChoice(str, Enum):
    relevance = "relevance"
    newest = "newest"
    oldest = "oldest"


class ListFormat(str, Enum):
    table = "table"
    jsonl = "jsonl"


class ShowFormat(str, Enum):
    text = "text"
    json = "json"


class ExportFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


class SpeakerTypeChoice(str, Enum):
    person = "person"
    organization = "organization"
    anonymous = "anonymous"
    unknown = "unknown"


class SpeakerSortChoice(str, Enum):
    quotes = "quotes"
    name = "name"
    recent = "recent"


SpeakerFilter = Annotated[str | None, typer.Option("--speaker", help="said by: whole words of a name or an alias")]
AboutFilter = Annotated[str | None, typer.Option("--about", help="about: whole words of a name")]
SinceFilter = Annotated[str | None, typer.Option("--since", help="articles dated on or after YYYY-MM-DD")]
UntilFilter = Annotated[str | None, typer.Option("--until", help="articles dated on or before YYYY-MM-DD")]
OutletFilter = Annotated[str | None, typer.Option("--outlet", help="the outlet's name")]
KindFilter = Annotated[QuoteKindChoice | None, typer.Option("--kind", help="direct, indirect or mixed")]


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="files, directories (recursive) or - for standard input")],
    db: DbOption = None,
    outlet: Annotated[str | None, typer.Option(help="the outlet of articles that do not name one")] = None,
    batch_size: Annotated[int, typer.Option(help="articles per batch (extracted together, committed together)")] = 16,
    workers: Annotated[
        int, typer.Option(help="processes that extract, each loading the model once (1: no extra process)")
    ] = 1,
    input_format: InputFormatOption = None,
    text_field: TextFieldOption = None,
    title_field: TitleFieldOption = None,
    date_field: DateFieldOption = None,
    url_field: UrlFieldOption = None,
    outlet_field: OutletFieldOption = None,
    id_field: IdFieldOption = None,
) -> None:
    """Extract quotes from articles and store them; articles already stored (same text) are skipped.

    Reads what `quotegraph extract` reads, with the same --input-format and field options. Safe to stop and run
    again: every finished batch is committed, and a rerun resumes. Articles that fail are kept with the reason
    and retried by the next run. The store ends the same whatever --workers is. Exit code 2 when some inputs
    failed.
    """
    from quotegraph.store.commands import run_ingest

    options = _reader_options(input_format, text_field, title_field, date_field, url_field, outlet_field, id_field)
    raise typer.Exit(run_ingest(paths, db, outlet, batch_size, workers=workers, options=options))


@app.command()
def search(
    words: Annotated[str | None, typer.Argument(help='words the quote contains; "a phrase" in quotes')] = None,
    speaker: SpeakerFilter = None,
    about: AboutFilter = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
    outlet: OutletFilter = None,
    kind: KindFilter = None,
    sort: Annotated[SortChoice, typer.Option(help="oldest finds who said it first")] = SortChoice.relevance,
    page: Annotated[int, typer.Option(help="page of results")] = 1,
    limit: Annotated[int, typer.Option(help="results per page (at most 100)")] = 20,
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="table for people, jsonl for tools")] = (
        ListFormat.table
    ),
    db: DbOption = None,
) -> None:
    """Search stored quotes by words, speaker, subject, date, outlet and kind."""
    from quotegraph.store.commands import run_search

    filters = _quote_filters(words, speaker, about, since, until, outlet, kind)
    filters.update(sort=sort.value, page=page, page_size=limit)
    raise typer.Exit(run_search(filters, db, format.value))



def _quote_filters(
    words: str | None, speaker: str | None, about: str | None, since: str | None, until: str | None,
    outlet: str | None, kind: QuoteKindChoice | None,
) -> dict[str, object]:
    """The filters search and export share, as store.commands takes them."""
    return {"q": words, "speaker": speaker, "about": about, "since": since, "until": until, "outlet": outlet,
            "kind": kind.value if kind else None}

@app.command()
def speakers(
    name: Annotated[str | None, typer.Option(help="only speakers with this name (whole words) or alias")] = None,
    type: Annotated[SpeakerTypeChoice | None, typer.Option("--type", help="person, organization, ...")] = None,
    sort: Annotated[SpeakerSortChoice, typer.Option(help="quotes (most first), name, or recent")] = (
        SpeakerSortChoice.quotes
    ),
    limit: Annotated[int, typer.Option(help="speakers per page")] = 50,
    page: Annotated[int, typer.Option(help="page")] = 1,
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="table for people, jsonl for tools")] = (
        ListFormat.table
    ),
    db: DbOption = None,
) -> None:
    """List the speakers in the store, most quoted first."""
    from quotegraph.store.commands import run_speakers

    raise typer.Exit(run_speakers(db, name, type.value if type else None, sort.value, limit, page, format.value))


@app.command()
def show(
    article: Annotated[str, typer.Argument(help="the article's id, content hash (8+ characters), doc id or path")],
    format: Annotated[ShowFormat, typer.Option("--format", "-f", help="text for people, json for tools")] = (
        ShowFormat.text
    ),
    db: DbOption = None,
) -> None:
    """Show one stored article with its quotes marked, and the evidence for each attribution."""
    from quotegraph.store.commands import run_show

    raise typer.Exit(run_show(article, db, format.value))


@app.command()
def export(
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="jsonl, csv or parquet")] = ExportFormat.jsonl,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write here (required for parquet)")] = None,
    words: Annotated[str | None, typer.Option("--q", help="only quotes with these words")] = None,
    speaker: SpeakerFilter = None,
    about: AboutFilter = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
    outlet: OutletFilter = None,
    kind: KindFilter = None,
    db: DbOption = None,
) -> None:
    """Write stored quotes as quote records: JSON lines, CSV, or Parquet (pip install 'quotegraph[parquet]')."""
    from quotegraph.store.commands import run_export

    filters = _quote_filters(words, speaker, about, since, until, outlet, kind)
    raise typer.Exit(run_export(format.value, output, filters, db))


@app.command()
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    token: Annotated[
        str | None,
        typer.Option(envvar="QUOTEGRAPH_TOKEN", help="allow POST /api/ingest with this bearer token", show_default=False),
    ] = None,
    workers: Annotated[int, typer.Option(help="worker processes (about one per core)")] = 1,
    cache_size: Annotated[int, typer.Option(help="cached answers per worker (0: no cache)")] = 4096,
) -> None:
    """Serve the HTTP API (/api/..., schema at /openapi.json) and the web explorer (/)."""
    from quotegraph.store.commands import run_serve

    raise typer.Exit(run_serve(db, host, port, token, workers, cache_size))


# ===== end of the store section =====


# ===== spark (issue 6): quotegraph on Apache Spark, thin over quotegraph.spark =====


@app.command()
def spark(
    inputs: Annotated[
        list[str], typer.Argument(help="input files or folders (WARC, JSONL, CSV, HTML, text): any Hadoop path")
    ],
    output: Annotated[str, typer.Argument(help="output folder: quotes/, speakers/, articles/, errors/ (Parquet)")],
    master: Annotated[
        str | None,
        typer.Option(help="Spark master: local[2], spark://host:7077 (default: spark-submit's, else local[*])"),
    ] = None,
    partitions: Annotated[
        int | None, typer.Option(help="partitions the articles are spread over (default: 2 x the cores)")
    ] = None,
    batch_size: Annotated[int, typer.Option(help="articles per spaCy batch")] = 16,
    overwrite: Annotated[bool, typer.Option(help="replace an existing output folder")] = False,
    input_format: InputFormatOption = None,
    text_field: TextFieldOption = None,
    title_field: TitleFieldOption = None,
    date_field: DateFieldOption = None,
    url_field: UrlFieldOption = None,
    outlet_field: OutletFieldOption = None,
    id_field: IdFieldOption = None,
) -> None:
    """Extract on Apache Spark: quote records as Parquet partitioned by date, plus the merged speaker registry.

    Same records as `quotegraph extract` on the same input. Needs the spark extra (pip install
    'quotegraph\\[spark]') and Java 17. Exit code 0, or 2 when some records failed (see OUTPUT/errors). The
    spark-submit recipe: docs/spark.md.
    """
    import importlib.util

    from quotegraph.spark import run_spark_cli

    if importlib.util.find_spec("pyspark") is None:  # pyspark is an optional extra
        _err("quotegraph: Spark is not installed; pip install 'quotegraph[spark]' (and Java 17)")
        raise typer.Exit(2)
    if partitions is not None and partitions < 1:
        _err("quotegraph: --partitions must be at least 1")
        raise typer.Exit(2)
    options = _reader_options(input_format, text_field, title_field, date_field, url_field, outlet_field, id_field)
    raise typer.Exit(
        run_spark_cli(
            inputs,
            output,
            master=master,
            options=options,
            partitions=partitions,
            batch_size=batch_size,
            overwrite=overwrite,
        )
    )


# ===== end of spark =====


# ===== quote tracing (issue 7): thin over quotegraph.store.trace_commands and quotegraph.evaluate.trace =====


class TraceFormat(str, Enum):
    table = "table"
    json = "json"


@app.command()
def trace(
    words: Annotated[str | None, typer.Argument(help="words of the quote (a fragment is enough)")] = None,
    db: DbOption = None,
    format: Annotated[TraceFormat, typer.Option("--format", "-f", help="table for people, json for tools")] = (
        TraceFormat.table
    ),
    quote: Annotated[int | None, typer.Option("--quote", help="trace this stored quote (its id)")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="regroup every stored quote first")] = False,
) -> None:
    """Follow a quote across the news: where it first appeared, who repeated it, who changed its words.

    Groups come from the store's quote groups (built by --rebuild; rebuilt by itself when stale on a store of up
    to 200,000 quotes). Exit code 0, 1 when the store cannot be used, 2 for bad input.
    """
    from quotegraph.store.trace_commands import run_trace

    raise typer.Exit(run_trace(words, db, format.value, rebuild_index=rebuild, quote_id=quote))


@eval_app.command("trace")
def eval_trace(
    split: Annotated[Split, typer.Option(help="dev for tuning; test only for reported figures")] = Split.dev,
    testset: Annotated[
        Path | None, typer.Option(help="the test set folder (default: benchmarks/trace-testset, made if missing)")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="also write the scores as JSON")] = None,
    records_only: Annotated[bool, typer.Option(help="score the grouping alone (no extraction)")] = False,
    no_cache: Annotated[bool, typer.Option(help="extract again even if cached records are there")] = False,
    show_errors: Annotated[int, typer.Option(help="print this many examples of errors (terminal only)")] = 0,
) -> None:
    """Quote tracing on the trace test set: grouping P/R (and Quotebank's), misattribution and alteration flags.

    Skips (exit 0) when neither the test set nor ../shared (to make it from) is there.
    """
    from quotegraph.evaluate.trace import run_trace_eval

    raise typer.Exit(
        run_trace_eval(
            split.value, testset, output, use_cache=not no_cache, records_only=records_only, show_errors=show_errors
        )
    )


# ===== end of quote tracing =====


def main() -> None:
    from quotegraph.model.tagger import ModelLoadError

    try:
        app()
    except ModelLoadError as exc:  # missing or corrupt weights: say which file and how to retrain, no traceback
        _err(f"quotegraph: {exc}")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
