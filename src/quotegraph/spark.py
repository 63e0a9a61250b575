"""quotegraph on Apache Spark: the same readers and the same Extractor, run in each executor.

``run_spark(spark, inputs, output)`` (and ``quotegraph spark INPUT... OUTPUT``) reads files from any
Hadoop-compatible path (local, hdfs://, s3a://, ...) and writes, under OUTPUT:

- ``quotes/``: one row per quote record, exactly the fields of ``QuoteRecord`` (same names, same values as
  ``quotegraph extract --format jsonl`` on the same input), Parquet partitioned by ``date``. Articles without a
  date go to Spark's null partition, ``date=__HIVE_DEFAULT_PARTITION__``, which Spark, pyarrow and pandas read
  back as null, so ``date`` stays what the record contract says (YYYY-MM-DD or null);
- ``speakers/``: the speaker registry merged across all partitions: speaker, speaker_type (the most frequent),
  n_quotes, n_articles, aliases (the distinct mentions), first_date, last_date;
- ``articles/``: one row per article read (doc_id, url, outlet, date, title, path, n_quotes);
- ``errors/``: every record that could not be read or processed (path, location, stage, reason).

How: the driver lists the input files through Hadoop's FileSystem (recursively, skipping hidden files and a
folder's README/LICENSE paperwork as ``read_paths`` does) and Spark's ``binaryFile`` source reads each whole file
on an executor, where ``quotegraph.readers.read_bytes`` turns it into Articles exactly as the single-process
reader would (one file per task: CC-NEWS WARCs are ~1 GB each). The articles are then spread over
``partitions`` partitions, so a few big files still use every core, and ``mapPartitions`` runs the Extractor over
each partition. The spaCy model is loaded once per executor process (``_extractor()`` caches it at module
level; Spark reuses its Python workers between tasks).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quotegraph.readers.common import ReaderOptions, ReadError
from quotegraph.record import Article, QuoteRecord

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

    from quotegraph.pipeline import Extractor

NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
_PAPERWORK = frozenset({"README", "CREDITS", "LICENSE", "NOTICE", "COPYING"})
_EXTRACTOR: Extractor | None = None


def _extractor() -> Extractor:
    """The executor's Extractor: loaded on first use, then kept for every later task in this Python worker."""
    global _EXTRACTOR
    if _EXTRACTOR is None:
        from quotegraph.pipeline import Extractor

        _EXTRACTOR = Extractor()
    return _EXTRACTOR


# --- schemas -------------------------------------------------------------------------------------------------


def quote_schema() -> StructType:
    """QuoteRecord's fields as a Spark schema, in the record's own order."""
    from pyspark.sql.types import (
        ArrayType,
        BooleanType,
        DoubleType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    anonymous = StructType(
        [
            StructField("role", StringType()),
            StructField("affiliation", StringType()),
            StructField("plural", BooleanType()),
            StructField("source_id", StringType()),
        ]
    )
    types: dict[str, Any] = {
        "doc_id": StringType(),
        "text": StringType(),
        "start": LongType(),
        "end": LongType(),
        "kind": StringType(),
        "cue": StringType(),
        "cue_start": LongType(),
        "cue_end": LongType(),
        "mention": StringType(),
        "mention_start": LongType(),
        "mention_end": LongType(),
        "speaker": StringType(),
        "speaker_type": StringType(),
        "parent": LongType(),
        "in_headline": BooleanType(),
        "confidence": DoubleType(),
        "continues": LongType(),
        "date": StringType(),
        "about": ArrayType(StringType()),
        "anonymous": anonymous,
        "evidence": ArrayType(StringType()),
    }
    missing = [name for name in QuoteRecord.model_fields if name not in types]
    if missing:  # the record grew a field: this schema must follow (a test checks it)
        raise RuntimeError(f"quote_schema lacks the QuoteRecord fields {missing}")
    return StructType([StructField(name, types[name]) for name in QuoteRecord.model_fields])


def article_schema() -> StructType:
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    return StructType(
        [
            StructField("doc_id", StringType()),
            StructField("url", StringType()),
            StructField("outlet", StringType()),
            StructField("date", StringType()),
            StructField("title", StringType()),
            StructField("path", StringType()),
            StructField("n_quotes", LongType()),
        ]
    )


def error_schema() -> StructType:
    from pyspark.sql.types import StringType, StructField, StructType

    return StructType(
        [
            StructField("path", StringType()),
            StructField("location", StringType()),
            StructField("stage", StringType()),
            StructField("reason", StringType()),
        ]
    )


def _quote_row(record: QuoteRecord) -> tuple[Any, ...]:
    data = record.to_dict()
    anonymous = data.get("anonymous")
    if anonymous is not None:
        data["anonymous"] = (
            anonymous.get("role"),
            anonymous.get("affiliation"),
            anonymous.get("plural"),
            anonymous.get("source_id"),
        )
    return tuple(data[name] for name in QuoteRecord.model_fields)


# --- what runs in the executors -----------------------------------------------------------------------------


def read_file_rows(path: str, content: bytes, options: ReaderOptions) -> Iterator[tuple[str, Any]]:
    """One input file's bytes -> ("article", Article) and ("error", row) items, by the single-process readers."""
    from quotegraph.readers.base import read_bytes

    for item in read_bytes(bytes(content), path, options):
        if isinstance(item, ReadError):
            yield "error", (item.path, item.location, "read", item.reason)
        else:
            yield "article", item


def extract_partition(items: Iterable[tuple[str, Any]], batch_size: int = 16) -> Iterator[tuple[str, Any]]:
    """A partition of ("article", Article) / ("error", row) items -> ("quote" | "article" | "error", row)."""
    from quotegraph.pipeline import ExtractionError

    errors: list[tuple[str, Any]] = []

    def articles() -> Iterator[Article]:
        for kind, value in items:
            if kind == "article":
                yield value
            else:
                errors.append((kind, value))

    extractor = _extractor()
    for article, result in extractor.extract_many(articles(), batch_size=batch_size):
        if errors:
            yield from errors
            errors.clear()
        location = _location(article)
        if isinstance(result, ExtractionError):
            yield "error", (article.path or article.id, location, "extract", result.reason)
            continue
        for record in result:
            yield "quote", _quote_row(record)
        yield (
            "article",
            (
                article.id,
                article.url,
                article.outlet,
                article.date,
                article.title,
                article.path,
                len(result),
            ),
        )
    yield from errors


def _location(article: Article) -> str | None:
    if "line" in article.meta:
        return str(article.meta["line"])
    if "offset" in article.meta:
        return f"record {article.meta.get('record')} at byte {article.meta['offset']}"
    return None


# --- the driver ---------------------------------------------------------------------------------------------


@dataclass
class SparkSummary:
    files: int
    articles: int
    quotes: int
    speakers: int
    errors: int
    seconds: float
    output: str
    #: wall seconds of reading and extracting (the rest is writing the four outputs)
    extract_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def list_input_files(spark: SparkSession, inputs: Sequence[str]) -> list[str]:
    """Every file under ``inputs`` (files, directories recursively, globs), by Hadoop's FileSystem, so any
    Hadoop-compatible path works; hidden files and a folder's paperwork (README, LICENSE, ...) are left out as
    ``read_paths`` leaves them out. Sorted, for a stable order."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    found: list[str] = []
    for raw in inputs:
        hpath = jvm.org.apache.hadoop.fs.Path(_qualify(raw))
        fs = hpath.getFileSystem(conf)
        statuses = fs.globStatus(hpath)
        if statuses is None or len(statuses) == 0:
            raise FileNotFoundError(f"no such file or directory: {raw}")
        for status in statuses:
            if status.isDirectory():
                iterator = fs.listFiles(status.getPath(), True)
                while iterator.hasNext():
                    child = iterator.next()
                    relative = _relative(str(child.getPath().toString()), str(status.getPath().toString()))
                    if _wanted(relative):
                        found.append(str(child.getPath().toString()))
            else:
                found.append(str(status.getPath().toString()))  # named on the command line: always read
    return sorted(dict.fromkeys(found))


_OUTPUTS = ("quotes", "speakers", "articles", "errors")


def _exists(spark: SparkSession, path: str) -> bool:
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    return bool(hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).exists(hpath))


def _qualify(raw: str) -> str:
    """A local path made absolute (Spark resolves relative paths against its own working directory)."""
    if "://" in raw or raw.startswith("file:"):
        return raw
    return Path(raw).expanduser().resolve().as_uri()


def _relative(child: str, parent: str) -> str:
    return child[len(parent) :].lstrip("/") if child.startswith(parent) else child.rsplit("/", 1)[-1]


def _wanted(relative: str) -> bool:
    parts = [part for part in relative.split("/") if part]
    if any(part.startswith(".") for part in parts):
        return False
    return bool(parts) and parts[-1].split(".", 1)[0].upper() not in _PAPERWORK


def run_spark(
    spark: SparkSession,
    inputs: Sequence[str],
    output: str,
    *,
    options: ReaderOptions | None = None,
    partitions: int | None = None,
    batch_size: int = 16,
    overwrite: bool = False,
) -> SparkSummary:
    """Read ``inputs``, extract, and write quotes/, speakers/, articles/ and errors/ under ``output``."""
    from pyspark import StorageLevel

    started = time.perf_counter()
    opts = options or ReaderOptions()
    files = list_input_files(spark, inputs)
    out = _qualify(output).rstrip("/")
    if not overwrite:
        taken = [name for name in _OUTPUTS if _exists(spark, f"{out}/{name}")]
        if taken:
            raise FileExistsError(f"{out} already holds {', '.join(taken)}; give --overwrite to replace them")
    mode = "overwrite" if overwrite else "errorifexists"
    sc = spark.sparkContext
    n_partitions = partitions or max(2, sc.defaultParallelism * 2)

    if files:
        previous = spark.conf.get("spark.sql.files.openCostInBytes", None)
        # each file "costs" a whole partition, so the binaryFile source gives every file a task of its own
        spark.conf.set("spark.sql.files.openCostInBytes", str(128 * 1024 * 1024))
        try:
            raw = spark.read.format("binaryFile").load(files).select("path", "content")
            items = raw.rdd.flatMap(lambda row: read_file_rows(row[0], row[1], opts))
            results = items.repartition(n_partitions).mapPartitions(
                lambda part: extract_partition(part, batch_size)
            )
            results.persist(StorageLevel.MEMORY_AND_DISK)
            # read and extract once, into the cache, counting as it goes; every write below reads the cache
            extract_started = time.perf_counter()
            counts = dict(results.keys().countByValue())
            extract_seconds = time.perf_counter() - extract_started
            quotes = spark.createDataFrame(results.filter(lambda kv: kv[0] == "quote").values(), quote_schema())
            articles = spark.createDataFrame(
                results.filter(lambda kv: kv[0] == "article").values(), article_schema()
            )
            errors = spark.createDataFrame(results.filter(lambda kv: kv[0] == "error").values(), error_schema())
            # one shuffle by date: each date folder gets one file, not one per task
            quotes.repartition("date").write.mode(mode).partitionBy("date").parquet(f"{out}/quotes")
        finally:
            if previous is None:
                spark.conf.unset("spark.sql.files.openCostInBytes")
            else:
                spark.conf.set("spark.sql.files.openCostInBytes", previous)
    else:
        results, counts, extract_seconds = None, {}, 0.0
        quotes = spark.createDataFrame([], quote_schema())
        articles = spark.createDataFrame([], article_schema())
        errors = spark.createDataFrame([], error_schema())
        quotes.write.mode(mode).partitionBy("date").parquet(f"{out}/quotes")
    articles.write.mode(mode).parquet(f"{out}/articles")
    errors.write.mode(mode).parquet(f"{out}/errors")
    registry = speaker_registry(quotes)
    registry.write.mode(mode).parquet(f"{out}/speakers")
    summary = SparkSummary(
        files=len(files),
        articles=counts.get("article", 0),
        quotes=counts.get("quote", 0),
        speakers=spark.read.parquet(f"{out}/speakers").count(),
        errors=counts.get("error", 0),
        seconds=time.perf_counter() - started,
        output=out,
        extract_seconds=extract_seconds,
    )
    if results is not None:
        results.unpersist()
    return summary


def speaker_registry(quotes: DataFrame) -> DataFrame:
    """Speakers merged across all partitions: one row per canonical speaker name."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    named = quotes.where(F.col("speaker").isNotNull())
    types = (
        named.groupBy("speaker", "speaker_type")
        .agg(F.count(F.lit(1)).alias("type_count"))
        .withColumn(
            "rank",
            F.row_number().over(
                Window.partitionBy("speaker").orderBy(F.col("type_count").desc(), F.col("speaker_type"))
            ),
        )
        .where(F.col("rank") == 1)
        .select("speaker", "speaker_type")
    )
    totals = named.groupBy("speaker").agg(
        F.count(F.lit(1)).alias("n_quotes"),
        F.countDistinct("doc_id").alias("n_articles"),
        F.array_sort(F.collect_set("mention")).alias("aliases"),
        F.min("date").alias("first_date"),
        F.max("date").alias("last_date"),
    )
    return totals.join(types, "speaker").select(
        "speaker", "speaker_type", "n_quotes", "n_articles", "aliases", "first_date", "last_date"
    )


def registry_from_records(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same registry computed in one process from record dicts (for tests and small runs)."""
    by_speaker: dict[str, dict[str, Any]] = {}
    for record in records:
        speaker = record.get("speaker")
        if not speaker:
            continue
        entry = by_speaker.setdefault(
            speaker, {"types": {}, "docs": set(), "aliases": set(), "dates": [], "n_quotes": 0}
        )
        entry["n_quotes"] += 1
        entry["types"][record["speaker_type"]] = entry["types"].get(record["speaker_type"], 0) + 1
        entry["docs"].add(record["doc_id"])
        if record.get("mention") is not None:
            entry["aliases"].add(record["mention"])
        if record.get("date"):
            entry["dates"].append(record["date"])
    rows = []
    for speaker, entry in sorted(by_speaker.items()):
        speaker_type = sorted(entry["types"].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        rows.append(
            {
                "speaker": speaker,
                "speaker_type": speaker_type,
                "n_quotes": entry["n_quotes"],
                "n_articles": len(entry["docs"]),
                "aliases": sorted(entry["aliases"]),
                "first_date": min(entry["dates"]) if entry["dates"] else None,
                "last_date": max(entry["dates"]) if entry["dates"] else None,
            }
        )
    return rows


def read_quotes(output: str | Path) -> list[dict[str, Any]]:
    """The quote records of a run's ``quotes/`` as dicts in QuoteRecord's shape (pyarrow; no Spark needed).

    The partition column ``date`` is read as a string, the null partition as None."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    folder = Path(str(output).removeprefix("file://").removeprefix("file:")) / "quotes"
    partitioning = ds.partitioning(pa.schema([("date", pa.string())]), flavor="hive")
    table = ds.dataset(str(folder), format="parquet", partitioning=partitioning).to_table()
    rows = table.to_pylist()
    return [{name: row.get(name) for name in QuoteRecord.model_fields} for row in rows]


def spark_session(master: str | None = None, app_name: str = "quotegraph") -> SparkSession:
    """A SparkSession for the CLI. Under spark-submit, spark-submit's settings (master, Python, memory) stand
    and only ``master`` given here overrides them; run directly, the master is ``master`` or local[*] and the
    executors run this Python (``PYSPARK_PYTHON``, unless set already). The Spark UI is off unless asked for."""
    from pyspark.sql import SparkSession

    under_submit = bool(os.environ.get("PYSPARK_GATEWAY_PORT"))  # spark-submit started the JVM for us
    builder = SparkSession.builder.appName(app_name)
    builder = builder.config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    if not under_submit:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = builder.config("spark.pyspark.python", os.environ["PYSPARK_PYTHON"])
        builder = builder.config("spark.ui.enabled", os.environ.get("QUOTEGRAPH_SPARK_UI", "false"))
        builder = builder.config("spark.ui.showConsoleProgress", "false")
        builder = builder.master(master or "local[*]")
    elif master:
        builder = builder.master(master)
    return builder.getOrCreate()


def run_spark_cli(
    inputs: Sequence[str],
    output: str,
    *,
    master: str | None,
    options: ReaderOptions,
    partitions: int | None,
    batch_size: int,
    overwrite: bool,
) -> int:
    """``quotegraph spark``: exit 0 when everything was read and processed, 2 when some records failed (listed
    in errors/), 1 when the job itself failed."""
    err = sys.stderr
    spark = spark_session(master)
    try:
        summary = run_spark(
            spark,
            inputs,
            output,
            options=options,
            partitions=partitions,
            batch_size=batch_size,
            overwrite=overwrite,
        )
    except (FileNotFoundError, FileExistsError) as exc:
        print(f"quotegraph: {exc}", file=err)
        return 2
    finally:
        spark.stop()
    print(
        f"quotegraph: {summary.quotes} quotes in {summary.articles} articles from {summary.files} files, "
        f"{summary.speakers} speakers, {summary.errors} errors; {summary.seconds:.1f} s",
        file=err,
    )
    print(f"quotegraph: output written to {summary.output} (quotes/, speakers/, articles/, errors/)", file=err)
    print(json.dumps(summary.to_dict()))
    return 2 if summary.errors else 0


def main(argv: Sequence[str] | None = None) -> None:
    """``spark-submit .../quotegraph/spark.py INPUT... OUTPUT [options]``: the ``quotegraph spark`` command."""
    from quotegraph.cli import app

    app(["spark", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    # Run through the imported module, never as __main__: Spark pickles the functions it ships by reference to
    # quotegraph.spark, so each executor keeps one Extractor for all its tasks.
    import quotegraph.spark

    quotegraph.spark.main()
