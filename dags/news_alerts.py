"""Deliver queued alerts from the outbox to Slack.

Starts seconds after news_monitor emits `news_new_alerts`, and every 5 minutes anyway
so that alerts whose delivery failed are retried after their backoff. A Slack token or
channel problem fails the task with a clear message instead of burning retries.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, dag, task
from news_common import NEW_ALERTS, default_args, task_resources


@dag(
    dag_id="news_alerts",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("*/5 * * * *", timezone="UTC"), assets=[NEW_ALERTS]
    ),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=15),
    default_args=default_args(network=True),
    tags=["news", "afghanistan", "alerts"],
    doc_md=__doc__,
)
def news_alerts() -> None:
    @task
    def deliver_alerts() -> dict[str, object]:
        """Post due outbox rows; failed posts stay queued with a backoff."""
        from pipeline.cycle import deliver_outbox

        with task_resources() as resources:
            delivery = deliver_outbox(resources).to_dict()
        print(f"delivery: {delivery}")
        if delivery["blocked"]:
            raise RuntimeError(f"alert delivery blocked: {delivery['blocked']}")
        if delivery["set_aside"] or delivery["held"]:
            raise RuntimeError(
                f"{delivery['set_aside']} alerts set aside (channel not found) and "
                f"{delivery['held']} held (webhook outcome unknown): see `python -m pipeline "
                "status`, then `alerts release` or `alerts mark-sent`"
            )
        return delivery

    deliver_alerts()


news_alerts()
