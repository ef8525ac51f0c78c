"""Table definitions shared by the store and by the Alembic migrations' drift test.

The migrations in `sql/migrations` create these tables; a test checks that the
migrated database and this metadata agree, and that `sql/schema.sql` does too.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),
    Column("name", Text),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("last_fetched_at", DateTime(timezone=True)),
    Column("last_success_at", DateTime(timezone=True)),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("entries_last_fetch", Integer, nullable=False, default=0),
    # a 429/503 Retry-After: the feed is not polled again before this time
    Column("retry_after_until", DateTime(timezone=True)),
    # SHA-256 of the last 200 body whose entries were all stored: the same body is skipped
    Column("body_hash", String(64)),
    # JSON counts by language code of the entries its last run analysed (see language.py)
    Column("languages", Text),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("canonical_url", Text, nullable=False, unique=True),
    Column("url", Text),
    Column("guid", Text),
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="SET NULL")),
    Column("title", Text, nullable=False, default=""),
    Column("published_at", DateTime(timezone=True)),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
    Column("text", Text, nullable=False),
    Column("content_hash", String(64), nullable=False, index=True),
    Column("source", String(8), nullable=False),
    Column("duplicate_of", Integer, ForeignKey("articles.id", ondelete="SET NULL"), index=True),
    Column("dup_status", String(16), nullable=False, default="new"),
    Column("dup_method", String(32)),
    Column("dup_score", Float),
    Column("dup_detail", Text),
    Column("language", String(12)),  # ISO 639-1 from pipeline.language; NULL: not identified
    Index("ix_articles_feed_id_guid", "feed_id", "guid"),
)

shingles = Table(
    "shingles",
    metadata,
    Column("hash", BigInteger, primary_key=True, autoincrement=False),
    Column(
        "article_id",
        Integer,
        ForeignKey("articles.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "article_id",
        Integer,
        ForeignKey("articles.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("sentence_index", Integer, nullable=False),
    Column("category", String(32), nullable=False),
    Column("type", String(64), nullable=False),
    Column("actor", String(32), nullable=False),
    Column("target", String(32)),
    Column("realis", String(16), nullable=False),
    Column("claim_status", String(16), nullable=False),
    Column("location_name", Text),
    Column("district", Text),
    Column("province", Text),
    Column("district_code", String(16)),
    Column("province_code", String(16)),
    Column("lat", Float),
    Column("lon", Float),
    Column("event_date", String(10)),
    Column("trigger", Text),
    Column("evidence", Text, nullable=False),
    Column("evidence_start", Integer, nullable=False),
    Column("evidence_end", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # territory events: who holds the place at the end of the passage (pipeline/control.py)
    Column("control", String(24)),
    Index("ix_events_district_code", "district_code"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("rule_id", String(64), nullable=False),
    # both foreign keys indexed: deleting an article or its events must not scan alerts
    Column(
        "article_id",
        Integer,
        ForeignKey("articles.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("event_id", Integer, ForeignKey("events.id", ondelete="SET NULL"), index=True),
    Column("channel", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("claimed_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("slack_channel_id", Text),
    Column("slack_ts", Text),
    Column("thread_of", Text),  # idempotency key of the alert this one replies to
    # the district of its event, copied when the alert is queued: the latest alert of a
    # rule on a district (threaded place updates) is one index probe, not a join
    Column("district_code", String(16)),
    # the outbox queue (due_alerts, pending_alert_count, alerts_to_resolve): by status,
    # then when a pending row may go again
    Index("ix_alerts_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_alerts_rule_id_district_code_created_at", "rule_id", "district_code", "created_at"),
)

# Channel name -> ID, resolved once: looking a post up in Slack needs the ID.
slack_channels = Table(
    "slack_channels",
    metadata,
    Column("name", Text, primary_key=True),
    Column("channel_id", Text, nullable=False),
    Column("resolved_at", DateTime(timezone=True), nullable=False),
)

# Feed entries whose processing failed: kept (never lost) and retried, then held.
quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("entry_key", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("entry", Text, nullable=False),  # the Entry as JSON
    Column("error", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("status", String(16), nullable=False, index=True),  # retrying | held
    Column("first_failed_at", DateTime(timezone=True), nullable=False),
    Column("last_failed_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("feed_id", "entry_key"),
)

# Incidents: events of different articles that report the same thing (pipeline/incidents.py).
incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", Text, nullable=False, unique=True),  # alerts on it are keyed by it
    Column("category", String(32), nullable=False),
    Column("place_level", String(16), nullable=False),  # district | province | none
    Column("place_code", String(64), nullable=False),  # P-code, or actor:NAME without a place
    Column("place_name", Text),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("first_report_at", DateTime(timezone=True), nullable=False),
    Column("last_report_at", DateTime(timezone=True), nullable=False),
    Column("n_reports", Integer, nullable=False),
    Column("n_independent_outlets", Integer, nullable=False),
    Index("ix_incidents_place_code_category_last_day", "place_code", "category", "last_day"),
)

incident_events = Table(
    "incident_events",
    metadata,
    Column("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "incident_id",
        Integer,
        ForeignKey("incidents.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column(
        "article_id",
        Integer,
        ForeignKey("articles.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("outlet", Text),
    # False for a copy or rewrite of another article: it adds a report, not an outlet
    Column("independent", Boolean, nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
)

# District control (pipeline/control.py): each district's changes of state, with support.
district_control_changes = Table(
    "district_control_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("district_code", String(16), nullable=False),
    Column("district", Text),
    Column("province", Text),
    Column("status", String(24), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("event_ids", Text, nullable=False),  # JSON list
    Column("article_ids", Text, nullable=False),  # JSON list
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="SET NULL")),
    Column("independent_outlets", Integer, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("basis", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_district_control_changes_district_code_valid_from", "district_code", "valid_from"),
)

# Analysts' answers to alerts (Slack buttons): confirm, false_alarm, or mute (the rule on
# the district until `muted_until`). Rule and district are copied from the alert.
alert_feedback = Table(
    "alert_feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="SET NULL")),
    Column("alert_key", Text, nullable=False),
    Column("rule_id", String(64), nullable=False),
    Column("district_code", String(16)),
    Column("event_id", Integer),
    Column("action", String(16), nullable=False),
    Column("user_id", Text, nullable=False),
    Column("user_name", Text),
    Column("muted_until", DateTime(timezone=True)),
    # Slack signs every request once: a replayed request cannot be stored twice
    Column("request_signature", Text, nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_alert_feedback_alert_key", "alert_key"),
    Index("ix_alert_feedback_muted_until", "muted_until"),  # running mutes, once per run
)
