"""quotegraph: who said what, about whom, and when, in news articles.

The Python API (see docs/python-api.md)::

    import quotegraph
    records = quotegraph.extract(text, date="2024-03-05", headline="...")   # list[QuoteRecord]
    for records in quotegraph.extract_many(texts, n_process=2): ...       # streamed, in input order
    html = quotegraph.render(text)                                          # quotes highlighted, as HTML

and the spaCy component: ``nlp.add_pipe("quotegraph")``, then ``doc._.quotes``.

``import quotegraph`` is cheap: spaCy and the pipeline are loaded on first use of ``extract``, ``extract_many``,
``render`` or ``Quote``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from quotegraph.record import AnonymousSource, Article, QuoteRecord

if TYPE_CHECKING:
    from quotegraph.component import Quote
    from quotegraph.pipeline import extract, extract_many
    from quotegraph.rendering import render

__version__ = "0.1.0"

__all__ = [
    "AnonymousSource",
    "Article",
    "Quote",
    "QuoteRecord",
    "__version__",
    "extract",
    "extract_many",
    "render",
]

# name -> module that defines it, imported on first access (PEP 562) so `import quotegraph` stays light
_LAZY = {
    "extract": "quotegraph.pipeline",
    "extract_many": "quotegraph.pipeline",
    "render": "quotegraph.rendering",
    "Quote": "quotegraph.component",
}


def __getattr__(name: str) -> Any:
    """Load ``extract``, ``extract_many``, ``render`` and ``Quote`` from their modules on first access."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'quotegraph' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the lazily loaded ones included."""
    return sorted(set(globals()) | set(_LAZY))
