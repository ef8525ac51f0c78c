"""District control: events keep their `control`; each district's changes of state.

- events.control: who holds the place at the end of the passage (territory events);
- events(district_code): the fold reads one district's events;
- district_control_changes: the state of a district from `valid_from` on, with the
  events, articles and incident that support it (rebuilt by `control rebuild`);
- district_control: the latest change of each district.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

VIEW = """
SELECT c.district_code, c.district, c.province, c.status, c.valid_from, c.confidence,
       c.independent_outlets, c.incident_id, c.event_ids, c.article_ids, c.basis
FROM district_control_changes c
WHERE NOT EXISTS (
    SELECT 1 FROM district_control_changes later
    WHERE later.district_code = c.district_code
      AND (later.valid_from > c.valid_from
           OR (later.valid_from = c.valid_from AND later.id > c.id)))"""


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("control", sa.String(24)))
    op.create_index("ix_events_district_code", "events", ["district_code"])
    op.create_table(
        "district_control_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("district_code", sa.String(16), nullable=False),
        sa.Column("district", sa.Text),
        sa.Column("province", sa.Text),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("event_ids", sa.Text, nullable=False),
        sa.Column("article_ids", sa.Text, nullable=False),
        sa.Column("incident_id", sa.Integer),
        sa.Column("independent_outlets", sa.Integer, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("basis", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_district_control_changes"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_district_control_changes_incident_id_incidents",
            ondelete="SET NULL",
        ),
    )
    op.create_index(
        "ix_district_control_changes_district_code_valid_from",
        "district_control_changes",
        ["district_code", "valid_from"],
    )
    op.execute(f"CREATE VIEW district_control AS{VIEW}")


def downgrade() -> None:
    op.execute("DROP VIEW district_control")
    op.drop_table("district_control_changes")
    op.drop_index("ix_events_district_code", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("control")
