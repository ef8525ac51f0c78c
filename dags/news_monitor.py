"""Poll the configured news feeds and store new articles, events and queued alerts.

The feeds are split into a few shards (one mapped `process_shard` task each, at most
MAX_SHARDS): a shard loads the model once, fetches its feeds in parallel (one request
at a time per host) and posts each alert as soon as its article is stored, so a slow or
broken feed delays no other feed's alert. A failing feed is feed health, not a failed
run: its row records the error, the task log says so, and operators get one notice when
a feed starts failing, recovers or is disabled. The run fails only when the pipeline
does (database, configuration) or every feed is down. When alerts were queued the run
emits the `news_new_alerts` asset; `news_alerts` retries whatever could not be posted.

Runs start when the feed watcher in the triggerer sees a feed change (the
`news_feeds_changed` asset, polled every FEED_WATCH_SECONDS, default 15 s) and, as a
fallback, every SCHEDULE_MINUTES minutes (default 5). Two runs may overlap (the dedupe
decision is atomic), so a change seen during a long run is not held back by it.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import AssetOrTimeSchedule, DeltaTriggerTimetable, dag, task
from news_common import (
    FEEDS_CHANGED,
    NEW_ALERTS,
    FeedUnreachable,
    default_args,
    pipeline_settings,
    task_resources,
)

from pipeline.settings import load_settings

MAX_SHARDS = 4
COUNT_KEYS = ("entries", "new", "duplicates", "known", "events", "alerts", "quarantined")


@dag(
    dag_id="news_monitor",
    schedule=AssetOrTimeSchedule(
        timetable=DeltaTriggerTimetable(timedelta(minutes=load_settings().schedule_minutes)),
        assets=[FEEDS_CHANGED],
    ),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=2,
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

        with task_resources(migrate=True) as resources:
            return prepare_store(resources)

    @task(retries=0)
    def plan_shards(ready: dict[str, int]) -> list[dict[str, int]]:
        """Shard numbers only (each shard reads its own feeds from the feeds file)."""
        from pipeline.settings import load_feeds

        feeds = load_feeds(pipeline_settings().feeds_file)
        count = max(1, min(MAX_SHARDS, len(feeds)))
        print(f"store ready: {ready}; {len(feeds)} feeds in {count} shards")
        return [{"index": index, "count": count} for index in range(count)]

    @task(map_index_template="shard {{ task.op_kwargs['shard']['index'] }}")
    def process_shard(shard: dict[str, int]) -> dict[str, object]:
        """Poll one shard's feeds and deliver their alerts; feed failures are reported."""
        from pipeline.cycle import run_shard

        with task_resources() as resources:
            report = run_shard(resources, shard["index"], shard["count"])
        for feed in report["unhealthy"]:  # type: ignore[attr-defined]
            print(f"feed {feed['feed']}: {feed['error']}")
        counts = {k: report[k] for k in COUNT_KEYS}
        print(f"shard {shard['index']}: {counts}; peak memory {report['peak_rss_mib']} MiB")
        return report

    @task(trigger_rule="all_done", retries=0)
    def report_feed_health(reports: list[dict[str, object]], **context: object) -> int:
        """One notice to operators per feed whose health changed (failing, recovered,
        disabled), with the task's log URL; nothing when nothing changed."""
        from news_common import log_url, notify_operators

        from pipeline.alerts.messages import feed_health_notice

        changes = [c for r in reports for c in r["changes"]]  # type: ignore[attr-defined]
        for change in changes:
            text = feed_health_notice(
                change["feed"], change["change"], change["error"], log_url(context)
            )
            notify_operators(text, context)
        return len(changes)

    @task(trigger_rule="all_done", outlets=[NEW_ALERTS], retries=0)
    def announce_alerts(reports: list[dict[str, object]]) -> int:
        """Emit the asset that starts news_alerts when this run queued alerts or older
        ones wait (the shards have posted most of them already: harmless)."""
        from airflow.sdk.exceptions import AirflowSkipException

        reports = list(reports)
        queued = sum(int(r["alerts"]) for r in reports)  # type: ignore[call-overload]
        with task_resources() as resources:
            pending = resources.store.pending_alert_count()
        print(f"shards that reported: {len(reports)}; queued {queued}; waiting: {pending}")
        if not queued and not pending:
            raise AirflowSkipException("no alerts queued or waiting")
        return queued + pending

    @task(retries=0)
    def summarize(reports: list[dict[str, object]]) -> dict[str, int]:
        """Totals of the run; fails only when every polled feed is down."""
        reports = list(reports)
        totals = {k: sum(int(r[k]) for r in reports) for k in COUNT_KEYS}  # type: ignore[call-overload]
        polled = sum(int(r["feeds"]) - int(r["feeds_disabled"]) for r in reports)  # type: ignore[call-overload]
        failed = sum(int(r["feeds_failed"]) - int(r["feeds_disabled"]) for r in reports)  # type: ignore[call-overload]
        peak = max((float(r.get("peak_rss_mib", 0)) for r in reports), default=0.0)  # type: ignore[arg-type, attr-defined]
        print(f"run totals: {totals}; feeds polled {polled}, failing {failed}; peak {peak} MiB")
        if polled and failed == polled:
            raise FeedUnreachable(f"all {polled} feeds are failing: is the network down?")
        return {**totals, "feeds_polled": polled, "feeds_failing": failed, "peak_rss_mib": peak}

    reports = process_shard.expand(shard=plan_shards(prepare()))
    report_feed_health(reports)
    announce_alerts(reports)
    summarize(reports)


news_monitor()
