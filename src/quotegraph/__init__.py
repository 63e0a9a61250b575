"""quotegraph: who said what, about whom, and when, in news articles."""

from quotegraph.record import Article, QuoteRecord

__version__ = "0.1.0"

__all__ = ["Article", "QuoteRecord", "__version__", "extract"]


def extract(text: str, *, date: str | None = None, headline: str | None = None) -> list[QuoteRecord]:
    """Every quote in ``text`` (and ``headline``), attributed; see ``quotegraph.pipeline.extract``."""
    from quotegraph.pipeline import extract as _extract

    return _extract(text, date=date, headline=headline)
