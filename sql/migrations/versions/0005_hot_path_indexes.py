"""Index every query on the per-entry and per-run hot paths.

- alerts.district_code, copied from the alert's event when it is queued (and filled
  here for the rows there are), with alerts(rule_id, district_code, created_at): the
  latest alert of a rule on a district (threaded place updates) was a join that read
  every alert of the rule in the window, or every event of the district; it is now
  one index probe;
- alerts(status, next_attempt_at) replaces alerts(status): the outbox queue and the
  pending count read it, and it still serves every lookup by status alone;
- alerts(event_id), alerts(article_id): the foreign keys, so that deleting an article
  (cascade) or re-extracting its events (SET NULL) does not scan the alerts.

quarantine(feed_id) needs nothing new: uq_quarantine_feed_id_entry_key leads with it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alerts", sa.Column("district_code", sa.String(16)))
    op.execute(
        "UPDATE alerts SET district_code = "
        "(SELECT events.district_code FROM events WHERE events.id = alerts.event_id) "
        "WHERE event_id IS NOT NULL"
    )
    op.create_index(
        "ix_alerts_rule_id_district_code_created_at",
        "alerts",
        ["rule_id", "district_code", "created_at"],
    )
    op.create_index("ix_alerts_status_next_attempt_at", "alerts", ["status", "next_attempt_at"])
    op.drop_index("ix_alerts_status", table_name="alerts")
    op.create_index("ix_alerts_event_id", "alerts", ["event_id"])
    op.create_index("ix_alerts_article_id", "alerts", ["article_id"])


def downgrade() -> None:
    op.drop_index("ix_alerts_article_id", table_name="alerts")
    op.drop_index("ix_alerts_event_id", table_name="alerts")
    op.create_index("ix_alerts_status", "alerts", ["status"])
    op.drop_index("ix_alerts_status_next_attempt_at", table_name="alerts")
    op.drop_index("ix_alerts_rule_id_district_code_created_at", table_name="alerts")
    # in place, also on SQLite (3.35+): a batch copy of the table would trip on the views
    op.drop_column("alerts", "district_code")
