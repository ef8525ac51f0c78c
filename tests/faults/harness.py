"""A lab for fault scenarios: feeds and Slack on loopback, a database of its own.

Every scenario ends in the same accounting (`Outcome`): entries served vs stored, alerts
raised (outbox rows) vs posted (distinct idempotency keys Slack recorded), and keys
Slack recorded more than once. The pipeline runs for real: in-process `run_cycle` /
`deliver`, or `python -m pipeline` in a child process when a scenario kills it.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import func, select

from pipeline.settings import PROJECT_ROOT, Settings, load_settings
from pipeline.store import Store
from tests.support.feed_server import FeedServer
from tests.support.slack_server import SlackServer

TOKEN = "xoxb-test-token"
ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# Districts whose fall the extractor reports from STORY (checked by the suite itself).
DISTRICTS = [
    ("Yawan", "Badakhshan"),
    ("Ghormach", "Faryab"),
    ("Jaghatu", "Ghazni"),
    ("Shindand", "Herat"),
    ("Arghistan", "Kandahar"),
    ("Khwaja Ghar", "Takhar"),
    ("Dawlat Abad", "Balkh"),
    ("Nawur", "Ghazni"),
]
STORY = (
    "Taliban fighters captured {district} district of {province} province on {day} after "
    "{fight}, {source} said. {detail}"
)
QUIET = (
    "Officials in {province} met farmers on {day} to discuss the price of wheat and the "
    "repair of irrigation canals before the spring planting season. {detail}"
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FIGHTS = (
    "two days of heavy fighting",
    "a night assault on the police headquarters",
    "clashes that lasted until dawn",
    "government troops withdrew from their checkpoints",
    "a week-long siege of the district centre",
)
SOURCES = (
    "a provincial council member",
    "the district governor's spokesman",
    "two residents reached by phone",
    "a security official who asked not to be named",
)
SYLLABLES = ("ka", "lo", "mi", "ru", "sa", "te", "vo", "ni", "pa", "zu", "de", "go")


def _detail(number: int, words: int = 36) -> str:
    """Filler no other number shares: pseudo-words (no trigger, place or actor), so
    stories are not each other's copies and only the lead carries the news."""
    rng = random.Random(number)
    tokens = [
        "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(words)
    ]
    sentences = [" ".join(tokens[i : i + 9]) for i in range(0, words, 9)]
    return " ".join(f"{sentence.capitalize()}." for sentence in sentences)


def story(number: int, outlet: str = "outlet-a.example", **extra: str) -> dict[str, str]:
    """An RSS item reporting one district's fall (a distinct story per number)."""
    district, province = DISTRICTS[number % len(DISTRICTS)]
    text = STORY.format(
        district=district,
        province=province,
        day=DAYS[number % len(DAYS)],
        fight=FIGHTS[number % len(FIGHTS)],
        source=SOURCES[number % len(SOURCES)],
        detail=" ".join(_detail(number + k) for k in (0, 100, 200)),
    )
    return {
        "title": f"{district} district falls to the Taliban ({number})",
        "link": f"https://{outlet}/news/{number}",
        "guid": f"urn:{outlet}:{number}",
        "description": text,
        **extra,
    }


def near_copy(number: int, outlet: str) -> dict[str, str]:
    """Another outlet's rewrite of `story(number)`: its lead and first detail, then new
    detail (a near-duplicate either way round: 35-50% of 5-word phrases shared)."""
    original = story(number)
    lead = original["description"].split(". ")[0]
    fresh = " ".join(_detail(number + k) for k in (500, 600, 700, 800))
    return {
        **story(number, outlet=outlet),
        "title": "Report: " + original["title"],
        "description": f"{lead}. {_detail(number)} {fresh}",
    }


def quiet_item(number: int, outlet: str = "outlet-a.example") -> dict[str, str]:
    """An RSS item that raises no alert."""
    _, province = DISTRICTS[number % len(DISTRICTS)]
    return {
        "title": f"Farmers meet officials ({number})",
        "link": f"https://{outlet}/farm/{number}",
        "guid": f"urn:{outlet}:farm-{number}",
        "description": QUIET.format(
            province=province, day=DAYS[number % len(DAYS)], detail=_detail(number + 1000)
        ),
    }


def rss(items: list[dict[str, str]], title: str = "Test feed") -> bytes:
    body = "".join(
        "<item>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in item.items()) + "</item>"
        for item in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://example.org/</link>{body}"
        f"</channel></rss>"
    ).encode()


@dataclass
class Outcome:
    """What one scenario did, in the numbers the matrix prints."""

    served: int
    stored: int
    raised: int
    posted: int
    doubled: int
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def lost(self) -> int:
        return (self.served - self.stored) + (self.raised - self.posted)


class FaultLab:
    """One scenario's world: feed server, Slack server, database, settings."""

    def __init__(self, workdir: Path, backend: str = "sqlite") -> None:
        self.workdir = workdir
        self.backend = backend
        self.feeds_dir = workdir / "feeds"
        self.feeds_dir.mkdir(parents=True, exist_ok=True)
        (workdir / "seeds").mkdir(exist_ok=True)
        self.feeds = FeedServer(self.feeds_dir)
        self.slack = SlackServer()
        self.database_name: str | None = None
        self.database_url = ""

    def __enter__(self) -> FaultLab:
        self.feeds.start()
        self.slack.start()
        if self.backend == "postgres":
            self.database_name = f"news_fault_{uuid.uuid4().hex[:10]}"
            _admin(f'CREATE DATABASE "{self.database_name}"')
            self.database_url = f"{ADMIN_URL.rpartition('/')[0]}/{self.database_name}"
        else:
            self.database_url = f"sqlite:///{self.workdir / 'pipeline.sqlite3'}"
        Store.from_url(self.database_url).engine.dispose()  # migrate once
        return self

    def __exit__(self, *exc: object) -> None:
        self.feeds.stop()
        self.slack.stop()
        if self.database_name:
            _admin(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')

    # -- configuration ----------------------------------------------------------------
    def env(self, **overrides: str) -> dict[str, str]:
        values = {
            "DATABASE_URL": self.database_url,
            "SEED_DIR": str(self.workdir / "seeds"),
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_BASE_URL": self.slack.base_url,
            "SLACK_CHANNEL": "#afghanistan-alerts",
            "HTTP_READ_TIMEOUT": "3",
            "HTTP_TOTAL_TIMEOUT": "5",
            "FEEDS_FILE": str(self.workdir / "feeds.yaml"),
        }
        values.update(overrides)
        return {k: v for k, v in values.items() if v != ""}

    def settings(self, **overrides: str) -> Settings:
        return load_settings(self.env(**overrides))

    def publish(self, name: str, items: list[dict[str, str]]) -> str:
        """Write a feed file and list it in feeds.yaml; returns its URL."""
        (self.feeds_dir / name).write_bytes(rss(items))
        url = self.feeds.url(name)
        listed = self.workdir / "feeds.yaml"
        lines = listed.read_text().splitlines() if listed.exists() else ["feeds:"]
        if f"  - url: {url}" not in lines:
            lines.append(f"  - url: {url}")
        listed.write_text("\n".join(lines) + "\n")
        return url

    # -- running the pipeline -----------------------------------------------------------
    def run(self, **overrides: str) -> Any:
        from pipeline.cycle import run_cycle

        with self.resources(**overrides) as resources:
            return run_cycle(resources)

    def deliver(self, sink: Any = None, **overrides: str) -> Any:
        from pipeline.cycle import deliver_outbox

        parts = {"sink": sink} if sink is not None else {}
        with self.resources(**overrides, **parts) as resources:
            return deliver_outbox(resources)

    def resources(self, sink: Any = None, **overrides: str) -> Any:
        """The lab's live resources (its database, feeds and Slack), built as a process
        builds them; a given sink replaces the configured one."""
        from pipeline.resources import Resources

        parts = {"sink": sink} if sink is not None else {}
        return Resources.live(self.settings(**overrides), migrate=False, **parts)

    def start_cli(self, *args: str, **overrides: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, **self.env(**overrides), "PYTHONPATH": str(PROJECT_ROOT)}
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline", *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def cli(
        self, *args: str, timeout: float = 120, **overrides: str
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **self.env(**overrides), "PYTHONPATH": str(PROJECT_ROOT)}
        return subprocess.run(
            [sys.executable, "-m", "pipeline", *args],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def store(self) -> Store:
        return Store.from_url(self.database_url, migrate_schema=False)

    # -- accounting ---------------------------------------------------------------------
    def stored_links(self) -> set[str]:
        from pipeline.schema import articles

        store = self.store()
        try:
            with store.engine.connect() as conn:
                rows = conn.execute(select(articles.c.url, articles.c.guid)).all()
        finally:
            store.engine.dispose()
        return {row.guid or row.url for row in rows}

    def alert_rows(self) -> list[dict[str, Any]]:
        from pipeline.schema import alerts

        store = self.store()
        try:
            with store.engine.connect() as conn:
                return [dict(r) for r in conn.execute(select(alerts)).mappings()]
        finally:
            store.engine.dispose()

    def count(self, table: Any) -> int:
        store = self.store()
        try:
            with store.engine.connect() as conn:
                return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        finally:
            store.engine.dispose()

    def outcome(self, served_guids: set[str], note: str = "", webhook: bool = False) -> Outcome:
        """Entries served (by guid) vs stored; outbox rows vs keys Slack recorded."""
        stored = served_guids & self.stored_links()
        rows = self.alert_rows()
        if webhook:
            posts: Counter[Any] = self.slack.webhook_posts_per_text()
        else:
            posts = self.slack.posts_per_key()
        raised = len(rows)
        posted = len([key for key in posts if key is not None])
        doubled = sum(1 for key, n in posts.items() if key is not None and n > 1)
        return Outcome(len(served_guids), len(stored), raised, posted, doubled, note)


def _admin(statement: str) -> None:
    import psycopg

    dsn = ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def guids(items: list[dict[str, str]]) -> set[str]:
    return {item["guid"] for item in items}
