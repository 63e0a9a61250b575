"""Paths to Articles: files, directories (recursively) and '-' for standard input.

PLACEHOLDER: the readers helper replaces this module's body, keeping these names and signatures.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from quotegraph.record import Article

# spaCy's own default max_length; longer articles are refused with a clear error rather than truncated.
MAX_ARTICLE_CHARS = 1_000_000


@dataclass
class ReadError:
    """A file (or record) that could not be read, and why, in one line."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def read_paths(paths: Iterable[str]) -> Iterator[Article | ReadError]:
    raise NotImplementedError
