"""What the store's CLI commands do (``quotegraph ingest/search/speakers/show/export/serve``); cli.py only parses.

Each function returns the process exit code: 0 for success, 1 when the store cannot be opened or used, 2 for bad
input (and for an ingest where some inputs failed, as ``quotegraph extract`` does). Messages go to stderr, one
line each, never a traceback; everything from an article is printed as rich ``Text``, never parsed as markup.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from quotegraph.store.db import Store, StoreError, open_store

KIND_STYLES = {"direct": "bold blue", "indirect": "cyan", "mixed": "yellow"}
QUOTE_STYLES = ["on dark_blue", "on dark_green", "on dark_red", "on purple4", "on dark_orange3", "on grey30"]


def _stderr() -> Console:
    # soft_wrap: a message is one line however narrow the terminal (or 80 columns when not a terminal)
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str, code: int = 1) -> int:
    _stderr().print(Text(f"error: {message}"))
    return code


def _validation_lines(exc: ValidationError) -> list[str]:
    lines = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()))
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        lines.append(f"--{location.replace('_', '-')}: {message}" if location else message)
    return lines


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so Python's exit-time flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _open(db: str | None) -> Store:
    return open_store(db)


# ---------------------------------------------------------------------------------------------------- ingest

if TYPE_CHECKING:
    from quotegraph.readers import ReaderOptions


def _article_paths(paths: Sequence[str]) -> tuple[list[str], list[Any]]:
    """Every file ``read_paths`` would read under ``paths`` (so the progress bar can know its total), and the
    ReadErrors met while walking."""
    from quotegraph.readers.base import ReadError, _walk

    files: list[str] = []
    errors: list[ReadError] = []
    for raw in paths:
        if raw != "-" and Path(raw).is_dir():
            # the readers' own walk (same order, same skipped files), so the total is exact
            for item in _walk(Path(raw), set()):
                if isinstance(item, ReadError):
                    errors.append(item)
                else:
                    files.append(str(item))
        else:
            files.append(raw)
    return files, errors


def _one_article_each(files: Sequence[str], options: ReaderOptions | None) -> bool:
    """Whether every file holds one article (text, HTML), so that the number of files is the number of inputs;
    a JSONL, CSV or WARC file holds any number, and standard input may be any format."""
    from quotegraph.readers import detect_format

    forced = options.format if options is not None else None
    return all(name != "-" and (forced or detect_format(Path(name).name)) in ("text", "html") for name in files)


def run_ingest(
    paths: Sequence[str],
    db: str | None,
    outlet: str | None,
    batch_size: int,
    *,
    workers: int = 1,
    options: ReaderOptions | None = None,
) -> int:
    """``options``: the readers' ReaderOptions (field names, forced format), as ``quotegraph extract`` takes."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from quotegraph.readers import read_paths
    from quotegraph.store.ingest import IngestOutcome, WorkerSetupError, ingest

    if batch_size < 1:
        return _fail("--batch-size must be at least 1", 2)
    if workers < 1:
        return _fail("--workers must be at least 1", 2)
    try:
        store = _open(db)
    except StoreError as exc:
        return _fail(str(exc))
    err = _stderr()
    files, walk_errors = _article_paths(paths)
    # a bar with a total only when the inputs are counted by their files; otherwise a running count ("n/?")
    total = len(files) + len(walk_errors) if _one_article_each(files, options) else None
    problems: list[IngestOutcome] = []
    progress = Progress(
        TextColumn("[bold]ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )

    def items() -> Iterator[Any]:
        yield from walk_errors
        yield from read_paths(files, options)

    counts = {"stored": 0, "skipped": 0, "failed": 0, "error": 0, "quotes": 0}
    try:
        with progress:
            task = progress.add_task("ingest", total=total, detail="")

            def on_outcome(outcome: IngestOutcome) -> None:
                counts[outcome.status] += 1
                counts["quotes"] += outcome.n_quotes
                if outcome.status in ("failed", "error"):
                    problems.append(outcome)
                    progress.console.print(Text(f"{outcome.status}: {outcome}"))
                progress.update(
                    task,
                    advance=1,
                    detail=(
                        f"{counts['stored']} stored, {counts['quotes']} quotes, {counts['skipped']} skipped,"
                        f" {counts['failed'] + counts['error']} failed"
                    ),
                )

            summary = ingest(
                store, items(), batch_size=batch_size, outlet=outlet, on_outcome=on_outcome, workers=workers
            )
    except StoreError as exc:
        return _fail(str(exc))
    except WorkerSetupError as exc:
        return _fail(f"the extraction workers could not start: {exc}")
    except KeyboardInterrupt:
        err.print(Text("interrupted: every committed batch is kept; run the same command again to resume"))
        return 130
    finally:
        store.close()
    err.print(
        Text(
            f"quotegraph: {summary.stored} articles stored ({summary.quotes} quotes), {summary.skipped} already"
            f" stored, {summary.failed} failed (kept, retried next time), {summary.errors} unreadable;"
            f" store: {store.describe()}"
        )
    )
    return 2 if problems else 0


# ---------------------------------------------------------------------------------------------------- search


def run_search(filters: dict[str, Any], db: str | None, output_format: str, out: TextIO | None = None) -> int:
    from quotegraph.store.schemas import SearchParams
    from quotegraph.store.search import search

    out = out or sys.stdout
    try:
        params = SearchParams(**{key: value for key, value in filters.items() if value is not None})
    except ValidationError as exc:
        for line in _validation_lines(exc):
            _stderr().print(Text(f"error: {line}"))
        return 2
    try:
        store = _open(db)
        with store.session() as session:
            result = search(session, params)
    except StoreError as exc:
        return _fail(str(exc))
    if output_format == "jsonl":
        try:
            for hit in result.results:
                out.write(hit.model_dump_json() + "\n")
            out.flush()
        except BrokenPipeError:
            _silence_stdout()
        return 0
    console = Console(file=out, highlight=False, width=None if out.isatty() else 160)
    if not result.total:
        console.print(Text("No quotes match."))
        return 0
    table = Table(
        caption=f"{len(result.results)} of {result.total:,} quotes (page {result.page} of {result.pages})",
        show_lines=False,
    )
    table.add_column("date", no_wrap=True)
    table.add_column("speaker", max_width=28)
    table.add_column("kind")
    table.add_column("quote", ratio=1)
    table.add_column("article", justify="right")
    for hit in result.results:
        record = hit.record
        table.add_row(
            Text(record.date or ""),
            Text(record.speaker or (f"({record.mention})" if record.mention else "?")),
            Text(record.kind, style=KIND_STYLES.get(record.kind, "")),
            Text(record.text),
            Text(str(hit.article_id)),
        )
    console.print(table)
    facets = result.facets
    if facets.speaker:
        console.print(Text("speakers: " + ", ".join(f"{f.label} ({f.count})" for f in facets.speaker[:6])))
    if facets.year:
        console.print(Text("years: " + ", ".join(f"{f.label} ({f.count})" for f in facets.year)))
    return 0


# ---------------------------------------------------------------------------------------------------- speakers


def run_speakers(
    db: str | None,
    name: str | None,
    speaker_type: str | None,
    sort: str,
    limit: int,
    page: int,
    output_format: str,
) -> int:
    from quotegraph.store import browse
    from quotegraph.store.schemas import MAX_PAGE_SIZE, clean_text

    if sort not in ("quotes", "name", "recent"):
        return _fail(f"--sort must be quotes, name or recent, not {sort!r}", 2)
    if not 1 <= limit <= 1000 or page < 1:
        return _fail(
            f"--limit must be 1 to 1000 and --page at least 1 (max page size on the API: {MAX_PAGE_SIZE})", 2
        )
    try:
        name = clean_text(name)
    except ValueError as exc:
        return _fail(f"--name: {exc}", 2)
    try:
        store = _open(db)
        with store.session() as session:
            listing = browse.list_speakers(
                session,
                name=name,
                type=speaker_type,
                sort=cast(browse.SpeakerSort, sort),
                page=page,
                page_size=limit,
            )
    except StoreError as exc:
        return _fail(str(exc))
    if output_format == "jsonl":
        for speaker in listing.results:
            sys.stdout.write(speaker.model_dump_json() + "\n")
        return 0
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    if not listing.total:
        console.print(Text("No speakers yet." if not name else "No speaker matches."))
        return 0
    table = Table(caption=f"{len(listing.results)} of {listing.total:,} speakers")
    table.add_column("id", justify="right")
    table.add_column("speaker")
    table.add_column("type")
    table.add_column("quotes", justify="right")
    table.add_column("articles", justify="right")
    table.add_column("first")
    table.add_column("last")
    for speaker in listing.results:
        table.add_row(
            Text(str(speaker.id)),
            Text(speaker.name),
            Text(speaker.type),
            Text(f"{speaker.quote_count:,}"),
            Text(f"{speaker.article_count:,}"),
            Text(str(speaker.first_date or "")),
            Text(str(speaker.last_date or "")),
        )
    console.print(table)
    return 0


# ---------------------------------------------------------------------------------------------------- show


def run_show(ref: str, db: str | None, output_format: str) -> int:
    from quotegraph.store import browse

    try:
        store = _open(db)
        with store.session() as session:
            article_id, candidates = browse.find_article(session, ref)
            article = browse.get_article(session, article_id) if article_id is not None else None
    except StoreError as exc:
        return _fail(str(exc))
    if article is None:
        if candidates:
            err = _stderr()
            err.print(Text(f"error: {len(candidates)} articles match {ref!r}; name one by id:"))
            for candidate in candidates:
                err.print(
                    Text(f"  {candidate.id}  {candidate.date or '':10}  {candidate.title or candidate.doc_id}")
                )
            return 2
        return _fail(f"no article {ref!r} (give its id, content hash, doc id or path)", 2)
    if output_format == "json":
        sys.stdout.write(article.model_dump_json(indent=2) + "\n")
        return 0
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
    console.print(Text(article.title or article.doc_id, style="bold"))
    meta = [f"id {article.id}", article.date.isoformat() if article.date else "undated"]
    if article.outlet:
        meta.append(article.outlet)
    meta += [f"{article.n_quotes} quotes", f"sha256 {article.content_hash[:12]}"]
    console.print(Text(" · ".join(meta), style="dim"))
    if article.url:
        console.print(Text(article.url, style="dim"))
    if article.status == "failed":
        console.print(Text(f"extraction failed: {article.error}", style="red"))
    body = Text(article.text[article.body_start : article.body_end])
    speaker_styles: dict[Any, str] = {}
    for quote in article.quotes:
        record = quote.record
        style = speaker_styles.setdefault(quote.speaker_id, QUOTE_STYLES[len(speaker_styles) % len(QUOTE_STYLES)])
        for start, end, extra in (
            (record.start, record.end, style),
            (record.cue_start, record.cue_end, "underline"),
            (record.mention_start, record.mention_end, "bold"),
        ):
            if start is not None and end is not None and article.body_start <= start < end <= article.body_end:
                body.stylize(extra, start - article.body_start, end - article.body_start)
    console.print()
    console.print(body)
    if article.quotes:
        table = Table(title="quotes", show_lines=False)
        table.add_column("#", justify="right")
        table.add_column("speaker")
        table.add_column("kind")
        table.add_column("cue")
        table.add_column("quote", ratio=1)
        table.add_column("evidence")
        for index, quote in enumerate(article.quotes):
            record = quote.record
            table.add_row(
                Text(str(index)),
                Text(record.speaker or (f"({record.mention})" if record.mention else "?")),
                Text(record.kind),
                Text(record.cue or ""),
                Text(record.text),
                Text(" → ".join(record.evidence)),
            )
        console.print(table)
    return 0


# ---------------------------------------------------------------------------------------------------- export


def run_export(output_format: str, output: Path | None, filters: dict[str, Any], db: str | None) -> int:
    from quotegraph.store.browse import iter_records
    from quotegraph.store.export import ExportError, write_csv, write_jsonl, write_parquet
    from quotegraph.store.schemas import SearchParams

    try:
        params = SearchParams(**{key: value for key, value in filters.items() if value is not None})
    except ValidationError as exc:
        for line in _validation_lines(exc):
            _stderr().print(Text(f"error: {line}"))
        return 2
    if output_format == "parquet":
        if output is None:
            return _fail("Parquet is binary: give --output FILE.parquet", 2)
        try:
            from quotegraph.store.export import _pyarrow

            _pyarrow()
        except ExportError as exc:
            return _fail(str(exc))
    try:
        store = _open(db)
    except StoreError as exc:
        return _fail(str(exc))
    partial = output.with_name(output.name + ".partial") if output else None
    try:
        with store.session() as session:
            records = iter_records(session, params)
            if output_format == "parquet":
                assert partial is not None
                n = write_parquet(records, str(partial))
            elif partial is not None:
                with partial.open("w", encoding="utf-8", newline="") as handle:
                    n = (write_csv if output_format == "csv" else write_jsonl)(records, handle)
            else:
                try:
                    n = (write_csv if output_format == "csv" else write_jsonl)(records, sys.stdout)
                    sys.stdout.flush()
                except BrokenPipeError:  # `quotegraph export | head`: the reader has what it wanted
                    _silence_stdout()
                    return 0
        if partial is not None and output is not None:
            os.replace(partial, output)  # whole file or nothing: a failed export never leaves half a file
    except (ExportError, StoreError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write {output}: {exc.strerror or exc}")
    finally:
        if partial is not None and partial.exists():
            partial.unlink()
        store.close()
    if output is not None:
        _stderr().print(Text(f"quotegraph: {n:,} quotes written to {output}"))
    return 0


# ---------------------------------------------------------------------------------------------------- serve


def run_serve(db: str | None, host: str, port: int, token: str | None, workers: int, cache_size: int) -> int:
    import uvicorn

    from quotegraph.store.db import ENV_VAR, resolve_url

    if workers < 1:
        return _fail("--workers must be at least 1", 2)
    try:
        # migrate once here, before any worker starts, and fail with a reason rather than in every worker
        store = _open(db)
        store.close()
    except StoreError as exc:
        return _fail(str(exc))
    url = resolve_url(db)
    mode = "ingest enabled (POST /api/ingest needs the token)" if token else "read-only"
    _stderr().print(Text(f"quotegraph: serving {store.describe()} on http://{host}:{port}/ ({mode})"))
    if workers == 1:
        from quotegraph.api.app import create_app

        uvicorn.run(create_app(url, token, cache_size=cache_size), host=host, port=port, log_level="warning")
        return 0
    # several worker processes: each builds its own app from the environment (uvicorn imports the factory)
    os.environ[ENV_VAR] = url
    os.environ["QUOTEGRAPH_CACHE_SIZE"] = str(cache_size)
    if token:
        os.environ["QUOTEGRAPH_TOKEN"] = token
    else:
        os.environ.pop("QUOTEGRAPH_TOKEN", None)
    uvicorn.run(
        "quotegraph.api.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )
    return 0
