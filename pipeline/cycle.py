"""One pipeline cycle: fetch each feed, then per entry dedupe, extract, store, alert.

The same `analyze` function serves `run` (which stores) and `analyze` (which does not),
so what the CLI shows is what the pipeline does. Storing decides again under the dedupe
lock (`store_analysis`), so concurrent feeds never both take one story for new.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from pipeline import dedupe
from pipeline.alerts import AlertPlan, AlertRule, DeliveryReport, deliver, plan_alerts
from pipeline.alerts.plan import add_notes, alerts_by_district, place_lookups
from pipeline.incidents import Assignment, outlet_of
from pipeline.language import Language, unread_note
from pipeline.models import AlertMatch, DuplicateDecision, Entry, Event, FeedReport
from pipeline.resources import Resources
from pipeline.settings import FeedConfig, Settings
from pipeline.store import Store, as_utc, utcnow

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


class Extractor(Protocol):
    """What `analyze` needs of an extractor (pipeline.extraction.RuleExtractor)."""

    read_languages: frozenset[str]

    def extract(self, text: str, published: datetime | None) -> list[Event]: ...

    def identify(self, text: str) -> Language | None: ...


@dataclass
class Analysis:
    """Everything the pipeline concluded about one article, before storing."""

    entry: Entry
    url_key: str
    fingerprint: dedupe.Fingerprint
    decision: DuplicateDecision
    events: list[Event]
    plan: AlertPlan = field(default_factory=AlertPlan)
    # per event: the incident it joins or opens (None: it joins none), see incidents.py
    incidents: tuple[Assignment | None, ...] = ()
    language: str | None = None  # ISO 639-1 code of the text (pipeline.language)

    @property
    def outlet(self) -> str | None:
        return outlet_of(self.entry.url, self.entry.text)

    @property
    def independent(self) -> bool:
        """A copy or rewrite of another article adds a report, not an outlet."""
        return self.decision.status == "new"

    @property
    def matches(self) -> tuple[AlertMatch, ...]:
        return self.plan.matches


@dataclass
class CycleSummary:
    feeds: list[FeedReport] = field(default_factory=list)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    seeds_loaded: int = 0

    def totals(self) -> dict[str, int]:
        keys = ("entries", "new", "duplicates", "known", "events", "alerts", "quarantined")
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


def article_key(entry: Entry, fingerprint: dedupe.Fingerprint, store: Store) -> str:
    """`url_key_for`, unless that URL is stored for another item: an entry with its own
    guid and different text sharing a link (or a URL differing only in a parameter we
    strip) is another article, not a copy, and gets a key of its own."""
    key = url_key_for(entry, fingerprint)
    if not entry.guid or not key.startswith(("http://", "https://")):
        return key
    known = store.find_by_url(key)
    if known is None or known.guid is None or known.guid == entry.guid:
        return key
    if dedupe.normalise_text(known.text) == dedupe.normalise_text(entry.text):
        return key  # the same article under another guid (an AMP page, a re-post)
    return f"{key}#guid={entry.guid}"


def decide(
    entry: Entry, fingerprint: dedupe.Fingerprint, url_key: str, store: Store
) -> DuplicateDecision:
    """dedupe.decide with the URL key only where the article has a URL of its own."""
    has_url = entry.url is not None and "://" in entry.url
    return dedupe.decide(fingerprint, url_key if has_url else None, store)


def analyze(
    entry: Entry, store: Store, rules: Sequence[AlertRule], extractor: Extractor
) -> Analysis:
    """Dedupe, extract and plan alerts for one entry without writing anything."""
    fingerprint = dedupe.Fingerprint.of(f"{entry.title}\n{entry.text}")
    url_key = article_key(entry, fingerprint, store)
    decision = decide(entry, fingerprint, url_key, store)
    found = (
        []
        if decision.status == "duplicate" and decision.method == "url"
        else extractor.extract(entry.text, entry.published)
    )
    found = _with_title_events(entry, found, extractor)
    language = extractor.identify(f"{entry.title}\n{entry.text}")
    analysis = Analysis(
        entry, url_key, fingerprint, decision, found, language=language.code if language else None
    )
    return replan(analysis, store, rules)


def replan(analysis: Analysis, store: Store, rules: Sequence[AlertRule]) -> Analysis:
    """Assign incidents and plan the alerts from what the store knows now (inside the
    lock when writing)."""
    rule_ids = [rule.id for rule in rules]
    assigned = assign(analysis, store, rule_ids)
    history = store.alert_history(
        analysis.decision,
        analysis.url_key,
        analysis.entry.url,
        rule_ids,
        place_lookups(analysis.events, rules),
    )
    history = replace(history, incidents=assigned)
    return replace(analysis, incidents=assigned, plan=plan_alerts(analysis, rules, history))


def assign(
    analysis: Analysis, store: Store, rule_ids: Sequence[str]
) -> tuple[Assignment | None, ...]:
    """The incident of each event, from the incidents stored on its places."""
    from pipeline import incidents

    now = utcnow()
    found = analysis.events
    slots = incidents.candidate_slots(found)
    if not slots:
        return tuple(None for _ in found)
    window = timedelta(days=incidents.config().window_days)
    days = [incidents.event_day(e, analysis.entry.published, now) for e in found]
    known = store.known_incidents(slots, min(days) - 2 * window, rule_ids)
    return incidents.assign_incidents(
        found,
        known,
        article_key=analysis.url_key,
        outlet=analysis.outlet,
        independent=analysis.independent,
        published=analysis.entry.published,
        now=now,
    )


def _with_title_events(entry: Entry, found: list[Event], extractor: Extractor) -> list[Event]:
    """Teasers often carry the news only in the headline: read it when the body gives nothing."""
    if found or not entry.title:
        return found
    return [
        Event(**{**e.__dict__, "evidence_start": -1, "evidence_end": -1})
        for e in extractor.extract(entry.title, entry.published)
    ]


def store_analysis(
    store: Store,
    analysis: Analysis,
    *,
    feed_id: int | None,
    source: str = "feed",
    rules: Sequence[AlertRule] = (),
    page_url: str | None = None,
) -> tuple[int | None, int, Analysis]:
    """Decide again and write article, shingles, events and outbox rows, all under the
    dedupe lock in one transaction. Returns (article id or None when the URL is stored
    already, alerts queued, the analysis as written). `page_url` is the analyst page
    that district-control alerts link to."""
    entry = analysis.entry
    with store.decision_lock() as conn:
        if source != "seed":
            decision = decide(entry, analysis.fingerprint, analysis.url_key, store)
            if decision.status == "duplicate" and decision.method == "url":
                return None, 0, replace(analysis, decision=decision)
            analysis = replan(replace(analysis, decision=decision), store, rules)
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
            language=analysis.language,
        )
        if article_id is None:
            return None, 0, analysis
        event_ids = store.insert_events(conn, article_id, analysis.events)
        if source == "seed":
            return article_id, 0, analysis  # seeds are already known: they never alert
        store.record_incidents(
            conn,
            article_id,
            event_ids,
            analysis.incidents or [None] * len(event_ids),
            analysis.events,
            outlet=analysis.outlet,
            independent=analysis.independent,
        )
        refresh = store.refresh_control(conn, territorial_districts(analysis.events))
        rows = analysis.plan.rows
        control = store.plan_control(
            refresh, rules, page_url, alerts_by_district(rows, analysis.events)
        )
        rows = add_notes(rows, control.notes)
        queued = store.enqueue_planned(conn, article_id, event_ids, rows)
        queued += store.enqueue_control_alerts(conn, control)
    return article_id, queued, analysis


def territorial_districts(found: Sequence[Event]) -> set[str]:
    """Districts whose control an article's events may change (refolded when stored)."""
    from pipeline.control import TERRITORIAL

    return {
        e.location.district_code
        for e in found
        if e.category in TERRITORIAL and e.location and e.location.district_code
    }


def process_feed(
    resources: Resources, feed: FeedConfig, progress: Progress | None = None
) -> FeedReport:
    """Fetch, parse and store one feed; its errors end up in the report and on its row."""
    row, skipped = open_feed(resources.store, feed)
    if skipped is not None:
        return skipped
    result = fetch_for(row, feed, resources.http, resources.settings)
    return store_fetched(resources, row, feed, result, progress)


def open_feed(store: Store, feed: FeedConfig) -> tuple[dict[str, Any], FeedReport | None]:
    """The feed's row, and a report when it must not be polled now (disabled, or the
    server asked us to wait with Retry-After)."""
    row = store.ensure_feed(feed.url, feed.name)
    report = FeedReport(url=feed.url, label=feed.label)
    if row["disabled"]:
        report.ok, report.health = False, "disabled"
        report.error = "disabled (re-enable with `python -m pipeline feeds enable`)"
        return row, report
    deferred_until = as_utc(row["retry_after_until"])
    if deferred_until is not None and deferred_until > utcnow():
        report.health = "deferred"
        report.error = f"not polled: the server asked to wait until {deferred_until:%H:%M:%S} UTC"
        return row, report
    return row, None


def fetch_for(row: dict[str, Any], feed: FeedConfig, client: Any, settings: Settings) -> Any:
    """One conditional GET with the feed's stored validators (safe to run in a thread)."""
    from pipeline.fetch import fetch_feed

    return fetch_feed(
        feed.url,
        client,
        etag=row["etag"],
        last_modified=row["last_modified"],
        max_bytes=settings.http_max_bytes,
        deadline=settings.http_total_timeout,
    )


def store_fetched(
    resources: Resources,
    row: dict[str, Any],
    feed: FeedConfig,
    result: Any,
    progress: Progress | None = None,
) -> FeedReport:
    """Parse and store what one fetch brought; record the feed's health and whether it
    changed (failing, recovered, disabled) for the operators."""
    report = _store_fetched(resources, row, feed, result, progress)
    was_failing = row["consecutive_failures"] > 0
    if report.health == "disabled":
        report.change = "disabled"
    elif not report.ok:
        report.health = "failing"
        report.change = None if was_failing else "failing"
    elif was_failing:
        report.change = "recovered"
    log.info("feed %s: %s", feed.label, report.summary())
    return report


def _store_fetched(
    resources: Resources,
    row: dict[str, Any],
    feed: FeedConfig,
    result: Any,
    progress: Progress | None,
) -> FeedReport:
    from pipeline.parse import parse_feed

    store, settings = resources.store, resources.settings
    report = FeedReport(url=feed.url, label=feed.label)
    if result.retry_after:
        store.defer_feed(row["id"], utcnow() + timedelta(seconds=result.retry_after))
    if result.error:
        report.retryable = result.status is None or result.status >= 500 or result.status == 429
        return _fail(store, row["id"], report, result.status, result.error, settings, result.gone)
    run = FeedRun(resources, row["id"], report, feed.full_text, progress)
    if result.not_modified or is_unchanged_body(row, result):
        report.not_modified = True
        run.retry_quarantined()
        store.record_feed_success(row["id"], result, row["entries_last_fetch"])
        if result.permanent_redirect and result.final_url:
            store.move_feed(row["id"], result.final_url)
        return report
    parsed = parse_feed(result, max_bytes=settings.http_max_bytes)
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
    kept = {q["entry_key"]: q["status"] for q in store.quarantined(row["id"])}
    stored = store.known_guids(row["id"], [e.guid for e in parsed.entries if e.guid])
    for entry in parsed.entries:
        key = quarantine_key(entry)
        if entry.guid in stored:  # one batched lookup instead of one query per entry
            report.known += 1
        elif kept.get(key) == "held":
            report.quarantined += 1
        elif run.process(entry) and key in kept:
            store.clear_quarantined(row["id"], key)
    run.retry_quarantined(seen={quarantine_key(entry) for entry in parsed.entries})
    store.record_feed_success(row["id"], result, len(parsed.entries))
    if result.permanent_redirect and result.final_url:
        store.move_feed(row["id"], result.final_url)
    notes = [f"malformed but usable: {parsed.bozo_reason}"[:300]] if parsed.bozo else []
    if report.languages:
        store.record_feed_languages(row["id"], report.languages)
        unread = unread_note(report.languages, resources.extractor.read_languages)
        if unread:
            log.warning("feed %s: %s", feed.label, unread)
            notes.append(unread)
    if report.quarantined:
        notes.append(f"{report.quarantined} entries quarantined (see `python -m pipeline status`)")
    report.error = "; ".join(notes) or None
    return report


def is_unchanged_body(row: dict[str, Any], result: Any) -> bool:
    """A 200 with the very bytes whose entries were all stored last time: many servers
    ignore If-None-Match, and parsing 1,000 unchanged feeds would cost the cycle."""
    return bool(row.get("body_hash")) and result.body_hash == row["body_hash"]


def quarantine_key(entry: Entry) -> str:
    """How a failing entry is recognised in the next fetch: guid, else link, else text."""
    if entry.guid:
        return f"guid:{entry.guid}"
    if entry.url:
        return f"url:{entry.url}"
    return "hash:" + dedupe.Fingerprint.of(f"{entry.title}\n{entry.text}").content_hash


def entry_to_json(entry: Entry) -> str:
    data = dict(entry.__dict__)
    data["published"] = entry.published.isoformat() if entry.published else None
    return json.dumps(data, ensure_ascii=False)


def entry_from_json(raw: str) -> Entry:
    from datetime import datetime

    data = json.loads(raw)
    published = data.get("published")
    data["published"] = datetime.fromisoformat(published) if published else None
    return Entry(**data)


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
    report.health = "disabled" if disabled else "failing"
    report.error = error + (" (feed disabled)" if disabled else "")
    return report


@dataclass
class FeedRun:
    """Storing one fetched feed's entries (full text fetched first when configured)."""

    resources: Resources
    feed_id: int
    report: FeedReport
    full_text: bool = False
    progress: Progress | None = None

    @property
    def store(self) -> Store:
        return self.resources.store

    def process(self, entry: Entry) -> bool:
        """Store one entry; if it fails, keep it in the quarantine instead of failing
        (and eventually disabling) the whole feed. A lost database connection is not the
        entry's fault: it propagates, and the feed is retried as a whole."""
        from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

        try:
            self._store_entry(entry)
        except (OperationalError, InterfaceError):
            raise
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise
            self._quarantine(entry, exc)
            return False
        except Exception as exc:  # one bad entry must not stop the others
            self._quarantine(entry, exc)
            return False
        return True

    def retry_quarantined(self, seen: set[str] | None = None) -> None:
        """Entries that failed before: tried again (from their stored copy) until they
        succeed or are held; an entry fetched again this time (`seen`) was just tried."""
        for row in self.store.quarantined(self.feed_id):
            if row["status"] == "held":
                self.report.quarantined += 1
            elif row["entry_key"] not in (seen or set()) and self.process(
                entry_from_json(row["entry"])
            ):
                self.store.clear_quarantined(self.feed_id, row["entry_key"])

    def _quarantine(self, entry: Entry, exc: BaseException) -> None:
        log.exception("entry %r quarantined", entry.title[:80])
        error = f"{type(exc).__name__}: {str(exc)[:300]}"
        key, raw = quarantine_key(entry), entry_to_json(entry)
        self.store.quarantine_entry(self.feed_id, key, entry.title, raw, error)
        self.report.quarantined += 1

    def _store_entry(self, entry: Entry) -> None:
        resources, store, report = self.resources, self.store, self.report
        if entry.guid and store.find_by_guid(self.feed_id, entry.guid):
            report.known += 1
            return
        if self.full_text and (entry.url or "").startswith(("http://", "https://")):
            entry = with_full_text(entry, resources.http, resources.settings)
        analysis = analyze(entry, store, resources.rules, resources.extractor)
        code = analysis.language or "unknown"
        report.languages[code] = report.languages.get(code, 0) + 1
        if analysis.decision.method == "url" and analysis.decision.of_label == analysis.url_key:
            report.known += 1  # the same URL was stored before: nothing new to keep
            return
        article_id, queued, analysis = store_analysis(
            store,
            analysis,
            feed_id=self.feed_id,
            rules=resources.rules,
            page_url=resources.settings.page_url,
        )
        if article_id is None:
            report.known += 1
            return
        report.events += len(analysis.events)
        report.alerts += queued
        _log_stored(analysis)
        if analysis.decision.is_copy:
            report.duplicates += 1
            note = f"{entry.title[:70]!r}: {dedupe.explain(analysis.decision)}"
            report.duplicate_notes.append(note)
        else:
            report.new += 1
        if self.progress:
            self.progress(f"  {analysis.decision.status:<14} {entry.title[:80]}")


def _log_stored(analysis: Analysis) -> None:
    """What an operator reads in the task log: the article, its events, its alerts."""
    log.info("%s: %s", analysis.decision.status, analysis.entry.title[:120])
    for event in analysis.events:
        place = event.location.name if event.location else "place not stated"
        log.info("  event %s by %s at %s (%s)", event.type, event.actor, place, event.realis)
    for row in analysis.plan.rows:
        kind = "reply" if row.thread_of else "alert"
        log.info("  %s %s queued: %s", kind, row.rule_id, str(row.payload["text"])[:120])
    for match in analysis.plan.matches:
        if match.suppressed:
            log.info("  %s not alerted: %s", match.rule_id, match.suppressed)


def with_full_text(entry: Entry, client: Any, settings: Settings) -> Entry:
    """Replace a feed teaser by the page's main text; keep the teaser if that fails.
    Pages on private or loopback addresses are refused (see fetch_article)."""
    from pipeline.fetch import fetch_article

    page = fetch_article(
        entry.url or "",
        client,
        settings.http_max_bytes,
        allow_networks=settings.fetch_allow_networks,
        deadline=settings.http_total_timeout,
    )
    if page.error:
        log.warning("full text of %s not fetched: %s", entry.url, page.error)
    text = page.text if page.text and len(page.text) > len(entry.text) else entry.text
    return replace(entry, text=text, canonical_url=page.canonical_url)


def load_seeds(resources: Resources) -> int:
    """Load data/seed_corpus idempotently; a seed's id is its file name."""
    store, loaded = resources.store, 0
    for path in sorted(Path(resources.settings.seed_dir).glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        title = next((line.strip() for line in text.splitlines() if line.strip()), path.name)
        fingerprint = dedupe.Fingerprint.of(text)
        key = f"seed:{path.name}"
        if store.find_by_url(key):
            continue
        analysis = Analysis(
            entry=Entry(url=None, title=title[:300], text=text, guid=path.name),
            url_key=key,
            fingerprint=fingerprint,
            decision=DuplicateDecision("new"),
            events=resources.extractor.extract(text, None),
        )
        article_id, _, _ = store_analysis(store, analysis, feed_id=None, source="seed")
        loaded += article_id is not None
    return loaded


def run_cycle(
    resources: Resources,
    feeds: Sequence[FeedConfig] | None = None,
    progress: Progress | None = None,
) -> CycleSummary:
    """Load seeds not stored yet, poll every feed (fetches in parallel, see polling.py),
    and deliver alerts as soon as a feed has queued them: a slow feed does not hold
    back another feed's alert."""
    from pipeline.polling import poll_feeds

    summary = CycleSummary(seeds_loaded=load_seeds(resources))
    feeds = list(feeds) if feeds is not None else resources.feeds
    reports: list[DeliveryReport] = []

    def deliver_now(report: FeedReport) -> None:
        if report.alerts and not any(r.blocked for r in reports):
            reports.append(deliver_outbox(resources))

    summary.feeds = poll_feeds(resources, feeds, on_report=deliver_now, progress=progress)
    reports.append(deliver_outbox(resources))
    summary.delivery = _combined(reports)
    return summary


def _combined(reports: Sequence[DeliveryReport]) -> DeliveryReport:
    """One cycle's delivery: the sums, and the state the last delivery left."""
    last = reports[-1]
    return DeliveryReport(
        sent=sum(r.sent for r in reports),
        retrying=last.retrying,
        failed=sum(r.failed for r in reports),
        waiting=last.waiting,
        unknown=last.unknown,
        held=sum(r.held for r in reports),
        set_aside=sum(r.set_aside for r in reports),
        blocked=next((r.blocked for r in reports if r.blocked), None),
    )


# --- entry points for orchestrators (Airflow tasks pass only these counts) -------------
def prepare(resources: Resources) -> dict[str, int]:
    """Migrate the schema and load the seed corpus; safe to call on every run."""
    return {"seeds_loaded": load_seeds(resources), **_article_counts(resources.store)}


def _article_counts(store: Store) -> dict[str, int]:
    """Approximate on Postgres (its row estimates): exact counts would scan every run."""
    counts = store.estimated_counts()
    return {"articles": counts["articles"], "events": counts["events"]}


def run_shard(resources: Resources, index: int, count: int) -> dict[str, Any]:
    """Poll shard `index` of `count` (every count-th configured feed) in one process: the
    model loads once per shard (and only when an entry needs it), fetches run in
    parallel, alerts go out as soon as their feed is stored. Returns counts and the feeds
    whose health changed (for operators); a failing feed is reported, not raised."""
    summary = run_cycle(resources, feeds=resources.feeds[index::count])
    totals = summary.totals()
    changes = [
        {"feed": f.label, "url": f.url, "change": f.change, "error": f.error}
        for f in summary.feeds
        if f.change
    ]
    failing = [{"feed": f.label, "error": f.error} for f in summary.feeds if f.health != "ok"]
    return {
        **totals,
        "peak_rss_mib": peak_rss_mib(),
        "model_loaded": resources.is_built("extractor"),
        "feeds": len(summary.feeds),
        "feeds_disabled": sum(f.health == "disabled" for f in summary.feeds),
        "delivered": summary.delivery.sent,
        "delivery_blocked": summary.delivery.blocked,
        "changes": changes,
        "unhealthy": failing[:50],
    }


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (what a worker slot must hold)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def deliver_outbox(resources: Resources) -> DeliveryReport:
    """Post what the outbox holds, through the resources' sink and router."""
    return deliver(
        resources.store, resources.sink, resources.router, resources.settings.alert_max_attempts
    )
