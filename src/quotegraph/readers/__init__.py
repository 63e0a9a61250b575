"""Readers turn files into Articles. They know nothing of NLP.

Every reader yields ``Article`` or ``ReadError`` items: one bad file is reported and the rest go on.
"""

from __future__ import annotations

from quotegraph.readers.base import MAX_ARTICLE_CHARS, ReadError, read_paths

__all__ = ["MAX_ARTICLE_CHARS", "ReadError", "read_paths"]
