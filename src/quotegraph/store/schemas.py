"""What the store answers, as pydantic models: shared by the CLI, the HTTP API (its OpenAPI schema) and the pages.

``SearchParams`` is also the one place the bounds on user input live (query length, page size, how deep a page
may be), so the API, the web pages and the CLI refuse the same things with the same messages.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from quotegraph.record import QuoteKind, QuoteRecord

MAX_QUERY_CHARS = 500
MAX_NAME_CHARS = 200
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
# Offset paging gets slower the deeper it goes; past this, narrow the search or use `quotegraph export`.
MAX_RESULT_WINDOW = 10_000
MAX_ID = 2_147_483_647  # ids are 32-bit integers on PostgreSQL: a larger one can name nothing

SortOrder = Literal["relevance", "newest", "oldest"]


def clean_text(value: str | None) -> str | None:
    """Strip; empty -> None; refuse control characters and unpaired surrogates (no database can hold those)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    for position, char in enumerate(value):
        code = ord(char)
        if code < 32 and char not in "\t\n\r" or code == 0x7F:
            raise ValueError(f"control character U+{code:04X} at position {position} is not allowed")
        if 0xD800 <= code <= 0xDFFF:
            raise ValueError(f"unpaired surrogate U+{code:04X} at position {position} is not allowed")
    return " ".join(value.split())


CleanText = Annotated[str | None, AfterValidator(clean_text)]
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]


class SearchParams(BaseModel):
    """A quote search: words, filters, order and page. Every filter narrows; None means 'any'."""

    model_config = ConfigDict(extra="forbid")

    q: CleanText = Field(
        None,
        max_length=MAX_QUERY_CHARS,
        description='words the quote must contain (stemmed, all of them); "a quoted phrase" must appear as is',
    )
    speaker: CleanText = Field(
        None, max_length=MAX_NAME_CHARS, description="speaker name or alias (whole words, any case)"
    )
    speaker_id: DbId | None = Field(None, description="exactly this speaker (ids from /api/speakers)")
    about: CleanText = Field(None, max_length=MAX_NAME_CHARS, description="quotes about this name (whole words)")
    since: datetime.date | None = Field(None, description="articles dated on or after, YYYY-MM-DD")
    until: datetime.date | None = Field(None, description="articles dated on or before, YYYY-MM-DD")
    outlet: CleanText = Field(None, max_length=MAX_NAME_CHARS, description="the outlet's name (any case)")
    kind: QuoteKind | None = Field(None, description="direct, indirect or mixed")
    article_id: DbId | None = Field(None, description="quotes of this article only")
    sort: SortOrder = Field(
        "relevance", description="relevance (best match first; newest first without words), newest or oldest"
    )
    page: int = Field(1, ge=1, le=MAX_RESULT_WINDOW, description="1 is the first page")
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"at most {MAX_PAGE_SIZE}")

    @model_validator(mode="after")
    def _check_ranges(self) -> SearchParams:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        if self.page * self.page_size > MAX_RESULT_WINDOW:
            raise ValueError(
                f"page {self.page} of {self.page_size} goes past result {MAX_RESULT_WINDOW:,}: "
                "narrow the search or use `quotegraph export`"
            )
        return self

    def filter_key(self) -> tuple:
        """What decides the matching set (not its order or page): the key of cached totals and facets."""
        return (
            self.q,
            self.speaker,
            self.speaker_id,
            self.about,
            self.since,
            self.until,
            self.outlet,
            self.kind,
            self.article_id,
        )


class QuoteHit(BaseModel):
    """A stored quote: the record as extracted, with where it is stored and which article it is from."""

    id: int
    article_id: int
    speaker_id: int | None
    article_title: str | None
    outlet: str | None
    url: str | None
    record: QuoteRecord


class FacetValue(BaseModel):
    value: str = Field(description="what to pass back as the filter (a speaker's id for the speaker facet)")
    label: str
    count: int


class Facets(BaseModel):
    """Counts over every quote that matches (not only this page), largest first; years in order."""

    kind: list[FacetValue] = Field(default_factory=list)
    speaker: list[FacetValue] = Field(default_factory=list)
    outlet: list[FacetValue] = Field(default_factory=list)
    year: list[FacetValue] = Field(default_factory=list)
    about: list[FacetValue] = Field(default_factory=list)


class SearchResult(BaseModel):
    total: int = Field(description="quotes matching, over all pages")
    page: int
    page_size: int
    pages: int
    results: list[QuoteHit]
    facets: Facets


class SpeakerSummary(BaseModel):
    id: int
    name: str
    type: str
    quote_count: int
    article_count: int
    first_date: datetime.date | None
    last_date: datetime.date | None


class SpeakerList(BaseModel):
    total: int
    page: int
    page_size: int
    pages: int
    results: list[SpeakerSummary]


class AliasCount(BaseModel):
    alias: str
    count: int


class NameCount(BaseModel):
    name: str
    count: int


class TimelinePoint(BaseModel):
    period: str = Field(description="YYYY-MM, or YYYY when the timeline is by year")
    start: datetime.date
    end: datetime.date
    count: int
    direct: int
    indirect: int
    mixed: int


class SpeakerDetail(SpeakerSummary):
    aliases: list[AliasCount]
    timeline_unit: Literal["month", "year"]
    timeline: list[TimelinePoint] = Field(description="quotes per period, gaps included, oldest first")
    undated_quotes: int
    talks_about: list[NameCount] = Field(description="whom and what their quotes are about, most often first")
    quoted_about: int = Field(description="quotes (by anyone) about this speaker's name")
    recent_quotes: list[QuoteHit]


class ArticleSummary(BaseModel):
    id: int
    doc_id: str
    content_hash: str
    title: str | None
    outlet: str | None
    url: str | None
    date: datetime.date | None
    status: Literal["done", "failed"]
    error: str | None
    n_quotes: int
    ingested_at: datetime.datetime


class ArticleQuote(BaseModel):
    id: int
    speaker_id: int | None
    record: QuoteRecord


class ArticleDetail(ArticleSummary):
    text: str
    headline_start: int | None
    headline_end: int | None
    body_start: int
    body_end: int
    quotes: list[ArticleQuote]


class StoreStats(BaseModel):
    articles: int
    failed_articles: int
    quotes: int
    speakers: int
