"""Maintenance actions behind the news_maintenance DAG and the CLI."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from pipeline import dedupe
from pipeline.alerts.plan import add_notes, alerts_by_district
from pipeline.cycle import Analysis, load_seeds, replan, territorial_districts
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
        entry = Entry(
            url=row["url"],
            title=row["title"],
            text=row["text"],
            guid=row["guid"],
            published=row["published_at"],
        )
        fingerprint = dedupe.Fingerprint.of(f"{entry.title}\n{entry.text}")
        with store.decision_lock() as conn:
            # planned while the article still counts in its incidents: an alert it
            # raised itself is recognised (no reply to itself), others' keys repeat
            article = Analysis(
                entry, row["canonical_url"], fingerprint, DuplicateDecision("new"), found
            )
            article = replan(article, store, rules)
            detached = store.detach_from_incidents(conn, row["id"])
            old_districts = store.districts_of_article(conn, row["id"])
            conn.execute(delete(events).where(events.c.article_id == row["id"]))
            event_ids = store.insert_events(conn, row["id"], found)
            store.record_incidents(
                conn,
                row["id"],
                event_ids,
                article.incidents,
                found,
                outlet=article.outlet,
                independent=True,
            )
            store.prune_incidents(conn, detached)
            refresh = store.refresh_control(conn, territorial_districts(found) | old_districts)
            covered = alerts_by_district(article.plan.rows, found)
            control = store.plan_control(refresh, rules, resources.settings.page_url, covered)
            rows_planned = add_notes(article.plan.rows, control.notes)
            counts["alerts_queued"] += store.enqueue_planned(
                conn, row["id"], event_ids, rows_planned
            )
            counts["alerts_queued"] += store.enqueue_control_alerts(conn, control)
        counts["articles"] += 1
        counts["events"] += len(found)
    return counts
