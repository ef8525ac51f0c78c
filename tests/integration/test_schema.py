"""The migrations, the SQLAlchemy metadata, sql/schema.sql and sql/views.sql agree."""

from __future__ import annotations

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pipeline.schema import metadata
from pipeline.settings import PROJECT_ROOT
from pipeline.store import Store

SQL = PROJECT_ROOT / "sql"
CATALOG = {
    "columns": """SELECT table_name, column_name, data_type, is_nullable,
                  character_maximum_length FROM information_schema.columns
                  WHERE table_schema = 'public' AND table_name <> 'alembic_version'
                  ORDER BY 1, 2""",
    "indexes": """SELECT tablename, indexname, indexdef FROM pg_indexes
                  WHERE schemaname = 'public' AND tablename <> 'alembic_version' ORDER BY 2""",
    "constraints": """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                      WHERE connamespace = 'public'::regnamespace
                      AND conrelid <> 'alembic_version'::regclass ORDER BY 1""",
    "views": """SELECT viewname, definition FROM pg_views
                WHERE schemaname = 'public' ORDER BY 1""",
}


def _catalog(url: str) -> dict[str, list[tuple]]:
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        return {name: conn.execute(query).fetchall() for name, query in CATALOG.items()}


def test_migrated_database_matches_metadata(store) -> None:  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_schema_sql_and_views_sql_match_the_migrations(
    postgres_url: str, empty_postgres_url: str
) -> None:
    with psycopg.connect(empty_postgres_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        conn.execute((SQL / "schema.sql").read_text())
        conn.execute((SQL / "views.sql").read_text())
    from_files = _catalog(empty_postgres_url)
    migrated = _catalog(postgres_url)
    for part in CATALOG:
        assert from_files[part] == migrated[part], f"sql/ and migrations differ in {part}"
    assert {v[0] for v in migrated["views"]} >= {"events_per_day", "events_by_district"}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_views_work_on_sqlite(tmp_path, backend: str) -> None:  # type: ignore[no-untyped-def]
    store = Store.from_url(f"sqlite:///{tmp_path / 'v.sqlite3'}")
    with store.engine.connect() as conn:
        views = ("events_per_day", "events_by_district", "feed_health", "alert_queue")
        for view in (*views, "incidents_by_district_day", "district_control"):
            assert conn.exec_driver_sql(f"SELECT * FROM {view}").fetchall() == []
