"""quotegraph inside spaCy: the ``quotegraph`` pipeline component and the ``doc._.quotes`` it provides.

Add it to any English pipeline with a dependency parser and named entities::

    nlp = spacy.load("en_core_web_sm")
    nlp.add_pipe("quotegraph_paragraphs", before="parser")  # optional: a newline always starts a sentence
    nlp.add_pipe("quotegraph")
    doc = nlp(text)
    for quote in doc._.quotes:
        print(quote.speaker, quote.cue, quote.content)

What the component stores is plain data (numbers, strings, lists and dicts) in ``doc.user_data["quotegraph"]``,
plus a SpanGroup ``doc.spans["quotegraph"]`` of the quotes' contents labelled with their kind. So a Doc keeps its
quotes through ``nlp.pipe(..., n_process=2)``, ``Doc.to_bytes`` and ``DocBin(store_user_data=True)``. The
``Quote`` objects of ``doc._.quotes`` are built from that data each time the attribute is read: read it once
into a variable when looping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from quotegraph.record import AnonymousSource, Article, QuoteKind, QuoteRecord, SpeakerType

if TYPE_CHECKING:
    from quotegraph.attribution import Attribution

#: The ``doc.user_data`` key holding the component's output.
USER_DATA_KEY = "quotegraph"
#: The default ``doc.spans`` key of the quotes' content spans.
SPANS_KEY = "quotegraph"
#: Version of the stored data layout, kept with the data so a reader can tell old layouts apart.
DATA_VERSION = 1

_KINDS: frozenset[str] = frozenset({"direct", "indirect", "mixed"})
_SPEAKER_TYPES: frozenset[str] = frozenset({"person", "organization", "anonymous", "unknown"})


@dataclass
class Quote:
    """One quotation in a Doc, as the ``quotegraph`` component found it.

    ``start``/``end`` are the exact character offsets of the quoted words in ``doc.text`` (without quote marks);
    ``content`` is the smallest token span covering them, so ``content.text`` can be a little wider than
    ``text`` when a quote starts or ends inside a token. ``parent`` and ``continues`` are indices into the same
    ``doc._.quotes`` list.
    """

    doc: Doc = field(repr=False)
    start: int
    end: int
    content: Span
    kind: QuoteKind
    cue: Span | None = None
    mention: Span | None = None
    speaker: str | None = None
    speaker_type: SpeakerType = "unknown"
    confidence: float = 0.0
    parent: int | None = None
    continues: int | None = None
    evidence: list[str] = field(default_factory=list)
    about: list[str] = field(default_factory=list)
    anonymous: AnonymousSource | None = None
    cue_chars: tuple[int, int] | None = field(default=None, repr=False)
    mention_chars: tuple[int, int] | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        """The quoted words exactly: ``doc.text[start:end]``."""
        return self.doc.text[self.start : self.end]

    def to_record(self, doc_id: str = "text", *, date: str | None = None) -> QuoteRecord:
        """This quote as a QuoteRecord, the record ``quotegraph.extract`` and the CLI write.

        Offsets point into ``doc.text``; ``doc_id`` and ``date`` fill the record's fields of the same names.
        ``extract(text)`` and ``[q.to_record() for q in nlp(text)._.quotes]`` give the same records when the
        pipelines match (``quotegraph.pipeline.load_nlp`` is the one ``extract`` uses).
        """
        from quotegraph.pipeline import to_record

        article = Article(id=doc_id, text=self.doc.text, body_span=(0, len(self.doc.text)), date=date)
        return to_record(article, self.doc, self._attribution(), 0, False, 0)

    def _attribution(self) -> Attribution:
        from quotegraph.attribution import Attribution

        return Attribution(
            start=self.start,
            end=self.end,
            kind=self.kind,
            cue=self.cue_chars,
            source=self.mention_chars,
            confidence=self.confidence,
            parent=self.parent,
            continues=self.continues,
            evidence=list(self.evidence),
            speaker=self.speaker,
            speaker_type=self.speaker_type,
            anonymous=self.anonymous.model_dump() if self.anonymous is not None else None,
            about=list(self.about),
        )


def to_records(doc: Doc, doc_id: str = "text", *, date: str | None = None) -> list[QuoteRecord]:
    """All quotes of a processed Doc as QuoteRecords (``[q.to_record(doc_id, date=date) for q in doc._.quotes]``)."""
    return [q.to_record(doc_id, date=date) for q in get_quotes(doc)]


# --- stored data -------------------------------------------------------------------------------------------


def _pair(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    return int(value[0]), int(value[1])


def attribution_data(a: Attribution) -> dict[str, Any]:
    """One attribution as msgpack-ready data (what the component stores per quote)."""
    anonymous = dict(a.anonymous) if a.anonymous is not None else None
    return {
        "start": a.start,
        "end": a.end,
        "kind": a.kind,
        "cue": list(a.cue) if a.cue is not None else None,
        "mention": list(a.source) if a.source is not None else None,
        "speaker": a.speaker,
        "speaker_type": a.speaker_type,
        "confidence": round(min(1.0, max(0.0, float(a.confidence))), 4),
        "parent": a.parent,
        "continues": a.continues,
        "evidence": list(a.evidence),
        "about": list(a.about),
        "anonymous": anonymous,
    }


def store_quotes(doc: Doc, attributions: Sequence[Attribution], spans_key: str | None = SPANS_KEY) -> None:
    """Write ``attributions`` (char offsets into ``doc.text``) onto ``doc`` as the component does."""
    quotes = [attribution_data(a) for a in attributions]
    doc.user_data[USER_DATA_KEY] = {"version": DATA_VERSION, "spans_key": spans_key, "quotes": quotes}
    if spans_key:
        spans: list[Span] = []
        for q in quotes:
            span = _char_span(doc, q["start"], q["end"])
            if span is not None:
                spans.append(Span(doc, span.start, span.end, label=q["kind"]))
        doc.spans[spans_key] = SpanGroup(doc, name=spans_key, spans=spans)


def _stored(doc: Doc) -> list[Mapping[str, Any]]:
    data = doc.user_data.get(USER_DATA_KEY)
    if not isinstance(data, Mapping):
        return []
    quotes = data.get("quotes") or ()
    return [q for q in quotes if isinstance(q, Mapping)]


def has_quotes(doc: Doc) -> bool:
    """True when ``doc`` went through the quotegraph component (even if it found no quote)."""
    return isinstance(doc.user_data.get(USER_DATA_KEY), Mapping)


def _char_span(doc: Doc, start: int, end: int) -> Span | None:
    if not 0 <= start < end <= len(doc.text):
        return None
    return doc.char_span(start, end, alignment_mode="expand")


def _token_span(doc: Doc, start: int, end: int) -> Span:
    """The token span over start:end; a token-less stretch gets the token at ``start`` (never None)."""
    span = _char_span(doc, start, end)
    if span is not None:
        return span
    for token in doc:
        if token.idx + len(token) > start:
            return doc[token.i : token.i + 1]
    return doc[len(doc) : len(doc)]


def _quote_from(doc: Doc, data: Mapping[str, Any]) -> Quote:
    start, end = int(data["start"]), int(data["end"])
    cue = _pair(data.get("cue"))
    mention = _pair(data.get("mention"))
    anonymous = data.get("anonymous")
    kind = str(data.get("kind", "direct"))
    speaker_type = str(data.get("speaker_type", "unknown"))
    return Quote(
        doc=doc,
        start=start,
        end=end,
        content=_token_span(doc, start, end),
        kind=cast(QuoteKind, kind if kind in _KINDS else "direct"),
        cue=_char_span(doc, *cue) if cue else None,
        mention=_char_span(doc, *mention) if mention else None,
        speaker=data.get("speaker"),
        speaker_type=cast(SpeakerType, speaker_type if speaker_type in _SPEAKER_TYPES else "unknown"),
        confidence=float(data.get("confidence", 0.0)),
        parent=data.get("parent"),
        continues=data.get("continues"),
        evidence=[str(e) for e in data.get("evidence") or ()],
        about=[str(e) for e in data.get("about") or ()],
        anonymous=AnonymousSource.model_validate(dict(anonymous)) if anonymous else None,
        cue_chars=cue,
        mention_chars=mention,
    )


def get_quotes(doc: Doc) -> list[Quote]:
    """The getter of ``doc._.quotes``: the Doc's quotes in text order (empty if the component did not run)."""
    return [_quote_from(doc, q) for q in _stored(doc)]


def get_span_speaker(span: Span) -> str | None:
    """The getter of ``Span._.speaker``: the speaker of the quote whose content is ``span`` (or, failing that,
    whose speaker mention is ``span``); None when no quote matches or the speaker is unresolved."""
    stored = _stored(span.doc)
    for key in ("content", "mention"):
        for q in stored:
            chars = (q["start"], q["end"]) if key == "content" else _pair(q.get("mention"))
            if chars is None:
                continue
            found = _char_span(span.doc, int(chars[0]), int(chars[1]))
            if found is not None and found.start == span.start and found.end == span.end:
                speaker = q.get("speaker")
                return str(speaker) if speaker is not None else None
    return None


def register_extensions() -> None:
    """Register ``Doc._.quotes`` and ``Span._.speaker`` (idempotent; done when this module is imported)."""
    Doc.set_extension("quotes", getter=get_quotes, force=True)
    Span.set_extension("speaker", getter=get_span_speaker, force=True)


register_extensions()


# --- the component -----------------------------------------------------------------------------------------


def _pipes_assigning(nlp: Language, attribute: str, names: Iterable[str]) -> list[str]:
    found = []
    for name in names:
        if attribute in nlp.get_pipe_meta(name).assigns:
            found.append(name)
    return found


def check_pipeline(nlp: Language, name: str = "quotegraph") -> None:
    """Raise ValueError (one line) unless ``nlp`` is an English pipeline with an active parser and NER."""
    if nlp.lang != "en":
        raise ValueError(
            f"the {name!r} component works on English text only, and this pipeline's language is "
            f"{nlp.lang!r}; use an English pipeline such as spacy.load('en_core_web_sm')"
        )
    active = list(nlp.pipe_names)
    pipes = ", ".join(active) or "none"
    for attribute, what in (("token.dep", "dependency parser"), ("doc.ents", "named entity recognizer (ner)")):
        if _pipes_assigning(nlp, attribute, active):
            continue
        disabled = _pipes_assigning(nlp, attribute, nlp.disabled)
        if disabled:
            raise ValueError(
                f"the {name!r} component needs a {what}, and this pipeline's {disabled[0]!r} is disabled; "
                f"enable it (nlp.enable_pipe({disabled[0]!r})) before adding {name!r}"
            )
        raise ValueError(
            f"the {name!r} component needs a {what} in the pipeline, and this one has none (pipes: {pipes}); "
            f"use an English pipeline with a parser and NER, such as spacy.load('en_core_web_sm')"
        )


class QuotegraphComponent:
    """Finds quotes, cues and speakers on a parsed Doc and stores them for ``doc._.quotes``.

    Runs after the parser and NER (add it last). ``include_beliefs`` also reports belief verbs ('she thinks
    that ...') as indirect quotes; ``spans_key`` names the ``doc.spans`` group of the quotes' contents (None or
    "" for none); ``model`` is True for the shipped attribution tagger, a weights path for others, False for the
    rules alone (what ``quotegraph extract`` runs is the default).
    """

    def __init__(
        self,
        nlp: Language,
        name: str = "quotegraph",
        *,
        include_beliefs: bool = False,
        spans_key: str | None = SPANS_KEY,
        model: bool | str = True,
    ) -> None:
        check_pipeline(nlp, name)
        self.name = name
        self.include_beliefs = include_beliefs
        self.tagger = None
        if model is not False:
            from quotegraph.model.tagger import load_tagger

            self.tagger = load_tagger(None if model is True else str(model))
        self.spans_key = spans_key or None
        register_extensions()

    def __call__(self, doc: Doc) -> Doc:
        """Find and attribute the quotes of ``doc``; raises ValueError if ``doc`` has no parse or entities."""
        from quotegraph.model.linking import attribute_with_tagger
        from quotegraph.speakers import resolve_speakers

        if any(not t.is_space for t in doc):
            for annotation, what in (("DEP", "dependency parse"), ("ENT_IOB", "named entities")):
                if not doc.has_annotation(annotation):
                    raise ValueError(
                        f"the {self.name!r} component needs a Doc with {what}, and this one has none: put "
                        f"{self.name!r} after the parser and ner (nlp.add_pipe({self.name!r}) adds it last)"
                    )
        attributions = attribute_with_tagger(doc, self.tagger, include_beliefs=self.include_beliefs)
        resolve_speakers(doc, attributions)
        store_quotes(doc, attributions, self.spans_key)
        return doc


__all__ = [
    "DATA_VERSION",
    "SPANS_KEY",
    "USER_DATA_KEY",
    "Quote",
    "QuotegraphComponent",
    "attribution_data",
    "check_pipeline",
    "get_quotes",
    "get_span_speaker",
    "has_quotes",
    "register_extensions",
    "store_quotes",
    "to_records",
]
