"""Alerts can reply in the thread of an earlier alert (later reports of one story).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("thread_of", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("thread_of")
