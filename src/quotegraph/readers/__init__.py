"""Readers turn files into Articles. They know nothing of NLP.

Every reader yields ``Article`` or ``ReadError`` items: one bad file (or record) is reported and the rest go on.
Formats: plain and dated-article text (``text``), HTML pages (``html``), WARC/ARC archives (``warc``), JSONL and
CSV/TSV tables (``tabular``); ``read_paths`` chooses by file name (see ``quotegraph.readers.base``).
"""

from __future__ import annotations

from quotegraph.readers.base import (
    FORMATS,
    MAX_ARTICLE_CHARS,
    ReaderOptions,
    ReadError,
    detect_format,
    read_bytes,
    read_file,
    read_paths,
)

__all__ = [
    "FORMATS",
    "MAX_ARTICLE_CHARS",
    "ReadError",
    "ReaderOptions",
    "detect_format",
    "read_bytes",
    "read_file",
    "read_paths",
]
