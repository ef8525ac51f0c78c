"""Feed entry -> Slack alert latency, end to end under a real Airflow stack on this machine.

Starts api-server, scheduler, dag-processor and triggerer (LocalExecutor) with the shipped
settings (SCHEDULE_MINUTES and FEED_WATCH_SECONDS left at their defaults, 5 min and 15 s),
a local feed server and the local Slack server from tests/support, unpauses news_monitor
and news_alerts and waits until the first runs are done and the feed watcher has its
baseline. Then, N times: append one new item to the served feed, note the time, and wait
for a Slack message that names the item's district. Each entry waits for the previous
alert and for both DAGs to be idle, then for a random 0-10 s pause, so the entries land at
random points of the watcher's poll cycle and are measured independently.

    .venv/bin/python bench/bench_latency.py --entries 10 [--seed S] [--keep]

Prints each latency with where the time went and p50/p95/max; writes everything as JSON to
bench/results/latency-<date>.json. Needs Postgres (--admin-url, trust auth by default).

Where the time goes, and the knobs (shipped values in brackets):

* Detection. The feed watcher (news_airflow/triggers.py, an async `BaseEventTrigger` in the
  triggerer behind an `AssetWatcher`) does a conditional GET per feed every
  FEED_WATCH_SECONDS [15]: 0 to 15 s, 7.5 s on average. Lower means faster alerts and more
  requests to publishers (most answer 304). Only byte changes count, so a feed that
  rewrites a timestamp on every request starts a run per poll (runs are serialised by
  max_active_runs=1, and events that arrive meanwhile are coalesced into one run).
* Asset chaining. The watcher's event starts an asset-triggered news_monitor run in about
  1 s; news_monitor emits `news_new_alerts` when it queued alerts, which starts
  news_alerts. The news_monitor run itself (five tasks, one feed) took 5-8 s here.
* Fallback timer. news_monitor also runs every SCHEDULE_MINUTES [5]
  (DeltaTriggerTimetable in an AssetOrTimeSchedule) and news_alerts every 5 minutes, so a
  change the watcher misses (triggerer down or restarted: its baseline is in memory) is
  still picked up within one interval plus a run.
* Start-up. After unpausing, the watcher starts with the next parse of the DAG file
  (min_file_process_interval, Airflow's default 30 s) and its first poll only records the
  baseline: about 50 s here.

Measured on 2026-11-22 (2 CPUs, LocalExecutor, shipped settings, 10 entries): p50 12.0 s,
p95 21.3 s, max 21.3 s (min 7.1 s); every run was asset-triggered. Without the watcher,
the 5-minute timer alone would add 0-300 s of waiting (expected, not measured).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from email.utils import formatdate
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from pipeline.settings import load_settings  # noqa: E402
from tests.conftest import write_rss  # noqa: E402
from tests.e2e.airflow_stack import TERMINAL_RUN_STATES, AirflowStack, StackError  # noqa: E402
from tests.support.feed_server import FeedServer  # noqa: E402
from tests.support.slack_server import SlackServer  # noqa: E402

RESULTS = ROOT / "bench" / "results"
GAZETTEER = ROOT / "data" / "gazetteer" / "afghanistan_districts.csv"
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SLACK_TOKEN = "xoxb-bench-token"
SLACK_CHANNEL = "C0ALERTS"
DAG_IDS = ("news_monitor", "news_alerts")
FEED_PATH = "/wire.xml"
WATCHER_AGENT = "feed-watch"  # news_airflow/triggers.py: WATCH_USER_AGENT_SUFFIX
BACKGROUND_ITEM = {
    "title": "Kabul opens a new public park",
    "link": "https://wire.example.org/bench/kabul-park",
    "guid": "bench-kabul-park",
    "pubDate": formatdate(time.time() - 3600, usegmt=True),
    "description": "Kabul municipality opened a new public park in the west of the city.",
}


def progress(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- districts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    name: str
    province: str


def pick_districts(count: int, rng: random.Random) -> list[District]:
    """Real districts, each from another province (so no two items are near-duplicates).

    Provincial centres are left out (the city, not the district, would be named) and so are
    "X Wa Y" names, which the extractor reads as two places.
    """
    by_province: dict[str, list[District]] = {}
    with GAZETTEER.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = row["district_name"].strip()
            if row["is_provincial_centre"] != "no" or " wa " in f" {name.lower()} ":
                continue
            province = row["province_name_common"].strip()
            by_province.setdefault(province, []).append(District(name, province))
    provinces = sorted(by_province)
    if count > len(provinces):
        raise SystemExit(f"--entries {count}: at most {len(provinces)} (one per province)")
    return [rng.choice(by_province[p]) for p in rng.sample(provinces, count)]


# -- the application side -------------------------------------------------------------------------


class Databases:
    """The application database (migrated) and an empty Airflow metadata database."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        suffix = uuid.uuid4().hex[:8]
        self.names = {"app": f"bench_latency_app_{suffix}", "meta": f"bench_latency_af_{suffix}"}

    def url(self, key: str) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{self.names[key]}"

    def _execute(self, statement: str) -> None:
        import psycopg

        dsn = self.admin_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)

    def create(self) -> None:
        from pipeline.store import Store

        for name in self.names.values():
            self._execute(f'CREATE DATABASE "{name}"')
        Store.from_url(self.url("app")).engine.dispose()

    def drop(self) -> None:
        for name in self.names.values():
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Feed:
    """The served feed: a background item plus one item per measured entry, newest first."""

    server: FeedServer
    items: list[dict[str, str]] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.server.root / FEED_PATH.lstrip("/")

    def write(self) -> None:
        staged = self.path.with_suffix(".tmp")
        write_rss(staged, [*self.items, BACKGROUND_ITEM], title="Bench wire")
        staged.replace(self.path)  # appears atomically

    def append(self, district: District) -> float:
        """Add the district's item; returns the wall-clock time it became visible."""
        key = uuid.uuid4().hex[:8]
        self.items.insert(
            0,
            {
                "title": f"Taliban take {district.name} district in {district.province}",
                "link": f"https://wire.example.org/bench/{key}",
                "guid": f"bench-{key}",
                "pubDate": formatdate(time.time() - 60, usegmt=True),
                "description": f"The Taliban captured the {district.name} district centre in "
                f"{district.province} province on Saturday.",
            },
        )
        self.write()
        return time.time()


# -- the stack ------------------------------------------------------------------------------------


def start_stack(root: Path, dbs: Databases, feeds_file: Path, slack: SlackServer) -> AirflowStack:
    # Shipped settings: SCHEDULE_MINUTES, FEED_WATCH_SECONDS and NEWS_TASK_RETRIES are not
    # set (AirflowStack drops them from the inherited environment), so defaults apply.
    stack = AirflowStack(
        root=root,
        metadata_url=dbs.url("meta"),
        app_env={
            "DATABASE_URL": dbs.url("app"),
            "FEEDS_FILE": str(feeds_file),
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_BASE_URL": slack.base_url,
            "SLACK_CHANNEL": SLACK_CHANNEL,
        },
    )
    stack.watched_dags.extend(DAG_IDS)
    stack.airflow("db", "migrate")
    try:
        stack.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(stack.port))
        for name in ("scheduler", "dag-processor", "triggerer"):
            stack.start(name, name)
        stack.wait_healthy(180, ("metadatabase", "scheduler", "dag_processor", "triggerer"))
        for dag_id in DAG_IDS:
            stack.wait_for_dag(dag_id, 180)
    except BaseException:
        stack.stop()
        raise
    return stack


def wait_idle(stack: AirflowStack, timeout: float = 600) -> None:
    """Wait until neither DAG has a queued or running run."""

    def idle() -> bool:
        return all(r["state"] in TERMINAL_RUN_STATES for d in DAG_IDS for r in stack.dag_runs(d))

    stack.wait_until("both DAGs to be idle", idle, timeout, interval=0.5)


def wait_for_baseline(stack: AirflowStack, feeds: FeedServer, timeout: float = 240) -> None:
    """A conditional GET from the watcher shows that it has recorded the feed's baseline."""

    def watched() -> bool:
        headers = feeds.last_headers.get(FEED_PATH)
        return bool(
            headers is not None
            and WATCHER_AGENT in (headers.get("User-Agent") or "")
            and headers.get("If-None-Match")
        )

    stack.wait_until("the feed watcher's baseline", watched, timeout, interval=0.5)


def watch_interval(stack: AirflowStack) -> float | None:
    """The poll interval the watcher reports in the triggerer log (None if not found)."""
    log = (stack.log_dir / "triggerer.log").read_text(encoding="utf-8", errors="replace")
    found = re.findall(r"watching the feeds of .* every ([0-9.]+)s", log)
    return float(found[-1]) if found else None


def stamp(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


# -- one measurement ------------------------------------------------------------------------------


@dataclass
class Measurement:
    district: str
    province: str
    published_at: float
    pause_before: float
    delivered_at: float | None = None
    latency: float | None = None
    monitor_run_id: str | None = None
    monitor_run_type: str | None = None
    triggered_by: str | None = None
    detected_after: float | None = None  # watcher event (asset-triggered runs only)
    monitor_started_after: float | None = None
    monitor_ended_after: float | None = None
    alerts_started_after: float | None = None
    alerts_run_type: str | None = None
    error: str | None = None


def explain(stack: AirflowStack, m: Measurement) -> None:
    """Which runs carried the entry, and when (seconds after it appeared)."""
    t0 = m.published_at
    delivered = m.delivered_at or time.time()
    monitor = [
        r
        for r in stack.dag_runs("news_monitor")
        if (stamp(r["end_date"]) or delivered) >= t0 and (stamp(r["start_date"]) or 0) <= delivered
    ]
    if monitor:
        run = min(monitor, key=lambda r: stamp(r["start_date"]) or 0)
        m.monitor_run_id, m.monitor_run_type = run["dag_run_id"], run["run_type"]
        m.triggered_by = run.get("triggered_by")
        m.monitor_started_after = _after(run["start_date"], t0)
        m.monitor_ended_after = _after(run["end_date"], t0)
        if run["run_type"] == "asset_triggered":
            with stack.client() as api:
                response = api.get(
                    f"/dags/news_monitor/dagRuns/{run['dag_run_id']}/upstreamAssetEvents"
                )
            detected = [
                e["extra"]["payload"]["detected_at"]
                for e in response.json().get("asset_events", [])
                if isinstance((e.get("extra") or {}).get("payload"), dict)
                and e["extra"]["payload"].get("detected_at", 0) >= t0
            ]
            m.detected_after = round(min(detected) - t0, 2) if detected else None
    alerts = [
        r
        for r in stack.dag_runs("news_alerts")
        if (stamp(r["start_date"]) or 0) >= t0 and (stamp(r["start_date"]) or 0) <= delivered
    ]
    if alerts:
        run = max(alerts, key=lambda r: stamp(r["start_date"]) or 0)
        m.alerts_started_after = _after(run["start_date"], t0)
        m.alerts_run_type = run["run_type"]


def _after(value: str | None, t0: float) -> float | None:
    moment = stamp(value)
    return round(moment - t0, 2) if moment is not None else None


def measure(
    stack: AirflowStack,
    feed: Feed,
    slack: SlackServer,
    district: District,
    pause: float,
    timeout: float,
) -> Measurement:
    published_at = feed.append(district)
    m = Measurement(district.name, district.province, published_at, round(pause, 2))
    needle = district.name.lower()

    def alert() -> dict | None:
        for message in slack.messages_in(SLACK_CHANNEL):
            if needle in message["text"].lower() and float(message["ts"]) >= published_at:
                return message
        return None

    try:
        message = stack.wait_until(f"the alert for {district.name}", alert, timeout, 0.1)
    except StackError as exc:
        m.error = str(exc).splitlines()[0]
    else:
        m.delivered_at = float(message["ts"])
        m.latency = round(m.delivered_at - published_at, 2)
    try:
        wait_idle(stack)
        explain(stack, m)
    except Exception as exc:  # the diagnostics must not lose the measurement
        m.error = m.error or f"diagnostics: {exc!r}"[:300]
    return m


# -- report ---------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarise(measurements: list[Measurement]) -> dict[str, Any]:
    latencies = [m.latency for m in measurements if m.latency is not None]
    summary: dict[str, Any] = {
        "entries": len(measurements),
        "delivered": len(latencies),
        "missed": len(measurements) - len(latencies),
    }
    if latencies:
        summary.update(
            p50=round(percentile(latencies, 50), 2),
            p95=round(percentile(latencies, 95), 2),
            max=round(max(latencies), 2),
            min=round(min(latencies), 2),
            mean=round(statistics.fmean(latencies), 2),
        )
    return summary


def line(index: int, m: Measurement) -> str:
    if m.latency is None:
        return f"{index:>2}  {m.district:<22} {m.province:<12} MISSED: {m.error}"

    def part(label: str, value: float | None) -> str:
        return f"{label} {value:5.1f}s" if value is not None else f"{label}    - "

    return (
        f"{index:>2}  {m.district:<22} {m.province:<12} {m.latency:6.1f}s  "
        f"({part('detect', m.detected_after)}, {part('monitor start', m.monitor_started_after)}, "
        f"{part('end', m.monitor_ended_after)}, {part('alerts start', m.alerts_started_after)}; "
        f"{m.monitor_run_type})"
    )


# -- main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10, help="measurements (default 10)")
    parser.add_argument("--seed", type=int, default=None, help="districts and pauses (random)")
    parser.add_argument("--max-pause", type=float, default=10.0, help="seconds (default 10)")
    parser.add_argument(
        "--timeout", type=float, default=420.0, help="per entry, seconds (default 420)"
    )
    parser.add_argument(
        "--admin-url", default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_ADMIN_URL
    )
    parser.add_argument("--output", type=Path, default=None, help="JSON file to write")
    parser.add_argument("--keep", action="store_true", help="keep the databases and the logs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    rng = random.Random(seed)
    districts = pick_districts(args.entries, rng)
    settings = load_settings({})  # the shipped defaults (what the stack runs with)

    root = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    feed_root = root / "feeds"
    feed_root.mkdir()
    dbs = Databases(args.admin_url)
    dbs.create()
    started = time.time()
    measurements: list[Measurement] = []
    stack: AirflowStack | None = None
    timings: dict[str, float] = {}
    try:
        with FeedServer(feed_root) as feeds, SlackServer(tokens=(SLACK_TOKEN,)) as slack:
            feed = Feed(feeds)
            feed.write()
            feeds_file = root / "feeds.yaml"
            feeds_file.write_text(
                f"feeds:\n  - url: {feeds.url(FEED_PATH)}\n    name: Bench wire\n"
            )
            progress(f"starting Airflow in {root} (seed {seed})")
            stack = start_stack(root, dbs, feeds_file, slack)
            timings["stack_up"] = round(time.time() - started, 1)
            progress(f"stack up on {stack.base_url} after {timings['stack_up']}s; unpausing")
            for dag_id in DAG_IDS:
                stack.unpause(dag_id)
            unpaused = time.time()
            wait_for_baseline(stack, feeds)
            timings["baseline_after_unpause"] = round(time.time() - unpaused, 1)
            timings["watch_interval"] = watch_interval(stack)
            wait_idle(stack)
            timings["settled_after_unpause"] = round(time.time() - unpaused, 1)
            progress(
                f"watcher baseline {timings['baseline_after_unpause']}s and first runs done "
                f"{timings['settled_after_unpause']}s after unpausing; {len(slack.messages)} "
                "messages so far"
            )
            for index, district in enumerate(districts, start=1):
                pause = rng.uniform(0, args.max_pause)
                time.sleep(pause)
                m = measure(stack, feed, slack, district, pause, args.timeout)
                measurements.append(m)
                progress(line(index, m))
            stack.check_alive()
    finally:
        if stack is not None:
            stack.stop()
        if not args.keep:
            dbs.drop()
    summary = summarise(measurements)
    print("\n #  district               province     latency  (seconds after the entry appeared)")
    for index, m in enumerate(measurements, start=1):
        print(line(index, m))
    if summary["delivered"]:
        print(
            f"\nfeed entry -> Slack over {summary['delivered']} entries: p50 {summary['p50']:.1f}s, "
            f"p95 {summary['p95']:.1f}s, max {summary['max']:.1f}s (min {summary['min']:.1f}s, "
            f"mean {summary['mean']:.1f}s); missed {summary['missed']}"
        )
    output = args.output or RESULTS / f"latency-{date.today().isoformat()}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "feed entry -> Slack alert, end to end under Airflow",
        "started_at": datetime.fromtimestamp(started).isoformat(timespec="seconds"),
        "seed": seed,
        "settings": {
            "schedule_minutes": settings.schedule_minutes,
            "feed_watch_seconds": timings.get("watch_interval"),
            "news_alerts_timer": "*/5 * * * *",
            "executor": "LocalExecutor",
            "components": ["api-server", "scheduler", "dag-processor", "triggerer"],
            "max_pause_seconds": args.max_pause,
        },
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "airflow": _airflow_version(),
        },
        "timings": timings,
        "summary": summary,
        "measurements": [asdict(m) for m in measurements],
        "logs": str(root / "logs") if args.keep else None,
    }
    output.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {output}")
    return 0 if summary["missed"] == 0 and summary["delivered"] else 1


def _airflow_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("apache-airflow")
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    sys.exit(main())
