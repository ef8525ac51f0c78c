"""Storage on SQLite and Postgres: seeds, the shingle index, the outbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from pipeline import dedupe
from pipeline.cycle import load_seeds
from pipeline.models import DuplicateDecision
from pipeline.resources import Resources
from pipeline.schema import alerts, events, shingles
from pipeline.store import utcnow
from tests.support.texts import short_item_without_sampled_hashes

TEXT = (
    "Negotiators from both sides met for a third day in the Gulf capital and agreed on an "
    "agenda for the next round, according to two people who attended the closed sessions."
)


def _article(store, conn, key: str, text: str = TEXT, indexed: str = "all") -> int:  # type: ignore[no-untyped-def]
    """Store `text`; `indexed="sample"` stores what the pipeline stores, "all" every shingle."""
    fingerprint = dedupe.Fingerprint.of(text)
    article_id = store.insert_article(
        conn,
        canonical_url=key,
        url=key,
        guid=None,
        feed_id=None,
        title="t",
        published_at=None,
        text=text,
        content_hash=fingerprint.content_hash,
        source="feed",
        decision=DuplicateDecision("new"),
        shingle_sample=(
            fingerprint.index_sample if indexed == "sample" else sorted(fingerprint.shingles)
        ),
    )
    assert article_id is not None
    return article_id


def _queue(store, key: str = "rule:a") -> int:  # type: ignore[no-untyped-def]
    with store.transaction() as conn:
        article_id = _article(store, conn, f"https://e.org/{key}")
        assert store.enqueue_alert(
            conn,
            key=key,
            rule_id="rule",
            article_id=article_id,
            event_id=None,
            channel="C0ALERTS",
            payload={
                "channel": "C0ALERTS",
                "text": "hello",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}],
            },
        )
        return article_id


def test_seeds_load_once(store, make_settings, database_url) -> None:  # type: ignore[no-untyped-def]
    resources = Resources.live(make_settings(database_url), store=store)
    assert load_seeds(resources) == 5
    assert load_seeds(resources) == 0
    counts = store.counts()
    assert counts["seeds"] == 5 and counts["events"] > 0
    known = store.find_by_url("seed:000_aab98cc96877af2b.txt")
    assert known is not None and known.label == "000_aab98cc96877af2b.txt"


def test_shingle_index_finds_candidates_and_deletion_removes_them(store) -> None:  # type: ignore[no-untyped-def]
    with store.transaction() as conn:
        article_id = _article(store, conn, "https://e.org/a")
    probe = dedupe.Fingerprint.of(TEXT[:120])
    [candidate] = store.shingle_candidates(sorted(probe.shingles))
    assert candidate.id == article_id
    store.delete_article(article_id)
    assert store.shingle_candidates(sorted(probe.shingles)) == []
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(shingles)).scalar_one() == 0


def test_outbox_key_is_unique(store) -> None:  # type: ignore[no-untyped-def]
    article_id = _queue(store)
    with store.transaction() as conn:
        again = store.enqueue_alert(
            conn,
            key="rule:a",
            rule_id="rule",
            article_id=article_id,
            event_id=None,
            channel="C",
            payload={},
        )
    assert again is False
    assert len(store.due_alerts()) == 1


def test_claim_is_exclusive(store) -> None:  # type: ignore[no-untyped-def]
    _queue(store)
    [row] = store.due_alerts()
    assert store.claim_alert(row["id"]) is True
    assert store.claim_alert(row["id"]) is False
    assert store.due_alerts() == []


def test_failed_after_max_attempts_and_listed(store) -> None:  # type: ignore[no-untyped-def]
    _queue(store)
    [row] = store.due_alerts()
    assert store.mark_alert_attempt_failed(row["id"], "boom", max_attempts=2) == "pending"
    assert store.due_alerts() == []  # backing off
    assert store.due_alerts(now=utcnow() + timedelta(hours=2)) != []
    assert store.mark_alert_attempt_failed(row["id"], "boom", max_attempts=2) == "failed"
    [unsent] = store.unsent_alerts()
    assert (unsent["status"], unsent["attempts"], unsent["last_error"]) == ("failed", 2, "boom")


def test_events_cascade_with_article(store) -> None:  # type: ignore[no-untyped-def]
    article_id = _queue(store)
    store.delete_article(article_id)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(alerts)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(events)).scalar_one() == 0


def test_common_phrases_do_not_crowd_out_the_original(store) -> None:  # type: ignore[no-untyped-def]
    """Phrases stored for many articles are ignored; a copy is found by its rarer ones."""
    common = "Officials said the situation in the province remained tense and unclear today."
    texts = [
        f"{common} Report number {n} describes market prices for item{n} and item{n + 1} "
        f"in town{n}, where trader{n} sold goods to buyer{n} near river{n} on day{n}."
        for n in range(30)
    ]
    with store.transaction() as conn:
        ids = [_article(store, conn, f"https://e.org/{n}", t) for n, t in enumerate(texts)]
    probe = dedupe.Fingerprint.of(texts[17])
    [best, *_] = store.shingle_candidates(sorted(probe.shingles), limit=3, max_postings=5)
    assert best.id == ids[17]
    only_common = dedupe.Fingerprint.of(common)
    assert store.shingle_candidates(sorted(only_common.shingles), max_postings=5) == []


def test_thinned_probe_still_finds_an_original_inside_a_longer_page(store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """probe_modulus 16 reads half the index entries; the original's own are all probed."""
    original = " ".join(
        f"Elders in valley {n} said that patrol {n * 5} withdrew from outpost {n * 13} "
        f"before the talks resumed on day {n * 2}."
        for n in range(50)
    )
    page = (
        "Home | World | Asia | Opinion. Most read today: markets, weather and sport. "
        + original
        + " ".join(f" Related story {n}: a festival opened in city {n * 17}." for n in range(80))
    )
    with store.transaction() as conn:
        original_id = _article(store, conn, "https://e.org/original", original, indexed="sample")
    thinned = replace(dedupe.config(), probe_modulus=16)
    monkeypatch.setattr(dedupe, "config", lambda: thinned)
    new = dedupe.Fingerprint.of(page)
    assert len(dedupe.probe_hashes(new)) < len(new.index_sample)
    decision = dedupe.decide(new, "https://other.example/page", store)
    assert decision.is_copy
    assert decision.of_article_id == original_id
    assert decision.detail["containment_known_in_new"] == 1.0


def test_short_items_without_sampled_hashes_still_meet(store) -> None:  # type: ignore[no-untyped-def]
    """Two headline-only items differing in a few words: the index holds all their shingles."""
    item = short_item_without_sampled_hashes()
    with store.transaction() as conn:
        item_id = _article(store, conn, "https://e.org/item", item, indexed="sample")
    copy = dedupe.Fingerprint.of(item + " Residents confirmed it.")
    decision = dedupe.decide(copy, "https://other.example/item", store)
    assert decision.is_copy
    assert decision.of_article_id == item_id


# --- batched lookups, cheap per-run counts, one read connection per entry -------------
def _stored(store, count: int, feed_id: int | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """`count` small articles with guids g0.. (in `feed_id`); returns their keys."""
    keys = [f"https://e.org/batch/{n}" for n in range(count)]
    with store.transaction() as conn:
        for n, key in enumerate(keys):
            store.insert_article(
                conn,
                canonical_url=key,
                url=key,
                guid=f"g{n}",
                feed_id=feed_id,
                title="t",
                published_at=None,
                text=f"text {n}",
                content_hash=f"{n:064d}",
                source="feed",
                decision=DuplicateDecision("new"),
                shingle_sample=[],
            )
    return keys


def _statements(store):  # type: ignore[no-untyped-def]
    """A list that fills with the SELECTs the store's engine sends from now on."""
    from sqlalchemy import event

    sent: list[str] = []
    event.listen(
        store.engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *rest: sent.append(statement),
    )
    return sent


def test_known_guids_and_urls_in_chunked_indexed_queries(store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pipeline import store as store_module

    feed_id = store.ensure_feed("https://feed.example/rss")["id"]
    other = store.ensure_feed("https://other.example/rss")["id"]
    keys = _stored(store, 7, feed_id)
    monkeypatch.setattr(store_module, "LOOKUP_CHUNK", 3)
    sent = _statements(store)
    asked = [f"g{n}" for n in range(0, 12, 2)] + ["", "g0"]  # 6 distinct guids, 4 stored
    assert store.known_guids(feed_id, asked) == {"g0", "g2", "g4", "g6"}
    assert len(sent) == 2  # 6 guids in chunks of 3: two statements
    assert store.known_guids(other, asked) == set()  # guids are per feed
    sent.clear()
    wanted = [*keys[:5], "https://e.org/batch/missing", keys[0]]
    assert store.known_urls(wanted) == set(keys[:5])
    assert len(sent) == 2
    assert store.known_urls([]) == set() and store.known_guids(feed_id, []) == set()
    assert len(sent) == 2  # nothing asked, nothing sent


def test_pending_alert_count_and_estimated_counts(store) -> None:  # type: ignore[no-untyped-def]
    assert store.pending_alert_count() == 0
    _queue(store, "rule:a")
    _queue(store, "rule:b")
    [first, _] = store.due_alerts()
    store.claim_alert(first["id"])
    assert store.pending_alert_count() == 1 == store.counts()["alerts"]["pending"]
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE articles, events")
    counts = store.counts()
    assert store.estimated_counts() == {"articles": counts["articles"], "events": counts["events"]}


def test_counts_reads_articles_once_and_still_counts_seeds(
    store, make_settings, database_url
) -> None:  # type: ignore[no-untyped-def]
    load_seeds(Resources.live(make_settings(database_url), store=store))
    _queue(store)
    counts = store.counts()
    assert (counts["articles"], counts["seeds"]) == (6, 5)
    assert counts["by_duplicate_status"] == {"new": 6} and counts["alerts"] == {"pending": 1}


def test_an_entry_checks_out_one_connection(store, make_settings, database_url) -> None:  # type: ignore[no-untyped-def]
    """The per-entry path (FeedRun.process: guid check, dedupe, extraction, alert plan,
    then the write under the dedupe lock) used 7 pooled connections per new entry (every
    read checked one out) and 1 per entry already stored. Reads now share the thread's
    read connection: one checkout per new entry (the lock's transaction), none for a
    known one."""
    from sqlalchemy import event

    from pipeline.cycle import FeedRun
    from pipeline.models import Entry, FeedReport
    from tests.faults.harness import near_copy, quiet_item, story

    settings = make_settings(database_url)
    feed_id = store.ensure_feed("https://outlet-a.example/rss")["id"]
    items = [story(0), *(story(n) for n in range(1, 5)), *(quiet_item(n) for n in range(3))]
    items += [near_copy(n, "outlet-b.example") for n in range(1, 3)]
    entries = [
        Entry(url=i["link"], title=i["title"], text=i["description"], guid=i["guid"]) for i in items
    ]
    report = FeedReport(url="https://outlet-a.example/rss", label="a")
    run = FeedRun(Resources.live(settings, store=store), feed_id, report)
    assert run.process(entries[0])  # loads the model; its reads open the read connection
    checkouts = [0]
    event.listen(
        store.engine.pool, "checkout", lambda *_: checkouts.__setitem__(0, checkouts[0] + 1)
    )
    for entry in entries[1:]:
        assert run.process(entry)
    stored = report.new + report.duplicates - 1
    assert (stored, report.duplicates, report.alerts > 0) == (9, 2, True)
    # one per stored entry; one more if the machine was so slow the reader went idle
    assert stored <= checkouts[0] <= stored + 1, checkouts[0]
    checkouts[0] = 0
    for entry in entries[1:]:
        assert run.process(entry)  # all known by guid now
    assert report.known == 9 and checkouts[0] <= 1


def test_reads_share_a_connection_that_is_given_back(store) -> None:  # type: ignore[no-untyped-def]
    readers = store._readers
    store.find_by_url("https://e.org/nothing")
    with store.reading() as first, store.reading() as nested:
        assert nested is first
    store.find_by_hash("0" * 64)
    assert len(readers._readers) == 1 and readers._readers[0].connection is first
    # inside the lock, reads use the lock's connection
    with store.decision_lock() as locked, store.reading() as inside:
        assert inside is locked
    readers.idle = 0.0  # idle too long: back to the pool, the next read checks one out
    store.find_by_url("https://e.org/nothing")
    assert first.closed and readers._readers[0].connection is not first
    store.engine.dispose()  # disposing of the pool gives the read connections back too
    assert readers._readers == []
    assert store.find_by_url("https://e.org/nothing") is None  # and reading goes on


def test_a_read_retries_once_when_its_connection_was_killed(postgres_url) -> None:  # type: ignore[no-untyped-def]
    import psycopg

    from pipeline.store import Store

    store = Store.from_url(postgres_url)
    try:
        keys = _stored(store, 1)
        with store.reading() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        known = store.find_by_url(keys[0])  # the dead connection is dropped, the read redone
        assert known is not None and known.guid == "g0"
        with store.reading() as conn:
            assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() != pid
    finally:
        store.engine.dispose()


def test_in_memory_sqlite_reads_on_the_transactions_connection(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """SingletonThreadPool hands one connection to a thread: no autocommit reader there."""
    from pipeline.store import Store

    store = Store.from_url("sqlite://")
    assert store._readers.enabled is False
    keys = _stored(store, 2)
    assert store.known_urls(keys) == set(keys) and store.find_by_url(keys[1]) is not None
    try:
        with store.transaction() as conn:
            _article(store, conn, "https://e.org/rolled-back")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert store.find_by_url("https://e.org/rolled-back") is None
    store.engine.dispose()


def test_an_alert_keeps_its_events_district_for_place_lookups(store) -> None:  # type: ignore[no-untyped-def]
    """The latest alert of a rule on a district is found by the alert's own copy of its
    event's district (one index probe, no join with events)."""
    from tests.integration.test_query_plans import EVENT as fall

    with store.transaction() as conn:
        article_id = _article(store, conn, "https://e.org/fall")
        [event_id] = store.insert_events(conn, article_id, [fall])
        for key, event in (("district-fallen:fall", event_id), ("district-fallen:none", None)):
            store.enqueue_alert(
                conn,
                key=key,
                rule_id="district-fallen",
                article_id=article_id,
                event_id=event,
                channel="C0ALERTS",
                payload={"text": "x"},
            )
    with store.engine.connect() as conn:
        rows = dict(conn.execute(select(alerts.c.idempotency_key, alerts.c.district_code)).all())
    assert rows == {"district-fallen:fall": "AF2902", "district-fallen:none": None}
    places = {("district-fallen", "AF2902"), ("district-fallen", "AF0101")}
    history = store.alert_history(DuplicateDecision("new"), "k", None, ["district-fallen"], places)
    assert history.place_threads == {("district-fallen", "AF2902"): "district-fallen:fall"}


def test_migration_0005_fills_the_district_of_existing_alerts(tmp_path, empty_postgres_url) -> None:  # type: ignore[no-untyped-def]
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from pipeline.store import MIGRATIONS_DIR, make_engine

    def migrate_to(engine, target: str) -> None:  # type: ignore[no-untyped-def]
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, target)

    for url in (f"sqlite:///{tmp_path / 'm.sqlite3'}", empty_postgres_url):
        engine = make_engine(url)
        migrate_to(engine, "0004")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO articles (id, canonical_url, title, fetched_at, text, "
                    "content_hash, source, dup_status) VALUES "
                    "(1, 'k', 't', CURRENT_TIMESTAMP, 'x', 'h', 'feed', 'new')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO events (id, article_id, sentence_index, category, type, actor, "
                    "realis, claim_status, district_code, evidence, evidence_start, evidence_end, "
                    "created_at) VALUES (7, 1, 0, 'c', 't', 'Taliban', 'actual', 'asserted', "
                    "'AF2902', 'e', 0, 1, CURRENT_TIMESTAMP)"
                )
            )
            for key, event_id in (("with-event", 7), ("without", None)):
                conn.execute(
                    text(
                        "INSERT INTO alerts (idempotency_key, rule_id, article_id, event_id, "
                        "channel, payload, status, attempts, created_at) VALUES "
                        "(:key, 'r', 1, :event, 'C', '{}', 'sent', 1, CURRENT_TIMESTAMP)"
                    ),
                    {"key": key, "event": event_id},
                )
        migrate_to(engine, "head")
        with engine.connect() as conn:
            rows = dict(
                conn.execute(text("SELECT idempotency_key, district_code FROM alerts")).all()
            )
        engine.dispose()
        assert rows == {"with-event": "AF2902", "without": None}, url
