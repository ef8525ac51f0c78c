"""`python -m pipeline ...`: run a cycle, load seeds, show status, analyze texts."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from pipeline.alerts.delivery import redact_secrets
from pipeline.resources import Resources
from pipeline.settings import (
    PROJECT_ROOT,
    ConfigError,
    FeedConfig,
    Settings,
    load_feeds,
    load_settings,
    redact_url,
)

PROJECT_VAR = PROJECT_ROOT / "var"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    settings: Settings | None = None
    try:
        settings = load_settings()
        with Resources(settings, offline=args.offline) as resources:
            return int(args.handler(args, resources) or 0)
    except ConfigError as exc:
        print(f"configuration error: {redact_secrets(str(exc))}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ArgumentError, NoSuchModuleError, DBAPIError) as exc:
        print(database_problem(settings, exc), file=sys.stderr)
        return 2
    except BrokenPipeError:  # `... | head`: the reader has gone, not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 -- silence the final flush
        return 0


def database_problem(settings: Settings | None, exc: BaseException) -> str:
    """One line naming the database and what is wrong with it, password masked."""
    where = redact_url(settings.database_url) if settings else "DATABASE_URL"
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    reason = lines[0] if lines else type(original).__name__
    if reason.startswith("(") and ") " in reason:
        reason = reason.split(") ", 1)[1]  # sqlalchemy's "(psycopg.X) ..." prefix
    return f"database error: {where}: {redact_secrets(reason)[:300]}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Afghanistan security news pipeline. Without DATABASE_URL it uses "
        "var/pipeline.sqlite3; without a Slack token alerts are printed.",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="no network and no Slack: SQLite, local feed files only, alerts printed",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run one full cycle and print a summary",
        description="Fetch every feed, store new articles and events, "
        "queue and deliver alerts, then print a summary.",
    )
    run.add_argument(
        "--feed",
        action="append",
        metavar="URL",
        help="feed URL or path to use instead of the configured feeds (repeatable)",
    )
    run.add_argument(
        "--feeds", type=Path, metavar="FILE", help="a feeds YAML file to use instead of FEEDS_FILE"
    )
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    run.add_argument("--quiet", action="store_true", help="no per-entry progress lines")
    run.set_defaults(handler=cmd_run)

    seed = sub.add_parser(
        "seed",
        help="load the seed corpus (idempotent)",
        description="Load data/seed_corpus (or SEED_DIR) into the database.",
    )
    seed.set_defaults(handler=cmd_seed)

    migrate = sub.add_parser(
        "migrate",
        help="create or upgrade the database schema",
        description="Apply the Alembic migrations in sql/migrations.",
    )
    migrate.set_defaults(handler=cmd_migrate)

    status = sub.add_parser(
        "status",
        help="feed health, counts, undelivered alerts",
        description="Show each feed's last result and error, article, "
        "event and alert counts, and alerts that are pending or failed.",
    )
    status.add_argument("--json", action="store_true", help="print as JSON")
    status.set_defaults(handler=cmd_status)

    deliver = sub.add_parser(
        "deliver",
        help="post pending alerts from the outbox",
        description="Deliver due outbox rows to Slack (or the console).",
    )
    deliver.set_defaults(handler=cmd_deliver)

    analyze = sub.add_parser(
        "analyze",
        help="analyze articles without storing them",
        description="Dedupe against the stored corpus, extract events and match alert rules. "
        "FILE is a plain-text article, a JSON object, or a .jsonl file of objects "
        '{"id", "text", "url"?, "title"?, "published"?}; "-" reads stdin.',
    )
    analyze.add_argument("files", nargs="+", metavar="FILE")
    analyze.add_argument("--json", action="store_true", help="one JSON object per article")
    analyze.set_defaults(handler=cmd_analyze)

    alerts = sub.add_parser(
        "alerts",
        help="alert tools (preview, release, mark-sent)",
        description="Work with alert messages and the outbox.",
    )
    alerts_sub = alerts.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    preview = alerts_sub.add_parser(
        "preview",
        help="print the Slack payloads articles would produce",
        description="Print the chat.postMessage arguments (channel, text, blocks) that the "
        "articles in FILE would produce, without sending or storing anything. FILE takes "
        "the same forms as for analyze.",
    )
    preview.add_argument("files", nargs="+", metavar="FILE")
    preview.add_argument("--json", action="store_true", help="one JSON payload per line")
    preview.set_defaults(handler=cmd_alerts_preview)
    release = alerts_sub.add_parser(
        "release",
        help="queue set-aside alerts again (blocked, held, failed, muted)",
        description="Put alerts back in the queue: rows `blocked` by a missing channel once "
        "it is fixed, `held` webhook posts you checked were not posted, `failed` ones, or "
        "`muted` ones (held back by an analyst's mute; while it runs they are muted again).",
    )
    release.add_argument("ids", nargs="*", metavar="ID", help="alert ids (default: all)")
    for state in ("blocked", "held", "failed", "unknown", "muted"):
        release.add_argument(f"--{state}", action="store_true", help=f"every {state} alert")
    release.set_defaults(handler=cmd_alerts_release)
    mark_sent = alerts_sub.add_parser(
        "mark-sent",
        help="record held alerts that you saw in the channel as sent",
        description="A held alert's post may have reached Slack: if it is in the channel, "
        "mark it sent so it is never posted again.",
    )
    mark_sent.add_argument("ids", nargs="+", metavar="ID")
    mark_sent.set_defaults(handler=cmd_alerts_mark_sent)

    quarantine = sub.add_parser(
        "quarantine",
        help="entries that failed processing",
        description="Entries whose processing failed are kept in a quarantine table and "
        "tried again each run; after 3 failures they are held. `status` lists them.",
    )
    quarantine_sub = quarantine.add_subparsers(dest="quarantine_command", required=True)
    retry = quarantine_sub.add_parser("retry", help="try held entries again in the next run")
    retry.add_argument("ids", nargs="*", metavar="ID", help="entry ids (default: all held)")
    retry.set_defaults(handler=cmd_quarantine_retry)

    digest = sub.add_parser(
        "digest",
        help="post the daily digest of the last 24 hours",
        description="Counts by category, actor and province, the top events with links and "
        "a chart (PNG): posted to Slack (chart uploaded in the thread) or printed, with the "
        "chart written under var/.",
    )
    digest.add_argument("--json", action="store_true", help="print the digest figures as JSON")
    digest.set_defaults(handler=cmd_digest)

    control = sub.add_parser(
        "control",
        help="who controls each district (rebuild, show)",
        description="District control derived from the stored territory events "
        "(pipeline/control.py): each district's changes of state with their evidence.",
    )
    control_sub = control.add_subparsers(dest="control_command", required=True, metavar="ACTION")
    rebuild = control_sub.add_parser(
        "rebuild", help="fold every district again from its events (idempotent)"
    )
    rebuild.set_defaults(handler=cmd_control_rebuild)
    show = control_sub.add_parser("show", help="counts by state and the latest changes")
    show.add_argument("--at", metavar="DATE", help="the state on this day (YYYY-MM-DD)")
    show.add_argument("--json", action="store_true", help="print as JSON")
    show.set_defaults(handler=cmd_control_show)
    drawn = control_sub.add_parser(
        "map",
        help="draw the district-control map (PNG)",
        description="A choropleth of the 399 districts coloured by state on a day, with the "
        "districts that changed in the 24 hours before outlined.",
    )
    drawn.add_argument("--at", metavar="DATE", help="the day (YYYY-MM-DD; default today)")
    drawn.add_argument("--out", type=Path, metavar="FILE", help="default var/control-map-DATE.png")
    drawn.set_defaults(handler=cmd_control_map)
    export_control = control_sub.add_parser(
        "export", help="the state of every district as GeoJSON, with evidence links"
    )
    export_control.add_argument("--geojson", action="store_true", required=True)
    export_control.add_argument("--at", metavar="DATE", help="the day (default today)")
    export_control.add_argument("--out", type=Path, metavar="FILE", help="default: stdout")
    export_control.set_defaults(handler=cmd_control_export)

    export = sub.add_parser("export", help="export stored data (events as CSV)")
    export_sub = export.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    export_events = export_sub.add_parser(
        "events",
        help="events as an ACLED-shaped CSV",
        description="One row per event of an original article, with ACLED's column names "
        "where a column has an equivalent (notes = the evidence sentence, source = the URL).",
    )
    export_events.add_argument("--csv", action="store_true", required=True)
    export_events.add_argument("--out", type=Path, metavar="FILE", help="default: stdout")
    export_events.set_defaults(handler=cmd_export_events)

    from pipeline.evaluate import register as register_evaluate

    register_evaluate(sub)

    feeds = sub.add_parser(
        "feeds",
        help="enable or disable a stored feed",
        description="Re-enable a feed disabled after failures, or disable one.",
    )
    feeds.add_argument("action", choices=("enable", "disable"))
    feeds.add_argument("url")
    feeds.set_defaults(handler=cmd_feeds)
    return parser


def _feeds_from_args(args: argparse.Namespace) -> list[FeedConfig] | None:
    if args.feed:
        return [FeedConfig(url=url) for url in args.feed]
    if args.feeds:
        return load_feeds(args.feeds)
    return None


def cmd_run(args: argparse.Namespace, resources: Resources) -> int:
    from pipeline.cycle import run_cycle

    settings = resources.settings
    started = time.monotonic()
    feeds = _feeds_from_args(args)
    say = None if args.quiet or args.json else print
    if say:
        config = settings.redacted()
        sink = "console (offline)" if resources.is_offline else config["alert_sink"]
        say(f"database: {config['database_url']}   alerts to: {sink}")
    summary = run_cycle(resources, feeds=feeds, progress=say)
    if args.json:
        print(json.dumps(summary.to_dict(), default=str))
    else:
        print_summary(summary, time.monotonic() - started)
        _latest_control_map(resources)
    return 0 if summary.delivery.blocked is None else 1


def _latest_control_map(resources: Resources) -> None:
    """After a run: the control map as of the latest change, under var/."""
    from pipeline.outputs.maps import control_map_png

    changes = resources.store.control_changes()
    days = [c.valid_from for found in changes.values() for c in found]
    if not days:
        return
    out = PROJECT_VAR / "control-map.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(control_map_png(changes, max(days)))
    print(f"district control map on {max(days)} (latest change): {out}")


def print_summary(summary: Any, seconds: float, out: TextIO = sys.stdout) -> None:
    totals = summary.totals()
    w = out.write
    w("\n=== cycle summary ===\n")
    if summary.seeds_loaded:
        w(f"seed corpus: {summary.seeds_loaded} articles loaded\n")
    w(f"feeds: {totals['feeds_ok']} fetched, {totals['feeds_failed']} failed\n")
    for feed in summary.feeds:
        state = "not modified" if feed.not_modified else f"{feed.entries} entries"
        flag = "ok  " if feed.ok else "FAIL"
        w(f"  {flag} {feed.label}: {state}{', ' + feed.error if feed.error else ''}\n")
    w(
        f"entries: {totals['new']} new, {totals['duplicates']} duplicate, "
        f"{totals['known']} already stored\n"
    )
    for feed in summary.feeds:
        for note in feed.duplicate_notes:
            w(f"  duplicate {note}\n")
    w(f"events stored: {totals['events']}\n")
    d = summary.delivery
    w(
        f"alerts raised: {totals['alerts']}; delivered {d.sent}, retrying {d.retrying}, "
        f"failed {d.failed}\n"
    )
    if d.blocked:
        w(f"ALERT DELIVERY BLOCKED: {d.blocked}\n")
    w(f"took {seconds:.1f} s\n")


def cmd_seed(args: argparse.Namespace, resources: Resources) -> int:
    from pipeline.cycle import load_seeds

    loaded = load_seeds(resources)
    total = resources.store.counts()["seeds"]
    seed_dir = resources.settings.seed_dir
    print(f"seed corpus: {loaded} loaded now, {total} in the database ({seed_dir})")
    return 0


def cmd_migrate(args: argparse.Namespace, resources: Resources) -> int:
    resources.store  # noqa: B018 -- building the store applies the migrations
    print(f"schema up to date: {resources.settings.redacted()['database_url']}")
    return 0


def cmd_digest(args: argparse.Namespace, resources: Resources) -> int:
    from pipeline.digest import post_digest

    result = post_digest(resources)
    if args.json:
        print(json.dumps(result, default=str))
    return 0


def cmd_deliver(args: argparse.Namespace, resources: Resources) -> int:
    from pipeline.cycle import deliver_outbox

    report = deliver_outbox(resources)
    print(json.dumps(report.to_dict()))
    return 0 if report.blocked is None else 1


def cmd_alerts_release(args: argparse.Namespace, resources: Resources) -> int:
    states = ("blocked", "held", "failed", "unknown", "muted")
    statuses = [s for s in states if getattr(args, s)]
    if not statuses and not args.ids:
        print("name alert ids, or --blocked / --held / --failed / --muted", file=sys.stderr)
        return 2
    released = resources.store.release_alerts(
        statuses or ["blocked", "held", "failed", "muted"], [int(i) for i in args.ids]
    )
    print(f"{released} alerts queued again")
    return 0


def cmd_alerts_mark_sent(args: argparse.Namespace, resources: Resources) -> int:
    marked = resources.store.mark_alerts_sent_by_operator([int(i) for i in args.ids])
    print(f"{marked} alerts marked as sent (only held or unknown ones can be)")
    return 0 if marked == len(args.ids) else 1


def cmd_quarantine_retry(args: argparse.Namespace, resources: Resources) -> int:
    released = resources.store.release_quarantined([int(i) for i in args.ids])
    print(f"{released} quarantined entries will be tried again by the next run")
    return 0


def cmd_status(args: argparse.Namespace, resources: Resources) -> int:
    from pipeline.extraction.extractor import RuleExtractor
    from pipeline.language import unread_note

    store, settings = resources.store, resources.settings
    data = {
        "feeds": store.list_feeds(),
        "counts": store.counts(),
        "undelivered_alerts": store.unsent_alerts(),
        "quarantine": store.quarantined(),
    }
    if args.json:
        print(json.dumps(data, default=str))
        return 0
    print(f"database: {settings.redacted()['database_url']}")
    print("feeds:")
    for feed in data["feeds"]:
        state = (
            "DISABLED"
            if feed["disabled"]
            else ("failing" if feed["consecutive_failures"] else "ok")
        )
        languages = json.loads(feed.get("languages") or "{}")
        unread = unread_note(languages, RuleExtractor.read_languages)
        if unread and state == "ok":
            state = "ok, UNREAD LANGUAGE"
        print(
            f"  [{state}] {feed['name'] or feed['url']}  last status {feed['last_status']}, "
            f"{feed['entries_last_fetch']} entries, failures in a row "
            f"{feed['consecutive_failures']}, languages {_languages(languages)}"
        )
        if feed["last_error"]:
            print(f"      last error: {feed['last_error']}")
        if unread:
            print(f"      {unread}")
    counts = data["counts"]
    print(
        f"articles: {counts['articles']} ({counts['seeds']} seeds), by status "
        f"{counts['by_duplicate_status']}; events: {counts['events']}"
    )
    from pipeline.dedupe import explain

    duplicates = store.recent_duplicates()
    if duplicates:
        print("recent duplicates:")
        for title, decision in duplicates:
            print(f"  {title[:60]!r}: {explain(decision)}")
    print(f"alerts: {counts['alerts'] or 'none'}")
    for alert in data["undelivered_alerts"]:
        print(
            f"  #{alert['id']} {alert['rule_id']} [{alert['status']}] attempts "
            f"{alert['attempts']}: {alert['title'][:60]!r} {alert['last_error'] or ''}"
        )
    states = {a["status"] for a in data["undelivered_alerts"]}
    if states & {"held", "blocked"}:
        print(
            "  held: the outcome of a webhook post is unknown; look in the channel, then "
            "`alerts mark-sent ID` or `alerts release ID`. blocked: the channel was not "
            "found; fix SLACK_CHANNEL or the rule, then `alerts release --blocked`."
        )
    print(f"quarantined entries: {len(data['quarantine']) or 'none'}")
    for item in data["quarantine"]:
        print(
            f"  #{item['id']} [{item['status']}] attempts {item['attempts']}: "
            f"{item['title'][:60]!r} {item['error'][:120]}"
        )
    if any(item["status"] == "held" for item in data["quarantine"]):
        print("  held entries are tried again after `python -m pipeline quarantine retry`")
    return 0


def _languages(counts: dict[str, int]) -> str:
    """ "en 12, ur 1" (entries of the feed's last run by language), or "-"."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{code} {n}" for code, n in ranked) or "-"


def cmd_feeds(args: argparse.Namespace, resources: Resources) -> int:
    changed = resources.store.set_feed_disabled(args.url, args.action == "disable")
    if not changed:
        print(f"no stored feed with URL {args.url}", file=sys.stderr)
        return 1
    print(f"feed {args.action}d: {args.url}")
    return 0


def cmd_control_rebuild(args: argparse.Namespace, resources: Resources) -> int:
    started = time.monotonic()
    result = resources.store.rebuild_control(progress=print)
    print(
        f"district control rebuilt: {result['changes']} changes in {result['districts']} "
        f"districts from {result['events']} events in {time.monotonic() - started:.1f} s"
    )
    return 0


def cmd_control_show(args: argparse.Namespace, resources: Resources) -> int:
    from collections import Counter

    from pipeline.control import state_at
    from pipeline.places import default_gazetteer

    at = _day_arg(args.at)
    changes = resources.store.control_changes()
    state = state_at(changes, sorted(default_gazetteer().districts), at)
    counts = Counter(s.status for s in state.states.values())
    latest = sorted(
        (c for found in changes.values() for c in found if c.valid_from <= at),
        key=lambda c: (c.valid_from, c.district_code),
    )[-10:]
    if args.json:
        print(
            json.dumps(
                {
                    "at": at.isoformat(),
                    "national": state.national,
                    "counts": dict(counts),
                    "latest": [c.__dict__ for c in latest],
                },
                default=str,
            )
        )
        return 0
    scope = " (national: the Taliban took Kabul on 15 August 2021)" if state.national else ""
    print(
        f"district control on {at}{scope}: "
        + ", ".join(f"{status} {count}" for status, count in counts.most_common())
    )
    for change in reversed(latest):
        print(
            f"  {change.valid_from}  {change.district_code:<7} {change.status:<19} "
            f"{change.basis}; {change.independent_outlets} outlet(s), confidence "
            f"{change.confidence}"
        )
    return 0


def cmd_control_map(args: argparse.Namespace, resources: Resources) -> int:
    from pipeline.outputs.maps import control_map_png

    at = _day_arg(args.at)
    out = args.out or PROJECT_VAR / f"control-map-{at}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(control_map_png(resources.store.control_changes(), at))
    print(f"control map on {at}: {out}")
    return 0


def cmd_control_export(args: argparse.Namespace, resources: Resources) -> int:
    from pipeline.control import state_at
    from pipeline.outputs.exports import control_geojson, evidence_ids
    from pipeline.outputs.maps import district_codes

    at = _day_arg(args.at)
    changes = resources.store.control_changes()
    state = state_at(changes, district_codes(), at)
    evidence = resources.store.evidence(evidence_ids(changes.values()))
    _write_out(args.out, json.dumps(control_geojson(state, evidence), ensure_ascii=False))
    return 0


def cmd_export_events(args: argparse.Namespace, resources: Resources) -> int:
    from pipeline.outputs.exports import acled_csv

    _write_out(args.out, acled_csv(resources.store.events_for_export()))
    return 0


def _write_out(path: Path | None, text: str) -> None:
    if path is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)


def _day_arg(value: str | None) -> Any:
    from datetime import date

    if not value:
        return datetime.now().date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--at: expected a date as YYYY-MM-DD, got {value!r}") from None


# --- analyze --------------------------------------------------------------
def read_inputs(paths: Sequence[str], stdin: TextIO = sys.stdin) -> Iterator[dict[str, Any]]:
    """Articles from plain text, JSON or JSONL files (or stdin), in input order."""
    for name in paths:
        raw = stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        default_id = "stdin" if name == "-" else Path(name).name
        yield from _parse_input(raw, default_id, name)


def _parse_input(raw: str, default_id: str, name: str) -> Iterator[dict[str, Any]]:
    stripped = raw.lstrip()
    if name.endswith(".jsonl"):
        for number, line in enumerate(raw.splitlines(), start=1):
            if line.strip():
                yield _article(_json(line, f"{name}:{number}"), f"{default_id}:{number}")
    elif stripped.startswith("{"):
        yield _article(_json(raw, name), default_id)
    else:
        yield {"id": default_id, "text": raw, "url": None, "title": "", "published": None}


def _json(text: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(value, dict) or not isinstance(value.get("text"), str):
        raise ConfigError(f"{where}: expected an object with a 'text' string")
    return value


def _article(obj: dict[str, Any], default_id: str) -> dict[str, Any]:
    return {
        "id": obj.get("id", default_id),
        "text": obj["text"],
        "url": obj.get("url"),
        "title": obj.get("title") or "",
        "published": obj.get("published"),
    }


def _published(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def analyze_article(article: dict[str, Any], resources: Resources) -> dict[str, Any]:
    """The analyze --json contract for one input article."""
    from pipeline.cycle import analyze
    from pipeline.models import Entry

    entry = Entry(
        url=article["url"],
        title=article["title"],
        text=article["text"],
        published=_published(article["published"]),
    )
    result = analyze(entry, resources.store, resources.rules, resources.extractor)
    incidents = result.incidents or (None,) * len(result.events)
    return {
        "id": article["id"],
        "duplicate": result.decision.contract(),
        "events": [
            {**event.contract(), "incident": incident.contract() if incident else None}
            for event, incident in zip(result.events, incidents, strict=True)
        ],
        "alerts": [m.contract() for m in result.matches],
    }


def cmd_analyze(args: argparse.Namespace, resources: Resources) -> int:
    from pipeline.cycle import load_seeds

    load_seeds(resources)
    for article in read_inputs(args.files):
        result = analyze_article(article, resources)
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            _print_analysis(result)
    return 0


def cmd_alerts_preview(args: argparse.Namespace, resources: Resources) -> int:
    from pipeline.alerts import ConsoleSink, Outgoing
    from pipeline.cycle import analyze, load_seeds
    from pipeline.models import Entry

    load_seeds(resources)
    settings = resources.settings
    console = ConsoleSink()
    for article in read_inputs(args.files):
        entry = Entry(
            url=article["url"],
            title=article["title"],
            text=article["text"],
            published=_published(article["published"]),
        )
        result = analyze(entry, resources.store, resources.rules, resources.extractor)
        for match in result.matches:
            if match.suppressed:
                print(
                    f"# {article['id']}: {match.rule_id} suppressed: {match.suppressed}",
                    file=sys.stderr,
                )
        for row in result.plan.rows:
            channel = row.channel or settings.slack_channel
            if args.json:
                extra = {"thread_of": row.thread_of} if row.thread_of else {}
                print(json.dumps({"channel": channel, **row.payload, **extra}, ensure_ascii=False))
            else:
                thread = f"thread of {row.thread_of}" if row.thread_of else None
                console.send(Outgoing(row.key, channel, row.payload, thread))
    return 0


def _print_analysis(result: dict[str, Any]) -> None:
    dup = result["duplicate"]
    of = f" of {dup['of']}" if dup["of"] else ""
    print(f"== {result['id']}: {dup['status']}{of} (score {dup['score']}, {dup['method']})")
    for event in result["events"]:
        place = event["location"]["name"] if event["location"] else "-"
        print(
            f"  event {event['category']} actor={event['actor']} target={event['target']} "
            f"place={place} realis={event['realis']} claim={event['claim_status']}"
        )
        print(f"        {event['evidence'][:160]}")
    for alert in result["alerts"]:
        note = f" (suppressed: {alert['suppressed']})" if alert["suppressed"] else ""
        print(f"  ALERT {alert['rule']}{note}")
