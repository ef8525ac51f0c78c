"""Analyst views: events per day by actor and category, events by district, feed health,
alert queue.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The day of an event: its own date when the text gave one, else the article's.
DAY = {
    "postgresql": (
        "COALESCE(e.event_date, to_char(COALESCE(a.published_at, e.created_at) "
        "AT TIME ZONE 'UTC', 'YYYY-MM-DD'))"
    ),
    "sqlite": "COALESCE(e.event_date, substr(COALESCE(a.published_at, e.created_at), 1, 10))",
}

VIEWS = {
    "events_per_day": """
SELECT {day} AS day, e.actor, e.category, count(*) AS events,
       count(DISTINCT e.article_id) AS articles
FROM events e JOIN articles a ON a.id = e.article_id
GROUP BY {day}, e.actor, e.category""",
    "events_by_district": """
SELECT e.province, e.district, e.category, count(*) AS events,
       max({day}) AS last_day
FROM events e JOIN articles a ON a.id = e.article_id
WHERE e.district IS NOT NULL OR e.province IS NOT NULL
GROUP BY e.province, e.district, e.category""",
    "feed_health": """
SELECT f.id, f.name, f.url, f.disabled, f.last_status, f.last_error,
       f.consecutive_failures, f.last_fetched_at, f.last_success_at, f.entries_last_fetch,
       (SELECT count(*) FROM articles a WHERE a.feed_id = f.id) AS articles
FROM feeds f""",
    "alert_queue": """
SELECT al.id, al.rule_id, al.status, al.attempts, al.last_error, al.channel,
       al.created_at, al.next_attempt_at, a.title, a.url
FROM alerts al JOIN articles a ON a.id = al.article_id
WHERE al.status <> 'sent'""",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    day = DAY.get(dialect, DAY["sqlite"])
    for name, body in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS{body.format(day=day)}")


def downgrade() -> None:
    for name in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")
