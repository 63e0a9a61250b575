"""The records every stage shares: Article in, QuoteRecord out.

QuoteRecord is a contract other tools read (CLI JSON lines, the store, the HTTP API, Parquet): add optional
fields at the end, never rename or retype one. Offsets are character offsets into ``Article.text``, which for a
file is the file's whole decoded text, so ``article.text[r.start:r.end] == r.text`` always holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

QuoteKind = Literal["direct", "indirect", "mixed"]
SpeakerType = Literal["person", "organization", "anonymous", "unknown"]


@dataclass
class Article:
    """One news article as read, before any NLP.

    ``text`` is everything the offsets point into. ``headline_span`` and ``body_span`` are (start, end) ranges
    of ``text``; a plain file has no headline and its body is the whole text.
    """

    id: str
    text: str
    body_span: tuple[int, int]
    headline_span: tuple[int, int] | None = None
    date: str | None = None
    url: str | None = None
    outlet: str | None = None
    title: str | None = None
    path: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_text(
        cls,
        text: str,
        *,
        id: str = "text",
        headline: str | None = None,
        date: str | None = None,
        **kwargs: Any,
    ) -> Article:
        """An article from a body and an optional headline; the headline is placed on the first line of ``text``."""
        if headline:
            full = headline + "\n\n" + text
            return cls(
                id=id,
                text=full,
                headline_span=(0, len(headline)),
                body_span=(len(headline) + 2, len(full)),
                date=date,
                title=headline,
                **kwargs,
            )
        return cls(id=id, text=text, body_span=(0, len(text)), date=date, **kwargs)

    @property
    def headline(self) -> str | None:
        """The headline's text, or None when the article has none."""
        if self.headline_span is None:
            return None
        return self.text[self.headline_span[0] : self.headline_span[1]]

    @property
    def body(self) -> str:
        """The body's text (``text[body_span[0]:body_span[1]]``)."""
        return self.text[self.body_span[0] : self.body_span[1]]


class AnonymousSource(BaseModel):
    """What the text says about an unnamed source ('a palace insider', 'people familiar with the matter')."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    role: str | None = Field(None, description="the source's role noun, e.g. 'insider', 'official'")
    affiliation: str | None = Field(None, description="whom the source is tied to, e.g. 'palace', 'White House'")
    plural: bool = Field(False, description="true for 'officials', 'people familiar with the matter'")
    source_id: str | None = Field(None, description="one id per distinct unnamed source within the article")


class QuoteRecord(BaseModel):
    """One quotation: what was said, by whom, where in the text, and how sure quotegraph is."""

    # every field is always written (absent values as null), so the published schema requires them all
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    doc_id: str = Field(description="the article's id (a file's stem)")
    text: str = Field(description="the quoted words, without enclosing quote marks")
    start: int = Field(ge=0, description="character offset of text in the article")
    end: int = Field(ge=0, description="character offset just past text")
    kind: QuoteKind = Field(description="direct (in quote marks), indirect (reported) or mixed (both)")
    cue: str | None = Field(None, description="the reporting expression, e.g. 'said', 'according to'")
    cue_start: int | None = None
    cue_end: int | None = None
    mention: str | None = Field(None, description="the speaker as written, e.g. 'She', 'a palace insider'")
    mention_start: int | None = None
    mention_end: int | None = None
    speaker: str | None = Field(None, description="the canonical speaker name, or null when unresolved")
    speaker_type: SpeakerType = "unknown"
    parent: int | None = Field(None, description="index (in this article's records) of the enclosing quote")
    in_headline: bool = False
    confidence: float = Field(ge=0.0, le=1.0, description="how likely the quote and its speaker are right")
    continues: int | None = Field(
        None, description="index of the record this one continues (a quote running on over paragraphs)"
    )
    date: str | None = Field(None, description="the article's date, YYYY-MM-DD")
    about: list[str] = Field(default_factory=list, description="entities the quote mentions or refers to")
    anonymous: AnonymousSource | None = Field(None, description="details of an anonymous speaker")
    evidence: list[str] = Field(default_factory=list, description="the steps from mention to speaker, in order")

    def to_dict(self) -> dict[str, Any]:
        """The record as a JSON-ready dict, every field present: what the CLI writes, one per line."""
        return self.model_dump(mode="json")

    def to_json(self) -> str:
        """The record as one line of JSON (UTF-8 text, not ASCII-escaped)."""
        return json.dumps(self.to_dict(), ensure_ascii=False)


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The range ``start:end`` of ``text`` without surrounding whitespace (offsets stay true to ``text``)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def quote_record_schema() -> dict[str, Any]:
    """The published JSON Schema of one quote record (docs/quote-record.schema.json is generated from it)."""
    schema = QuoteRecord.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
