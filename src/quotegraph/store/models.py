"""The store's tables as typed SQLAlchemy 2 models; the same schema on SQLite and PostgreSQL.

The Alembic migrations in ``migrations/versions`` create these tables (plus the dialect-specific full-text index:
an FTS5 table on SQLite, a generated tsvector column on PostgreSQL, neither of which is mapped here) and are the
source of truth for the schema; these models are how the code reads and writes it. A test checks the two agree.

Keys ending in ``_key`` hold a name normalised by ``registry.name_key`` (case-folded, spaces collapsed), computed
in Python so that matching is the same on both engines (SQLite's ``lower()`` only folds ASCII).
"""

from __future__ import annotations

import datetime
from typing import cast

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Enough for any real name, outlet or URL; longer values are cut by the ingest code, never rejected by the DB.
NAME_LENGTH = 300
URL_LENGTH = 2000


class Base(DeclarativeBase):
    pass


class ArticleRow(Base):
    """One article, stored once by the sha256 of its text; a failed one is kept with its reason for a retry."""

    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("content_hash", name="uq_articles_content_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    doc_id: Mapped[str] = mapped_column(String(NAME_LENGTH), index=True)
    path: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    outlet: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    outlet_key: Mapped[str | None] = mapped_column(String(NAME_LENGTH), index=True)
    date: Mapped[datetime.date | None] = mapped_column(Date, index=True)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    headline_start: Mapped[int | None] = mapped_column(Integer)
    headline_end: Mapped[int | None] = mapped_column(Integer)
    body_start: Mapped[int] = mapped_column(Integer)
    body_end: Mapped[int] = mapped_column(Integer)
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), index=True)  # 'done' | 'failed'
    error: Mapped[str | None] = mapped_column(Text)
    n_quotes: Mapped[int] = mapped_column(Integer, default=0)
    ingested_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))


class SpeakerRow(Base):
    """The registry: one row per canonical name and speaker type, across all articles."""

    __tablename__ = "speakers"
    __table_args__ = (UniqueConstraint("name_key", "type", name="uq_speakers_name_key_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name_key: Mapped[str] = mapped_column(String(NAME_LENGTH))
    type: Mapped[str] = mapped_column(String(16))
    quote_count: Mapped[int] = mapped_column(Integer, default=0, index=True)
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    first_date: Mapped[datetime.date | None] = mapped_column(Date)
    last_date: Mapped[datetime.date | None] = mapped_column(Date, index=True)


class SpeakerAliasRow(Base):
    """A way a speaker was written in an article ('Kurtzer', 'President Erdogan') and how often."""

    __tablename__ = "speaker_aliases"

    speaker_id: Mapped[int] = mapped_column(ForeignKey("speakers.id", ondelete="CASCADE"), primary_key=True)
    alias_key: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True, index=True)
    alias: Mapped[str] = mapped_column(String(NAME_LENGTH))
    count: Mapped[int] = mapped_column(Integer, default=0)


class EntityRow(Base):
    """Something a quote is about (a person, place, organisation), by name."""

    __tablename__ = "entities"
    __table_args__ = (UniqueConstraint("key", name="uq_entities_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    key: Mapped[str] = mapped_column(String(NAME_LENGTH))


class QuoteRow(Base):
    """One QuoteRecord. ``position`` is its index in the article's records (what ``parent`` and ``continues``
    point at); ``about`` and ``evidence`` keep the record's lists as written, ``quote_about`` indexes ``about``;
    ``year`` and ``outlet`` are copies (of ``date`` and the article's outlet) for cheap facet counts."""

    __tablename__ = "quotes"
    __table_args__ = (
        UniqueConstraint("article_id", "position", name="uq_quotes_article_position"),
        Index("ix_quotes_date_id", "date", "id"),
        Index("ix_quotes_speaker_date", "speaker_id", "date"),
        # facet counts read these narrow indexes, not the wide rows (text, JSON): the first for broad sets (by
        # kind or the whole store), the second for full-text matches, which arrive as ids (see search.py)
        Index("ix_quotes_facets", "kind", "year", "speaker_id", "outlet"),
        Index("ix_quotes_id_facets", "id", "kind", "year", "speaker_id", "outlet"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speakers.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer)
    doc_id: Mapped[str] = mapped_column(String(NAME_LENGTH))
    text: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    cue: Mapped[str | None] = mapped_column(Text)
    cue_start: Mapped[int | None] = mapped_column(Integer)
    cue_end: Mapped[int | None] = mapped_column(Integer)
    mention: Mapped[str | None] = mapped_column(Text)
    mention_start: Mapped[int | None] = mapped_column(Integer)
    mention_end: Mapped[int | None] = mapped_column(Integer)
    speaker: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    speaker_type: Mapped[str] = mapped_column(String(16))
    parent: Mapped[int | None] = mapped_column(Integer)
    in_headline: Mapped[bool] = mapped_column(Boolean, default=False)
    confidence: Mapped[float] = mapped_column(Float)
    continues: Mapped[int | None] = mapped_column(Integer)
    date: Mapped[datetime.date | None] = mapped_column(Date)
    year: Mapped[int | None] = mapped_column(Integer)
    # the article's outlet, copied here (an article's outlet never changes) so the outlet facet needs no join
    outlet: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    about: Mapped[list] = mapped_column(JSON, default=list)
    anonymous: Mapped[dict | None] = mapped_column(JSON)
    evidence: Mapped[list] = mapped_column(JSON, default=list)


class QuoteAboutRow(Base):
    """The index of ``quotes.about``: which entities each quote is about."""

    __tablename__ = "quote_about"

    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True)
    entity_id: Mapped[int] = mapped_column(
        ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class StoreStateRow(Base):
    """One row: ``generation`` goes up with every committed ingest batch, so caches know when to drop results."""

    __tablename__ = "store_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)


# The tables, for Core queries (the ingest, search and browse code works on rows, not ORM objects).
articles = cast(Table, ArticleRow.__table__)
speakers = cast(Table, SpeakerRow.__table__)
speaker_aliases = cast(Table, SpeakerAliasRow.__table__)
entities = cast(Table, EntityRow.__table__)
quotes = cast(Table, QuoteRow.__table__)
quote_about = cast(Table, QuoteAboutRow.__table__)
store_state = cast(Table, StoreStateRow.__table__)


# ----- quote tracing (issue 7): the groups of quotes that are one utterance, built by `quotegraph trace --rebuild`


class QuoteGroupRow(Base):
    """A quote that is one utterance with others: ``group_id`` is the smallest quote id of its group. Quotes
    alone in their group have no row. Written whole by ``quotegraph.store.quote_groups.rebuild``."""

    __tablename__ = "quote_groups"

    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer, index=True)


class QuoteGroupStateRow(Base):
    """One row: the store generation and the last quote id the quote groups were built at."""

    __tablename__ = "quote_groups_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer)
    max_quote_id: Mapped[int] = mapped_column(Integer)
    quotes: Mapped[int] = mapped_column(Integer)
    groups: Mapped[int] = mapped_column(Integer)
    built_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))


quote_groups = cast(Table, QuoteGroupRow.__table__)
quote_groups_state = cast(Table, QuoteGroupStateRow.__table__)
