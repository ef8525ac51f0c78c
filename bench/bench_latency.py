"""Feed entry -> Slack alert latency, end to end under a real Airflow stack on this machine.

Starts api-server, scheduler, dag-processor and triggerer (LocalExecutor, the stack's
parallelism of 4 task slots) with the shipped settings (SCHEDULE_MINUTES and
FEED_WATCH_SECONDS left at their defaults, 5 min and 15 s), a local feed server and the
local Slack server from tests/support, unpauses news_monitor and news_alerts and waits
until the first runs are done and the feed watcher has its baseline. Then it runs the
scenarios on that stack, one after the other, N entries each. An entry appends one new
item to the served wire feed, notes the time, and waits for a Slack message that names the
item's district (every entry has a district name and a province of its own). Each entry
waits for the previous alert and for both DAGs to be idle, then for a random 0-10 s pause,
so the entries land at random points of the watcher's poll cycle.

* quiet: the feeds file holds only the wire feed.
* faults: the wire feed (first in the file, so in shard 0) plus six broken feeds, each on
  a loopback address of its own, as another publisher's host would be (the fetch tasks
  send one request at a time per host): one answers 404, one 500, one refuses the
  connection, one serves malformed XML (200, no usable entries), one accepts the request
  and never answers, and one trickles a valid feed at 8 bytes/s, so that it runs into
  HTTP_TOTAL_TIMEOUT [30 s] in the tasks and the watcher's 30 s cap. With 7 feeds in 4
  shards, the trickling feed shares shard 0 with the wire feed. Before each entry's pause
  the benchmark triggers a news_monitor run and waits until that run has fetched the wire
  feed; the run then stays busy for about 30 s more (trickling and hanging feeds), so a
  run is active when the entry lands yet cannot carry it. Whether a run was active is
  checked afterwards from the runs' start and end times, and reported per entry.
  FEED_DISABLE_AFTER_FAILURES is raised to 1000 so that no broken feed gets disabled
  partway through (with the shipped 20, they would be after about 10 entries).

    .venv/bin/python bench/bench_latency.py [--scenario quiet|faults|both] [--entries 10]
        [--seed S] [--keep]

Prints each latency with where the time went, then p50/p95/max/missed of each scenario in
one table, and writes everything as JSON to bench/results/latency-<date>.json; for faults
the JSON also has every news_monitor run with its task instances and the watcher's polls
of the broken feeds. From stack start to stack stop the benchmark holds an exclusive flock
on /tmp/airflow-bench.lock (and waits for it), so two Airflow benchmarks never share this
machine's CPUs. Needs Postgres (--admin-url, trust auth by default). 10 + 10 entries take
about 19 minutes; `make bench-latency` runs 7 + 7 (about 14).

Where the time goes, and the knobs (shipped values in brackets). Per entry the benchmark
prints, in seconds after the entry appeared: the watcher's first request for the feed
("watcher GET"), its event ("detect"; "held" is the difference), the start of the
news_monitor run that carried the entry, that run's fetch of the wire feed, the run's end,
and the run's prepare, plan_shards and process_shard[0] windows.

* Detection. The feed watcher (news_airflow/triggers.py, an async `BaseEventTrigger` in the
  triggerer behind an `AssetWatcher`) does a conditional GET per feed every
  FEED_WATCH_SECONDS [15]: 0 to 15 s, 7.5 s on average. Lower means faster alerts and more
  requests to publishers (most answer 304). Only byte changes count, so a feed that
  rewrites a timestamp on every request starts a run per poll (max_active_runs=2: two
  runs at a time).
* Broken feeds and the watcher. Each feed's check runs on its own (at most 8 at once) and
  the event comes as soon as one check sees new bytes, so a feed that never answers (cut
  off by the watcher's 10 s read timeout) or trickles (its 30 s cap) holds back no other
  feed's event: "held" stayed at 0.0 s for every faults entry, including entries whose
  tick also asked the hanging or the trickling feed. A failing feed is asked again after
  30, 60, 120, 240 and 480 s, then every 900 s. Before this (the watcher until 12:41 UTC
  on 2026-11-29), the event came only at the end of a round over all feeds, so the round's
  slowest feed held it: 30 s (trickling feed) for 2 of 10 faults entries and 10 s
  (hanging feed) for 1, and a timer run carried a fourth entry that was held too. That run
  measured a faults p95 of 43.4 s (bench/results/latency-2026-11-29-before-watcher-fix.json).
* The run. The watcher's event starts an asset-triggered news_monitor run within 0.3-1.9 s,
  even while another run is busy (max_active_runs=2). prepare and plan_shards take about
  3 s, and process_shard[0] fetches the wire feed about 0.7 s after it starts. The alert
  is posted as soon as the wire feed's article is stored, not when the shard ends: that
  is 2.5-4.7 s after the fetch when quiet, 3.4-8.5 s with faults (the active run shares
  the two CPUs: parsing, the extraction model, Slack). With faults, process_shard[0] keeps
  running about 30 s longer, waiting for the trickling feed. When news_monitor queued
  alerts it emits `news_new_alerts`, which starts news_alerts for anything not yet posted.
  Task slots: the stack's LocalExecutor has 4. With faults, the previous run's two slow
  shards (trickling, hanging) still hold two of them, and this run's prepare and
  plan_shards workers hold the other two for a few seconds after their tasks end, while
  the workers exit. So in 3 of 10 faults entries, shard 0 started about 4 s after
  plan_shards (run start to fetch: 3.5-9.1 s, against 2.9-4.0 s when quiet).
* Fallback timer. news_monitor also runs every SCHEDULE_MINUTES [5]
  (DeltaTriggerTimetable in an AssetOrTimeSchedule) and news_alerts every 5 minutes, so a
  change the watcher misses (triggerer down or restarted: its baseline is in memory) is
  still picked up within one interval plus a run. Sometimes a timer run carries an entry
  before the watcher's event does.
* Start-up. After unpausing, the watcher starts with the next parse of the DAG file
  (min_file_process_interval, Airflow's default 30 s) and its first poll only records the
  baseline: about 50 s here.

Measured on 2026-11-29 (2 CPUs, LocalExecutor, shipped settings, 10 entries per scenario,
holding the benchmark lock; bench/results/latency-2026-11-29.json):

    scenario  p50     p95     max     min    missed  run active at landing
    quiet     15.7 s  19.9 s  21.4 s   8.0 s  0       0/10
    faults    17.9 s  25.9 s  26.7 s  14.2 s  0       10/10

Every entry was carried by an asset-triggered run. The goal for faults (p95 <= 30 s) was
met. With the earlier watcher, the same day gave quiet p50 14.2 s, p95 20.5 s, max 20.9 s,
and faults p50 21.7 s, p95 43.4 s, max 45.3 s (no misses). On 2026-11-22 (one run at a
time then), quiet measured p50 12.0 s, p95 21.3 s. Without the watcher, the
5-minute timer alone would add 0-300 s of waiting (expected, not measured).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import fcntl
import json
import os
import platform
import random
import re
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
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
from tests.support.feed_server import FeedServer, HeaderDict  # noqa: E402
from tests.support.slack_server import SlackServer  # noqa: E402

RESULTS = ROOT / "bench" / "results"
GAZETTEER = ROOT / "data" / "gazetteer" / "afghanistan_districts.csv"
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# Other Airflow benchmarks on this machine take the same lock: two stacks on two CPUs
# would measure each other.
LOCK_PATH = Path("/tmp/airflow-bench.lock")
SLACK_TOKEN = "xoxb-bench-token"
SLACK_CHANNEL = "C0ALERTS"
DAG_IDS = ("news_monitor", "news_alerts")
SCENARIOS = ("quiet", "faults")
FEED_PATH = "/wire.xml"
WIRE_SHARD = 0  # the wire feed is the first configured feed, so it is always in shard 0
WATCHER_AGENT = "feed-watch"  # news_airflow/triggers.py: WATCH_USER_AGENT_SUFFIX
# The faults scenario keeps its broken feeds failing for every entry: with the shipped
# FEED_DISABLE_AFTER_FAILURES (20) they would be disabled after 20 runs, mid-benchmark.
FAULTS_DISABLE_AFTER = 1000
TRICKLE_RATE = 8.0  # bytes per second: the trickling feed never finishes within 30 s
BACKGROUND_ITEM = {
    "title": "Kabul opens a new public park",
    "link": "https://wire.example.org/bench/kabul-park",
    "guid": "bench-kabul-park",
    "pubDate": formatdate(time.time() - 3600, usegmt=True),
    "description": "Kabul municipality opened a new public park in the west of the city.",
}


def progress(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def bench_lock(path: Path = LOCK_PATH) -> Iterator[float]:
    """Hold an exclusive flock on `path` (waiting for it); yields the seconds waited."""
    started = time.monotonic()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress(f"another Airflow benchmark holds {path}; waiting for it")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield round(time.monotonic() - started, 1)
    finally:
        os.close(fd)  # releases the lock


# -- districts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    name: str
    province: str


def pick_districts(count: int, rng: random.Random) -> list[District]:
    """Real districts, each from another province and with another name (so no two items
    are near-duplicates: "Qara Bagh" is a district of Kabul and one of Ghazni).

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
    chosen: list[District] = []
    names: set[str] = set()
    for province in rng.sample(provinces, len(provinces)):
        options = [d for d in by_province[province] if d.name.lower() not in names]
        if options and len(chosen) < count:
            chosen.append(rng.choice(options))
            names.add(chosen[-1].name.lower())
    if len(chosen) < count:
        raise SystemExit(
            f"{count} entries in all: at most {len(chosen)} (one per province); lower --entries"
        )
    return chosen


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


class LoggedFeedServer(FeedServer):
    """A FeedServer that also notes when each request arrived and whether the feed watcher
    (its User-Agent) or a fetch task sent it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.log: list[tuple[float, str, bool]] = []  # (time, path, from the watcher)

    def record_request(self, path: str, headers: Any) -> Any:
        items = list(headers)
        agent = HeaderDict(items).get("User-Agent") or ""
        with self._lock:
            self.log.append((time.time(), path, WATCHER_AGENT in agent))
        return super().record_request(path, items)

    def first_request(self, path: str, after: float, *, watcher: bool) -> float | None:
        with self._lock:
            return next(
                (t for t, p, w in self.log if p == path and w == watcher and t >= after), None
            )

    def last_request(self, path: str, *, watcher: bool) -> float | None:
        with self._lock:
            return max((t for t, p, w in self.log if p == path and w == watcher), default=None)


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


# -- the broken feeds of the faults scenario ------------------------------------------------------


@dataclass(frozen=True)
class FaultSpec:
    kind: str
    host: str  # a loopback address of its own: another publisher, another host
    what: str


# In the feeds file after the wire feed, in this order: with 7 feeds in 4 shards the wire
# feed (shard 0) shares its shard with the trickling feed, the worst place for it.
FAULT_SPECS = (
    FaultSpec("404", "127.0.0.2", "answers 404 Not Found"),
    FaultSpec("500", "127.0.0.3", "answers 500 Internal Server Error"),
    FaultSpec("refused", "127.0.0.4", "nothing listens: connection refused"),
    FaultSpec("trickle", "127.0.0.5", f"valid RSS at {TRICKLE_RATE:g} bytes/s"),
    FaultSpec("malformed", "127.0.0.6", "200 with malformed XML (no usable entries)"),
    FaultSpec("hang", "127.0.0.7", "accepts the request and never answers"),
)
MALFORMED_BODY = (
    b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Broken wire</title>'
    b"<item><title>Roads & bridges</titl><link>https://broken.example.org/1</link>"
    b"</channel>\n"
)


@dataclass
class FaultFeed:
    spec: FaultSpec
    url: str
    server: LoggedFeedServer | None

    @property
    def path(self) -> str:
        return f"/{self.spec.kind}.xml"


class FaultFeeds(contextlib.ExitStack):
    """One loopback server per broken feed (the refused one has none)."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.feeds: list[FaultFeed] = []

    def __enter__(self) -> FaultFeeds:
        super().__enter__()
        for spec in FAULT_SPECS:
            path = f"/{spec.kind}.xml"
            if spec.kind == "refused":
                self.feeds.append(
                    FaultFeed(spec, f"http://{spec.host}:{_closed_port(spec.host)}{path}", None)
                )
                continue
            folder = self.root / spec.kind
            folder.mkdir(parents=True, exist_ok=True)
            server = self.enter_context(LoggedFeedServer(folder, host=spec.host))
            plain = {"Content-Type": "text/plain; charset=utf-8"}
            if spec.kind == "404":
                server.route(path, status=404, body=b"not found\n", headers=plain)
            elif spec.kind == "500":
                server.route(path, status=500, body=b"internal error\n", headers=plain)
            elif spec.kind == "malformed":
                server.route(
                    path, body=MALFORMED_BODY, headers={"Content-Type": "application/rss+xml"}
                )
            elif spec.kind == "hang":
                server.route(path, body=b"", delay=3600)  # until the server stops
            elif spec.kind == "trickle":
                server.route(path, body=_trickle_body(folder), trickle=TRICKLE_RATE)
            self.feeds.append(FaultFeed(spec, server.url(path), server))
        return self


def _closed_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _trickle_body(folder: Path) -> bytes:
    """A valid, harmless feed that takes far longer than any deadline to trickle out."""
    path = folder / "trickle-source.xml"
    items = [
        {
            "title": f"Herat weather report {n}",
            "link": f"https://slow.example.org/weather/{n}",
            "guid": f"slow-weather-{n}",
            "pubDate": formatdate(time.time() - 7200, usegmt=True),
            "description": "Mild and sunny in Herat, with light winds in the afternoon.",
        }
        for n in range(3)
    ]
    write_rss(path, items, title="Slow wire")
    body = path.read_bytes()
    assert len(body) / TRICKLE_RATE > 90, "the trickle must outlast every deadline"
    return body


def write_feeds_file(path: Path, wire_url: str, faults: list[FaultFeed] | None) -> None:
    lines = ["feeds:", f"  - url: {wire_url}", "    name: Bench wire"]
    for fault in faults or []:
        lines += [f"  - url: {fault.url}", f"    name: Broken {fault.spec.kind}"]
    staged = path.with_suffix(".tmp")
    staged.write_text("\n".join(lines) + "\n", encoding="utf-8")
    staged.replace(path)


# -- the stack ------------------------------------------------------------------------------------


def start_stack(
    root: Path, dbs: Databases, feeds_file: Path, slack: SlackServer, extra: dict[str, str]
) -> AirflowStack:
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
            **extra,
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


def watch_events(stack: AirflowStack) -> list[float]:
    """When the watcher reported a change of the wire feed ("feeds changed" in the
    triggerer log; the same moment as the event's `detected_at`)."""
    log = (stack.log_dir / "triggerer.log").read_text(encoding="utf-8", errors="replace")
    return [
        datetime.fromisoformat(found).timestamp()
        for found in re.findall(r"^(\S+Z) .*feeds changed: .*" + re.escape(FEED_PATH), log, re.M)
    ]


def stamp(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


def start_active_run(stack: AirflowStack, wire: LoggedFeedServer, timeout: float = 300) -> str:
    """Trigger a news_monitor run and wait until it has fetched the wire feed: it is then
    busy (its shards wait for the trickling and the hanging feed) but cannot carry the
    entry that comes next."""
    started = time.time()
    run_id = stack.trigger("news_monitor")

    def fetched() -> bool:
        moment = wire.first_request(FEED_PATH, started, watcher=False)
        if moment is None:
            return False
        shard = _task(stack.task_instances("news_monitor", run_id), "process_shard", WIRE_SHARD)
        return bool(shard and (stamp(shard.get("start_date")) or moment + 1) <= moment)

    stack.wait_until(f"run {run_id} to fetch the wire feed", fetched, timeout, interval=0.3)
    return run_id


def _task(tis: list[dict], task_id: str, map_index: int = -1) -> dict | None:
    return next(
        (t for t in tis if t["task_id"] == task_id and t.get("map_index", -1) == map_index), None
    )


# -- one measurement ------------------------------------------------------------------------------


@dataclass
class Measurement:
    scenario: str
    district: str
    province: str
    published_at: float
    pause_before: float
    delivered_at: float | None = None
    latency: float | None = None
    # A news_monitor run the benchmark started before the entry (faults): it had fetched
    # the wire feed already and was still busy with the broken feeds.
    active_run_id: str | None = None
    active_run_fetched_after: float | None = None
    run_active_at_landing: bool | None = None  # any news_monitor run running at that moment
    runs_active_at_landing: list[str] = field(default_factory=list)
    monitor_run_id: str | None = None
    monitor_run_type: str | None = None
    triggered_by: str | None = None
    watcher_saw_after: float | None = None  # the watcher's first request after the entry
    detected_after: float | None = None  # the watcher's event
    detected_from: str | None = None  # "asset event" of the carrier run, else "triggerer log"
    watch_held: float | None = None  # event minus request: the poll cycle's slowest feed
    monitor_started_after: float | None = None
    wire_fetched_after: float | None = None  # the first fetch task request after the entry
    monitor_ended_after: float | None = None
    alerts_started_after: float | None = None
    alerts_run_type: str | None = None
    carrier_tasks: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def explain(stack: AirflowStack, m: Measurement, wire: LoggedFeedServer) -> None:
    """Which runs carried the entry, and when (seconds after it appeared)."""
    t0 = m.published_at
    delivered = m.delivered_at or time.time()
    runs = stack.dag_runs("news_monitor")
    active = [r["dag_run_id"] for r in runs if _running_at(r, t0)]
    m.run_active_at_landing = bool(active)
    m.runs_active_at_landing = active
    fetched = wire.first_request(FEED_PATH, t0, watcher=False)
    m.wire_fetched_after = round(fetched - t0, 2) if fetched else None
    saw = wire.first_request(FEED_PATH, t0, watcher=True)
    m.watcher_saw_after = round(saw - t0, 2) if saw else None
    monitor = [
        r
        for r in runs
        if r["dag_run_id"] != m.active_run_id  # it fetched the feed before the entry
        and (stamp(r["end_date"]) or delivered) >= t0
        and (stamp(r["start_date"]) or delivered + 1) <= delivered
    ]
    run, tis = _carrier(stack, monitor, fetched)
    if run is not None:
        m.monitor_run_id, m.monitor_run_type = run["dag_run_id"], run["run_type"]
        m.triggered_by = run.get("triggered_by")
        m.monitor_started_after = _after(run["start_date"], t0)
        m.monitor_ended_after = _after(run["end_date"], t0)
        m.carrier_tasks = [_task_times(ti, t0) for ti in tis]
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
            if detected:
                m.detected_after, m.detected_from = round(min(detected) - t0, 2), "asset event"
    if m.detected_after is None and saw is not None:
        # Another run (the timer's) carried the entry; the watcher reported it anyway.
        logged = [moment for moment in watch_events(stack) if moment >= saw - 0.5]
        if logged:
            m.detected_after, m.detected_from = round(min(logged) - t0, 2), "triggerer log"
    if m.detected_after is not None and m.watcher_saw_after is not None:
        m.watch_held = round(m.detected_after - m.watcher_saw_after, 2)
    alerts = [
        r
        for r in stack.dag_runs("news_alerts")
        if (stamp(r["start_date"]) or 0) >= t0 and (stamp(r["start_date"]) or 0) <= delivered
    ]
    if alerts:
        run = max(alerts, key=lambda r: stamp(r["start_date"]) or 0)
        m.alerts_started_after = _after(run["start_date"], t0)
        m.alerts_run_type = run["run_type"]


def _running_at(run: dict, moment: float) -> bool:
    started = stamp(run.get("start_date"))
    ended = stamp(run.get("end_date"))
    return started is not None and started <= moment and (ended is None or ended > moment)


def _carrier(
    stack: AirflowStack, runs: list[dict], fetched: float | None
) -> tuple[dict | None, list[dict]]:
    """The run whose wire shard was running when the feed was fetched after the entry
    (else the earliest candidate), with its task instances."""
    ordered = sorted(runs, key=lambda r: stamp(r["start_date"]) or 0)
    first: tuple[dict | None, list[dict]] = (None, [])
    for run in ordered:
        tis = stack.task_instances("news_monitor", run["dag_run_id"])
        if first[0] is None:
            first = (run, tis)
        shard = _task(tis, "process_shard", WIRE_SHARD)
        if fetched is not None and shard is not None:
            begun, ended = stamp(shard.get("start_date")), stamp(shard.get("end_date"))
            if begun is not None and begun <= fetched <= (ended or fetched):
                return run, tis
    return first


def _task_times(ti: dict, t0: float) -> dict[str, Any]:
    name = ti["task_id"] + (f"[{ti['map_index']}]" if ti.get("map_index", -1) >= 0 else "")
    return {
        "task": name,
        "state": ti.get("state"),
        "start": _after(ti.get("start_date"), t0),
        "end": _after(ti.get("end_date"), t0),
    }


def _after(value: str | None, t0: float) -> float | None:
    moment = stamp(value)
    return round(moment - t0, 2) if moment is not None else None


def measure(
    stack: AirflowStack,
    feed: Feed,
    wire: LoggedFeedServer,
    slack: SlackServer,
    district: District,
    pause: float,
    timeout: float,
    scenario: str,
    active_run: tuple[str, float] | None = None,
) -> Measurement:
    published_at = feed.append(district)
    m = Measurement(scenario, district.name, district.province, published_at, round(pause, 2))
    if active_run is not None:
        m.active_run_id = active_run[0]
        m.active_run_fetched_after = round(active_run[1] - published_at, 2)
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
        explain(stack, m, wire)
    except Exception as exc:  # the diagnostics must not lose the measurement
        m.error = m.error or f"diagnostics: {exc!r}"[:300]
    return m


# -- one scenario ---------------------------------------------------------------------------------


@dataclass
class Phase:
    scenario: str
    timings: dict[str, Any] = field(default_factory=dict)
    measurements: list[Measurement] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)  # news_monitor runs (faults)
    # faults: when the watcher asked each broken feed (seconds after the phase began)
    watcher_polls: dict[str, list[float]] = field(default_factory=dict)


def settle_faults(
    stack: AirflowStack, faults: FaultFeeds, feeds_file: Path, wire_url: str, timing: dict
) -> None:
    """Put the broken feeds into the feeds file (if they are not there yet), wait until the
    watcher polls them and one run has met them, so each entry sees the steady state."""
    began = time.time()
    write_feeds_file(feeds_file, wire_url, faults.feeds)
    polled = [f.server for f in faults.feeds if f.server is not None]
    stack.wait_until(
        "the watcher to poll the broken feeds",
        lambda: any(any(w for _, _, w in server.log) for server in polled),
        240,
        interval=0.5,
    )
    timing["watcher_polls_faults_after"] = round(time.time() - began, 1)
    wait_idle(stack)
    run_id = stack.trigger("news_monitor")
    wait_idle(stack)
    run = stack.dag_run("news_monitor", run_id)
    timing["first_faults_run"] = {
        "run_id": run_id,
        "state": run["state"],
        "seconds": round((stamp(run["end_date"]) or 0) - (stamp(run["start_date"]) or 0), 1),
    }


def run_phase(
    scenario: str,
    stack: AirflowStack,
    feed: Feed,
    wire: LoggedFeedServer,
    slack: SlackServer,
    districts: list[District],
    rng: random.Random,
    args: argparse.Namespace,
    faults: FaultFeeds | None,
    feeds_file: Path,
) -> Phase:
    phase = Phase(scenario)
    began = time.time()
    if scenario == "faults":
        assert faults is not None
        settle_faults(stack, faults, feeds_file, wire.url(FEED_PATH), phase.timings)
        progress(f"faults in place: {phase.timings}")
    for index, district in enumerate(districts, start=1):
        active = None
        if scenario == "faults":
            run_id = start_active_run(stack, wire)
            active = (run_id, wire.last_request(FEED_PATH, watcher=False) or 0.0)
        pause = rng.uniform(0, args.max_pause)
        time.sleep(pause)
        m = measure(stack, feed, wire, slack, district, pause, args.timeout, scenario, active)
        phase.measurements.append(m)
        progress(f"{scenario}: {line(index, m)}")
    phase.timings["phase_seconds"] = round(time.time() - began, 1)
    if scenario == "faults":
        assert faults is not None
        phase.runs = run_history(stack, began)
        for fault in faults.feeds:
            if fault.server is not None:
                phase.watcher_polls[fault.spec.kind] = [
                    round(t - began, 1) for t, _, w in list(fault.server.log) if w
                ]
    return phase


def run_history(stack: AirflowStack, since: float) -> list[dict[str, Any]]:
    """Every news_monitor run since `since`, with its task instances (for the diagnosis)."""
    history = []
    for run in sorted(stack.dag_runs("news_monitor"), key=lambda r: r.get("start_date") or ""):
        begun = stamp(run.get("start_date"))
        if begun is None or begun < since:
            continue
        tis = stack.task_instances("news_monitor", run["dag_run_id"])
        history.append(
            {
                "run_id": run["dag_run_id"],
                "run_type": run["run_type"],
                "state": run["state"],
                "queued_at": run.get("queued_at"),
                "start_date": run.get("start_date"),
                "end_date": run.get("end_date"),
                "tasks": [_task_times(ti, begun) for ti in tis],
            }
        )
    return history


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
        "run_active_at_landing": sum(bool(m.run_active_at_landing) for m in measurements),
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

    held = f" [held {m.watch_held:.1f}s]" if m.watch_held is not None else ""
    active = {True: "yes", False: "no", None: "?"}[m.run_active_at_landing]
    text = (
        f"{index:>2}  {m.district:<22} {m.province:<12} {m.latency:6.1f}s  "
        f"({part('watcher GET', m.watcher_saw_after)}, {part('detect', m.detected_after)}{held}, "
        f"{part('monitor start', m.monitor_started_after)}, "
        f"{part('fetch', m.wire_fetched_after)}, {part('end', m.monitor_ended_after)}, "
        f"{part('alerts start', m.alerts_started_after)}; {m.monitor_run_type}; "
        f"run active at landing: {active})"
    )
    tasks = [t for t in m.carrier_tasks if t["task"] in ("prepare", "plan_shards")]
    tasks += [t for t in m.carrier_tasks if t["task"] == f"process_shard[{WIRE_SHARD}]"]
    if tasks:
        text += "\n      carrier run: " + ", ".join(
            f"{t['task']} {_num(t['start'])}..{_num(t['end'])}s" for t in tasks
        )
    return text


def _num(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "-"


def summary_table(summaries: dict[str, dict[str, Any]]) -> str:
    rows = [
        f"{'scenario':<8} {'entries':>7} {'missed':>6} {'p50':>7} {'p95':>7} {'max':>7} "
        f"{'min':>7}  run active at landing"
    ]
    for name, s in summaries.items():
        cells = [f"{s[k]:6.1f}s" if k in s else f"{'-':>7}" for k in ("p50", "p95", "max", "min")]
        rows.append(
            f"{name:<8} {s['entries']:>7} {s['missed']:>6} {' '.join(cells)}  "
            f"{s['run_active_at_landing']}/{s['entries']}"
        )
    return "\n".join(rows)


# -- main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scenario",
        choices=(*SCENARIOS, "both"),
        default="both",
        help="quiet, faults or both, in that order (default both)",
    )
    parser.add_argument(
        "--entries", type=int, default=10, help="measurements per scenario (default 10)"
    )
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
    scenarios = SCENARIOS if args.scenario == "both" else (args.scenario,)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    rng = random.Random(seed)
    districts = pick_districts(args.entries * len(scenarios), rng)
    settings = load_settings({})  # the shipped defaults (what the stack runs with)
    extra_env = {}
    if "faults" in scenarios:
        extra_env["FEED_DISABLE_AFTER_FAILURES"] = str(FAULTS_DISABLE_AFTER)

    root = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    feed_root = root / "feeds"
    feed_root.mkdir()
    dbs = Databases(args.admin_url)
    dbs.create()
    started = time.time()
    phases: dict[str, Phase] = {}
    timings: dict[str, Any] = {}
    faults: FaultFeeds | None = None
    try:
        with contextlib.ExitStack() as servers:
            wire = servers.enter_context(LoggedFeedServer(feed_root))
            slack = servers.enter_context(SlackServer(tokens=(SLACK_TOKEN,)))
            if "faults" in scenarios:
                faults = servers.enter_context(FaultFeeds(root / "broken"))
            feed = Feed(wire)
            feed.write()
            feeds_file = root / "feeds.yaml"
            first_faults = faults.feeds if faults and scenarios[0] == "faults" else None
            write_feeds_file(feeds_file, wire.url(FEED_PATH), first_faults)
            with bench_lock() as waited:
                timings["lock_wait"] = waited
                started = time.time()
                progress(f"starting Airflow in {root} (seed {seed}; {', '.join(scenarios)})")
                stack = start_stack(root, dbs, feeds_file, slack, extra_env)
                try:
                    timings["stack_up"] = round(time.time() - started, 1)
                    progress(f"stack up on {stack.base_url} after {timings['stack_up']}s")
                    for dag_id in DAG_IDS:
                        stack.unpause(dag_id)
                    unpaused = time.time()
                    wait_for_baseline(stack, wire)
                    timings["baseline_after_unpause"] = round(time.time() - unpaused, 1)
                    timings["watch_interval"] = watch_interval(stack)
                    wait_idle(stack)
                    timings["settled_after_unpause"] = round(time.time() - unpaused, 1)
                    progress(
                        f"watcher baseline {timings['baseline_after_unpause']}s and first runs "
                        f"done {timings['settled_after_unpause']}s after unpausing"
                    )
                    for number, scenario in enumerate(scenarios):
                        chunk = districts[number * args.entries : (number + 1) * args.entries]
                        phases[scenario] = run_phase(
                            scenario,
                            stack,
                            feed,
                            wire,
                            slack,
                            chunk,
                            rng,
                            args,
                            faults,
                            feeds_file,
                        )
                    stack.check_alive()
                finally:
                    stack.stop()
            timings["total"] = round(time.time() - started, 1)
    finally:
        if not args.keep:
            dbs.drop()
    summaries = {name: summarise(phase.measurements) for name, phase in phases.items()}
    for name, phase in phases.items():
        print(
            f"\n{name}: #  district               province     latency  "
            "(seconds after the entry appeared)"
        )
        for index, m in enumerate(phase.measurements, start=1):
            print(line(index, m))
    print("\nfeed entry -> Slack, seconds:")
    print(summary_table(summaries))
    output = args.output or RESULTS / f"latency-{date.today().isoformat()}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "feed entry -> Slack alert, end to end under Airflow",
        "started_at": datetime.fromtimestamp(started).isoformat(timespec="seconds"),
        "seed": seed,
        "settings": {
            "schedule_minutes": settings.schedule_minutes,
            "feed_watch_seconds": timings.get("watch_interval"),
            "http_total_timeout": settings.http_total_timeout,
            "http_read_timeout": settings.http_read_timeout,
            "news_alerts_timer": "*/5 * * * *",
            "executor": "LocalExecutor",
            "parallelism": 4,
            "components": ["api-server", "scheduler", "dag-processor", "triggerer"],
            "max_pause_seconds": args.max_pause,
            "extra_env": extra_env,
        },
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "airflow": _airflow_version(),
        },
        "timings": timings,
        "summary": summaries,
        "goal": {
            "faults_p95_at_most": 30.0,
            "met": (summaries.get("faults") or {}).get("p95", float("inf")) <= 30.0
            if "faults" in summaries
            else None,
        },
        "scenarios": {
            name: {
                "summary": summaries[name],
                "timings": phase.timings,
                "faults": [
                    {"kind": f.spec.kind, "url": f.url, "what": f.spec.what} for f in faults.feeds
                ]
                if name == "faults" and faults
                else [],
                "measurements": [asdict(m) for m in phase.measurements],
                "watcher_polls": phase.watcher_polls,
                "monitor_runs": phase.runs,
            }
            for name, phase in phases.items()
        },
        "logs": str(root / "logs"),
    }
    output.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {output}")
    ok = all(s["missed"] == 0 and s["delivered"] for s in summaries.values())
    return 0 if ok and len(summaries) == len(scenarios) else 1


def _airflow_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("apache-airflow")
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    sys.exit(main())
