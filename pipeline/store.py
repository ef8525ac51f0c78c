"""Storage: one SQLAlchemy engine over SQLite (embedded default) or Postgres.

Every article is written in one transaction together with its shingles, events and
outbox rows, so a crash or a dropped connection leaves either all of them or none.
"""

from __future__ import annotations

import json
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import (
    Connection,
    Engine,
    case,
    create_engine,
    delete,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import SingletonThreadPool, StaticPool

from pipeline.models import DuplicateDecision, Event, FetchResult
from pipeline.schema import (
    alert_feedback,
    alerts,
    articles,
    district_control_changes,
    events,
    feeds,
    incident_events,
    incidents,
    quarantine,
    shingles,
    slack_channels,
)

if TYPE_CHECKING:
    from pipeline.alerts.control import ControlPlan
    from pipeline.alerts.feedback import Click
    from pipeline.alerts.plan import AlertHistory, PlannedAlert
    from pipeline.control import ControlChange, ControlRefresh, TerritorialEvent
    from pipeline.incidents import Assignment, KnownIncident, Slot
from pipeline.settings import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "sql" / "migrations"
CLAIM_TIMEOUT = timedelta(minutes=5)
DEDUPE_LOCK = 0x4E455753  # "NEWS": the advisory lock key of dedupe decisions
QUARANTINE_HOLD_AFTER = 3  # failed attempts before a quarantined entry waits for a person
# A sampled hash stored for more than this many articles is boilerplate (a site footer,
# a stock phrase): it carries no signal, and reading its postings is what makes a naive
# candidate query slow at a million articles (see bench/README.md).
MAX_POSTINGS_PER_HASH = 100
# Batched lookups (known_guids, known_urls) send at most this many keys per statement:
# a feed's entries in one go, under SQLite's 999 bound parameters, and few enough that
# Postgres probes the index rather than scanning (at 20k articles it scans from ~500 keys).
LOOKUP_CHUNK = 200
# A thread's read connection is reused while it was used this recently; after a longer
# pause it goes back to the pool and the next read checks one out (and pings it) again.
READER_IDLE_SECONDS = 10.0
T = TypeVar("T")
CAPPED_CANDIDATES = text(
    """
    WITH ranked AS (
        SELECT p.article_id, count(*) AS shared
        FROM unnest(CAST(:hashes AS bigint[])) AS probe(hash)
        CROSS JOIN LATERAL (
            SELECT s.article_id, count(*) OVER () AS df
            FROM (SELECT article_id FROM shingles WHERE shingles.hash = probe.hash
                  LIMIT :cap_plus_one) AS s
        ) AS p
        WHERE p.df <= :cap
        GROUP BY p.article_id
        ORDER BY shared DESC, p.article_id
        LIMIT :limit
    )
    SELECT a.id, a.source, a.guid, a.canonical_url, a.text, r.shared
    FROM ranked r JOIN articles a ON a.id = r.article_id
    ORDER BY r.shared DESC, a.id
    """
)

# Rows in a table as the planner estimates them: reltuples per page times current pages;
# -1 when the table was never analysed (then it is counted).
ESTIMATED_ROWS = text(
    """
    SELECT CASE WHEN c.reltuples < 0 OR c.relpages = 0 THEN -1
           ELSE (c.reltuples / c.relpages
                 * (pg_relation_size(c.oid) / current_setting('block_size')::int))::bigint
           END
    FROM pg_class c WHERE c.oid = to_regclass(:table)
    """
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything this store writes is UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def make_engine(url: str) -> Engine:
    """An engine that survives dropped connections (pre-ping) and enforces SQLite FKs."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _insert(connection: Connection, table: Any) -> Any:
    """A dialect insert that supports ON CONFLICT DO NOTHING on both back ends."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


@dataclass
class _Reader:
    connection: Connection
    thread: threading.Thread
    pid: int
    used_at: float
    depth: int = 0


_FORKED_AWAY: list[_Reader] = []  # a parent's connections, never touched in a child


class ReadConnections:
    """One pooled connection per thread for reads outside a transaction.

    The dedupe and alert lookups of one entry are half a dozen single-statement reads;
    each used to check a connection out of the pool (a pre-ping round trip, BEGIN, the
    query, a ROLLBACK on return). Here consecutive reads of a thread share one connection
    in autocommit mode: one round trip per query, no transaction (and so no snapshot or
    lock) held between them, every read sees what is committed. Writes keep their own
    transactions. A connection idle for `idle` seconds goes back to the pool; one that
    dies is dropped (the store retries its own reads once); `Engine.dispose()`, the
    store's garbage collection or the end of the thread return them."""

    def __init__(self, engine: Engine, idle: float = READER_IDLE_SECONDS) -> None:
        self.engine = engine
        self.idle = idle
        # these pools hand one DBAPI connection to every checkout of a thread: an
        # autocommit reader would take the transactions' connection out of its transaction
        self.enabled = not isinstance(engine.pool, SingletonThreadPool | StaticPool)
        self._local = threading.local()
        self._mutex = threading.Lock()
        self._readers: list[_Reader] = []
        if self.enabled:
            event.listen(engine, "engine_disposed", self._engine_disposed)

    @contextmanager
    def use(self) -> Iterator[Connection]:
        if not self.enabled:
            with self.engine.connect() as connection:
                yield connection
            return
        reader = self._reader()
        reader.depth += 1
        try:
            yield reader.connection
        except DBAPIError as exc:
            if exc.connection_invalidated:
                self._drop(reader, invalidate=True)
            raise
        finally:
            reader.depth -= 1
            reader.used_at = time.monotonic()

    def _reader(self) -> _Reader:
        reader: _Reader | None = getattr(self._local, "reader", None)
        if reader is not None:
            alive = not (reader.connection.closed or reader.connection.invalidated)
            recent = reader.depth or time.monotonic() - reader.used_at <= self.idle
            if reader.pid == os.getpid() and alive and recent:
                return reader
            self._drop(reader, invalidate=False)  # idle: back to the pool
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        reader = _Reader(connection, threading.current_thread(), os.getpid(), time.monotonic())
        self._local.reader = reader
        with self._mutex:
            ended = [r for r in self._readers if not r.thread.is_alive()]
            self._readers = [r for r in self._readers if r.thread.is_alive()] + [reader]
        for gone in ended:
            self._drop(gone, invalidate=False)
        return reader

    def _drop(self, reader: _Reader, *, invalidate: bool) -> None:
        with self._mutex:
            if reader in self._readers:
                self._readers.remove(reader)
        if getattr(self._local, "reader", None) is reader:
            self._local.reader = None
        if reader.pid != os.getpid():
            _FORKED_AWAY.append(reader)  # the parent's socket (after a fork): leave it alone
            return
        try:
            if invalidate and not reader.connection.invalidated:
                reader.connection.invalidate()
            reader.connection.close()
        except Exception:  # a connection that cannot even close is gone
            pass

    def close_all(self, *, invalidate: bool = False) -> None:
        """Return (or, after the pool was disposed, close) every thread's connection."""
        with self._mutex:
            readers, self._readers = self._readers, []
        for reader in readers:
            self._drop(reader, invalidate=invalidate)

    def _engine_disposed(self, _engine: Engine) -> None:
        # the old pool is closed: its checked-out readers would go back into nothing
        self.close_all(invalidate=True)


@dataclass(frozen=True)
class KnownArticle:
    id: int
    label: str
    text: str
    guid: str | None = None


def article_label(source: str, guid: str | None, canonical_url: str) -> str:
    """How an analyst names a stored article: the seed file name or its URL."""
    return guid if source == "seed" and guid else canonical_url


class Store:
    """Small repository over the application tables; each method is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()  # the connection holding the dedupe lock, per thread
        self._readers = ReadConnections(engine)
        # a store dropped without Engine.dispose(): close its readers rather than leave
        # them open in a pool nobody will dispose of
        weakref.finalize(self, self._readers.close_all, invalidate=True)

    @property
    def _locked(self) -> Connection | None:
        return getattr(self._local, "connection", None)

    @_locked.setter
    def _locked(self, connection: Connection | None) -> None:
        self._local.connection = connection

    @classmethod
    def from_url(cls, url: str, *, migrate_schema: bool = True) -> Store:
        store = cls(make_engine(url))
        if migrate_schema:
            migrate(store.engine)
        return store

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """The connection of the surrounding `decision_lock`, if any (reads inside the
        lock must see what the lock protects), else this thread's read connection
        (autocommit, shared by consecutive reads: see ReadConnections). Nested uses get
        the same connection."""
        if self._locked is not None:
            yield self._locked
            return
        with self._readers.use() as connection:
            yield connection

    def _read(self, work: Callable[[Connection], T]) -> T:
        """Run a read on `reading()`'s connection. Outside the lock a read is retried once
        on a fresh connection when its connection turns out dead (reads change nothing)."""
        if self._locked is not None:
            return work(self._locked)
        try:
            with self._readers.use() as connection:
                return work(connection)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        with self._readers.use() as connection:
            return work(connection)

    def close(self) -> None:
        """Give back this store's read connections and dispose of the engine's pool."""
        self._readers.close_all()
        self.engine.dispose()

    @contextmanager
    def decision_lock(self) -> Iterator[Connection]:
        """A transaction that holds the one dedupe lock: deciding whether an article is
        new and writing it (with its alerts) happen under it, so two processes never both
        find a story new. Extraction runs before, outside the lock; the section inside is
        a handful of indexed queries. Postgres: a transaction-scoped advisory lock;
        SQLite: BEGIN IMMEDIATE (the database's one writer lock)."""
        with self.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.begin()
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DEDUPE_LOCK})
            else:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            self._locked = connection
            try:
                yield connection
                connection.commit()
            except BaseException:
                connection.rollback()
                raise
            finally:
                self._locked = None

    # feeds -------------------------------------------------------------
    def ensure_feed(self, url: str, name: str = "") -> dict[str, Any]:
        with self.transaction() as conn:
            conn.execute(
                _insert(conn, feeds)
                .values(
                    url=url,
                    name=name or None,
                    consecutive_failures=0,
                    disabled=False,
                    entries_last_fetch=0,
                )
                .on_conflict_do_nothing(index_elements=["url"])
            )
            if name:  # written only when it changed: no new row version every run
                conn.execute(
                    update(feeds)
                    .where((feeds.c.url == url) & feeds.c.name.is_distinct_from(name))
                    .values(name=name)
                )
            return dict(conn.execute(select(feeds).where(feeds.c.url == url)).mappings().one())

    def record_feed_success(self, feed_id: int, result: FetchResult, entries: int) -> None:
        """Store validators only after the entries are safe, so nothing is skipped by a 304."""
        values: dict[str, Any] = {
            "last_status": result.status,
            "last_error": None,
            "last_fetched_at": utcnow(),
            "last_success_at": utcnow(),
            "consecutive_failures": 0,
            "retry_after_until": None,
        }
        if not result.not_modified:
            values |= {
                "etag": result.etag,
                "last_modified": result.last_modified,
                "entries_last_fetch": entries,
                "body_hash": result.body_hash,
            }
        with self.transaction() as conn:
            conn.execute(update(feeds).where(feeds.c.id == feed_id).values(**values))

    def record_feed_failure(
        self, feed_id: int, status: int | None, error: str, disable_after: int, gone: bool = False
    ) -> bool:
        """Count the failure; disable the feed when it is gone or failed too often."""
        with self.transaction() as conn:
            row = conn.execute(
                select(feeds.c.consecutive_failures).where(feeds.c.id == feed_id)
            ).one()
            failures = row.consecutive_failures + 1
            disabled = gone or failures >= disable_after
            conn.execute(
                update(feeds)
                .where(feeds.c.id == feed_id)
                .values(
                    last_status=status,
                    last_error=error[:2000],
                    last_fetched_at=utcnow(),
                    consecutive_failures=failures,
                    disabled=disabled,
                )
            )
            return disabled

    def record_feed_languages(self, feed_id: int, counts: Mapping[str, int]) -> None:
        """The languages of the entries a feed's run analysed (shown by `status`)."""
        with self.transaction() as conn:
            conn.execute(
                update(feeds)
                .where(feeds.c.id == feed_id)
                .values(languages=json.dumps(dict(sorted(counts.items()))))
            )

    def move_feed(self, feed_id: int, new_url: str) -> None:
        """Follow a permanent redirect by updating the stored URL."""
        with self.transaction() as conn:
            taken = conn.execute(select(feeds.c.id).where(feeds.c.url == new_url)).first()
            if taken is None:
                conn.execute(update(feeds).where(feeds.c.id == feed_id).values(url=new_url))

    def set_feed_disabled(self, url: str, disabled: bool) -> bool:
        with self.transaction() as conn:
            result = conn.execute(
                update(feeds)
                .where(feeds.c.url == url)
                .values(disabled=disabled, consecutive_failures=0)
            )
            return result.rowcount > 0

    def list_feeds(self) -> list[dict[str, Any]]:
        query = select(feeds).order_by(feeds.c.id)
        return self._read(lambda conn: [dict(row) for row in conn.execute(query).mappings()])

    def defer_feed(self, feed_id: int, until: datetime) -> None:
        """A Retry-After: do not poll the feed again before `until`."""
        with self.transaction() as conn:
            conn.execute(update(feeds).where(feeds.c.id == feed_id).values(retry_after_until=until))

    # quarantined entries --------------------------------------------------
    def quarantine_entry(self, feed_id: int, key: str, title: str, entry: str, error: str) -> str:
        """Keep an entry whose processing failed; after QUARANTINE_HOLD_AFTER attempts it
        is `held` until someone runs `quarantine retry`. Returns its status."""
        now = utcnow()
        with self.transaction() as conn:
            conn.execute(
                _insert(conn, quarantine)
                .values(
                    feed_id=feed_id,
                    entry_key=key,
                    title=title[:300],
                    entry=entry,
                    error=error[:2000],
                    attempts=0,
                    status="retrying",
                    first_failed_at=now,
                    last_failed_at=now,
                )
                .on_conflict_do_nothing(index_elements=["feed_id", "entry_key"])
            )
            where = (quarantine.c.feed_id == feed_id) & (quarantine.c.entry_key == key)
            attempts = conn.execute(select(quarantine.c.attempts).where(where)).scalar_one() + 1
            status = "held" if attempts >= QUARANTINE_HOLD_AFTER else "retrying"
            conn.execute(
                update(quarantine)
                .where(where)
                .values(attempts=attempts, status=status, error=error[:2000], last_failed_at=now)
            )
            return status

    def quarantined(
        self, feed_id: int | None = None, statuses: Sequence[str] = ("retrying", "held")
    ) -> list[dict[str, Any]]:
        query = select(quarantine).where(quarantine.c.status.in_(statuses))
        if feed_id is not None:
            query = query.where(quarantine.c.feed_id == feed_id)
        query = query.order_by(quarantine.c.id)
        return self._read(lambda conn: [dict(r) for r in conn.execute(query).mappings()])

    def release_quarantined(self, ids: Sequence[int] = ()) -> int:
        """Held entries go back to `retrying` with a fresh count (the next run tries them)."""
        condition = quarantine.c.status == "held"
        if ids:
            condition &= quarantine.c.id.in_(ids)
        with self.transaction() as conn:
            result = conn.execute(
                update(quarantine).where(condition).values(status="retrying", attempts=0)
            )
            return result.rowcount

    def clear_quarantined(self, feed_id: int, key: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                quarantine.delete().where(
                    (quarantine.c.feed_id == feed_id) & (quarantine.c.entry_key == key)
                )
            )

    # articles ----------------------------------------------------------
    def find_by_url(self, canonical_url: str) -> KnownArticle | None:
        return self._find_one(articles.c.canonical_url == canonical_url)

    def find_by_guid(self, feed_id: int, guid: str) -> KnownArticle | None:
        return self._find_one((articles.c.feed_id == feed_id) & (articles.c.guid == guid))

    def find_by_hash(self, content_hash: str) -> KnownArticle | None:
        return self._find_one(
            (articles.c.content_hash == content_hash) & (articles.c.dup_status == "new")
        )

    def _find_one(self, condition: Any) -> KnownArticle | None:
        query = select(*KNOWN_COLUMNS).where(condition).order_by(articles.c.id).limit(1)
        row = self._read(lambda conn: conn.execute(query).first())
        return None if row is None else _known(row)

    def known_guids(self, feed_id: int, guids: Iterable[str]) -> set[str]:
        """Which of a feed's entry guids are stored already (for that feed): one indexed
        query (ix_articles_feed_id_guid) per LOOKUP_CHUNK guids, on one connection."""
        wanted = sorted({guid for guid in guids if guid})
        where = articles.c.feed_id == feed_id
        return self._known_values(articles.c.guid, wanted, where)

    def known_urls(self, keys: Iterable[str]) -> set[str]:
        """Which of these article keys (canonical URLs, as `find_by_url` takes them) are
        stored already: one query on uq_articles_canonical_url per LOOKUP_CHUNK keys."""
        return self._known_values(articles.c.canonical_url, sorted({k for k in keys if k}))

    def _known_values(self, column: Any, wanted: list[str], where: Any = None) -> set[str]:
        if not wanted:
            return set()

        def work(conn: Connection) -> set[str]:
            found: set[str] = set()
            for start in range(0, len(wanted), LOOKUP_CHUNK):
                condition = column.in_(wanted[start : start + LOOKUP_CHUNK])
                if where is not None:
                    condition = where & condition
                found.update(conn.execute(select(column).where(condition)).scalars())
            return found

        return self._read(work)

    def shingle_candidates(
        self, sample: Iterable[int], limit: int = 5, max_postings: int = MAX_POSTINGS_PER_HASH
    ) -> list[KnownArticle]:
        """Stored originals sharing the most sampled shingles with a new text.

        Hashes stored for more than `max_postings` articles are ignored; on Postgres each
        probe reads at most `max_postings + 1` index entries (a LATERAL join on the primary
        key) and the candidates' texts come in the same statement."""
        hashes = sorted(set(sample))
        if not hashes:
            return []
        return self._read(lambda conn: self._candidates(conn, hashes, limit, max_postings))

    def _candidates(
        self, conn: Connection, hashes: list[int], limit: int, max_postings: int
    ) -> list[KnownArticle]:
        if conn.dialect.name == "postgresql":
            params = {
                "hashes": hashes,
                "cap": max_postings,
                "cap_plus_one": max_postings + 1,
                "limit": limit,
            }
            return [_known(row) for row in conn.execute(CAPPED_CANDIDATES, params)]
        # SQLite: the same rule (boilerplate hashes ignored) in two queries
        common = (
            select(shingles.c.hash)
            .where(shingles.c.hash.in_(hashes))
            .group_by(shingles.c.hash)
            .having(func.count() > max_postings)
        )
        shared = func.count().label("shared")
        ids = [
            row.article_id
            for row in conn.execute(
                select(shingles.c.article_id, shared)
                .where(shingles.c.hash.in_(hashes) & shingles.c.hash.not_in(common))
                .group_by(shingles.c.article_id)
                .order_by(shared.desc(), shingles.c.article_id)
                .limit(limit)
            )
        ]
        if not ids:
            return []
        rows = conn.execute(select(*KNOWN_COLUMNS).where(articles.c.id.in_(ids))).all()
        by_id = {row.id: _known(row) for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    def insert_article(
        self,
        conn: Connection,
        *,
        canonical_url: str,
        url: str | None,
        guid: str | None,
        feed_id: int | None,
        title: str,
        published_at: datetime | None,
        text: str,
        content_hash: str,
        source: str,
        decision: DuplicateDecision,
        shingle_sample: Sequence[int],
        language: str | None = None,
    ) -> int | None:
        """Insert one article and its index rows; None when its URL is already stored."""
        result = conn.execute(
            _insert(conn, articles)
            .values(
                canonical_url=canonical_url,
                url=url,
                guid=guid,
                feed_id=feed_id,
                title=title,
                published_at=published_at,
                fetched_at=utcnow(),
                text=text,
                content_hash=content_hash,
                source=source,
                duplicate_of=decision.of_article_id,
                dup_status=decision.status,
                dup_method=decision.method,
                dup_score=decision.score,
                dup_detail=json.dumps(decision.detail) if decision.detail else None,
                language=language,
            )
            .on_conflict_do_nothing(index_elements=["canonical_url"])
            .returning(articles.c.id)
        )
        article_id = result.scalar()
        if article_id is None:
            return None
        if not decision.is_copy and shingle_sample:
            conn.execute(
                shingles.insert(),
                [{"hash": h, "article_id": article_id} for h in sorted(set(shingle_sample))],
            )
        return int(article_id)

    def insert_events(self, conn: Connection, article_id: int, found: Sequence[Event]) -> list[int]:
        ids: list[int] = []
        for item in found:
            location = item.location
            result = conn.execute(
                events.insert()
                .values(
                    article_id=article_id,
                    sentence_index=item.sentence_index,
                    category=item.category,
                    type=item.type,
                    actor=item.actor,
                    target=item.target,
                    realis=item.realis,
                    claim_status=item.claim_status,
                    location_name=location.name if location else None,
                    district=location.district if location else None,
                    province=location.province if location else None,
                    district_code=location.district_code if location else None,
                    province_code=location.province_code if location else None,
                    lat=location.lat if location else None,
                    lon=location.lon if location else None,
                    event_date=item.event_date,
                    control=item.control,
                    trigger=item.trigger,
                    evidence=item.evidence,
                    evidence_start=item.evidence_start,
                    evidence_end=item.evidence_end,
                    created_at=utcnow(),
                )
                .returning(events.c.id)
            )
            ids.append(int(result.scalar_one()))
        return ids

    def alert_history(
        self,
        decision: DuplicateDecision,
        url_key: str,
        url: str | None,
        rule_ids: Sequence[str],
        places: Iterable[tuple[str, str]],
        place_window: timedelta = timedelta(days=90),
    ) -> AlertHistory:
        """What plan_alerts needs to know about earlier alerts (inside `decision_lock`
        when the plan will be written)."""
        from pipeline.alerts.plan import AlertHistory

        wanted = sorted(set(places))
        rules = list(rule_ids)

        def work(conn: Connection) -> AlertHistory:
            threads = {
                (rule_id, code): key
                for rule_id, code in wanted
                if (key := self._latest_alert_on_place(conn, rule_id, code, place_window))
            }
            if decision.status != "near_duplicate" or decision.of_article_id is None:
                return AlertHistory(url_key, place_threads=threads)
            original = decision.of_article_id
            story_key = conn.execute(
                select(articles.c.canonical_url).where(articles.c.id == original)
            ).scalar_one()
            rewrites = conn.execute(
                select(articles.c.id).where(
                    (articles.c.duplicate_of == original)
                    & (articles.c.dup_status == "near_duplicate")
                )
            ).scalars()
            fired = conn.execute(
                select(alerts.c.id, alerts.c.rule_id, alerts.c.idempotency_key).where(
                    alerts.c.article_id.in_([original, *rewrites])
                    & alerts.c.thread_of.is_(None)
                    & alerts.c.rule_id.in_(rules)
                )
            ).all()
            story_alerts = {row.rule_id: row.idempotency_key for row in sorted(fired, reverse=True)}
            outlets = self._story_outlets(conn, original, also=url)
            return AlertHistory(story_key, story_alerts, outlets, threads)

        return self._read(work)

    # --- incidents ------------------------------------------------------------------
    def known_incidents(
        self, slots: Iterable[Slot], since: date, rule_ids: Sequence[str]
    ) -> list[KnownIncident]:
        """Incidents on these slots' places and categories whose last day is `since` or
        later, with their independent outlets and the alerts already on them."""
        from pipeline.incidents import KnownIncident, Slot

        wanted = sorted({(s.place_code, s.category) for s in slots})
        if not wanted:
            return []
        rules = list(rule_ids)

        def work(conn: Connection) -> list[KnownIncident]:
            found: list[KnownIncident] = []
            for code, category in wanted:
                rows = conn.execute(
                    select(incidents).where(
                        (incidents.c.place_code == code)
                        & (incidents.c.category == category)
                        & (incidents.c.last_day >= since)
                    )
                ).mappings()
                for row in rows:
                    outlets = conn.execute(
                        select(incident_events.c.outlet)
                        .distinct()
                        .where(
                            (incident_events.c.incident_id == row["id"])
                            & incident_events.c.independent
                            & incident_events.c.outlet.is_not(None)
                        )
                    ).scalars()
                    keys = {f"{rule}:{row['key']}": rule for rule in rules}
                    fired = conn.execute(
                        select(alerts.c.idempotency_key, articles.c.canonical_url)
                        .join(articles, articles.c.id == alerts.c.article_id)
                        .where(alerts.c.idempotency_key.in_(list(keys)))
                    ).all()
                    found.append(
                        KnownIncident(
                            id=row["id"],
                            key=row["key"],
                            slot=Slot(row["category"], row["place_level"], row["place_code"]),
                            first_day=_as_date(row["first_day"]),
                            last_day=_as_date(row["last_day"]),
                            n_reports=row["n_reports"],
                            outlets=frozenset(outlets),
                            alerts={keys[f.idempotency_key]: f.idempotency_key for f in fired},
                            alerted_by={keys[f.idempotency_key]: f.canonical_url for f in fired},
                        )
                    )
            return found

        return self._read(work)

    def record_incidents(
        self,
        conn: Connection,
        article_id: int,
        event_ids: Sequence[int],
        assignments: Sequence[Assignment | None],
        found: Sequence[Event],
        *,
        outlet: str | None,
        independent: bool,
    ) -> dict[str, int]:
        """Write the incidents an article's events joined or opened (inside the decision
        lock, in the article's transaction). Returns incident ids by key."""
        now = utcnow()
        ids: dict[str, int] = {}
        for event_id, assignment, item in zip(event_ids, assignments, found, strict=True):
            if assignment is None:
                continue
            if assignment.key not in ids:
                ids[assignment.key] = self._open_or_extend(conn, assignment, item, now)
            conn.execute(
                incident_events.insert().values(
                    event_id=event_id,
                    incident_id=ids[assignment.key],
                    article_id=article_id,
                    outlet=outlet,
                    independent=independent,
                    reported_at=now,
                )
            )
        for incident_id in ids.values():
            outlets = conn.execute(
                select(func.count(func.distinct(incident_events.c.outlet))).where(
                    (incident_events.c.incident_id == incident_id) & incident_events.c.independent
                )
            ).scalar_one()
            conn.execute(
                update(incidents)
                .where(incidents.c.id == incident_id)
                .values(n_independent_outlets=outlets)
            )
        return ids

    def _open_or_extend(
        self, conn: Connection, assignment: Assignment, item: Event, now: datetime
    ) -> int:
        known = assignment.existing
        if known is None:
            place = item.location
            name = (place.district or place.province or place.name) if place else None
            return int(
                conn.execute(
                    incidents.insert()
                    .values(
                        key=assignment.key,
                        category=assignment.slot.category,
                        place_level=assignment.slot.place_level,
                        place_code=assignment.slot.place_code,
                        place_name=name,
                        first_day=assignment.day,
                        last_day=assignment.day,
                        first_report_at=now,
                        last_report_at=now,
                        n_reports=1,
                        n_independent_outlets=0,
                    )
                    .returning(incidents.c.id)
                ).scalar_one()
            )
        conn.execute(
            update(incidents)
            .where(incidents.c.id == known.id)
            .values(
                first_day=min(known.first_day, assignment.day),
                last_day=max(known.last_day, assignment.day),
                last_report_at=now,
                n_reports=incidents.c.n_reports + 1,
            )
        )
        return known.id

    def detach_from_incidents(self, conn: Connection, article_id: int) -> list[int]:
        """Take an article's reports out of its incidents before its events are
        extracted again (maintenance reprocess): one report fewer on each. Returns the
        incidents it was in (see `prune_incidents`)."""
        joined = list(
            conn.execute(
                select(incident_events.c.incident_id)
                .distinct()
                .where(incident_events.c.article_id == article_id)
            ).scalars()
        )
        conn.execute(delete(incident_events).where(incident_events.c.article_id == article_id))
        if joined:
            conn.execute(
                update(incidents)
                .where(incidents.c.id.in_(joined))
                .values(n_reports=incidents.c.n_reports - 1)
            )
        return joined

    def prune_incidents(self, conn: Connection, incident_ids: Sequence[int]) -> None:
        """Remove incidents among these that no event reports any more."""
        for incident_id in incident_ids:
            left = conn.execute(
                select(func.count()).where(incident_events.c.incident_id == incident_id)
            ).scalar_one()
            if not left:
                conn.execute(delete(incidents).where(incidents.c.id == incident_id))

    # --- district control -------------------------------------------------------------
    def territorial_events(
        self, conn: Connection, district_codes: Iterable[str] | None = None
    ) -> list[TerritorialEvent]:
        """Territory events with a district (all, or of these districts), with the day
        they happened and their incident's independent outlets, for the control fold."""
        from pipeline.control import TERRITORIAL, TerritorialEvent

        query = (
            select(
                events.c.id,
                events.c.article_id,
                events.c.district_code,
                events.c.category,
                events.c.type,
                events.c.actor,
                events.c.realis,
                events.c.claim_status,
                events.c.control,
                events.c.event_date,
                events.c.created_at,
                articles.c.published_at,
                incident_events.c.incident_id,
                incidents.c.n_independent_outlets,
            )
            .join(articles, articles.c.id == events.c.article_id)
            .outerjoin(incident_events, incident_events.c.event_id == events.c.id)
            .outerjoin(incidents, incidents.c.id == incident_events.c.incident_id)
            .where(events.c.category.in_(TERRITORIAL) & events.c.district_code.is_not(None))
        )
        if district_codes is not None:
            query = query.where(events.c.district_code.in_(sorted(set(district_codes))))
        return [
            TerritorialEvent(
                event_id=row.id,
                article_id=row.article_id,
                district_code=row.district_code,
                category=row.category,
                actor=row.actor,
                realis=row.realis,
                claim_status=row.claim_status,
                control=row.control,
                day=_event_day(row.event_date, row.published_at, row.created_at),
                incident_id=row.incident_id,
                outlets=row.n_independent_outlets or 1,
                type=row.type,
            )
            for row in conn.execute(query)
        ]

    def districts_of_article(self, conn: Connection, article_id: int) -> set[str]:
        """The districts an article's stored territory events name."""
        from pipeline.control import TERRITORIAL

        return set(
            conn.execute(
                select(events.c.district_code).where(
                    (events.c.article_id == article_id)
                    & events.c.category.in_(TERRITORIAL)
                    & events.c.district_code.is_not(None)
                )
            ).scalars()
        )

    def refresh_control(self, conn: Connection, district_codes: Iterable[str]) -> ControlRefresh:
        """Fold these districts again from their events (in the caller's transaction, so
        it sees what it just wrote); the same rows a full rebuild gives them. Returns
        each district's changes before and after (control alerts are planned from it)."""
        from pipeline.control import ControlRefresh, fold

        codes = sorted(set(district_codes))
        if not codes:
            return ControlRefresh()
        before = self._control_changes(conn, codes)
        folded = fold(self.territorial_events(conn, codes))
        conn.execute(
            delete(district_control_changes).where(
                district_control_changes.c.district_code.in_(codes)
            )
        )
        self._write_control(conn, folded)
        after = {code: tuple(folded.get(code, ())) for code in codes}
        return ControlRefresh({c: tuple(found) for c, found in before.items()}, after)

    def rebuild_control(self, progress: Callable[[str], None] | None = None) -> dict[str, int]:
        """Fold every district from scratch (`python -m pipeline control rebuild`)."""
        from pipeline.control import fold

        with self.decision_lock() as conn:
            found = self.territorial_events(conn)
            if progress:
                progress(f"{len(found)} territory events with a district read")
            folded = fold(found)
            conn.execute(delete(district_control_changes))
            written = self._write_control(conn, folded)
        return {"events": len(found), "districts": len(folded), "changes": written}

    def _write_control(self, conn: Connection, folded: Mapping[str, Sequence[Any]]) -> int:
        from pipeline.places import default_gazetteer

        gazetteer = default_gazetteer()
        now = utcnow()
        rows = []
        for code, changes in folded.items():
            district = gazetteer.districts.get(code)
            for change in changes:
                rows.append(
                    {
                        "district_code": code,
                        "district": district.name if district else None,
                        "province": district.province_name if district else None,
                        "status": change.status,
                        "valid_from": change.valid_from,
                        "event_ids": json.dumps(list(change.event_ids)),
                        "article_ids": json.dumps(list(change.article_ids)),
                        "incident_id": change.incident_id,
                        "independent_outlets": change.independent_outlets,
                        "confidence": change.confidence,
                        "basis": change.basis,
                        "created_at": now,
                    }
                )
        for start in range(0, len(rows), 1000):
            conn.execute(district_control_changes.insert(), rows[start : start + 1000])
        return len(rows)

    def control_changes(self, codes: Sequence[str] | None = None) -> dict[str, list[ControlChange]]:
        """Every district's stored changes (or these districts'), in order (for maps,
        exports and the analyst page)."""
        return self._read(lambda conn: self._control_changes(conn, codes))

    def _control_changes(
        self, conn: Connection, codes: Sequence[str] | None = None
    ) -> dict[str, list[ControlChange]]:
        """Stored changes of every district (or of these), in order."""
        from pipeline.control import ControlChange

        query = select(district_control_changes).order_by(
            district_control_changes.c.district_code,
            district_control_changes.c.valid_from,
            district_control_changes.c.id,
        )
        if codes is not None:
            query = query.where(district_control_changes.c.district_code.in_(codes))
        found: dict[str, list[ControlChange]] = {}
        for row in conn.execute(query).mappings():
            found.setdefault(row["district_code"], []).append(
                ControlChange(
                    district_code=row["district_code"],
                    status=row["status"],
                    valid_from=_as_date(row["valid_from"]),
                    event_ids=tuple(json.loads(row["event_ids"])),
                    article_ids=tuple(json.loads(row["article_ids"])),
                    incident_id=row["incident_id"],
                    independent_outlets=row["independent_outlets"],
                    confidence=row["confidence"],
                    basis=row["basis"] or "",
                )
            )
        return found

    def evidence(self, event_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Each event's sentence, day and article (title, URL), by event id."""
        wanted = sorted(set(event_ids))
        if not wanted:
            return {}

        def work(conn: Connection) -> dict[int, dict[str, Any]]:
            query = (
                select(
                    events.c.id,
                    events.c.evidence,
                    events.c.event_date,
                    articles.c.title,
                    articles.c.url,
                    articles.c.published_at,
                )
                .join(articles, articles.c.id == events.c.article_id)
                .where(events.c.id.in_(wanted))
            )
            return {row.id: dict(row._mapping) for row in conn.execute(query)}

        return self._read(work)

    def events_for_export(self) -> Iterator[dict[str, Any]]:
        """Every event of an original feed article with its article, oldest first."""
        query = (
            select(events, articles.c.title, articles.c.url, articles.c.published_at)
            .join(articles, articles.c.id == events.c.article_id)
            .where((articles.c.source == "feed") & (articles.c.dup_status == "new"))
            .order_by(events.c.id)
        )
        with self.engine.connect() as conn:
            for row in conn.execute(query).mappings():
                yield dict(row)

    def incidents_of_article(self, article_id: int) -> list[dict[str, Any]]:
        """The incidents an article's events belong to (for tests, status and exports)."""

        def work(conn: Connection) -> list[dict[str, Any]]:
            query = (
                select(incidents)
                .where(
                    incidents.c.id.in_(
                        select(incident_events.c.incident_id).where(
                            incident_events.c.article_id == article_id
                        )
                    )
                )
                .order_by(incidents.c.id)
            )
            return [dict(row) for row in conn.execute(query).mappings()]

        return self._read(work)

    def _story_outlets(self, conn: Connection, original_id: int, also: str | None) -> int:
        """Independent outlets (hosts) reporting a story: the original and its rewrites,
        plus the host of `also` (a report not stored yet)."""
        rows = conn.execute(
            select(articles.c.url, articles.c.canonical_url).where(
                (articles.c.id == original_id)
                | (
                    (articles.c.duplicate_of == original_id)
                    & (articles.c.dup_status == "near_duplicate")
                )
            )
        ).all()
        hosts = {
            urlsplit(row.url or row.canonical_url).hostname or row.canonical_url for row in rows
        }
        if also:
            hosts.add(urlsplit(also).hostname or also)
        return len(hosts)

    def _latest_alert_on_place(
        self, conn: Connection, rule_id: str, district_code: str, window: timedelta
    ) -> str | None:
        """Key of the newest alert of a rule about a district (for place updates): one
        probe of ix_alerts_rule_id_district_code_created_at (the alert keeps its event's
        district, see enqueue_alert)."""
        row = conn.execute(
            select(alerts.c.idempotency_key)
            .where((alerts.c.rule_id == rule_id) & (alerts.c.district_code == district_code))
            .where(alerts.c.thread_of.is_(None) & (alerts.c.created_at >= utcnow() - window))
            .order_by(alerts.c.id.desc())
            .limit(1)
        ).first()
        return None if row is None else str(row.idempotency_key)

    def parent_alert(self, key: str) -> dict[str, Any] | None:
        query = select(alerts).where(alerts.c.idempotency_key == key)
        row = self._read(lambda conn: conn.execute(query).first())
        return None if row is None else dict(row._mapping)

    def delete_article(self, article_id: int) -> None:
        """Remove an article with its index rows, events and alerts (cascade)."""
        with self.transaction() as conn:
            conn.execute(articles.delete().where(articles.c.id == article_id))

    # alerts outbox -----------------------------------------------------
    def enqueue_alert(
        self,
        conn: Connection,
        *,
        key: str,
        rule_id: str,
        article_id: int,
        event_id: int | None,
        channel: str,
        payload: dict[str, Any],
        thread_of: str | None = None,
    ) -> bool:
        """Write an outbox row once per idempotency key; False if it already exists. The
        row keeps its event's district (read by primary key in the same statement)."""
        district = (
            None
            if event_id is None
            else select(events.c.district_code).where(events.c.id == event_id).scalar_subquery()
        )
        result = conn.execute(
            _insert(conn, alerts)
            .values(
                thread_of=thread_of,
                district_code=district,
                idempotency_key=key,
                rule_id=rule_id,
                article_id=article_id,
                event_id=event_id,
                channel=channel,
                payload=json.dumps(payload),
                status="pending",
                attempts=0,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(alerts.c.id)
        )
        return result.scalar() is not None

    def due_alerts(self, now: datetime | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Pending rows whose backoff has passed, oldest first."""
        now = now or utcnow()
        query = (
            select(alerts)
            .where(alerts.c.status == "pending")
            .where((alerts.c.next_attempt_at.is_(None)) | (alerts.c.next_attempt_at <= now))
            .order_by(alerts.c.id)
            .limit(limit)
        )
        return self._read(lambda conn: [dict(row) for row in conn.execute(query).mappings()])

    def pending_alert_count(self) -> int:
        """Outbox rows waiting to be posted (due or backing off): an index-only count on
        ix_alerts_status_next_attempt_at, for every run (`counts()` is for `status`)."""
        query = select(func.count()).select_from(alerts).where(alerts.c.status == "pending")
        return int(self._read(lambda conn: conn.execute(query).scalar_one()))

    def enqueue_planned(
        self,
        conn: Connection,
        article_id: int,
        event_ids: Sequence[int],
        rows: Sequence[PlannedAlert],
    ) -> int:
        """Write a plan's outbox rows; returns how many were new (keys make it idempotent)."""
        return sum(
            self.enqueue_alert(
                conn,
                key=row.key,
                rule_id=row.rule_id,
                article_id=article_id,
                event_id=event_ids[row.event_index],
                channel=row.channel,
                payload=row.payload,
                thread_of=row.thread_of,
            )
            for row in rows
        )

    def plan_control(
        self,
        refresh: ControlRefresh,
        rules: Sequence[Any],
        page_url: str | None = None,
        covered: Mapping[str, str] | None = None,
    ) -> ControlPlan:
        """What the new district states of a refold announce (pipeline.alerts.control),
        with the district names and evidence sentences read here."""
        from pipeline.alerts.control import ControlPlan, plan_control_alerts

        if not refresh.after or not any(r.control_change for r in rules):
            return ControlPlan()
        from pipeline.places import default_gazetteer

        districts = default_gazetteer().districts
        places = {
            code: (d.name, d.province_name)
            for code in refresh.after
            if (d := districts.get(code)) is not None
        }
        last_events = [c.event_ids[-1] for c, _ in refresh.new_states() if c.event_ids]
        sentences = {i: row["evidence"] for i, row in self.evidence(last_events).items()}
        return plan_control_alerts(refresh, rules, places, sentences, page_url, covered)

    def enqueue_control_alerts(self, conn: Connection, plan: ControlPlan) -> int:
        """Write a control plan's own messages; returns how many were new."""
        return sum(
            self.enqueue_alert(
                conn,
                key=row.key,
                rule_id=row.rule_id,
                article_id=row.article_id,
                event_id=row.event_id,
                channel=row.channel,
                payload=row.payload,
            )
            for row in plan.rows
        )

    def claim_alert(self, alert_id: int, channel_id: str | None = None) -> bool:
        """Atomically move a row from pending to sending, noting the channel ID it is
        posted to (a later lookup needs it); False if someone else has it."""
        values: dict[str, Any] = {"status": "sending", "claimed_at": utcnow()}
        if channel_id:
            values["slack_channel_id"] = channel_id
        with self.transaction() as conn:
            result = conn.execute(
                update(alerts)
                .where((alerts.c.id == alert_id) & (alerts.c.status == "pending"))
                .values(**values)
            )
            return result.rowcount == 1

    def alerts_to_resolve(self, stale_after: timedelta = CLAIM_TIMEOUT) -> list[dict[str, Any]]:
        """Rows whose post may have reached Slack: `unknown`, or left in `sending` by a
        deliverer that died between post and record."""
        stale = (alerts.c.status == "sending") & (alerts.c.claimed_at < utcnow() - stale_after)
        query = select(alerts).where((alerts.c.status == "unknown") | stale).order_by(alerts.c.id)
        return self._read(lambda conn: [dict(row) for row in conn.execute(query).mappings()])

    def _set_status(
        self, alert_id: int, status: str, note: str | None, *, only_from: Sequence[str] = ()
    ) -> bool:
        condition = alerts.c.id == alert_id
        if only_from:
            condition &= alerts.c.status.in_(only_from)
        values: dict[str, Any] = {"status": status, "last_error": note}
        if status == "pending":
            values |= {"claimed_at": None, "next_attempt_at": None}
        with self.transaction() as conn:
            return conn.execute(update(alerts).where(condition).values(**values)).rowcount == 1

    def mark_alert_unknown(self, alert_id: int, note: str) -> None:
        self._set_status(alert_id, "unknown", note)

    def hold_alert(self, alert_id: int, note: str) -> None:
        self._set_status(alert_id, "held", note)

    def block_alert(self, alert_id: int, note: str) -> None:
        self._set_status(alert_id, "blocked", note)

    def release_alert(self, alert_id: int, note: str | None = None) -> None:
        """Back to pending: the post certainly did not happen (or the token was wrong)."""
        self._set_status(alert_id, "pending", note)

    def release_alerts(self, statuses: Sequence[str], ids: Sequence[int] = ()) -> int:
        """An operator's decision: rows in these states (or these ids) go back to pending."""
        condition = alerts.c.status.in_(statuses)
        if ids:
            condition &= alerts.c.id.in_(ids)
        with self.transaction() as conn:
            result = conn.execute(
                update(alerts)
                .where(condition)
                .values(status="pending", claimed_at=None, next_attempt_at=None, attempts=0)
            )
            return result.rowcount

    def mark_alerts_sent_by_operator(self, ids: Sequence[int]) -> int:
        """An operator saw these held posts in the channel."""
        with self.transaction() as conn:
            result = conn.execute(
                update(alerts)
                .where(alerts.c.id.in_(ids) & alerts.c.status.in_(("held", "unknown")))
                .values(status="sent", sent_at=utcnow(), last_error="marked sent by an operator")
            )
            return result.rowcount

    # Slack channel IDs -------------------------------------------------
    def channel_id(self, name: str) -> str | None:
        query = select(slack_channels.c.channel_id).where(slack_channels.c.name == name)
        return self._read(lambda conn: conn.execute(query).scalar())

    def remember_channel(self, name: str, channel_id: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                _insert(conn, slack_channels)
                .values(name=name, channel_id=channel_id, resolved_at=utcnow())
                .on_conflict_do_nothing(index_elements=["name"])
            )

    def mark_alert_sent(self, alert_id: int, channel_id: str | None, ts: str | None) -> None:
        with self.transaction() as conn:
            conn.execute(
                update(alerts)
                .where(alerts.c.id == alert_id)
                .values(
                    status="sent",
                    sent_at=utcnow(),
                    slack_channel_id=channel_id,
                    slack_ts=ts,
                    attempts=alerts.c.attempts + 1,
                    last_error=None,
                )
            )

    def mark_alert_attempt_failed(
        self,
        alert_id: int,
        error: str,
        max_attempts: int,
        *,
        count_attempt: bool = True,
        back_off: bool = True,
    ) -> str:
        """Record a failed delivery; back off exponentially (unless the row may go again
        at once), give up after max_attempts."""
        with self.transaction() as conn:
            attempts = conn.execute(
                select(alerts.c.attempts).where(alerts.c.id == alert_id)
            ).scalar_one()
            attempts += 1 if count_attempt else 0
            status = "failed" if attempts >= max_attempts else "pending"
            delay = timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))
            conn.execute(
                update(alerts)
                .where(alerts.c.id == alert_id)
                .values(
                    attempts=attempts,
                    last_error=error[:2000],
                    status=status,
                    claimed_at=None,
                    next_attempt_at=utcnow() + delay if count_attempt and back_off else None,
                )
            )
            return status

    # status ------------------------------------------------------------
    def counts(self) -> dict[str, Any]:
        """Exact counts for `status`: they read every article and event (O(n)), so the
        per-run paths use `pending_alert_count()` and `estimated_counts()` instead."""
        seed = func.coalesce(func.sum(case((articles.c.source == "seed", 1), else_=0)), 0)
        by_status = select(articles.c.dup_status, func.count(), seed).group_by(
            articles.c.dup_status
        )

        def work(conn: Connection) -> dict[str, Any]:
            rows = conn.execute(by_status).all()  # one pass over articles for both
            alert_counts = dict(
                conn.execute(select(alerts.c.status, func.count()).group_by(alerts.c.status)).all()
            )
            event_count = conn.execute(select(func.count()).select_from(events)).scalar_one()
            by_source = {row[0]: int(row[1]) for row in rows}
            return {
                "articles": sum(by_source.values()),
                "seeds": sum(int(row[2]) for row in rows),
                "by_duplicate_status": by_source,
                "events": event_count,
                "alerts": alert_counts,
            }

        return self._read(work)

    def estimated_counts(self) -> dict[str, int]:
        """Articles and events stored, cheaply enough for every run. Postgres: the
        planner's row estimates (pg_class.reltuples, kept by autovacuum and ANALYZE: close,
        not exact, scaled to the table's current size as the planner does), or an exact
        count of a table never analysed. SQLite: exact counts."""

        def work(conn: Connection) -> dict[str, int]:
            counts: dict[str, int] = {}
            for name, table in (("articles", articles), ("events", events)):
                estimate = -1
                if conn.dialect.name == "postgresql":
                    estimate = conn.execute(ESTIMATED_ROWS, {"table": table.name}).scalar()
                if estimate is None or estimate < 0:
                    estimate = conn.execute(select(func.count()).select_from(table)).scalar_one()
                counts[name] = int(estimate)
            return counts

        return self._read(work)

    def recent_duplicates(self, limit: int = 10) -> list[tuple[str, DuplicateDecision]]:
        """Latest copies with what they copy, for `status` (newest first)."""
        original = articles.alias("original")
        query = (
            select(
                articles.c.title,
                articles.c.dup_status,
                articles.c.dup_method,
                articles.c.dup_score,
                articles.c.dup_detail,
                articles.c.duplicate_of,
                original.c.source,
                original.c.guid,
                original.c.canonical_url,
            )
            .join(original, original.c.id == articles.c.duplicate_of)
            .where(articles.c.dup_status != "new")
            .order_by(articles.c.id.desc())
            .limit(limit)
        )
        rows = self._read(lambda conn: conn.execute(query).all())
        return [
            (
                row.title,
                DuplicateDecision(
                    row.dup_status,
                    row.duplicate_of,
                    article_label(row.source, row.guid, row.canonical_url),
                    row.dup_score or 0.0,
                    row.dup_method or "",
                    json.loads(row.dup_detail) if row.dup_detail else {},
                ),
            )
            for row in rows
        ]

    def unsent_alerts(self) -> list[dict[str, Any]]:
        query = (
            select(
                alerts.c.id,
                alerts.c.rule_id,
                alerts.c.status,
                alerts.c.attempts,
                alerts.c.last_error,
                alerts.c.channel,
                articles.c.title,
            )
            .join(articles, articles.c.id == alerts.c.article_id)
            .where(alerts.c.status != "sent")
            .order_by(alerts.c.id)
        )
        return self._read(lambda conn: [dict(row) for row in conn.execute(query).mappings()])

    def mute_alert(self, alert_id: int, note: str) -> bool:
        """A pending row whose rule an analyst muted on its district: never posted, kept
        with the reason (`alerts release ID` sends it after all)."""
        return self._set_status(alert_id, "muted", note, only_from=("pending",))

    # analysts' feedback (Slack buttons) ----------------------------------
    def record_feedback(self, click: Click, signature: str, now: datetime) -> bool | None:
        """Store one click on the alert its button names. None: no such alert; False:
        this signed request was stored before (a replay)."""
        with self.transaction() as conn:
            alert = conn.execute(
                select(
                    alerts.c.id, alerts.c.rule_id, alerts.c.district_code, alerts.c.event_id
                ).where(alerts.c.idempotency_key == click.alert_key)
            ).first()
            if alert is None:
                return None
            result = conn.execute(
                _insert(conn, alert_feedback)
                .values(
                    alert_id=alert.id,
                    alert_key=click.alert_key,
                    rule_id=alert.rule_id,
                    district_code=alert.district_code,
                    event_id=alert.event_id,
                    action=click.action,
                    user_id=click.user_id,
                    user_name=click.user_name,
                    muted_until=click.muted_until,
                    request_signature=signature,
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["request_signature"])
                .returning(alert_feedback.c.id)
            )
            return result.scalar() is not None

    def running_mutes(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Mute clicks whose 24 hours have not passed (ix_alert_feedback_muted_until)."""
        query = select(alert_feedback).where(
            (alert_feedback.c.muted_until > (now or utcnow())) & (alert_feedback.c.action == "mute")
        )
        return self._read(lambda conn: [dict(row) for row in conn.execute(query).mappings()])

    def feedback(self, alert_keys: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Feedback rows (all, or on these alerts), oldest first."""
        query = select(alert_feedback).order_by(alert_feedback.c.id)
        if alert_keys is not None:
            query = query.where(alert_feedback.c.alert_key.in_(sorted(set(alert_keys))))
        return self._read(lambda conn: [dict(row) for row in conn.execute(query).mappings()])

    def alerts_with_events(self, keys: Iterable[str]) -> list[dict[str, Any]]:
        """These alerts with their event's sentence and fields and their article."""
        query = (
            select(
                alerts.c.id,
                alerts.c.idempotency_key,
                alerts.c.rule_id,
                alerts.c.district_code,
                events.c.evidence,
                events.c.category,
                events.c.actor,
                events.c.target,
                events.c.district,
                events.c.province,
                articles.c.title,
                articles.c.url,
                articles.c.published_at,
            )
            .join(articles, articles.c.id == alerts.c.article_id)
            .outerjoin(events, events.c.id == alerts.c.event_id)
            .where(alerts.c.idempotency_key.in_(sorted(set(keys))))
            .order_by(alerts.c.id)
        )
        return self._read(lambda conn: [dict(row) for row in conn.execute(query).mappings()])


def _known(row: Any) -> KnownArticle:
    return KnownArticle(
        id=row.id,
        label=article_label(row.source, row.guid, row.canonical_url),
        text=row.text,
        guid=row.guid,
    )


KNOWN_COLUMNS = (
    articles.c.id,
    articles.c.source,
    articles.c.guid,
    articles.c.canonical_url,
    articles.c.text,
)


def _event_day(event_date: str | None, published: Any, created: Any) -> date:
    """An event's own date, else its article's, else when it was stored."""
    if event_date:
        try:
            return date.fromisoformat(event_date[:10])
        except ValueError:
            pass
    moment = published or created
    return moment.date() if isinstance(moment, datetime) else _as_date(moment)


def _as_date(value: Any) -> date:
    """SQLite may hand a Date column back as text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
