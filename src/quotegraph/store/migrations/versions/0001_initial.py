"""The first schema: articles, speakers (the registry), quotes with their about-entities, and full-text search.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Full-text search is dialect-specific: SQLite gets an FTS5 table over quote text kept in sync by triggers (so any
writer, not only quotegraph's ingest, keeps it right); PostgreSQL gets a generated tsvector column and a GIN index.
Both stem English words (FTS5's porter tokenizer, PostgreSQL's 'english' configuration).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

NAME = 300
URL = 2000

SQLITE_FTS = [
    (
        "CREATE VIRTUAL TABLE quotes_fts USING fts5("
        "text, content='quotes', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
    ),
    (
        "CREATE TRIGGER quotes_fts_insert AFTER INSERT ON quotes BEGIN "
        "INSERT INTO quotes_fts(rowid, text) VALUES (new.id, new.text); END"
    ),
    (
        "CREATE TRIGGER quotes_fts_delete AFTER DELETE ON quotes BEGIN "
        "INSERT INTO quotes_fts(quotes_fts, rowid, text) VALUES ('delete', old.id, old.text); END"
    ),
    (
        "CREATE TRIGGER quotes_fts_update AFTER UPDATE OF text ON quotes BEGIN "
        "INSERT INTO quotes_fts(quotes_fts, rowid, text) VALUES ('delete', old.id, old.text); "
        "INSERT INTO quotes_fts(rowid, text) VALUES (new.id, new.text); END"
    ),
]
POSTGRES_FTS = [
    # '<' and '>' become spaces first: PostgreSQL's parser takes '<script>alert(1)</script>' for markup and
    # indexes none of it, while a quote is text and every word in it should be found
    (
        "ALTER TABLE quotes ADD COLUMN search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, translate(text, '<>', '  '))) STORED"
    ),
    "CREATE INDEX ix_quotes_search_vector ON quotes USING gin (search_vector)",
]


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("doc_id", sa.String(NAME), nullable=False),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("url", sa.String(URL), nullable=True),
        sa.Column("outlet", sa.String(NAME), nullable=True),
        sa.Column("outlet_key", sa.String(NAME), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("headline_start", sa.Integer(), nullable=True),
        sa.Column("headline_end", sa.Integer(), nullable=True),
        sa.Column("body_start", sa.Integer(), nullable=False),
        sa.Column("body_end", sa.Integer(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("n_quotes", sa.Integer(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("content_hash", name="uq_articles_content_hash"),
    )
    op.create_index("ix_articles_doc_id", "articles", ["doc_id"])
    op.create_index("ix_articles_outlet_key", "articles", ["outlet_key"])
    op.create_index("ix_articles_date", "articles", ["date"])
    op.create_index("ix_articles_status", "articles", ["status"])

    op.create_table(
        "speakers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("name_key", sa.String(NAME), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("quote_count", sa.Integer(), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=True),
        sa.Column("last_date", sa.Date(), nullable=True),
        sa.UniqueConstraint("name_key", "type", name="uq_speakers_name_key_type"),
    )
    op.create_index("ix_speakers_quote_count", "speakers", ["quote_count"])
    op.create_index("ix_speakers_last_date", "speakers", ["last_date"])

    op.create_table(
        "speaker_aliases",
        sa.Column("speaker_id", sa.Integer(), sa.ForeignKey("speakers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("alias_key", sa.String(NAME), primary_key=True),
        sa.Column("alias", sa.String(NAME), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_speaker_aliases_alias_key", "speaker_aliases", ["alias_key"])

    op.create_table(
        "entities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("key", sa.String(NAME), nullable=False),
        sa.UniqueConstraint("key", name="uq_entities_key"),
    )

    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("speaker_id", sa.Integer(), sa.ForeignKey("speakers.id", ondelete="SET NULL"), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("doc_id", sa.String(NAME), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("cue", sa.Text(), nullable=True),
        sa.Column("cue_start", sa.Integer(), nullable=True),
        sa.Column("cue_end", sa.Integer(), nullable=True),
        sa.Column("mention", sa.Text(), nullable=True),
        sa.Column("mention_start", sa.Integer(), nullable=True),
        sa.Column("mention_end", sa.Integer(), nullable=True),
        sa.Column("speaker", sa.String(NAME), nullable=True),
        sa.Column("speaker_type", sa.String(16), nullable=False),
        sa.Column("parent", sa.Integer(), nullable=True),
        sa.Column("in_headline", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("continues", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("outlet", sa.String(NAME), nullable=True),
        sa.Column("about", sa.JSON(), nullable=False),
        sa.Column("anonymous", sa.JSON(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.UniqueConstraint("article_id", "position", name="uq_quotes_article_position"),
    )
    op.create_index("ix_quotes_date_id", "quotes", ["date", "id"])
    op.create_index("ix_quotes_speaker_date", "quotes", ["speaker_id", "date"])
    # narrow covering indexes: facet counts never read the wide rows (see models.py and search.py)
    op.create_index("ix_quotes_facets", "quotes", ["kind", "year", "speaker_id", "outlet"])
    op.create_index("ix_quotes_id_facets", "quotes", ["id", "kind", "year", "speaker_id", "outlet"])

    op.create_table(
        "quote_about",
        sa.Column("quote_id", sa.Integer(), sa.ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("entity_id", sa.Integer(), sa.ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_quote_about_entity_id", "quote_about", ["entity_id"])

    store_state = op.create_table(
        "store_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("generation", sa.Integer(), nullable=False),
    )
    op.bulk_insert(store_state, [{"id": 1, "generation": 0}])

    dialect = op.get_bind().dialect.name
    for statement in SQLITE_FTS if dialect == "sqlite" else POSTGRES_FTS if dialect == "postgresql" else []:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("quotes_fts_insert", "quotes_fts_delete", "quotes_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS quotes_fts")
    for table in ("store_state", "quote_about", "quotes", "entities", "speaker_aliases", "speakers", "articles"):
        op.drop_table(table)
