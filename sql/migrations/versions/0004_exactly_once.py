"""Exactly-once delivery and no silent loss: channel IDs, quarantined entries,
Retry-After scheduling.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_channels",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("channel_id", sa.Text, nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_slack_channels"),
    )
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("feed_id", sa.Integer, nullable=False),
        sa.Column("entry_key", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("entry", sa.Text, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_quarantine"),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name="fk_quarantine_feed_id_feeds", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("feed_id", "entry_key", name="uq_quarantine_feed_id_entry_key"),
    )
    op.create_index("ix_quarantine_status", "quarantine", ["status"])
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("retry_after_until", sa.DateTime(timezone=True)))
    # counting a story's outlets reads its copies: index-backed
    op.create_index("ix_articles_duplicate_of", "articles", ["duplicate_of"])


def downgrade() -> None:
    op.drop_index("ix_articles_duplicate_of", table_name="articles")
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("retry_after_until")
    op.drop_index("ix_quarantine_status", table_name="quarantine")
    op.drop_table("quarantine")
    op.drop_table("slack_channels")
