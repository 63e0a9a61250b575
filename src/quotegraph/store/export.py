"""Stored quotes out as files: JSON lines, CSV or Parquet, one row per QuoteRecord, with the record's fields.

JSON lines are exactly the records ``quotegraph extract`` writes. CSV keeps lists and the anonymous-source object as
JSON text in their cells. Parquet keeps them typed (list<string>, struct) and needs pyarrow:
``pip install 'quotegraph[parquet]'``. All three stream: memory stays flat whatever the store's size.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, BinaryIO, TextIO

from quotegraph.record import QuoteRecord

FORMATS = ("jsonl", "csv", "parquet")
FIELDS = list(QuoteRecord.model_fields)
PARQUET_BATCH = 10_000


class ExportError(Exception):
    """An export that cannot be done, with the reason in one line."""


def write_jsonl(records: Iterable[QuoteRecord], out: TextIO) -> int:
    n = 0
    for record in records:
        out.write(record.to_json() + "\n")
        n += 1
    return n


def write_csv(records: Iterable[QuoteRecord], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    n = 0
    for record in records:
        row = record.to_dict()
        for name in ("about", "evidence", "anonymous"):
            value = row[name]
            row[name] = "" if value is None else json.dumps(value, ensure_ascii=False)
        writer.writerow({key: "" if value is None else value for key, value in row.items()})
        n += 1
    return n


def parquet_schema() -> Any:
    pa = _pyarrow()
    return pa.schema(
        [
            ("doc_id", pa.string()),
            ("text", pa.string()),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("kind", pa.string()),
            ("cue", pa.string()),
            ("cue_start", pa.int64()),
            ("cue_end", pa.int64()),
            ("mention", pa.string()),
            ("mention_start", pa.int64()),
            ("mention_end", pa.int64()),
            ("speaker", pa.string()),
            ("speaker_type", pa.string()),
            ("parent", pa.int64()),
            ("in_headline", pa.bool_()),
            ("confidence", pa.float64()),
            ("continues", pa.int64()),
            ("date", pa.string()),
            ("about", pa.list_(pa.string())),
            (
                "anonymous",
                pa.struct(
                    [
                        ("role", pa.string()),
                        ("affiliation", pa.string()),
                        ("plural", pa.bool_()),
                        ("source_id", pa.string()),
                    ]
                ),
            ),
            ("evidence", pa.list_(pa.string())),
        ]
    )


def write_parquet(records: Iterable[QuoteRecord], out: str | BinaryIO) -> int:
    pa = _pyarrow()
    import pyarrow.parquet as pq

    schema = parquet_schema()
    assert schema.names == FIELDS, "the Parquet schema must follow QuoteRecord's fields"
    n = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        batch: list[dict[str, Any]] = []
        for record in records:
            batch.append(record.to_dict())
            if len(batch) >= PARQUET_BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                n += len(batch)
                batch = []
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            n += len(batch)
    return n


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError:
        raise ExportError("Parquet export needs pyarrow: pip install 'quotegraph[parquet]'") from None
    return pyarrow
