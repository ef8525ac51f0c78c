"""Poll the configured news feeds and store new articles, events and queued alerts.

One mapped `process_feed` task per feed (at most 4 at once). A broken feed fails its
own task (red in the grid, error on the feed's row) and the run, while the other
feeds go through. When alerts were queued the run emits the `news_new_alerts` asset,
which starts `news_alerts` within seconds.

Runs start when the feed watcher in the triggerer sees a feed change (the
`news_feeds_changed` asset, polled every FEED_WATCH_SECONDS, default 15 s) and, as a
fallback, every SCHEDULE_MINUTES minutes (default 5). Changes seen while a run is active
are coalesced into one next run.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import AssetOrTimeSchedule, DeltaTriggerTimetable, dag, task
from news_common import (
    FEED_RETRY_POLICY,
    FEEDS_CHANGED,
    NEW_ALERTS,
    FeedRejected,
    FeedUnreachable,
    default_args,
    pipeline_settings,
)

from pipeline.settings import load_settings

COUNT_KEYS = ("entries", "new", "duplicates", "known", "events", "alerts")


@dag(
    dag_id="news_monitor",
    schedule=AssetOrTimeSchedule(
        timetable=DeltaTriggerTimetable(timedelta(minutes=load_settings().schedule_minutes)),
        assets=[FEEDS_CHANGED],
    ),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=30),
    default_args=default_args(network=True),
    tags=["news", "afghanistan", "ingest"],
    doc_md=__doc__,
)
def news_monitor() -> None:
    @task(retries=0)
    def prepare() -> dict[str, int]:
        """Migrate the schema and load the seed corpus (idempotent)."""
        from pipeline.cycle import prepare as prepare_store

        return prepare_store(pipeline_settings())

    @task(retries=0)
    def list_feeds(ready: dict[str, int]) -> list[dict[str, object]]:
        """The feeds to poll, as small dicts (one mapped task each)."""
        from pipeline.settings import load_feeds

        feeds = load_feeds(pipeline_settings().feeds_file)
        print(f"store ready: {ready}; polling {len(feeds)} feeds")
        return [{"url": f.url, "name": f.name, "full_text": f.full_text} for f in feeds]

    @task(
        max_active_tis_per_dag=4,
        map_index_template="{{ task.op_kwargs['feed']['url'] }}",
        retry_policy=FEED_RETRY_POLICY,
    )
    def process_feed(feed: dict[str, object]) -> dict[str, object]:
        """Fetch one feed and store what is new; fail visibly if the feed is broken."""
        from pipeline.cycle import run_feed
        from pipeline.settings import FeedConfig

        report = run_feed(pipeline_settings(), FeedConfig(**feed))  # type: ignore[arg-type]
        counts = {k: v for k, v in report.to_dict().items() if k != "duplicate_notes"}
        print(f"feed {report.label}: {counts}")
        for note in report.duplicate_notes:
            print(f"duplicate {note}")
        if not report.ok:
            failure = FeedUnreachable if report.retryable else FeedRejected
            raise failure(f"{report.label}: {report.error}")
        return counts

    @task(trigger_rule="all_done", outlets=[NEW_ALERTS], retries=0)
    def announce_alerts(reports: list[dict[str, object]]) -> int:
        """Emit the asset that starts news_alerts when this run queued alerts or older
        ones wait (a scheduled news_alerts run may have posted them already: harmless)."""
        from airflow.sdk.exceptions import AirflowSkipException

        from pipeline.cycle import pending_alert_count

        reports = list(reports)
        queued = sum(int(r["alerts"]) for r in reports)  # type: ignore[call-overload]
        pending = pending_alert_count(pipeline_settings())
        print(f"feeds that reported: {len(reports)}; queued {queued}; waiting: {pending}")
        if not queued and not pending:
            raise AirflowSkipException("no alerts queued or waiting")
        return queued + pending

    @task(retries=0)
    def summarize(reports: list[dict[str, object]]) -> dict[str, int]:
        """Totals of the run; left upstream_failed (and the run failed) when a feed failed."""
        totals = {k: sum(int(r[k]) for r in reports) for k in COUNT_KEYS}  # type: ignore[call-overload]
        print(f"run totals: {totals}")
        return totals

    reports = process_feed.expand(feed=list_feeds(prepare()))
    announce_alerts(reports)
    summarize(reports)


news_monitor()
