"""One pipeline cycle: fetch each feed, then per entry dedupe, extract, store, alert.

The same `analyse` function serves `run` (which stores) and `analyze` (which does not),
so what the CLI shows is what the pipeline does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import dedupe
from pipeline.alert import (
    AlertRule,
    DeliveryReport,
    build_corroboration,
    build_message,
    deliver,
    load_rules,
    make_sink,
)
from pipeline.models import AlertMatch, DuplicateDecision, Entry, Event, FeedReport
from pipeline.settings import FeedConfig, Settings, load_feeds
from pipeline.store import Store

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass
class Analysis:
    """Everything the pipeline concluded about one article, before storing."""

    entry: Entry
    url_key: str
    fingerprint: dedupe.Fingerprint
    decision: DuplicateDecision
    events: list[Event]
    matches: list[AlertMatch]
    story_key: str = ""
    # rules already fired on this story: the report goes into the earlier alert's thread
    corroborates: list[AlertMatch] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.story_key = self.story_key or self.url_key


@dataclass
class CycleSummary:
    feeds: list[FeedReport] = field(default_factory=list)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    seeds_loaded: int = 0

    def totals(self) -> dict[str, int]:
        keys = ("entries", "new", "duplicates", "known", "events", "alerts")
        totals = {k: sum(getattr(f, k) for f in self.feeds) for k in keys}
        totals["feeds_ok"] = sum(f.ok for f in self.feeds)
        totals["feeds_failed"] = sum(not f.ok for f in self.feeds)
        return totals

    def to_dict(self) -> dict[str, Any]:
        return {
            "totals": self.totals(),
            "feeds": [f.to_dict() for f in self.feeds],
            "delivery": self.delivery.to_dict(),
            "seeds_loaded": self.seeds_loaded,
        }


def url_key_for(entry: Entry, fingerprint: dedupe.Fingerprint) -> str:
    """The unique key of an article: its canonical URL, else its guid, else its text."""
    if entry.canonical_url or (entry.url and "://" in entry.url):
        return dedupe.canonical_url(entry.canonical_url or entry.url or "")
    if entry.guid:
        return f"guid:{entry.feed_url or ''}#{entry.guid}"
    return f"hash:{fingerprint.content_hash}"


def analyse(entry: Entry, store: Store, rules: Sequence[AlertRule], settings: Settings) -> Analysis:
    """Dedupe, extract and match rules for one entry without writing anything."""
    from pipeline.extraction import default_extractor

    fingerprint = dedupe.Fingerprint.of(f"{entry.title}\n{entry.text}")
    url_key = url_key_for(entry, fingerprint)
    has_url = entry.url is not None and "://" in entry.url
    decision = dedupe.decide(fingerprint, url_key if has_url else None, store)
    found = (
        []
        if decision.status == "duplicate" and decision.method == "url"
        else default_extractor(settings.spacy_model).extract(entry.text, entry.published)
    )
    found = _with_title_events(entry, found, settings)
    from pipeline.alert import match_rules

    outlets = 1
    if decision.status == "near_duplicate" and decision.of_article_id is not None:
        outlets = store.story_outlets(None, decision.of_article_id, also=entry.url)
    matches = match_rules(rules, found, settings.slack_channel, outlets)
    story_key = url_key
    if decision.status == "duplicate":
        reason = dedupe.explain(decision)
        matches = [_suppress(m, reason) for m in matches]
    elif decision.status == "near_duplicate" and decision.of_article_id is not None:
        story_key, fired = store.story_of(decision.of_article_id)
        reason = f"already alerted for this story; {dedupe.explain(decision)}"
        corroborates = [m for m in matches if m.rule_id in fired]
        matches = [_suppress(m, reason) if m.rule_id in fired else m for m in matches]
        return Analysis(
            entry, url_key, fingerprint, decision, found, matches, story_key, corroborates
        )
    return Analysis(entry, url_key, fingerprint, decision, found, matches, story_key)


def _with_title_events(entry: Entry, found: list[Event], settings: Settings) -> list[Event]:
    """Teasers often carry the news only in the headline: read it when the body gives nothing."""
    if found or not entry.title:
        return found
    from pipeline.extraction import default_extractor

    return [
        Event(**{**e.__dict__, "evidence_start": -1, "evidence_end": -1})
        for e in default_extractor(settings.spacy_model).extract(entry.title, entry.published)
    ]


def _suppress(match: AlertMatch, reason: str) -> AlertMatch:
    return AlertMatch(
        match.rule_id,
        match.severity,
        match.channel,
        match.event_index,
        match.evidence,
        match.title,
        suppressed=reason,
    )


def _queue_place_updates(
    store: Store,
    conn: Any,
    analysis: Analysis,
    rules_by_id: dict[str, AlertRule],
    article_id: int,
    event_ids: list[int],
) -> int:
    """A rule with `reply_to` also answers in the thread of that rule's latest alert on
    the same district (e.g. a recapture under the district's fall)."""
    from datetime import timedelta

    from pipeline.alert import build_place_update
    from pipeline.store import utcnow

    queued = 0
    for match in analysis.matches:
        rule = rules_by_id.get(match.rule_id)
        event = analysis.events[match.event_index]
        if match.suppressed or rule is None or not rule.reply_to or event.location is None:
            continue
        if not event.location.district_code:
            continue
        parent = store.latest_alert_on_place(
            conn, rule.reply_to, event.location.district_code, utcnow() - timedelta(days=90)
        )
        if parent is None:
            continue
        payload = build_place_update(
            match, event, analysis.entry.title, analysis.entry.url, match.channel
        )
        key = f"{parent}:{match.rule_id}:{analysis.url_key}"
        queued += _enqueue(store, conn, match, key, payload, article_id, event_ids, parent)
    return queued


def _enqueue(
    store: Store,
    conn: Any,
    match: AlertMatch,
    key: str,
    payload: dict[str, Any],
    article_id: int,
    event_ids: list[int],
    thread_of: str | None = None,
) -> bool:
    """One outbox row for a match (the key makes a second write a no-op)."""
    return store.enqueue_alert(
        conn,
        key=key,
        rule_id=match.rule_id,
        article_id=article_id,
        event_id=event_ids[match.event_index],
        channel=match.channel,
        payload=payload,
        thread_of=thread_of,
    )


def store_analysis(
    store: Store,
    analysis: Analysis,
    *,
    feed_id: int | None,
    source: str = "feed",
    rules: Sequence[AlertRule] = (),
) -> tuple[int | None, int]:
    """Write article, shingles, events and outbox rows in one transaction."""
    entry = analysis.entry
    with store.transaction() as conn:
        article_id = store.insert_article(
            conn,
            canonical_url=analysis.url_key,
            url=entry.url,
            guid=entry.guid,
            feed_id=feed_id,
            title=entry.title,
            published_at=entry.published,
            text=entry.text,
            content_hash=analysis.fingerprint.content_hash,
            source=source,
            decision=analysis.decision,
            shingle_sample=analysis.fingerprint.index_sample,
        )
        if article_id is None:
            return None, 0
        event_ids = store.insert_events(conn, article_id, analysis.events)
        if source == "seed":
            return article_id, 0  # seeds are already known: they never alert
        queued = 0
        for match in analysis.matches:
            if match.suppressed:
                continue
            payload = build_message(
                match,
                analysis.events[match.event_index],
                title=entry.title,
                url=entry.url,
                channel=match.channel,
            )
            key = f"{match.rule_id}:{analysis.story_key}"
            queued += _enqueue(store, conn, match, key, payload, article_id, event_ids)
        rules_by_id = {rule.id: rule for rule in rules}
        queued += _queue_place_updates(store, conn, analysis, rules_by_id, article_id, event_ids)
        for match in analysis.corroborates:
            parent = f"{match.rule_id}:{analysis.story_key}"
            outlets = store.story_outlets(conn, analysis.decision.of_article_id or article_id)
            payload = build_corroboration(entry.title, entry.url, outlets, match.channel)
            key = f"{parent}:also:{analysis.url_key}"
            queued += _enqueue(store, conn, match, key, payload, article_id, event_ids, parent)
    return article_id, queued


def process_feed(
    store: Store,
    feed: FeedConfig,
    client: Any,
    rules: Sequence[AlertRule],
    settings: Settings,
    progress: Progress | None = None,
) -> FeedReport:
    """Fetch, parse and store one feed; its errors end up in the report and on its row."""
    from pipeline.fetch import fetch_feed
    from pipeline.parse import parse_feed

    row = store.ensure_feed(feed.url, feed.name)
    report = FeedReport(url=feed.url, label=feed.label)
    if row["disabled"]:
        report.ok, report.error = (
            False,
            "disabled (re-enable with `python -m pipeline feeds enable`)",
        )
        return report
    result = fetch_feed(
        feed.url,
        client,
        etag=row["etag"],
        last_modified=row["last_modified"],
        max_bytes=settings.http_max_bytes,
    )
    if result.error:
        report.retryable = result.status is None or result.status >= 500 or result.status == 429
        return _fail(store, row["id"], report, result.status, result.error, settings, result.gone)
    if result.not_modified:
        report.not_modified = True
        store.record_feed_success(row["id"], result, 0)
        return report
    parsed = parse_feed(result)
    report.entries = len(parsed.entries)
    if not parsed.entries and not parsed.bozo:
        report.error = "feed is empty (no entries)"
        store.record_feed_success(row["id"], result, 0)
        return report
    if not parsed.entries:
        reason = parsed.bozo_reason or "no entries"
        report.retryable = False
        return _fail(
            store, row["id"], report, result.status, f"no usable entries: {reason}", settings
        )
    page_client = client if feed.full_text else None
    failures: list[str] = []
    for entry in parsed.entries:
        try:
            _process_entry(store, row["id"], entry, rules, settings, report, progress, page_client)
        except Exception as exc:  # one bad entry must not stop the others
            log.exception("entry %r of %s failed", entry.title[:80], feed.label)
            failures.append(f"{entry.title[:60]!r}: {type(exc).__name__}: {str(exc)[:200]}")
    if failures:
        # validators are not stored, so the next cycle fetches the feed again and retries
        # the entries that failed; the stored ones are recognised by their URL
        error = f"{len(failures)} of {len(parsed.entries)} entries failed; first: {failures[0]}"
        return _fail(store, row["id"], report, result.status, error, settings)
    store.record_feed_success(row["id"], result, len(parsed.entries))
    if result.permanent_redirect and result.final_url:
        store.move_feed(row["id"], result.final_url)
    if parsed.bozo:
        report.error = f"malformed but usable: {parsed.bozo_reason}"[:300]
    return report


def _fail(
    store: Store,
    feed_id: int,
    report: FeedReport,
    status: int | None,
    error: str,
    settings: Settings,
    gone: bool = False,
) -> FeedReport:
    disabled = store.record_feed_failure(
        feed_id, status, error, settings.feed_disable_after_failures, gone
    )
    report.ok = False
    report.error = error + (" (feed disabled)" if disabled else "")
    return report


def _process_entry(
    store: Store,
    feed_id: int,
    entry: Entry,
    rules: Sequence[AlertRule],
    settings: Settings,
    report: FeedReport,
    progress: Progress | None,
    page_client: Any = None,
) -> None:
    if entry.guid and store.find_by_guid(feed_id, entry.guid):
        report.known += 1
        return
    if page_client is not None and entry.url and entry.url.startswith(("http://", "https://")):
        entry = with_full_text(entry, page_client, settings)
    analysis = analyse(entry, store, rules, settings)
    if analysis.decision.method == "url" and analysis.decision.of_label == analysis.url_key:
        report.known += 1  # the same URL was stored before: nothing new to keep
        return
    article_id, queued = store_analysis(store, analysis, feed_id=feed_id, rules=rules)
    if article_id is None:
        report.known += 1
        return
    report.events += len(analysis.events)
    report.alerts += queued
    if analysis.decision.is_copy:
        report.duplicates += 1
        note = f"{entry.title[:70]!r}: {dedupe.explain(analysis.decision)}"
        report.duplicate_notes.append(note)
    else:
        report.new += 1
    if progress:
        progress(f"  {analysis.decision.status:<14} {entry.title[:80]}")


def with_full_text(entry: Entry, client: Any, settings: Settings) -> Entry:
    """Replace a feed teaser by the page's main text; keep the teaser if that fails."""
    from dataclasses import replace

    from pipeline.fetch import fetch_article

    page = fetch_article(entry.url or "", client, settings.http_max_bytes)
    text = page.text if page.text and len(page.text) > len(entry.text) else entry.text
    return replace(entry, text=text, canonical_url=page.canonical_url)


def load_seeds(store: Store, settings: Settings) -> int:
    """Load data/seed_corpus idempotently; a seed's id is its file name."""
    loaded = 0
    for path in sorted(Path(settings.seed_dir).glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        title = next((line.strip() for line in text.splitlines() if line.strip()), path.name)
        fingerprint = dedupe.Fingerprint.of(text)
        key = f"seed:{path.name}"
        if store.find_by_url(key):
            continue
        from pipeline.extraction import default_extractor

        analysis = Analysis(
            entry=Entry(url=None, title=title[:300], text=text, guid=path.name),
            url_key=key,
            fingerprint=fingerprint,
            decision=DuplicateDecision("new"),
            events=default_extractor(settings.spacy_model).extract(text, None),
            matches=[],
        )
        article_id, _ = store_analysis(store, analysis, feed_id=None, source="seed")
        loaded += article_id is not None
    return loaded


def run_cycle(
    settings: Settings,
    feeds: Sequence[FeedConfig] | None = None,
    progress: Progress | None = None,
    store: Store | None = None,
) -> CycleSummary:
    """Bootstrap (schema, seeds), process every feed, then deliver the outbox."""
    from pipeline.fetch import make_client

    store = store or Store.from_url(settings.database_url)
    summary = CycleSummary(seeds_loaded=load_seeds(store, settings))
    rules = load_rules(settings.alerts_file)
    feeds = list(feeds) if feeds is not None else load_feeds(settings.feeds_file)
    with make_client(settings) as client:
        for number, feed in enumerate(feeds, start=1):
            if progress:
                progress(f"[{number}/{len(feeds)}] {feed.label}")
            report = process_feed(store, feed, client, rules, settings, progress)
            summary.feeds.append(report)
    summary.delivery = deliver(store, make_sink(settings), settings.alert_max_attempts)
    return summary


# --- entry points for orchestrators (Airflow tasks pass only these counts) -------------
def prepare(settings: Settings) -> dict[str, int]:
    """Migrate the schema and load the seed corpus; safe to call on every run."""
    store = Store.from_url(settings.database_url)
    try:
        return {"seeds_loaded": load_seeds(store, settings), **_article_counts(store)}
    finally:
        store.engine.dispose()


def _article_counts(store: Store) -> dict[str, int]:
    counts = store.counts()
    return {"articles": counts["articles"], "events": counts["events"]}


def run_feed(settings: Settings, feed: FeedConfig) -> FeedReport:
    """Process one feed in its own store and HTTP client (one Airflow mapped task)."""
    from pipeline.fetch import make_client

    store = Store.from_url(settings.database_url, migrate_schema=False)
    try:
        with make_client(settings) as client:
            return process_feed(store, feed, client, load_rules(settings.alerts_file), settings)
    finally:
        store.engine.dispose()


def deliver_outbox(settings: Settings) -> DeliveryReport:
    store = Store.from_url(settings.database_url, migrate_schema=False)
    try:
        return deliver(store, make_sink(settings), settings.alert_max_attempts)
    finally:
        store.engine.dispose()


def pending_alert_count(settings: Settings) -> int:
    store = Store.from_url(settings.database_url, migrate_schema=False)
    try:
        return store.counts()["alerts"].get("pending", 0)
    finally:
        store.engine.dispose()
