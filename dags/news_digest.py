"""Daily digest to Slack: counts by category, actor and province, top events, a chart."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task
from news_common import default_args, task_resources


@dag(
    dag_id="news_digest",
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=30),
    default_args=default_args(network=True),
    tags=["news", "afghanistan", "digest"],
    doc_md=__doc__,
)
def news_digest() -> None:
    @task
    def post_digest() -> dict[str, object]:
        """Build the last 24 hours' digest and post it."""
        from pipeline.digest import post_digest as post

        with task_resources() as resources:
            result = post(resources)
        if not result["posted"]:
            print("digest: nothing happened in the last 24 hours; nothing posted")
        else:
            print(
                f"digest: {result['events']} events; chart {result.get('chart')}, "
                f"map {result.get('map')}"
            )
        return {k: result[k] for k in ("events", "by_category", "sink", "posted")}

    post_digest()


news_digest()
