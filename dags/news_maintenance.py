"""Manual maintenance: reload the seed corpus, reprocess stored articles, re-enable a feed.

Trigger with params: `action` is one of `reload_seeds`, `reprocess`, `enable_feed`;
`feed_url` is needed for `enable_feed`; `since_days` limits `reprocess`.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task
from news_common import default_args, task_resources


@dag(
    dag_id="news_maintenance",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    default_args=default_args(),
    tags=["news", "afghanistan", "maintenance"],
    doc_md=__doc__,
    params={
        "action": Param("reload_seeds", enum=["reload_seeds", "reprocess", "enable_feed"]),
        "feed_url": Param("", type="string"),
        "since_days": Param(7, type="integer", minimum=1),
    },
)
def news_maintenance() -> None:
    @task
    def run_action(params: dict[str, object] | None = None) -> dict[str, object]:
        """Do the requested action and return its counts."""
        from pipeline import maintenance

        params = params or {}
        action = str(params.get("action", "reload_seeds"))
        with task_resources(migrate=True) as resources:
            if action == "reload_seeds":
                return maintenance.reload_seeds(resources)
            if action == "reprocess":
                days = int(params.get("since_days", 7))
                return maintenance.reprocess(resources, since_days=days)
            return maintenance.enable_feed(resources, str(params.get("feed_url") or ""))

    run_action()


news_maintenance()
