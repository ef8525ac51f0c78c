"""Maintenance actions behind the news_maintenance DAG and the CLI."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from pipeline import dedupe
from pipeline.alerts import plan_alerts
from pipeline.alerts.plan import place_lookups
from pipeline.cycle import Analysis, load_seeds
from pipeline.models import DuplicateDecision, Entry
from pipeline.resources import Resources
from pipeline.schema import articles, events
from pipeline.store import utcnow


def reload_seeds(resources: Resources) -> dict[str, Any]:
    """Load seed files that are not stored yet (seeds already stored are kept)."""
    loaded = load_seeds(resources)
    return {"seeds_loaded": loaded, "seeds_stored": resources.store.counts()["seeds"]}


def enable_feed(resources: Resources, url: str) -> dict[str, Any]:
    if not url:
        raise ValueError("enable_feed needs the feed_url param")
    if not resources.store.set_feed_disabled(url, False):
        raise ValueError(f"no stored feed with URL {url}")
    return {"enabled": url}


def reprocess(resources: Resources, since_days: int = 7) -> dict[str, Any]:
    """Extract events again and match the current rules for recent original articles.

    Old events are replaced; alerts are queued only for rules that have not fired on the
    article's story before (the outbox key prevents a second post).
    """
    store, rules = resources.store, resources.rules
    since = utcnow() - timedelta(days=since_days)
    query = select(articles).where(
        (articles.c.dup_status == "new")
        & (articles.c.source == "feed")
        & (articles.c.fetched_at >= since)
    )
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    counts = {"articles": 0, "events": 0, "alerts_queued": 0}
    extractor = resources.extractor
    for row in rows:
        found = extractor.extract(row["text"], row["published_at"])
        entry = Entry(url=row["url"], title=row["title"], text=row["text"], guid=row["guid"])
        fingerprint = dedupe.Fingerprint.of(f"{entry.title}\n{entry.text}")
        decision = DuplicateDecision("new")
        with store.decision_lock() as conn:
            history = store.alert_history(
                decision,
                row["canonical_url"],
                row["url"],
                [rule.id for rule in rules],
                place_lookups(found, rules),
            )
            article = Analysis(entry, row["canonical_url"], fingerprint, decision, found)
            plan = plan_alerts(article, rules, history)
            conn.execute(delete(events).where(events.c.article_id == row["id"]))
            event_ids = store.insert_events(conn, row["id"], found)
            counts["alerts_queued"] += store.enqueue_planned(conn, row["id"], event_ids, plan.rows)
        counts["articles"] += 1
        counts["events"] += len(found)
    return counts
