"""Poll the configured news feeds, store new articles and events, deliver alerts."""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from pipeline.settings import load_settings

SETTINGS = load_settings()
TASK_RETRIES = int(os.environ.get("NEWS_TASK_RETRIES", "2"))

DEFAULT_ARGS = {
    "owner": "news-desk",
    "retries": TASK_RETRIES,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=10),
}


class FeedFailed(RuntimeError):
    """Raised after a feed's error is recorded, so the UI shows the feed's task as failed."""


@dag(
    dag_id="news_monitor",
    schedule=timedelta(minutes=SETTINGS.schedule_minutes),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=30),
    default_args=DEFAULT_ARGS,
    tags=["news", "afghanistan", "ingest"],
    doc_md=__doc__,
)
def news_monitor() -> None:
    @task
    def prepare() -> dict[str, int]:
        """Migrate the schema and load the seed corpus (idempotent)."""
        from pipeline.cycle import prepare as prepare_store

        return prepare_store(load_settings())

    @task
    def list_feeds(_ready: dict[str, int]) -> list[dict[str, object]]:
        """The feeds to poll, as small dicts (one mapped task each)."""
        from pipeline.settings import load_feeds

        settings = load_settings()
        return [
            {"url": f.url, "name": f.name, "full_text": f.full_text}
            for f in load_feeds(settings.feeds_file)
        ]

    @task(max_active_tis_per_dag=4, map_index_template="{{ task.op_kwargs['feed']['url'] }}")
    def process_feed(feed: dict[str, object]) -> dict[str, object]:
        """Fetch one feed and store what is new; fail visibly if the feed is broken."""
        from pipeline.cycle import run_feed
        from pipeline.settings import FeedConfig

        report = run_feed(load_settings(), FeedConfig(**feed))  # type: ignore[arg-type]
        counts = {k: v for k, v in report.to_dict().items() if k != "duplicate_notes"}
        print(f"feed {report.label}: {counts}")
        if not report.ok:
            raise FeedFailed(f"{report.label}: {report.error}")
        return counts

    @task(trigger_rule="all_done")
    def deliver_alerts(reports: list[dict[str, object]]) -> dict[str, object]:
        """Post pending outbox rows, even when some feeds failed."""
        from pipeline.cycle import deliver_outbox

        delivery = deliver_outbox(load_settings()).to_dict()
        print(f"feeds processed: {len(list(reports))}; delivery: {delivery}")
        if delivery["blocked"]:
            raise RuntimeError(f"alert delivery blocked: {delivery['blocked']}")
        return delivery

    @task
    def summarize(reports: list[dict[str, object]]) -> dict[str, int]:
        """Totals of the run; left upstream_failed (and the run failed) when a feed failed."""
        keys = ("entries", "new", "duplicates", "known", "events", "alerts")
        totals = {k: sum(int(r[k]) for r in reports) for k in keys}  # type: ignore[call-overload]
        print(f"run totals: {totals}")
        return totals

    reports = process_feed.expand(feed=list_feeds(prepare()))
    deliver_alerts(reports)
    summarize(reports)


news_monitor()
