"""feeds.body_hash: skip a feed whose 200 body is the one already stored.

Many publishers ignore If-None-Match / If-Modified-Since and send the same bytes on
every request; parsing and looking up their entries again was most of an unchanged
cycle. The hash is written only after every entry of that body is stored (as the
validators are), so a crash in between never skips an entry.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("body_hash", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("body_hash")
