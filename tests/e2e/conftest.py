"""End-to-end fixtures: a real Airflow deployment started as local processes.

Each test module gets its own stack (own AIRFLOW_HOME, own metadata database, own API
port) plus its own application database, feed server and Slack server. The feed server and
the Slack server run in the pytest process; Airflow's task processes reach them over
loopback. Component logs stay in the module's tmp folder and are shown when a test fails.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate
from pathlib import Path
from typing import NoReturn

import pytest

from tests.conftest import ADMIN_URL, _admin_execute, _with_database, write_rss
from tests.e2e.airflow_stack import TERMINAL_RUN_STATES, AirflowStack, StackError
from tests.support.feed_server import FeedServer
from tests.support.slack_server import SlackServer

SLACK_TOKEN = "xoxb-test-token"
SLACK_CHANNEL = "C0ALERTS"
SIGNING_SECRET = "e2e-slack-signing-secret-4d1f"
DAG_ID = "news_monitor"
# news_monitor emits the news_new_alerts asset when it queued alerts; news_alerts,
# scheduled on that asset, posts them to Slack.
ALERTS_DAG_ID = "news_alerts"
STARTUP_TIMEOUT = 150.0
RUN_TIMEOUT = 240.0
# Tasks news_monitor always has (the alert hand-off task may change name).
CORE_TASKS = {"prepare", "plan_shards", "process_shard", "summarize"}
# Unpausing a DAG (catchup off) starts one scheduled run at once; an hourly interval keeps
# the next scheduled news_monitor run well beyond the end of a test module.
NEXT_SCHEDULED_RUN_MINUTES = "60"


def unavailable(reason: str) -> NoReturn:
    """Missing infrastructure fails the run under CI and skips the test elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: end-to-end tests must run)")
    pytest.skip(reason)


YAWAN_TITLE = "Taliban take Yawan district in Badakhshan"
BACKGROUND_ITEM = {
    "title": "Kabul opens a new public park",
    "link": "https://wire.example.org/e2e/kabul-park",
    "guid": "e2e-kabul-park",
    "pubDate": formatdate(time.time() - 3600, usegmt=True),
    "description": "Kabul municipality opened a new public park in the west of the city.",
}


@dataclass
class NewsScenario:
    """The application side: database, feeds file, feed server and Slack server."""

    root: Path
    app_url: str
    feeds: FeedServer
    slack: SlackServer
    feeds_file: Path
    published_at: float | None = None

    def app_env(self) -> dict[str, str]:
        return {
            "DATABASE_URL": self.app_url,
            "FEEDS_FILE": str(self.feeds_file),
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_BASE_URL": self.slack.base_url,
            "SLACK_CHANNEL": SLACK_CHANNEL,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "NEWS_TASK_RETRIES": "0",
            "SCHEDULE_MINUTES": NEXT_SCHEDULED_RUN_MINUTES,
        }

    def publish_background(self) -> None:
        """A feed with one harmless item, for the scheduled run that unpausing starts."""
        self._write([BACKGROUND_ITEM])

    def publish(self) -> float:
        """Add the Yawan item to the feed now; returns the wall-clock time it appeared."""
        now = time.time()
        item = {
            "title": YAWAN_TITLE,
            "link": f"https://wire.example.org/e2e/{uuid.uuid4().hex[:8]}/yawan",
            "guid": f"e2e-yawan-{uuid.uuid4().hex[:8]}",
            "pubDate": formatdate(now - 600, usegmt=True),
            "description": "The Taliban captured the Yawan district centre in Badakhshan "
            "province on Saturday.",
        }
        self._write([item, BACKGROUND_ITEM])
        self.published_at = now
        return now

    def _write(self, items: list[dict[str, str]]) -> None:
        target = self.feeds.root / "wire.xml"
        staged = target.with_suffix(".tmp")
        write_rss(staged, items, title="E2E wire")
        staged.replace(target)  # appears atomically: no reader sees half a file


@pytest.fixture(scope="module")
def module_tmp(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    return tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])


def _create_database(prefix: str) -> str:
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        _admin_execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        unavailable(f"Postgres unreachable at {ADMIN_URL}: {exc}")
    return name


def _drop_database(name: str) -> None:
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def app_database(postgres_template: str) -> Iterator[str]:
    """A fresh, migrated application database (cloned from the session template)."""
    name = f"news_e2e_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    yield _with_database(name)
    _drop_database(name)


@pytest.fixture(scope="module")
def metadata_database() -> Iterator[str]:
    """An empty database for Airflow's metadata, separate from the application's."""
    name = _create_database("airflow_e2e")
    yield _with_database(name)
    _drop_database(name)


@pytest.fixture(scope="module")
def scenario(module_tmp: Path, app_database: str) -> Iterator[NewsScenario]:
    feed_root = module_tmp / "feeds"
    feed_root.mkdir()
    with FeedServer(feed_root) as feeds, SlackServer() as slack:
        feeds_file = module_tmp / "feeds.yaml"
        feeds_file.write_text(f"feeds:\n  - url: {feeds.url('/wire.xml')}\n    name: E2E wire\n")
        news = NewsScenario(module_tmp, app_database, feeds, slack, feeds_file)
        news.publish_background()
        yield news
    assert not feeds.errors, feeds.errors
    assert not slack.errors, slack.errors


def launch_stack(
    root: Path,
    metadata_url: str,
    scenario: NewsScenario,
    *,
    executor: str,
    components: dict[str, list[str]],
    extra_env: dict[str, str] | None = None,
    healthy: tuple[str, ...] = ("metadatabase", "scheduler", "dag_processor"),
) -> AirflowStack:
    """Migrate the metadata DB, start the components, wait until news_monitor is parsed."""
    stack = AirflowStack(
        root=root,
        metadata_url=metadata_url,
        executor=executor,
        app_env=scenario.app_env(),
        extra_env=dict(extra_env or {}),
    )
    started = time.monotonic()
    stack.airflow("db", "migrate")
    try:
        stack.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(stack.port))
        for name, args in components.items():
            stack.start(name, *args)
        stack.wait_healthy(STARTUP_TIMEOUT, healthy)
        for dag_id in (DAG_ID, ALERTS_DAG_ID):
            stack.wait_for_dag(dag_id, STARTUP_TIMEOUT)
    except BaseException:
        stack.stop()
        raise
    print(f"\n[e2e] {executor} stack up on {stack.base_url} in {time.monotonic() - started:.1f}s")
    return stack


def shutdown(stack: AirflowStack) -> None:
    started = time.monotonic()
    stack.stop()
    print(f"\n[e2e] stack stopped in {time.monotonic() - started:.1f}s; logs in {stack.log_dir}")


@dataclass
class NewsCycle:
    """One triggered news_monitor run and the news_alerts run(s) that delivered its alert."""

    stack: AirflowStack
    run_id: str
    run: dict
    task_instances: list[dict]
    alert_runs: list[dict]
    alert_task_instances: list[dict]
    message: dict
    published_at: float
    triggered_at: float
    finished_at: float

    @property
    def delivered_at(self) -> float:
        return float(self.message["ts"])

    def timings(self) -> str:
        return (
            f"feed entry -> Slack {self.delivered_at - self.published_at:.1f}s, "
            f"trigger -> Slack {self.delivered_at - self.triggered_at:.1f}s, "
            f"trigger -> news_monitor success {self.finished_at - self.triggered_at:.1f}s"
        )


def settle_after_unpause(stack: AirflowStack, dag_ids: tuple[str, ...]) -> None:
    """Wait for the scheduled runs that unpausing starts (catchup off: one per due DAG)."""
    now = datetime.now(UTC)
    due = []
    for dag_id in dag_ids:
        run_after = stack.wait_for_dag(dag_id)["next_dagrun_run_after"]
        if run_after is not None and datetime.fromisoformat(run_after) <= now:
            due.append(dag_id)

    def settled() -> list[dict] | None:
        runs = {dag_id: stack.dag_runs(dag_id) for dag_id in dag_ids}
        started = all(any(r["run_type"] == "scheduled" for r in runs[d]) for d in due)
        finished = all(r["state"] in TERMINAL_RUN_STATES for rs in runs.values() for r in rs)
        return [r for rs in runs.values() for r in rs] if started and finished else None

    runs = stack.wait_until("the runs started by unpausing to finish", settled, RUN_TIMEOUT)
    failed = [r["dag_run_id"] for r in runs if r["state"] != "success"]
    if failed:
        raise StackError(f"scheduled runs failed: {failed}\n{stack.describe_failure()}")


def run_news_cycle(stack: AirflowStack, scenario: NewsScenario) -> NewsCycle:
    """Unpause both DAGs, publish the item, trigger news_monitor, wait for the Slack post.

    Unpausing starts one scheduled run of each DAG right away; they see only the harmless
    background item and are waited out first, so the measured run is the triggered one.
    """
    dag_ids = (DAG_ID, ALERTS_DAG_ID)
    stack.watched_dags.extend(d for d in dag_ids if d not in stack.watched_dags)
    for dag_id in dag_ids:
        stack.unpause(dag_id)
    settle_after_unpause(stack, dag_ids)
    assert not scenario.slack.messages, scenario.slack.messages
    earlier_alert_runs = {r["dag_run_id"] for r in stack.dag_runs(ALERTS_DAG_ID)}

    published_at = scenario.publish()
    triggered_at = time.time()
    run_id = stack.trigger(DAG_ID)
    run = stack.wait_for_run(DAG_ID, run_id, RUN_TIMEOUT)
    finished_at = time.time()
    task_instances = stack.task_instances(DAG_ID, run_id)

    messages = stack.wait_until(
        "the alert at the Slack server", lambda: scenario.slack.messages_in(SLACK_CHANNEL), 120
    )

    def alert_runs_done() -> list[dict] | None:
        runs = [
            r for r in stack.dag_runs(ALERTS_DAG_ID) if r["dag_run_id"] not in earlier_alert_runs
        ]
        asset_runs = [r for r in runs if r["run_type"] == "asset_triggered"]
        finished = all(r["state"] in TERMINAL_RUN_STATES for r in runs)
        return runs if asset_runs and finished else None

    alert_runs = stack.wait_until("the news_alerts run(s) to finish", alert_runs_done, 120)
    alert_tis = [
        ti for r in alert_runs for ti in stack.task_instances(ALERTS_DAG_ID, r["dag_run_id"])
    ]
    return NewsCycle(
        stack,
        run_id,
        run,
        task_instances,
        alert_runs,
        alert_tis,
        messages[0],
        published_at,
        triggered_at,
        finished_at,
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """On a failed e2e test, attach the task states and component log tails to the report."""
    report = yield
    if report.failed and call.when in ("setup", "call"):
        for value in getattr(item, "funcargs", {}).values():
            stack = value if isinstance(value, AirflowStack) else getattr(value, "stack", None)
            if isinstance(stack, AirflowStack) and stack.components:
                report.sections.append(("airflow stack", stack.describe_failure()))
                break
    return report
