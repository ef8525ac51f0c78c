"""Shared wiring for the news DAGs: default args, settings from Airflow, failure notices.

Not a DAG file itself. Secrets come from Airflow Variables/Connections when set
(`news_database_url`, `news_slack_bot_token`, `news_slack_channel`,
`news_slack_webhook_url`, `news_feeds_file`), else from the environment.

Two assets chain the DAGs: `news_feeds_changed` (updated by a feed watcher in the
triggerer, see news_triggers.py) starts news_monitor, and `news_new_alerts` (emitted by
news_monitor) starts news_alerts.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from airflow.sdk import (
    Asset,
    AssetWatcher,
    BaseNotifier,
    ExceptionRetryPolicy,
    RetryAction,
    RetryRule,
)
from news_triggers import FeedChangeTrigger, watch_interval


class FeedUnreachable(RuntimeError):
    """A feed could not be fetched (timeout, 5xx, connection): worth a retry."""


class FeedRejected(RuntimeError):
    """A feed answered with something unusable (malformed, 4xx): retrying cannot help."""


# Retry network trouble with backoff (the task's retries); fail fast on bad data.
FEED_RETRY_POLICY = ExceptionRetryPolicy(
    rules=[
        RetryRule(
            exception=FeedRejected,
            action=RetryAction.FAIL,
            reason="the feed's content is unusable; retrying cannot fix it",
        ),
        RetryRule(exception=FeedUnreachable, action=RetryAction.RETRY),
    ]
)

# Emitted by news_monitor when it queued alerts; news_alerts is scheduled on it.
NEW_ALERTS = Asset(name="news_new_alerts", uri="news://outbox/new-alerts")
# Updated by the triggerer when a configured feed's bytes changed (conditional GETs every
# FEED_WATCH_SECONDS, default 15); news_monitor runs on it, or on its timer. Parsing only
# records the feeds file path and the interval: the trigger reads the file when it runs.
FEEDS_CHANGED = Asset(
    name="news_feeds_changed",
    uri="news://feeds/changed",
    watchers=[
        AssetWatcher(
            name="feed_watcher",
            trigger=FeedChangeTrigger(
                feeds_file=os.environ.get("FEEDS_FILE") or None, interval=watch_interval()
            ),
        )
    ],
)
TASK_RETRIES = int(os.environ.get("NEWS_TASK_RETRIES", "2"))
VARIABLES = {
    "DATABASE_URL": "news_database_url",
    "SLACK_BOT_TOKEN": "news_slack_bot_token",
    "SLACK_CHANNEL": "news_slack_channel",
    "SLACK_WEBHOOK_URL": "news_slack_webhook_url",
    "FEEDS_FILE": "news_feeds_file",
}


def pipeline_settings() -> Any:
    """Settings for a task: Airflow Variables override the environment. Call in tasks only."""
    from airflow.sdk import Variable

    from pipeline.settings import load_settings

    env = dict(os.environ)
    for env_name, variable in VARIABLES.items():
        value = Variable.get(variable, default=None)
        if value:
            env[env_name] = value
    return load_settings(env)


class PipelineFailureNotifier(BaseNotifier):
    """Posts a task failure to the alert sink (Slack, webhook or console), without secrets."""

    template_fields = ()

    def notify(self, context: dict[str, Any]) -> None:
        from pipeline.alerts import notify_failure

        ti = context.get("ti") or context.get("task_instance")
        dag_id = getattr(ti, "dag_id", "?")
        task_id = getattr(ti, "task_id", "?")
        map_index = getattr(ti, "map_index", -1)
        where = f"{dag_id}.{task_id}" + (f"[{map_index}]" if map_index not in (-1, None) else "")
        error = context.get("exception")
        notify_failure(pipeline_settings(), f"Task {where} failed: {error}")


def default_args(network: bool = False) -> dict[str, Any]:
    """Shared defaults; network tasks retry with backoff, others fail fast."""
    return {
        "owner": "news-desk",
        "retries": TASK_RETRIES if network else 0,
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(minutes=10),
        "on_failure_callback": [PipelineFailureNotifier()],
    }
