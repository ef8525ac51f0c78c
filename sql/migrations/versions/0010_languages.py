"""Languages: each article's language, and the languages of a feed's last new entries.

- articles.language: ISO 639-1 code from pipeline.language (NULL: not identified);
- feeds.languages: JSON counts by code of the entries a feed's last run analysed, so
  `status` can show a feed in a language the extractor does not read without reading
  its articles.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("language", sa.String(12)))
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("languages", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("languages")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("language")
