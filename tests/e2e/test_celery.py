"""The distributed path: scheduler with CeleryExecutor, Redis broker, a Celery worker.

The scheduler only queues task instances on Redis; an ``airflow celery worker`` process
consumes them from a queue of this test's own and runs them. Task states come back through
the result backend in the metadata database (psycopg 3 driver: psycopg2 is not installed).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from pipeline.schema import alerts
from tests.e2e.airflow_stack import AirflowStack
from tests.e2e.conftest import (
    CORE_TASKS,
    NewsCycle,
    NewsScenario,
    launch_stack,
    run_news_cycle,
    shutdown,
    unavailable,
)

pytestmark = pytest.mark.slow

# A database number nothing else here uses; only this db is ever flushed.
BROKER_URL = "redis://127.0.0.1:6379/7"
QUEUE = f"news-e2e-{uuid.uuid4().hex[:8]}"
WORKER_NAME = f"news-e2e-worker-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def broker() -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis unreachable at {BROKER_URL}: {exc}")
    client.flushdb()
    yield BROKER_URL
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def celery_stack(
    module_tmp: Path, metadata_database: str, scenario: NewsScenario, broker: str
) -> Iterator[AirflowStack]:
    stack = launch_stack(
        module_tmp,
        metadata_database,
        scenario,
        executor="CeleryExecutor",
        components={
            "scheduler": ["scheduler"],
            "dag-processor": ["dag-processor"],
            "celery-worker": [
                "celery",
                "worker",
                "--queues",
                QUEUE,
                "--concurrency",
                "2",
                "--celery-hostname",
                f"{WORKER_NAME}@%h",
                "--without-gossip",
                "--without-mingle",
                "--skip-serve-logs",
            ],
        },
        extra_env={
            "AIRFLOW__CELERY__BROKER_URL": broker,
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{metadata_database}",
            # Every task goes to this queue, which only our worker consumes.
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": QUEUE,
        },
    )
    yield stack
    shutdown(stack)


@pytest.fixture(scope="module")
def celery_cycle(celery_stack: AirflowStack, scenario: NewsScenario) -> NewsCycle:
    worker_log = celery_stack.log_dir / "celery-worker.log"
    celery_stack.wait_until(
        "the Celery worker to be ready",
        lambda: (
            worker_log.exists()
            and f"{WORKER_NAME}@" in worker_log.read_text()
            and " ready." in worker_log.read_text()
        ),
        120,
    )
    return run_news_cycle(celery_stack, scenario)


def test_news_monitor_runs_on_the_celery_worker(
    celery_cycle: NewsCycle, celery_stack: AirflowStack, scenario: NewsScenario
) -> None:
    tis = celery_cycle.task_instances + celery_cycle.alert_task_instances
    states = {(ti["dag_id"], ti["task_id"], ti["map_index"]): ti["state"] for ti in tis}
    assert {task for _, task, _ in states} >= CORE_TASKS | {"deliver_alerts"}, states
    assert set(states.values()) == {"success"}, states
    # Only the worker consumes QUEUE, so every task instance ran there.
    assert {ti["queue"] for ti in tis} == {QUEUE}

    # The worker reports each workload it ran, and one Celery result per task instance
    # lands in the result backend (both a moment after the task instance's own state).
    worker_log = celery_stack.log_dir / "celery-worker.log"
    engine = create_engine(celery_stack.metadata_url)

    def worker_accounted_for_all() -> dict[str, int] | None:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT status, count(*) FROM celery_taskmeta GROUP BY status")
            ).all()
        counts = {status: n for status, n in rows}
        succeeded = {
            line.split("workload_id=", 1)[1].split()[0]
            for line in worker_log.read_text(errors="replace").splitlines()
            if "Workload finished" in line and "final_state=success" in line
        }
        finished = {ti["id"] for ti in tis} <= succeeded
        done = set(counts) == {"SUCCESS"} and counts["SUCCESS"] >= len(tis)
        return counts if done and finished else None

    try:
        counts = celery_stack.wait_until("the worker's results", worker_accounted_for_all, 60)
    finally:
        engine.dispose()
    print(f"\n[e2e] celery_taskmeta: {counts}; task instances of the two runs: {len(tis)}")

    app = create_engine(scenario.app_url)
    try:
        with app.connect() as conn:
            statuses = [r.status for r in conn.execute(select(alerts.c.status))]
    finally:
        app.dispose()
    assert statuses == ["sent"]
    [message] = scenario.slack.messages
    assert "Yawan" in message["text"]
    print(f"\n[e2e] CeleryExecutor, run {celery_cycle.run_id}: {celery_cycle.timings()}")
