"""Storage on SQLite and Postgres: seeds, the shingle index, the outbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from pipeline import dedupe
from pipeline.cycle import load_seeds
from pipeline.models import DuplicateDecision
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
    settings = make_settings(database_url)
    assert load_seeds(store, settings) == 5
    assert load_seeds(store, settings) == 0
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
