"""Every query on a per-entry or per-run hot path is index-backed.

A Postgres database is filled (server-side, in a few seconds) with 20k articles, their
sampled shingles (with boilerplate hashes shared by thousands of articles), 40k events
and 20k alerts spread like production's, then VACUUM ANALYZEd. Each test calls a real
Store method, records every statement it sends (an engine event), and asks Postgres for
the plan of exactly that statement with exactly those parameters
(`EXPLAIN (FORMAT JSON)`, which runs nothing). The plans must not scan articles,
shingles, events or alerts: no Seq Scan and no Index Scan without an index condition
(a whole index read in order, as `ORDER BY id LIMIT 1` can tempt the planner into).
The small tables (feeds, quarantine, slack_channels) are scanned whole by any sane
planner; for them the plan is asked again with `enable_seqscan = off`, which proves that
an index can serve the query.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import event

from pipeline.models import DuplicateDecision, Event, FetchResult, Location
from pipeline.store import Store, utcnow
from tests.conftest import _admin_execute, _with_database

ARTICLES = 20_000
FEEDS = 50
SITES = 300
BIG = {"articles", "shingles", "events", "alerts", "incidents", "incident_events"}
RULES = [
    "district-fallen",
    "provincial-capital-fallen",
    "district-contested",
    "territory-retaken",
    "attack-in-kabul",
    "us-nato-troop-movement",
    "talks-and-agreements",
]
BOILERPLATE_HASH = 4242  # sampled by every third article: a site footer
ARTICLE = 12_345  # an original (not a copy) the lookups ask for

FILL = [
    f"""INSERT INTO feeds (id, url, name, consecutive_failures, disabled, entries_last_fetch)
        SELECT f, 'https://feed' || f || '.example/rss', 'Feed ' || f, 0, false, 0
        FROM generate_series(1, {FEEDS}) f""",
    f"""INSERT INTO articles (id, canonical_url, url, guid, feed_id, title, published_at,
            fetched_at, text, content_hash, source, duplicate_of, dup_status, dup_method,
            dup_score)
        SELECT i, 'https://site' || i % {SITES} || '.example/news/' || i,
               'https://site' || i % {SITES} || '.example/news/' || i || '?utm_source=rss',
               'guid-' || i, 1 + i % {FEEDS}, 'Title ' || i,
               now() - ({ARTICLES} - i) * interval '50 minutes',
               now() - ({ARTICLES} - i) * interval '50 minutes',
               'Body of article ' || i, md5(i::text),
               CASE WHEN i <= 5 THEN 'seed' ELSE 'feed' END,
               CASE WHEN i % 10 = 0 THEN i - 1 END,
               CASE WHEN i % 10 = 0 THEN 'near_duplicate' ELSE 'new' END,
               CASE WHEN i % 10 = 0 THEN 'containment' ELSE 'none' END,
               CASE WHEN i % 10 = 0 THEN 0.9 ELSE 0.0 END
        FROM generate_series(1, {ARTICLES}) i""",
    # originals keep ~30 sampled hashes each; copies keep none (as insert_article does)
    f"""INSERT INTO shingles (hash, article_id)
        SELECT DISTINCT abs(hashtextextended(i || ':' || j, 0)) % 1000000000000 + 100000, i
        FROM generate_series(1, {ARTICLES}) i, generate_series(1, 30) j
        WHERE i % 10 <> 0""",
    f"""INSERT INTO shingles (hash, article_id)
        SELECT {BOILERPLATE_HASH}, i FROM generate_series(1, {ARTICLES}) i
        WHERE i % 3 = 0 AND i % 10 <> 0""",
    # two events per article, 60% of them in one of ~400 districts
    """INSERT INTO events (article_id, sentence_index, category, type, actor, realis,
            claim_status, location_name, district, province, district_code, province_code,
            trigger, evidence, evidence_start, evidence_end, created_at)
        SELECT a.id, s, 'territory_captured', 'district_captured', 'Taliban', 'actual',
               'asserted', 'somewhere', 'District', 'Province',
               CASE WHEN (a.id + s) % 5 < 3 THEN 'AF' || lpad((1 + (a.id * 7 + s) % 34)::text,
                    2, '0') || lpad((1 + (a.id * 13 + s) % 12)::text, 2, '0') END,
               'AF' || lpad((1 + (a.id * 7 + s) % 34)::text, 2, '0'),
               'captured', 'The Taliban captured the district.', 0, 34, a.fetched_at
        FROM articles a, generate_series(0, 1) s""",
    # one alert per article, over two years; almost all sent, a few waiting or unsure
    f"""INSERT INTO alerts (idempotency_key, rule_id, article_id, event_id, district_code,
            channel, payload, status, attempts, next_attempt_at, claimed_at, created_at, sent_at,
            thread_of)
        SELECT r.rule || ':' || a.canonical_url, r.rule, a.id, e.id, e.district_code, '#alerts',
               '{{}}',
               CASE WHEN a.id % 400 = 0 THEN 'pending' WHEN a.id % 997 = 0 THEN 'unknown'
                    WHEN a.id % 499 = 0 THEN 'failed' WHEN a.id % 1999 = 0 THEN 'sending'
                    ELSE 'sent' END,
               1, CASE WHEN a.id % 800 = 0 THEN now() + interval '5 minutes' END,
               now() - interval '1 hour', now() - ({ARTICLES} - a.id) * interval '52 minutes',
               now(), CASE WHEN a.id % 10 = 3 THEN 'district-fallen:earlier' END
        FROM articles a
        JOIN events e ON e.article_id = a.id AND e.sentence_index = 0
        CROSS JOIN LATERAL (SELECT (ARRAY{RULES!r})[1 + a.id % {len(RULES)}] AS rule) r""",
    # one incident per event of a district (over two years), its reports from two outlets
    """INSERT INTO incidents (id, key, category, place_level, place_code, place_name,
            first_day, last_day, first_report_at, last_report_at, n_reports,
            n_independent_outlets)
        SELECT e.id, 'incident:' || e.id, e.category, 'district', e.district_code, 'District',
               e.created_at::date, e.created_at::date, e.created_at, e.created_at, 1, 1
        FROM events e WHERE e.district_code IS NOT NULL""",
    """INSERT INTO incident_events (event_id, incident_id, article_id, outlet, independent,
            reported_at)
        SELECT e.id, e.id, e.article_id, 'site' || e.article_id % 300 || '.example', true,
               e.created_at
        FROM events e WHERE e.district_code IS NOT NULL""",
    """INSERT INTO quarantine (feed_id, entry_key, title, entry, error, attempts, status,
            first_failed_at, last_failed_at)
        SELECT 1 + q % 50, 'guid:q' || q, 't', '{}', 'boom', 1 + q % 3,
               CASE WHEN q % 3 = 2 THEN 'held' ELSE 'retrying' END, now(), now()
        FROM generate_series(1, 60) q""",
    """INSERT INTO slack_channels (name, channel_id, resolved_at)
        SELECT '#channel-' || c, 'C0' || c, now() FROM generate_series(1, 20) c""",
]
SEQUENCES = ["feeds", "articles", "events", "alerts", "quarantine", "incidents"]


def _conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="module")
def filled_url(postgres_template: str) -> Iterator[str]:
    name = f"news_plans_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    url = _with_database(name)
    try:
        with psycopg.connect(_conninfo(url), autocommit=True) as conn:
            conn.execute("SET session_replication_role = replica")  # rows valid by construction
            for statement in FILL:
                conn.execute(statement)
            for table in SEQUENCES:
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            conn.execute("VACUUM ANALYZE")
        yield url
    finally:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Recorder:
    """Statements a Store sends, with their parameters (the first row of an executemany)."""

    statements: list[tuple[str, Any]] = field(default_factory=list)

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if executemany and parameters:
            parameters = parameters[0]
        self.statements.append((statement, parameters))


@pytest.fixture(scope="module")
def store(filled_url: str) -> Iterator[Store]:
    store = Store.from_url(filled_url, migrate_schema=False)
    yield store
    store.engine.dispose()


@pytest.fixture(scope="module")
def explainer(filled_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(_conninfo(filled_url), autocommit=True) as conn:
        yield conn


def _url(i: int) -> str:
    return f"https://site{i % SITES}.example/news/{i}"


def _hashes(conn: psycopg.Connection[Any], article_id: int) -> list[int]:
    rows = conn.execute("SELECT hash FROM shingles WHERE article_id = %s", (article_id,))
    return [int(row[0]) for row in rows]


def _alert_id(conn: psycopg.Connection[Any], status: str) -> int:
    row = conn.execute(
        "SELECT id FROM alerts WHERE status = %s ORDER BY id LIMIT 1", (status,)
    ).fetchone()
    assert row is not None
    return int(row[0])


EVENT = Event(
    category="territory_captured",
    type="district_captured",
    actor="Taliban",
    target=None,
    realis="actual",
    claim_status="asserted",
    evidence="The Taliban captured the district.",
    evidence_start=0,
    evidence_end=34,
    trigger="captured",
    location=Location("Shirin Tagab", "Shirin Tagab", "Faryab", "AF2902", "AF29"),
)


def _insert_paths(store: Store, db: psycopg.Connection[Any]) -> None:
    """What store_analysis writes for one article, inside the dedupe lock (rolled back)."""
    sample = [*_hashes(db, ARTICLE)[:10], BOILERPLATE_HASH]
    try:
        with store.decision_lock() as conn:
            store.find_by_url("https://new.example/story")
            store.find_by_hash("f" * 32)
            store.shingle_candidates(sample)
            article_id = store.insert_article(
                conn,
                canonical_url="https://new.example/story",
                url="https://new.example/story",
                guid="new-guid",
                feed_id=1,
                title="t",
                published_at=utcnow(),
                text="text",
                content_hash="f" * 32,
                source="feed",
                decision=DuplicateDecision("new"),
                shingle_sample=sample,
            )
            assert article_id is not None
            [event_id] = store.insert_events(conn, article_id, [EVENT])
            _record_incidents(store, conn, article_id, event_id)
            store.enqueue_alert(
                conn,
                key="district-fallen:https://new.example/story",
                rule_id="district-fallen",
                article_id=article_id,
                event_id=event_id,
                channel="#alerts",
                payload={"text": "x"},
                thread_of="district-fallen:earlier",
            )
            raise _Rollback
    except _Rollback:
        pass


class _Rollback(Exception):
    pass


def _alert_history(store: Store, db: psycopg.Connection[Any]) -> None:
    places = {(rule, "AF0101") for rule in RULES[:3]} | {("district-fallen", "AF2902")}
    for decision in (
        DuplicateDecision("new"),
        DuplicateDecision("near_duplicate", ARTICLE, _url(ARTICLE), 0.9, "containment"),
    ):
        store.alert_history(decision, _url(99_999), _url(99_999), RULES, places)


def _delivery(store: Store, db: psycopg.Connection[Any]) -> None:
    """What deliver() and resolve_unknown() do per run and per alert."""
    store.alerts_to_resolve()
    store.due_alerts()
    store.pending_alert_count()
    pending = _alert_id(db, "pending")
    store.parent_alert("district-fallen:" + _url(ARTICLE))
    store.channel_id("#channel-3")
    store.remember_channel("#channel-3", "C03")
    store.claim_alert(pending, "C0123")
    store.mark_alert_unknown(pending, "timeout")
    store.release_alert(pending, "not posted")
    store.hold_alert(pending, "held")
    store.block_alert(pending, "no channel")
    store.mark_alert_attempt_failed(pending, "boom", 5)
    store.mark_alert_sent(pending, "C0123", "1700000000.000100")
    store.running_mutes()
    store.mute_alert(_alert_id(db, "pending"), "muted: rule on district by U1 until ...")


def _feed_run(store: Store, db: psycopg.Connection[Any]) -> None:
    """Per feed and run: its row, its quarantine, its health."""
    row = store.ensure_feed("https://feed7.example/rss", "Feed 7 renamed")
    store.ensure_feed("https://feed-new.example/rss")
    store.quarantined(row["id"])
    store.quarantine_entry(row["id"], "guid:new", "t", "{}", "boom")
    store.clear_quarantined(row["id"], "guid:new")
    store.defer_feed(row["id"], utcnow() + timedelta(minutes=5))
    store.record_feed_success(row["id"], FetchResult(url="u", status=200, etag='"e"'), 3)
    store.record_feed_failure(row["id"], 500, "server error", 20)


def _known_incidents(store: Store, db: psycopg.Connection[Any]) -> list[Any]:
    from pipeline.incidents import candidate_slots

    return store.known_incidents(candidate_slots([EVENT]), utcnow().date() - timedelta(7), RULES)


def _record_incidents(store: Store, conn: Any, article_id: int, event_id: int) -> None:
    """Join the newest incident on EVENT's district, and open one elsewhere."""
    from dataclasses import replace as copy_with

    from pipeline.incidents import assign_incidents

    other = copy_with(EVENT, location=Location("X", "X", "Y", "AF9999", "AF99"))
    found = [EVENT, other]
    known = store.known_incidents({s for s in [_slot()]}, utcnow().date() - timedelta(400), RULES)
    assigned = assign_incidents(
        found,
        known,
        article_key="https://new.example/story",
        outlet="new.example",
        independent=True,
        published=None,
        now=utcnow(),
        window_days=3,
    )
    [second_id] = store.insert_events(conn, article_id, [other])
    store.record_incidents(
        conn,
        article_id,
        [event_id, second_id],
        assigned,
        found,
        outlet="new.example",
        independent=True,
    )
    detached = store.detach_from_incidents(conn, article_id)
    store.prune_incidents(conn, detached)


def _slot() -> Any:
    from pipeline.incidents import Slot

    return Slot("territory_captured", "district", "AF2902")


CALLS: dict[str, Callable[[Store, psycopg.Connection[Any]], Any]] = {
    "find_by_url": lambda s, db: (s.find_by_url(_url(ARTICLE)), s.find_by_url(_url(10**7))),
    "find_by_guid": lambda s, db: s.find_by_guid(1 + ARTICLE % FEEDS, f"guid-{ARTICLE}"),
    "find_by_hash": lambda s, db: s.find_by_hash(
        db.execute("SELECT md5(%s::text)", (str(ARTICLE),)).fetchone()[0]  # type: ignore[index]
    ),
    "shingle_candidates": lambda s, db: s.shingle_candidates(
        [*_hashes(db, ARTICLE), BOILERPLATE_HASH]
    ),
    "known_guids": lambda s, db: s.known_guids(
        1 + ARTICLE % FEEDS, [f"guid-{i}" for i in range(ARTICLE - 6000, ARTICLE + 6000, 10)]
    ),
    "known_urls": lambda s, db: s.known_urls([_url(i) for i in range(5000, 6200)]),
    "alert_history": _alert_history,
    "known_incidents": _known_incidents,
    "insert_paths": _insert_paths,
    "delivery": _delivery,
    "feed_run": _feed_run,
    "pending_alert_count": lambda s, db: s.pending_alert_count(),
    "estimated_counts": lambda s, db: s.estimated_counts(),
}


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _explain(db: psycopg.Connection[Any], statement: str, params: Any) -> dict[str, Any]:
    row = db.execute(f"EXPLAIN (FORMAT JSON) {statement}", params or None).fetchone()
    assert row is not None
    document = row[0] if not isinstance(row[0], str) else json.loads(row[0])
    return document[0]["Plan"]


def _violations(plan: dict[str, Any], tables: set[str]) -> list[str]:
    found = []
    for node in _nodes(plan):
        relation = node.get("Relation Name")
        if relation not in tables:
            continue
        kind = node["Node Type"]
        if kind == "Seq Scan":
            found.append(f"Seq Scan on {relation}")
        elif kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node:
            found.append(f"{kind} on {relation} without an index condition ({node['Index Name']})")
    return found


def _used(plan: dict[str, Any]) -> list[str]:
    """What a plan reads, for the -s output: table:index, or table:Seq Scan."""
    return [
        node.get("Index Name") or f"{node['Relation Name']}:{node['Node Type']}"
        for node in _nodes(plan)
        if "Index Name" in node or node["Node Type"] == "Seq Scan"
    ]


@pytest.mark.parametrize("name", list(CALLS))
def test_hot_path_query_is_index_backed(
    name: str, store: Store, explainer: psycopg.Connection[Any]
) -> None:
    recorder = Recorder()
    event.listen(store.engine, "before_cursor_execute", recorder)
    try:
        CALLS[name](store, explainer)
    finally:
        event.remove(store.engine, "before_cursor_execute", recorder)
    statements = [
        (sql, params)
        for sql, params in recorder.statements
        if sql.lstrip().split(None, 1)[0].upper()
        in {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"}
    ]
    assert statements, f"{name} sent no statement"
    problems = []
    for sql, params in statements:
        plan = _explain(explainer, sql, params)
        bad = _violations(plan, BIG)
        explainer.execute("SET enable_seqscan = off")
        try:
            bad += [
                f"{v} (no index for it)"
                for v in _violations(
                    _explain(explainer, sql, params),
                    {"feeds", "quarantine", "slack_channels", "alert_feedback"},
                )
            ]
        finally:
            explainer.execute("RESET enable_seqscan")
        print(f"{name}: {' '.join(sql.split())[:90]} -> {', '.join(_used(plan)) or 'no table'}")
        if bad:
            problems.append(f"{' '.join(sql.split())[:300]}\n  -> {'; '.join(bad)}")
    assert not problems, f"{name}: unindexed plans:\n" + "\n".join(problems)


def test_the_fill_is_large_enough_to_matter(explainer: psycopg.Connection[Any]) -> None:
    """Without an index these tables are far too big for a scan to be the cheap plan."""
    counts = {
        table: explainer.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
        for table in sorted(BIG)
    }
    assert counts["articles"] == ARTICLES and counts["alerts"] == ARTICLES
    assert counts["events"] == 2 * ARTICLES and counts["shingles"] > 20 * ARTICLES
