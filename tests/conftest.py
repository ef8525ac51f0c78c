"""Shared fixtures: real Postgres and SQLite databases, a feed server, a Slack server.

Postgres comes from TEST_DATABASE_URL (default: the local server, trust auth). Each
test that needs it gets a fresh database cloned from a migrated template. Under CI an
unreachable Postgres fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.settings import PROJECT_ROOT, Settings, load_settings

SHARED = PROJECT_ROOT.parent / "shared"
ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _admin_dsn() -> str:
    return ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")


def _with_database(name: str) -> str:
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


def _admin_execute(*statements: str) -> None:
    import psycopg

    with psycopg.connect(_admin_dsn(), autocommit=True, connect_timeout=5) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated template database; tests clone it (fast) instead of migrating again."""
    import psycopg

    name = f"news_tmpl_{uuid.uuid4().hex[:8]}"
    try:
        _admin_execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Postgres unreachable at {ADMIN_URL} under CI: {exc}")
        pytest.skip(f"Postgres unreachable at {ADMIN_URL}: {exc}")
    from pipeline.store import Store

    store = Store.from_url(_with_database(name))
    store.engine.dispose()
    yield name
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    name = f"news_test_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    yield _with_database(name)
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """A database with no schema at all, for migration tests."""
    import psycopg

    name = f"news_empty_{uuid.uuid4().hex[:10]}"
    try:
        _admin_execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Postgres unreachable at {ADMIN_URL} under CI: {exc}")
        pytest.skip(f"Postgres unreachable: {exc}")
    yield _with_database(name)
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every store test runs on both back ends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'pipeline.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(database_url: str) -> Iterator[object]:
    from pipeline.store import Store

    store = Store.from_url(database_url)
    yield store
    store.engine.dispose()


@pytest.fixture
def make_settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Settings as the environment would give them, with overrides."""

    def build(database_url: str, **env: str) -> Settings:
        values = {"DATABASE_URL": database_url}
        values.update(env)
        return load_settings(values)

    return build


@pytest.fixture
def feed_server(tmp_path: Path) -> Iterator[object]:
    from tests.support.feed_server import FeedServer

    root = tmp_path / "feeds"
    root.mkdir()
    with FeedServer(root) as server:
        yield server
    assert not server.errors, server.errors


@pytest.fixture
def slack_server() -> Iterator[object]:
    from tests.support.slack_server import SlackServer

    with SlackServer() as server:
        yield server
    assert not server.errors, server.errors


def write_rss(path: Path, items: list[dict[str, str]], title: str = "Test feed") -> Path:
    """A small RSS 2.0 document from dicts with title, link, guid, description, pubDate."""
    from xml.sax.saxutils import escape

    body = "".join(
        "<item>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in item.items()) + "</item>"
        for item in items
    )
    path.write_text(
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://example.org/</link>{body}"
        f"</channel></rss>",
        encoding="utf-8",
    )
    return path
