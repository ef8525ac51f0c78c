"""Initial tables: feeds, articles, shingles, events, alerts.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("last_status", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("last_fetched_at", TZ),
        sa.Column("last_success_at", TZ),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("entries_last_fetch", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feeds"),
        sa.UniqueConstraint("url", name="uq_feeds_url"),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("canonical_url", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("guid", sa.Text),
        sa.Column("feed_id", sa.Integer),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("published_at", TZ),
        sa.Column("fetched_at", TZ, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("duplicate_of", sa.Integer),
        sa.Column("dup_status", sa.String(16), nullable=False),
        sa.Column("dup_method", sa.String(32)),
        sa.Column("dup_score", sa.Float),
        sa.Column("dup_detail", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.UniqueConstraint("canonical_url", name="uq_articles_canonical_url"),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name="fk_articles_feed_id_feeds", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["articles.id"],
            name="fk_articles_duplicate_of_articles",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_articles_content_hash", "articles", ["content_hash"])
    op.create_index("ix_articles_feed_id_guid", "articles", ["feed_id", "guid"])
    op.create_table(
        "shingles",
        sa.Column("hash", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("hash", "article_id", name="pk_shingles"),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_shingles_article_id_articles",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_shingles_article_id", "shingles", ["article_id"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("sentence_index", sa.Integer, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("target", sa.String(32)),
        sa.Column("realis", sa.String(16), nullable=False),
        sa.Column("claim_status", sa.String(16), nullable=False),
        sa.Column("location_name", sa.Text),
        sa.Column("district", sa.Text),
        sa.Column("province", sa.Text),
        sa.Column("district_code", sa.String(16)),
        sa.Column("province_code", sa.String(16)),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("event_date", sa.String(10)),
        sa.Column("trigger", sa.Text),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("evidence_start", sa.Integer, nullable=False),
        sa.Column("evidence_end", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_events_article_id_articles",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_events_article_id", "events", ["article_id"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("idempotency_key", sa.Text, nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("event_id", sa.Integer),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("next_attempt_at", TZ),
        sa.Column("claimed_at", TZ),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ),
        sa.Column("slack_channel_id", sa.Text),
        sa.Column("slack_ts", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("idempotency_key", name="uq_alerts_idempotency_key"),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_alerts_article_id_articles",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name="fk_alerts_event_id_events", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_alerts_status", "alerts", ["status"])


def downgrade() -> None:
    for table in ("alerts", "events", "shingles", "articles", "feeds"):
        op.drop_table(table)
