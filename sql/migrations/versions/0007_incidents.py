"""Incidents: events from different articles that report the same thing.

- incidents: one row per incident (category, place or actor, first and last day, report
  times, n_reports, n_independent_outlets); its `key` names the alerts on it;
- incident_events: which events (of which article, from which outlet, independent or a
  copy) report it;
- incidents_by_district_day: incidents per district, day and category, for analysts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

VIEW = """
SELECT i.place_code AS district_code, i.place_name AS district, i.first_day AS day,
       i.category, count(*) AS incidents, sum(i.n_reports) AS reports,
       max(i.n_independent_outlets) AS most_outlets
FROM incidents i
WHERE i.place_level = 'district'
GROUP BY i.place_code, i.place_name, i.first_day, i.category"""


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("place_level", sa.String(16), nullable=False),
        sa.Column("place_code", sa.String(64), nullable=False),
        sa.Column("place_name", sa.Text),
        sa.Column("first_day", sa.Date, nullable=False),
        sa.Column("last_day", sa.Date, nullable=False),
        sa.Column("first_report_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_report_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n_reports", sa.Integer, nullable=False),
        sa.Column("n_independent_outlets", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
        sa.UniqueConstraint("key", name="uq_incidents_key"),
    )
    op.create_index(
        "ix_incidents_place_code_category_last_day",
        "incidents",
        ["place_code", "category", "last_day"],
    )
    op.create_table(
        "incident_events",
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("incident_id", sa.Integer, nullable=False),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("outlet", sa.Text),
        sa.Column("independent", sa.Boolean, nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_incident_events"),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name="fk_incident_events_event_id_events",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_incident_events_incident_id_incidents",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_incident_events_article_id_articles",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_incident_events_incident_id", "incident_events", ["incident_id"])
    op.create_index("ix_incident_events_article_id", "incident_events", ["article_id"])
    op.execute(f"CREATE VIEW incidents_by_district_day AS{VIEW}")


def downgrade() -> None:
    op.execute("DROP VIEW incidents_by_district_day")
    op.drop_table("incident_events")
    op.drop_table("incidents")
