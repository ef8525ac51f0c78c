"""1,000 unchanged feeds per cycle, under a real Airflow stack and through the CLI.

The goal (issue): a news_monitor run over 1,000 unchanged feeds in <= 30 s on this 2-core
machine, feeds served on loopback; the same cycle through `python -m pipeline run`; and
the peak memory of a worker.

    .venv/bin/python bench/bench_feeds.py [--feeds 1000] [--hosts 50] [--runs 3]
        [--profile auto|always|never] [--skip-airflow] [--skip-cli] [--keep]

* Feeds. N RSS 2.0 documents of 10-20 items (title, link, guid, pubDate, creator,
  category, and a description made of the first paragraphs of a `templates.py` article;
  --afghan-share of the items are Afghanistan security news, so the first cycle stores
  events and queues alerts). They are spread over --hosts publishers, each a FeedServer
  bound to an address of its own (127.0.1.1, 127.0.1.2, ...: Linux routes 127.0.0.0/8 to
  loopback), because the pipeline sends one request at a time per host
  (pipeline/polling.py, HostGate). Feed URLs may point anywhere; only article pages are
  restricted to public addresses (pipeline/fetch.py, FETCH_ALLOW_NETWORKS).
* Two kinds of "unchanged", both measured, alternating run by run: `304` (the server
  honours If-None-Match / If-Modified-Since) and `200 same` (it ignores them and answers
  200 with the identical body and the same ETag and Last-Modified).
* Airflow. api-server, scheduler, dag-processor and triggerer (LocalExecutor,
  tests/e2e/airflow_stack.py), a Postgres metadata database and a migrated Postgres
  pipeline database, FEEDS_FILE with the N feeds, SCHEDULE_MINUTES=1440 and
  FEED_WATCH_SECONDS=86400 (so neither the timer nor the feed watcher starts runs while we
  measure). Unpausing news_monitor starts one scheduled run at once (catchup off): that is
  the first cycle, which stores everything. The feed watcher's one baseline poll (N
  requests from the triggerer) is waited for. Then --runs triggered runs per mode with
  nothing changed. For each run: wall time (start_date to end_date from the REST API),
  when each task was queued, started and ended, the process_shard XComs (counts and
  `peak_rss_mib`, the task process's ru_maxrss), summarize's `peak_rss_mib`, and from the
  shard task logs when the first and last feed were done.
* CLI. A fresh migrated pipeline database, `python -m pipeline run --json` once (stores),
  then --runs runs per mode; wall time of the subprocess and its ru_maxrss (os.wait4).
* Profile (--profile auto: only when a goal is missed). In this process, against the
  CLI's database: `run_shard(settings, 0, 4)` (what one Airflow task does) per mode under
  cProfile, with the time per phase (feed rows, fetches, storing) and SQL time by
  statement kind.

Each measuring part (stack start to stop; the CLI runs and the profile) holds an
exclusive flock on /tmp/airflow-bench.lock, so two Airflow benchmarks never share the 2
cores. Prints progress on stderr and the table on stdout; writes everything as JSON to
bench/results/feeds-<date>.json. Needs Postgres (--admin-url, trust auth by default).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import fcntl
import hashlib
import io
import json
import os
import platform
import pstats
import random
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, formatdate
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path[:0] = [str(ROOT), str(BENCH)]

from templates import generate_articles  # noqa: E402

from tests.e2e.airflow_stack import (  # noqa: E402
    TERMINAL_RUN_STATES,
    AirflowStack,
    StackError,
    clean_environment,
)
from tests.support.feed_server import FeedServer, make_etag  # noqa: E402
from tests.support.feed_server import _LoopbackHTTPServer as LoopbackHTTPServer  # noqa: E402

RESULTS = BENCH / "results"
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LOCK_PATH = Path("/tmp/airflow-bench.lock")
GOAL_SECONDS = 30.0
DAG_ID = "news_monitor"
MODES = ("304", "200 same")
MODE_LABELS = {"304": "304 (validators honoured)", "200 same": "200, identical body"}
WATCHER_AGENT = "feed-watch"  # news_airflow/triggers.py: WATCH_USER_AGENT_SUFFIX
# Far beyond the benchmark: neither the timer nor a second watcher poll starts a run.
SCHEDULE_MINUTES = "1440"
FEED_WATCH_SECONDS = "86400"
FEED_DATE = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)  # items are dated before this
SECTIONS = ("world", "asia", "business", "sport", "politics", "security", "region", "latest")
SHARD_TASK = "process_shard"
DEFAULT_FETCH_THREADS = 8  # pipeline/polling.py DEFAULT_WORKERS


def progress(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def exclusive(what: str) -> Iterator[float]:
    """Hold the machine-wide benchmark lock (blocking); yields the seconds waited."""
    LOCK_PATH.touch(exist_ok=True)
    with LOCK_PATH.open("a") as handle:
        started = time.monotonic()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress(f"{what}: waiting for {LOCK_PATH} (another benchmark holds it)")
            fcntl.flock(handle, fcntl.LOCK_EX)
        waited = time.monotonic() - started
        try:
            yield waited
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- databases ------------------------------------------------------------------------------------


def database_url(admin_url: str, name: str) -> str:
    return f"{admin_url.rpartition('/')[0]}/{name}"


def admin_execute(admin_url: str, statement: str) -> None:
    import psycopg

    dsn = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def create_database(admin_url: str, name: str, *, migrate: bool) -> str:
    admin_execute(admin_url, f'CREATE DATABASE "{name}"')
    url = database_url(admin_url, name)
    if migrate:
        from pipeline.store import Store

        Store.from_url(url).engine.dispose()
    return url


def drop_database(admin_url: str, name: str) -> None:
    admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- the feeds ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServedFeed:
    host: str  # the loopback address of its publisher
    path: str  # URL path, also the file's path below the served root
    name: str
    items: int
    afghan_items: int


def publisher_addresses(count: int) -> list[str]:
    if not 1 <= count <= 250:
        raise SystemExit("--hosts: 1 to 250")
    return [f"127.0.1.{index}" for index in range(1, count + 1)]


def word_list(text: str, separator: str | None = None) -> list[str]:
    return text.split(separator)


# Words for the teasers' follow-up sentences (written for this benchmark). The templated
# articles of templates.py share most of their word 5-grams, so their paragraphs alone
# would make nine items in ten near-duplicates of one another; real feeds carry mostly
# distinct stories. None of these words names an Afghan place or actor.
FILL_NOUNS = word_list(
    "council budget report plan company market union court ministry committee survey "
    "contract project bridge harbour airport railway school hospital festival museum "
    "exhibition league season match stadium coach squad share price index bond loan "
    "factory farm harvest storm flood drought election campaign poll debate law bill "
    "reform tax tariff export import deal merger licence network service platform app "
    "study team audit inquiry strike protest parade concert film album novel award"
)
FILL_VERBS = word_list(
    "approved rejected delayed expanded reviewed announced cancelled signed opened closed "
    "extended reduced doubled launched suspended praised criticised welcomed questioned "
    "funded rebuilt tested confirmed postponed renewed backed blocked revised published"
)
FILL_ADJECTIVES = word_list(
    "new revised annual regional national local quarterly long-awaited controversial "
    "modest ambitious costly delayed popular private public second final early late "
    "small large record disputed provisional joint independent municipal coastal rural"
)
FILL_ROLES = word_list(
    "spokeswoman spokesman analyst economist mayor minister director chairman researcher "
    "lawyer organiser manager professor editor official trader"
)
FILL_TIMES = word_list(
    "on Monday|on Tuesday|on Wednesday|on Thursday|on Friday|at the weekend|this week|"
    "last month|earlier this year|late on Sunday|in a statement|after weeks of talks",
    "|",
)
FILL_PATTERNS = (
    "{Name}, a {role} in {city}, said the {adj} {noun} would be {verb} {time}.",
    "The {noun} was {verb} {time} after the {noun2} {verb2} a {adj} {noun3}.",
    "{Name} told reporters that the {adj} {noun} had been {verb} twice since {year}.",
    "Officials in {city} {verb} the {noun} and {verb2} plans for a {adj} {noun2} {time}.",
    "A {adj} {noun} in {country} was {verb} {time}, the {noun2} said.",
    "The {noun} of {number} {nouns} was {verb} by the {adj} {noun2} {time}.",
)


def filler(rng: random.Random, sentences: int) -> list[str]:
    """A few sentences of mostly unique word 5-grams about nothing in particular."""
    from templates import COUNTRIES, WORLD_FIRST, WORLD_LAST

    found = []
    for _ in range(sentences):
        country, city = rng.choice(COUNTRIES)
        noun, noun2, noun3 = rng.sample(FILL_NOUNS, 3)
        verb, verb2 = rng.sample(FILL_VERBS, 2)
        found.append(
            rng.choice(FILL_PATTERNS).format(
                Name=f"{rng.choice(WORLD_FIRST)} {rng.choice(WORLD_LAST)}",
                role=rng.choice(FILL_ROLES),
                city=city,
                country=country,
                adj=rng.choice(FILL_ADJECTIVES),
                noun=noun,
                noun2=noun2,
                noun3=noun3,
                nouns=f"{rng.choice(FILL_NOUNS)}s",
                verb=verb,
                verb2=verb2,
                time=rng.choice(FILL_TIMES),
                year=rng.randint(2015, 2025),
                number=rng.randint(3, 900),
            )
        )
    return found


def description(text: str, rng: random.Random) -> str:
    """An item's description: the article's lead paragraph (after its headline) and three
    or four sentences of filler, as HTML paragraphs (about 80-100 words)."""
    paragraphs = [p.strip() for p in text.split("\n\n")[1:] if p.strip()]
    lead = paragraphs[0] if paragraphs else ""
    rest = filler(rng, rng.randint(3, 4))
    return f"<p>{lead}</p><p>{' '.join(rest[:2])}</p><p>{' '.join(rest[2:])}</p>"


def rss_document(title: str, site: str, items: list[dict[str, str]]) -> str:
    head = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
        f"<title>{escape(title)}</title>\n<link>https://{site}/</link>\n"
        f"<description>{escape(title)}: latest stories</description>\n"
        f"<language>en</language>\n<ttl>15</ttl>\n"
        f"<lastBuildDate>{items[0]['pubDate']}</lastBuildDate>\n"
    )
    body = "".join(
        "<item>\n"
        f"  <title>{escape(item['title'])}</title>\n"
        f"  <link>{escape(item['link'])}</link>\n"
        f'  <guid isPermaLink="true">{escape(item["link"])}</guid>\n'
        f"  <pubDate>{item['pubDate']}</pubDate>\n"
        f"  <dc:creator>{escape(item['creator'])}</dc:creator>\n"
        f"  <category>{escape(item['category'])}</category>\n"
        f"  <description>{escape(item['description'])}</description>\n"
        "</item>\n"
        for item in items
    )
    return head + body + "</channel>\n</rss>\n"


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]


def build_feeds(
    root: Path, count: int, hosts: list[str], seed: int, afghan_share: float
) -> list[ServedFeed]:
    """Write `count` feed files below `root` (one folder per publisher)."""
    rng = random.Random(seed)
    sizes = [rng.randint(10, 20) for _ in range(count)]
    articles = generate_articles(sum(sizes), seed=seed, afghan_share=afghan_share)
    rng.shuffle(articles)
    feeds: list[ServedFeed] = []
    cursor = 0
    for index, size in enumerate(sizes):
        host_index = index % len(hosts)
        site = f"www.publisher-{host_index + 1:03d}.example"
        section = SECTIONS[(index // len(hosts)) % len(SECTIONS)]
        name = f"Publisher {host_index + 1:03d} {section} {index // len(hosts)}"
        chunk = articles[cursor : cursor + size]
        cursor += size
        items = []
        for position, article in enumerate(chunk):
            published = FEED_DATE - timedelta(minutes=7 * position + index % 60)
            items.append(
                {
                    "title": article.title,
                    "link": f"https://{site}/{section}/{published:%Y/%m}/"
                    f"{slug(article.title)}-{article.id}",
                    "pubDate": format_datetime(published, usegmt=True),
                    "creator": f"{section.title()} desk",
                    "category": article.topic.split("/")[0],
                    "description": description(article.text, rng),
                }
            )
        path = f"p{host_index + 1:03d}/feed-{index:04d}.xml"
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(rss_document(name, site, items), encoding="utf-8")
        feeds.append(ServedFeed(hosts[host_index], path, name, size, sum(a.afghan for a in chunk)))
    return feeds


class _Listener(LoopbackHTTPServer):
    request_queue_size = 128  # up to 4 shards x 8 fetch threads may connect at once


class PublisherServer(FeedServer):
    """A FeedServer on a loopback address of its own (one publisher host).

    Counts conditional requests and the feed watcher's requests (by User-Agent), and polls
    its listening socket every 0.5 s instead of 0.02 s: 50 idle servers would otherwise
    wake 2,500 times a second on the same 2 cores.
    """

    def __init__(self, root: Path, address: str) -> None:
        super().__init__(root, content_type="application/rss+xml; charset=utf-8")
        self.address = address
        self.conditional = 0
        self.watcher = 0
        self.watcher_last: float | None = None

    @property
    def origin(self) -> str:
        if self._httpd is None:
            raise RuntimeError("PublisherServer is not running; call start() first")
        return f"http://{self.address}:{self._httpd.server_port}"

    def start(self) -> PublisherServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _Listener((self.address, 0), self.handler_class)
        httpd.owner = self
        thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.5},
            name=f"publisher-{self.address}",
            daemon=True,
        )
        thread.start()
        self._httpd, self._thread = httpd, thread
        return self

    def record_request(self, path: str, headers: Any) -> Any:
        items = list(headers)
        names = {name.lower(): value for name, value in items}
        with self._lock:
            if WATCHER_AGENT in names.get("user-agent", ""):
                self.watcher += 1
                self.watcher_last = time.time()
            elif "if-none-match" in names or "if-modified-since" in names:
                self.conditional += 1
        return super().record_request(path, items)


class Publishers:
    """All the publisher servers, and which kind of "unchanged" they serve."""

    def __init__(self, root: Path, feeds: list[ServedFeed], addresses: list[str]) -> None:
        self.root = root
        self.feeds = feeds
        self.servers = {address: PublisherServer(root, address) for address in addresses}
        self.mode = "304"

    def __enter__(self) -> Publishers:
        for server in self.servers.values():
            server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self.servers.values():
            server.stop()

    def url(self, feed: ServedFeed) -> str:
        return self.servers[feed.host].url(feed.path)

    def write_feeds_file(self, path: Path) -> None:
        lines = ["feeds:"]
        for feed in self.feeds:
            lines += [f"  - url: {self.url(feed)}", f"    name: {json.dumps(feed.name)}"]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def set_mode(self, mode: str) -> None:
        """304: files with conditional GETs; 200 same: a route per feed that sends the
        file's bytes and validators whatever the request says."""
        for feed in self.feeds:
            server = self.servers[feed.host]
            if mode == "304":
                server.clear_routes()
                continue
            target = self.root / feed.path
            validators = {
                "ETag": make_etag(target.read_bytes()),
                "Last-Modified": formatdate(target.stat().st_mtime, usegmt=True),
            }
            server.route(feed.path, file=feed.path, headers=validators)
        self.mode = mode

    def counts(self) -> dict[str, int]:
        servers = self.servers.values()
        return {
            "requests": sum(sum(s.requests.values()) for s in servers),
            "conditional": sum(s.conditional for s in servers),
            "watcher": sum(s.watcher for s in servers),
            "errors": sum(len(s.errors) for s in servers),
        }

    def watcher_last(self) -> float | None:
        stamps = [s.watcher_last for s in self.servers.values() if s.watcher_last]
        return max(stamps) if stamps else None


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {key: after[key] - before.get(key, 0) for key in after}


def own_cpu_seconds() -> float:
    """CPU time of this process (the publisher threads, mostly)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- Airflow --------------------------------------------------------------------------------------


def stamp(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


def offset(value: str | None, origin: float) -> float | None:
    moment = stamp(value)
    return round(moment - origin, 2) if moment is not None else None


def xcom_value(stack: AirflowStack, run_id: str, task_id: str, map_index: int = -1) -> Any:
    with stack.client() as api:
        response = api.get(
            f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value",
            params={"map_index": map_index},
        )
    if response.status_code != 200:
        return None
    value = response.json().get("value")
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    return value


def log_events(path: Path) -> list[tuple[float, str]]:
    """(timestamp, message) of each line of a task log (JSON lines or plain text)."""
    events: list[tuple[float, str]] = []
    if not path.exists():
        return events
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        with contextlib.suppress(ValueError, TypeError, KeyError):
            record = json.loads(line)
            moment = datetime.fromisoformat(str(record["timestamp"]).replace("Z", "+00:00"))
            events.append((moment.timestamp(), str(record.get("event", ""))))
    return events


def task_log_times(stack: AirflowStack, run_id: str, ti: dict[str, Any], start: float) -> dict:
    """What a task's log shows, in seconds after the task instance started: its first and
    last line (the end_date comes later when the process is slow to exit) and, for a
    shard, when its first and last feed were done."""
    folder = (
        stack.home / "logs" / f"dag_id={DAG_ID}" / f"run_id={run_id}" / f"task_id={ti['task_id']}"
    )
    if ti["map_index"] >= 0:
        folder = folder / f"map_index={ti['map_index']}"
    paths = sorted(folder.glob("attempt=*.log"))
    if not paths:
        return {}
    events = log_events(paths[-1])
    found: dict[str, Any] = {"log": str(paths[-1])}
    if events:
        found["first_line"] = round(events[0][0] - start, 2)
        found["last_line"] = round(events[-1][0] - start, 2)
    parsed = [m for m, message in events if message == "Worker startup parse complete"]
    if parsed:
        found["dag_parsed"] = round(parsed[0] - start, 2)
    if ti["task_id"] == SHARD_TASK:
        feeds = [moment for moment, message in events if message.startswith("feed ")]
        found["feed_lines"] = len(feeds)
        if feeds:
            found["first_feed"] = round(feeds[0] - start, 2)
            found["last_feed"] = round(feeds[-1] - start, 2)
    return found


def run_record(
    stack: AirflowStack, run_id: str, mode: str, cycle: str, triggered_at: float | None
) -> dict[str, Any]:
    run = stack.dag_run(DAG_ID, run_id)
    start = stamp(run["start_date"]) or 0.0
    end = stamp(run["end_date"]) or start
    tasks = []
    shards: dict[int, dict[str, Any]] = {}
    for ti in sorted(
        stack.task_instances(DAG_ID, run_id),
        key=lambda t: (stamp(t["start_date"]) or 0, t["map_index"]),
    ):
        task = {
            "task": ti["task_id"],
            "map_index": ti["map_index"],
            "state": ti["state"],
            "try_number": ti["try_number"],
            "scheduled": offset(ti.get("scheduled_when"), start),
            "queued": offset(ti.get("queued_when"), start),
            "start": offset(ti["start_date"], start),
            "end": offset(ti["end_date"], start),
            "duration": round(ti["duration"], 2) if ti.get("duration") is not None else None,
        }
        task["log"] = task_log_times(stack, run_id, ti, stamp(ti["start_date"]) or start)
        tasks.append(task)
        if ti["task_id"] == SHARD_TASK:
            report = xcom_value(stack, run_id, SHARD_TASK, ti["map_index"]) or {}
            shards[ti["map_index"]] = {
                "duration": task["duration"],
                "start": task["start"],
                "queued": task["queued"],
                "peak_rss_mib": report.get("peak_rss_mib"),
                "feeds": report.get("feeds"),
                "entries": report.get("entries"),
                "new": report.get("new"),
                "known": report.get("known"),
                "events": report.get("events"),
                "alerts": report.get("alerts"),
                "feeds_failed": report.get("feeds_failed"),
                "log": task["log"],
            }
    summary = xcom_value(stack, run_id, "summarize") or {}
    return {
        "cycle": cycle,
        "mode": mode,
        "run_id": run_id,
        "run_type": run["run_type"],
        "state": run["state"],
        "wall_seconds": round(end - start, 2),
        "start_delay": round(start - triggered_at, 2) if triggered_at else None,
        "peak_rss_mib": summary.get("peak_rss_mib"),
        "totals": {
            key: summary.get(key)
            for key in ("entries", "new", "duplicates", "known", "events", "alerts")
        }
        | {
            "feeds_polled": summary.get("feeds_polled"),
            "feeds_failing": summary.get("feeds_failing"),
        },
        "tasks": tasks,
        "shards": [shards[index] for index in sorted(shards)],
    }


def start_stack(
    root: Path, meta_url: str, app_url: str, feeds_file: Path, extra_env: dict[str, str]
) -> AirflowStack:
    stack = AirflowStack(
        root=root,
        metadata_url=meta_url,
        app_env={
            "DATABASE_URL": app_url,
            "FEEDS_FILE": str(feeds_file),
            "SCHEDULE_MINUTES": SCHEDULE_MINUTES,
            "FEED_WATCH_SECONDS": FEED_WATCH_SECONDS,
            # A shard that hits its execution_timeout in the first cycle fails at once
            # instead of twice more (retries change nothing in a run that succeeds).
            "NEWS_TASK_RETRIES": "0",
        },
        extra_env=extra_env,
    )
    stack.watched_dags.append(DAG_ID)
    stack.airflow("db", "migrate")
    try:
        stack.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(stack.port))
        for name in ("scheduler", "dag-processor", "triggerer"):
            stack.start(name, name)
        stack.wait_healthy(180, ("metadatabase", "scheduler", "dag_processor", "triggerer"))
        stack.wait_for_dag(DAG_ID, 180)
    except BaseException:
        stack.stop()
        raise
    return stack


def wait_terminal(stack: AirflowStack, run_id: str, timeout: float) -> dict[str, Any]:
    """The run once it succeeded or failed (a failure is a result here, not an error)."""

    def probe() -> dict[str, Any] | None:
        run = stack.dag_run(DAG_ID, run_id)
        return run if run["state"] in TERMINAL_RUN_STATES else None

    return dict(stack.wait_until(f"run {run_id} to finish", probe, timeout, interval=2.0))


def first_run(stack: AirflowStack, wait: float = 60.0) -> tuple[str, float | None]:
    """Unpause: catchup is off, so the timetable starts one run at once. That run (or, if
    none comes, a triggered one) is the first cycle."""
    stack.unpause(DAG_ID)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        runs = stack.dag_runs(DAG_ID)
        if runs:
            return str(runs[0]["dag_run_id"]), None
        time.sleep(0.5)
    progress("no scheduled run after unpausing; triggering the first cycle")
    return stack.trigger(DAG_ID), time.time()


def wait_for_watcher(stack: AirflowStack, publishers: Publishers, timeout: float) -> dict:
    """Wait until the feed watcher has made its baseline poll (one request per feed) and
    nothing more comes for 2 s."""
    wanted = len(publishers.feeds)

    def done() -> bool:
        last = publishers.watcher_last()
        return publishers.counts()["watcher"] >= wanted and bool(last and time.time() - last > 2)

    started = time.time()
    try:
        stack.wait_until("the feed watcher's baseline poll", done, timeout, interval=1.0)
    except StackError:
        progress(f"the watcher made {publishers.counts()['watcher']} of {wanted} requests")
    return {"watcher_requests": publishers.counts()["watcher"], "waited": time.time() - started}


def airflow_part(
    args: argparse.Namespace, workdir: Path, feeds_file: Path, publishers: Publishers
) -> dict[str, Any]:
    suffix = uuid.uuid4().hex[:8]
    names = {"app": f"bench_feeds_app_{suffix}", "meta": f"bench_feeds_af_{suffix}"}
    result: dict[str, Any] = {"runs": [], "databases": names}
    stack: AirflowStack | None = None
    try:
        with exclusive("Airflow") as waited:
            result["lock_waited_seconds"] = round(waited, 1)
            try:
                # created under the lock, so that whoever holds it may clean up stray
                # benchmark databases without pulling ours from under a waiting run
                app_url = create_database(args.admin_url, names["app"], migrate=True)
                meta_url = create_database(args.admin_url, names["meta"], migrate=False)
                started = time.time()
                progress(f"Airflow: starting the stack in {workdir}")
                extra = dict(item.split("=", 1) for item in args.airflow_env)
                stack = start_stack(workdir / "airflow", meta_url, app_url, feeds_file, extra)
                result["stack_up_seconds"] = round(time.time() - started, 1)
                result["logs"] = str(stack.log_dir)
                progress(f"Airflow: stack up after {result['stack_up_seconds']} s; unpausing")
                publishers.set_mode("304")
                before = publishers.counts()
                cpu = own_cpu_seconds()
                run_id, triggered = first_run(stack)
                progress(f"Airflow: first cycle {run_id} (stores every item)")
                wait_terminal(stack, run_id, args.first_timeout)
                record = run_record(stack, run_id, "first", "first", triggered)
                record["server"] = delta(publishers.counts(), before)
                record["server_cpu_seconds"] = round(own_cpu_seconds() - cpu, 2)
                result["runs"].append(record)
                progress(f"Airflow: first cycle {run_line(record)}")
                if record["state"] != "success":
                    # Shard tasks that hit their execution_timeout leave feeds unstored;
                    # the unchanged runs must find every feed stored, so the CLI stores
                    # the rest into the same database (reported, not hidden).
                    progress("Airflow: the first cycle failed; the CLI stores what is left")
                    before = publishers.counts()
                    fill = run_cli(cli_env(app_url, feeds_file), workdir, "airflow-fill")
                    fill["server"] = delta(publishers.counts(), before)
                    record["completed_by_cli"] = fill
                    progress(f"Airflow: CLI fill {cli_line(fill)}")
                result["watcher"] = wait_for_watcher(stack, publishers, 240)
                ours = {run_id}
                for round_index in range(args.runs):
                    for mode in MODES:
                        publishers.set_mode(mode)
                        time.sleep(2)  # let the scheduler settle after the last run
                        before, cpu = publishers.counts(), own_cpu_seconds()
                        load = os.getloadavg()[0]
                        triggered = time.time()
                        run_id = stack.trigger(DAG_ID)
                        ours.add(run_id)
                        stack.wait_for_run(DAG_ID, run_id, timeout=args.run_timeout)
                        record = run_record(stack, run_id, mode, "unchanged", triggered)
                        record["server"] = delta(publishers.counts(), before)
                        record["server_cpu_seconds"] = round(own_cpu_seconds() - cpu, 2)
                        record["load_before"] = round(load, 2)
                        record["round"] = round_index + 1
                        result["runs"].append(record)
                        progress(f"Airflow: {mode:<8} #{round_index + 1} {run_line(record)}")
                result["other_runs"] = [
                    {k: r[k] for k in ("dag_run_id", "run_type", "state", "start_date")}
                    for r in stack.dag_runs(DAG_ID)
                    if r["dag_run_id"] not in ours
                ]
                stack.check_alive()
            except Exception as exc:
                result["error"] = str(exc)[:4000]
                progress(f"Airflow part failed: {str(exc)[:2000]}")
            finally:
                if stack is not None:
                    stack.stop()
    finally:
        if not args.keep:
            for name in names.values():
                drop_database(args.admin_url, name)
    return result


def run_line(record: dict[str, Any]) -> str:
    shards = [s["duration"] for s in record["shards"] if s["duration"] is not None]
    totals = record["totals"]
    return (
        f"{record['state']} in {record['wall_seconds']:.1f} s (shards "
        f"{', '.join(f'{d:.1f}' for d in shards)} s; peak {record['peak_rss_mib']} MiB; "
        f"new {totals['new']}, known {totals['known']}, events {totals['events']}, "
        f"alerts {totals['alerts']}; requests {record['server']['requests']}, "
        f"conditional {record['server']['conditional']})"
    )


# -- CLI ------------------------------------------------------------------------------------------


def cli_env(database_url: str, feeds_file: Path) -> dict[str, str]:
    """The CLI's environment: ours without application settings, plus the database and
    the feeds (no Slack settings: alerts go to the console sink)."""
    return clean_environment(os.environ) | {
        "DATABASE_URL": database_url,
        "FEEDS_FILE": str(feeds_file),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }


def run_cli(env: dict[str, str], logs: Path, label: str) -> dict[str, Any]:
    """`python -m pipeline run --json` to completion: wall time, ru_maxrss, totals."""
    out_path, err_path = logs / f"cli-{label}.out", logs / f"cli-{label}.err"
    started = time.perf_counter()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "run", "--json"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    summary: dict[str, Any] = {}
    for line in reversed(out_path.read_text(encoding="utf-8", errors="replace").splitlines()):
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                summary = json.loads(line)
                break
    feeds = summary.get("feeds", [])
    return {
        "exit_code": process.returncode,
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "totals": summary.get("totals"),
        "not_modified_feeds": sum(bool(f.get("not_modified")) for f in feeds),
        "stdout": str(out_path),
        "stderr_tail": err_path.read_text(encoding="utf-8", errors="replace")[-2000:],
    }


def cli_line(record: dict[str, Any]) -> str:
    totals = record.get("totals") or {}
    return (
        f"exit {record['exit_code']} in {record['wall_seconds']:.1f} s (cpu "
        f"{record['cpu_seconds']:.1f} s, peak {record['peak_rss_mib']} MiB; new "
        f"{totals.get('new')}, known {totals.get('known')}, events {totals.get('events')}, "
        f"alerts {totals.get('alerts')}; not modified {record['not_modified_feeds']} feeds; "
        f"requests {record['server']['requests']})"
    )


def cli_part(
    args: argparse.Namespace,
    workdir: Path,
    feeds_file: Path,
    publishers: Publishers,
    profile: bool,
) -> dict[str, Any]:
    name = f"bench_feeds_cli_{uuid.uuid4().hex[:8]}"
    logs = workdir / "cli"
    logs.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"runs": [], "database": name}
    try:
        with exclusive("CLI") as waited:
            result["lock_waited_seconds"] = round(waited, 1)
            try:
                url = create_database(args.admin_url, name, migrate=True)
                env = cli_env(url, feeds_file)
                plan = [("first", "304", 0)] + [
                    ("unchanged", mode, r + 1) for r in range(args.runs) for mode in MODES
                ]
                for cycle, mode, round_index in plan:
                    publishers.set_mode(mode)
                    before, cpu = publishers.counts(), own_cpu_seconds()
                    load = os.getloadavg()[0]
                    label = (
                        "first" if cycle == "first" else f"{mode.replace(' ', '-')}-{round_index}"
                    )
                    record = run_cli(env, logs, label)
                    record |= {
                        "state": "success" if record["exit_code"] == 0 else "failed",
                        "cycle": cycle,
                        "mode": "first" if cycle == "first" else mode,
                        "round": round_index,
                        "server": delta(publishers.counts(), before),
                        "server_cpu_seconds": round(own_cpu_seconds() - cpu, 2),
                        "load_before": round(load, 2),
                    }
                    result["runs"].append(record)
                    progress(f"CLI: {label:<11} {cli_line(record)}")
                if profile:
                    result["profile"] = profile_shards(args, env, publishers)
            except Exception as exc:
                result["error"] = str(exc)[:4000]
                progress(f"CLI part failed: {exc!r}"[:2000])
    finally:
        if not args.keep:
            drop_database(args.admin_url, name)
    return result


# -- profile --------------------------------------------------------------------------------------


class Phases:
    """Wall time per pipeline phase (wrapped functions of the pipeline's modules: their
    names change while others work on them, so only the ones that exist are wrapped), when
    each phase was first entered, and SQL time per statement kind (SQLAlchemy cursor
    events)."""

    WRAPPED = (
        ("pipeline.cycle", "load_seeds"),
        ("pipeline.resources", "load_feeds"),
        ("pipeline.cycle", "open_feed"),
        ("pipeline.cycle", "fetch_for"),
        ("pipeline.cycle", "store_fetched"),
        ("pipeline.cycle", "deliver"),
        ("pipeline.cycle", "deliver_outbox"),
        ("pipeline.cycle", "load_rules"),
    )

    def __init__(self, origin: float | None = None) -> None:
        self.origin = time.perf_counter() if origin is None else origin
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.first_at: dict[str, float] = {}
        self.sql_seconds: Counter[str] = Counter()
        self.sql_calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._saved: dict[tuple[str, str], Any] = {}

    def _wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            with self._lock:
                self.first_at.setdefault(name, started - self.origin)
            try:
                return function(*args, **kwargs)
            finally:
                with self._lock:
                    self.seconds[name] += time.perf_counter() - started
                    self.calls[name] += 1

        return timed

    @staticmethod
    def statement_kind(statement: str) -> str:
        words = statement.split()
        verb = words[0].upper() if words else "?"
        table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", statement, re.IGNORECASE)
        return f"{verb} {table.group(1) if table else ''}".strip()

    def _before(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        started = conn.info["bench_started"].pop()
        kind = self.statement_kind(statement)
        with self._lock:
            self.sql_seconds[kind] += time.perf_counter() - started
            self.sql_calls[kind] += 1

    def __enter__(self) -> Phases:
        import importlib

        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        for module_name, name in self.WRAPPED:
            module = importlib.import_module(module_name)
            if callable(getattr(module, name, None)):
                self._saved[module_name, name] = getattr(module, name)
                setattr(module, name, self._wrap(name, self._saved[module_name, name]))
        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: object) -> None:
        import importlib

        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.remove(Engine, "before_cursor_execute", self._before)
        event.remove(Engine, "after_cursor_execute", self._after)
        for (module_name, name), function in self._saved.items():
            setattr(importlib.import_module(module_name), name, function)

    def to_dict(self) -> dict[str, Any]:
        top_sql = sorted(self.sql_seconds, key=self.sql_seconds.__getitem__, reverse=True)
        return {
            "phases": {
                name: {
                    "seconds": round(self.seconds[name], 3),
                    "calls": self.calls[name],
                    "first_at": round(self.first_at[name], 3) if name in self.first_at else None,
                }
                for _, name in self.WRAPPED
                if name in self.calls
            },
            "sql_seconds": round(sum(self.sql_seconds.values()), 3),
            "sql_statements": sum(self.sql_calls.values()),
            "sql_by_kind": [
                {
                    "kind": kind,
                    "calls": self.sql_calls[kind],
                    "seconds": round(self.sql_seconds[kind], 3),
                }
                for kind in top_sql[:12]
            ],
        }


def top_functions(profiler: cProfile.Profile, sort: str, limit: int = 25) -> list[str]:
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.strip_dirs().sort_stats(sort).print_stats(limit)
    lines = buffer.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return [line for line in lines[start:] if line.strip()]


def shard_runner(settings: Any) -> Callable[[int, int], dict[str, Any]]:
    """`run_shard(index, count)` as an Airflow task calls it: with fresh resources per
    call where the pipeline has `Resources` (pipeline/resources.py), else with settings."""
    from pipeline import cycle

    try:
        from pipeline.resources import Resources
    except ImportError:
        return lambda index, count: cycle.run_shard(settings, index, count)

    def run(index: int, count: int) -> dict[str, Any]:
        with Resources.live(settings, migrate=False) as resources:
            return cycle.run_shard(resources, index, count)

    return run


COLD_SHARD = """
import sys, time
started = time.perf_counter()
from pipeline import cycle, fetch, polling, resources, store  # what a shard task imports
imported = time.perf_counter() - started
sys.path[:0] = [{bench!r}]
import bench_feeds
bench_feeds.cold_shard(started, imported, {index}, {count}, {profile})
"""


def cold_shard(started: float, imported: float, index: int, count: int, profile: bool) -> None:
    """Body of a cold shard process (COLD_SHARD): settings from the environment, then
    run_shard as an Airflow task runs it, timed by phase; prints one JSON line."""
    from pipeline.settings import load_settings

    phases = Phases(origin=started)
    profiler = cProfile.Profile() if profile else None
    with phases:
        begun = time.perf_counter()
        if profiler:
            profiler.enable()
        report = shard_runner(load_settings())(index, count)
        if profiler:
            profiler.disable()
    done = time.perf_counter()
    found = {
        "imports_seconds": round(imported, 3),
        "run_shard_seconds": round(done - begun, 3),
        "process_seconds": round(done - started, 3),
        "feeds": report["feeds"],
        "known": report["known"],
        "not_modified_or_skipped": report["feeds"] - report["feeds_failed"],
        "peak_rss_mib": report.get("peak_rss_mib"),
        **phases.to_dict(),
    }
    if profiler:
        found["top_cumulative"] = top_functions(profiler, "cumulative", 30)
        found["top_tottime"] = top_functions(profiler, "tottime", 20)
    print(json.dumps(found))


def start_cold_shard(
    env: dict[str, str], index: int, count: int, profile: bool
) -> subprocess.Popen[str]:
    code = COLD_SHARD.format(bench=str(BENCH), index=index, count=count, profile=profile)
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_cold_shard(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = process.communicate()
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if process.returncode != 0 or not lines:
        return {"error": f"exit {process.returncode}: {err[-1500:]}"}
    return dict(json.loads(lines[-1]))


def profile_shards(
    args: argparse.Namespace, env: dict[str, str], publishers: Publishers
) -> dict[str, Any]:
    """Shards as Airflow tasks run them, without Airflow: fresh processes (imports, the
    resources, load_seeds, the feeds file, then run_shard), against the CLI's database.
    Per mode: shard 0 of N alone under cProfile with the phase timers; then all N shards
    at once (as the mapped tasks run), wall time until the last one exits."""
    shards = args.profile_shards
    found: dict[str, Any] = {"shards": shards, "modes": {}}
    for mode in MODES:
        publishers.set_mode(mode)
        alone = finish_cold_shard(start_cold_shard(env, 0, shards, False))
        profiled = finish_cold_shard(start_cold_shard(env, 0, shards, True))
        started = time.perf_counter()
        processes = [start_cold_shard(env, index, shards, False) for index in range(shards)]
        together = [finish_cold_shard(process) for process in processes]
        wall = time.perf_counter() - started
        found["modes"][mode] = {
            "alone": alone,
            "alone_profiled": profiled,
            "together_wall_seconds": round(wall, 2),
            "together": together,
        }
        progress(
            f"profile: {mode:<8} shard 0 of {shards} alone {alone.get('process_seconds')} s; "
            f"{shards} shards at once {wall:.2f} s"
        )
    return found


# -- report ---------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    first = next((r for r in runs if r["cycle"] == "first"), None)
    rows: dict[str, Any] = {}
    for mode in MODES:
        walls = [r["wall_seconds"] for r in runs if r["mode"] == mode and r["cycle"] != "first"]
        peaks = [
            float(r["peak_rss_mib"])
            for r in runs
            if r["mode"] == mode and r["cycle"] != "first" and r.get("peak_rss_mib") is not None
        ]
        rows[mode] = {
            "first_seconds": first["wall_seconds"] if first else None,
            "first_state": (first.get("state") or "success") if first else None,
            "first_peak_mib": first.get("peak_rss_mib") if first else None,
            "runs": len(walls),
            "p50": round(statistics.median(walls), 2) if walls else None,
            "max": round(max(walls), 2) if walls else None,
            "min": round(min(walls), 2) if walls else None,
            "peak_mib": max(peaks) if peaks else None,
            "goal_met": bool(walls) and max(walls) <= GOAL_SECONDS,
        }
    return rows


def fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}{unit}"
    return f"{value}{unit}"


def first_cell(row: dict[str, Any]) -> str:
    """The first cycle's seconds; a failed one (completed by the CLI) is marked."""
    if row.get("first_state") not in (None, "success"):
        return f"{fmt(row['first_seconds'])} FAIL"
    return fmt(row["first_seconds"])


def table(summary: dict[str, dict[str, Any]]) -> str:
    header = (
        "mode                       | runner  | first cycle s | first peak MiB | "
        "unchanged p50 s | max s | peak MiB | <= 30 s"
    )
    lines = [header, "-" * len(header)]
    for runner in ("Airflow", "CLI"):
        for mode in MODES:
            row = summary.get(runner, {}).get(mode)
            if not row:
                continue
            lines.append(
                f"{MODE_LABELS[mode]:<26} | {runner:<7} | {first_cell(row):>13} | "
                f"{fmt(row['first_peak_mib']):>14} | {fmt(row['p50']):>15} | "
                f"{fmt(row['max']):>5} | {fmt(row['peak_mib']):>8} | "
                f"{'yes' if row['goal_met'] else 'NO'}"
            )
    return "\n".join(lines)


def airflow_timeline(runs: list[dict[str, Any]]) -> str:
    """One line per Airflow run: when each task ran (seconds after the run started)."""
    lines = [
        "run            | wall s | trigger->start | prepare      | plan_shards  | "
        "shards start..end (max dur) | shard first..last feed | summarize end | exit lag | "
        "peak MiB"
    ]
    for run in runs:
        by_task: dict[str, list[dict[str, Any]]] = {}
        for task in run["tasks"]:
            by_task.setdefault(task["task"], []).append(task)

        def span(name: str, _tasks: dict[str, list[dict[str, Any]]] = by_task) -> str:
            found = _tasks.get(name) or [{}]
            return f"{fmt(found[0].get('start'))}..{fmt(found[0].get('end'))}"

        shard_tasks = by_task.get(SHARD_TASK, [])
        starts = [t["start"] for t in shard_tasks if t["start"] is not None]
        ends = [t["end"] for t in shard_tasks if t["end"] is not None]
        durations = [t["duration"] for t in shard_tasks if t["duration"] is not None]
        firsts = [s["log"].get("first_feed") for s in run["shards"] if s["log"].get("first_feed")]
        lasts = [s["log"].get("last_feed") for s in run["shards"] if s["log"].get("last_feed")]
        summarize = (by_task.get("summarize") or [{}])[0]
        # end_date minus the task's last log line: the process was slow to exit
        lags = [
            (t["duration"] - t["log"]["last_line"], t["task"])
            for t in run["tasks"]
            if t["duration"] is not None and t.get("log", {}).get("last_line") is not None
        ]
        lag = max(lags) if lags else None
        label = run["mode"] + (f" #{run['round']}" if run.get("round") else "")
        shards = (
            f"{fmt(min(starts) if starts else None)}..{fmt(max(ends) if ends else None)} "
            f"({fmt(max(durations) if durations else None)})"
        )
        feeds = f"{fmt(min(firsts) if firsts else None)}..{fmt(max(lasts) if lasts else None)}"
        lines.append(
            f"{label:<14} | {run['wall_seconds']:>6.1f} | {fmt(run['start_delay']):>14} | "
            f"{span('prepare'):<12} | {span('plan_shards'):<12} | {shards:<27} | "
            f"{feeds:<22} | {fmt(summarize.get('end')):>13} | "
            f"{f'{lag[0]:.1f} {lag[1]}' if lag else '-':<8} | {fmt(run['peak_rss_mib'])}"
        )
    return "\n".join(lines)


def phase_text(found: dict[str, Any]) -> str:
    phases = ", ".join(
        f"{name} {value['seconds']:.2f} s/{value['calls']}"
        for name, value in found.get("phases", {}).items()
    )
    first = (found.get("phases", {}).get("open_feed") or {}).get("first_at")
    return (
        f"{found.get('process_seconds')} s in all: imports {found.get('imports_seconds')} s, "
        f"first feed row at {first} s; {phases}; SQL {found.get('sql_seconds')} s in "
        f"{found.get('sql_statements')} statements"
    )


def profile_text(profile: dict[str, Any]) -> str:
    shards = profile["shards"]
    lines = [
        f"Shards as tasks run them, without Airflow (fresh processes, the CLI's database; "
        f"phase seconds summed over calls, fetch_for over {DEFAULT_FETCH_THREADS} threads):"
    ]
    for mode, found in profile["modes"].items():
        alone = found["alone"]
        if "error" in alone:
            lines.append(f"  {mode:<8} FAILED: {alone['error'][:500]}")
            continue
        lines.append(f"  {mode:<8} shard 0 of {shards} alone: {phase_text(alone)}")
        for kind in alone["sql_by_kind"][:6]:
            lines.append(f"      {kind['kind']:<36} {kind['calls']:>6} {kind['seconds']:.3f} s")
        walls = [t.get("process_seconds") for t in found["together"]]
        lines.append(
            f"  {mode:<8} all {shards} shards at once: {found['together_wall_seconds']:.2f} s "
            f"(each {', '.join(str(w) for w in walls)} s)"
        )
    return "\n".join(lines)


def pipeline_fingerprint() -> dict[str, str]:
    """SHA-256 (short) of the files whose code a cycle runs: others edit them meanwhile."""
    names = ("pipeline/cycle.py", "pipeline/polling.py", "pipeline/fetch.py", "pipeline/store.py")
    names += ("dags/news_monitor.py", "dags/news_common.py")
    return {
        name: hashlib.sha256((ROOT / name).read_bytes()).hexdigest()[:12]
        for name in names
        if (ROOT / name).exists()
    }


# -- main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000, help="feeds served (default 1000)")
    parser.add_argument("--hosts", type=int, default=50, help="publisher hosts (default 50)")
    parser.add_argument(
        "--runs", type=int, default=3, help="unchanged runs per mode and runner (default 3)"
    )
    parser.add_argument("--seed", type=int, default=1, help="feed contents (default 1)")
    parser.add_argument(
        "--afghan-share", type=float, default=0.02, help="Afghanistan items (default 0.02)"
    )
    parser.add_argument(
        "--profile",
        choices=("auto", "always", "never"),
        default="auto",
        help="in-process cProfile of run_shard (auto: when a goal is missed)",
    )
    parser.add_argument("--profile-shards", type=int, default=4, help="profile shard 0 of N")
    parser.add_argument(
        "--airflow-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the Airflow components (repeatable), e.g. "
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL=1",
    )
    parser.add_argument("--skip-airflow", action="store_true")
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--first-timeout", type=float, default=2400.0, help="seconds")
    parser.add_argument("--run-timeout", type=float, default=600.0, help="seconds")
    parser.add_argument(
        "--admin-url", default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_ADMIN_URL
    )
    parser.add_argument("--output", type=Path, default=None, help="JSON file to write")
    parser.add_argument("--keep", action="store_true", help="keep the databases and the logs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM (a shell's kill, a CI cleanup) unwinds like Ctrl-C: the stack is stopped
    # and the databases are dropped by the `finally` blocks.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if any("=" not in item for item in args.airflow_env):
        raise SystemExit("--airflow-env: NAME=VALUE")
    started = time.time()
    workdir = Path(tempfile.mkdtemp(prefix="bench-feeds-"))
    feed_root = workdir / "feeds"
    addresses = publisher_addresses(args.hosts)
    progress(f"writing {args.feeds} feeds for {len(addresses)} hosts in {feed_root}")
    feeds = build_feeds(feed_root, args.feeds, addresses, args.seed, args.afghan_share)
    items = sum(f.items for f in feeds)
    afghan = sum(f.afghan_items for f in feeds)
    sizes = [(feed_root / f.path).stat().st_size for f in feeds]
    progress(
        f"{items} items ({afghan} about Afghanistan), {statistics.mean(sizes) / 1024:.1f} KiB "
        "per feed on average"
    )
    results: dict[str, Any] = {}
    with Publishers(feed_root, feeds, addresses) as publishers:
        feeds_file = workdir / "feeds.yaml"
        publishers.write_feeds_file(feeds_file)
        if not args.skip_airflow:
            results["Airflow"] = airflow_part(args, workdir, feeds_file, publishers)
        airflow_rows = summarise(results["Airflow"]["runs"]) if "Airflow" in results else {}
        missed = any(not row["goal_met"] for row in airflow_rows.values())
        profile = args.profile == "always" or (args.profile == "auto" and missed)
        if not args.skip_cli:
            results["CLI"] = cli_part(args, workdir, feeds_file, publishers, profile)
        server_errors = [repr(e)[:200] for s in publishers.servers.values() for e in s.errors]
    summary = {runner: summarise(part["runs"]) for runner, part in results.items()}

    print()
    print(
        f"{args.feeds} feeds ({items} items) on {len(addresses)} loopback hosts, "
        f"{args.runs} unchanged runs per mode; wall seconds per cycle (Airflow: dag-run "
        "start_date to end_date; CLI: the subprocess); peak MiB = ru_maxrss of a shard task "
        "(Airflow) or of the CLI process"
    )
    print(table(summary))
    if results.get("Airflow", {}).get("runs"):
        print("\nAirflow runs (seconds after the run started):")
        print(airflow_timeline(results["Airflow"]["runs"]))
    profile_found = results.get("CLI", {}).get("profile")
    if profile_found:
        print()
        print(profile_text(profile_found))
    for runner, part in results.items():
        if part.get("error"):
            print(f"\n{runner} part FAILED: {part['error'][:1500]}")

    output = args.output or RESULTS / f"feeds-{date.today().isoformat()}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "1,000 unchanged feeds per cycle: Airflow (LocalExecutor) and the CLI",
        "started_at": datetime.fromtimestamp(started).isoformat(timespec="seconds"),
        "seconds": round(time.time() - started, 1),
        "goal_seconds": GOAL_SECONDS,
        "feeds": {
            "count": args.feeds,
            "hosts": len(addresses),
            "items": items,
            "afghan_items": afghan,
            "mean_bytes": round(statistics.mean(sizes)),
            "seed": args.seed,
        },
        "settings": {
            "executor": "LocalExecutor",
            "parallelism": 4,
            "components": ["api-server", "scheduler", "dag-processor", "triggerer"],
            "schedule_minutes": int(SCHEDULE_MINUTES),
            "feed_watch_seconds": float(FEED_WATCH_SECONDS),
            "airflow_env": args.airflow_env,
            "runs_per_mode": args.runs,
            "modes": MODE_LABELS,
        },
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "airflow": _version("apache-airflow"),
        },
        "pipeline_files": pipeline_fingerprint(),
        "summary": summary,
        "results": results,
        "server_errors": server_errors[:20],
        "workdir": str(workdir) if args.keep else None,
    }
    output.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {output}")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    failed = any(part.get("error") for part in results.values())
    return 1 if failed else 0


def _version(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    sys.exit(main())
