"""Quote tracing (issue 7): quote_groups (which quotes are one utterance) and quote_groups_state.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Filled by ``quotegraph trace --rebuild`` (``quotegraph.store.quote_groups.rebuild``); only quotes that share their
group with another quote have a row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quote_groups",
        sa.Column("quote_id", sa.Integer(), sa.ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("group_id", sa.Integer(), nullable=False),
    )
    op.create_index("ix_quote_groups_group_id", "quote_groups", ["group_id"])
    op.create_table(
        "quote_groups_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("max_quote_id", sa.Integer(), nullable=False),
        sa.Column("quotes", sa.Integer(), nullable=False),
        sa.Column("groups", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("quote_groups_state")
    op.drop_index("ix_quote_groups_group_id", table_name="quote_groups")
    op.drop_table("quote_groups")
