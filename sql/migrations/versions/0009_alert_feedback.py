"""Analysts' answers to alerts: the Slack buttons Confirm, False alarm and Mute.

- alert_feedback: one row per accepted click, with the alert it answers, its rule and
  district (copied, so a mute is one index probe and survives the alert's deletion), who
  clicked, and for a mute the moment it ends. `request_signature` is unique: Slack signs
  each request once, so a replayed request cannot be stored twice.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("alert_id", sa.Integer),
        sa.Column("alert_key", sa.Text, nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("district_code", sa.String(16)),
        sa.Column("event_id", sa.Integer),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("user_name", sa.Text),
        sa.Column("muted_until", sa.DateTime(timezone=True)),
        sa.Column("request_signature", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alert_feedback"),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name="fk_alert_feedback_alert_id_alerts",
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint("request_signature", name="uq_alert_feedback_request_signature"),
    )
    op.create_index("ix_alert_feedback_alert_key", "alert_feedback", ["alert_key"])
    # delivery reads the mutes still running once per run
    op.create_index("ix_alert_feedback_muted_until", "alert_feedback", ["muted_until"])


def downgrade() -> None:
    op.drop_table("alert_feedback")
