"""Shared wiring for the news DAGs: default args, settings from Airflow, failure notices.

Not a DAG file itself. Secrets come from Airflow Variables/Connections when set
(`news_database_url`, `news_slack_bot_token`, `news_slack_channel`,
`news_slack_webhook_url`, `news_feeds_file`), else from the environment. Operational
notices (task failures, feeds failing, recovering or disabled) go to
`news_slack_ops_channel` / SLACK_OPS_CHANNEL through the Connection `news_slack_ops`,
else only to the task log; never to the analysts' alert channel.

Two assets chain the DAGs: `news_feeds_changed` (updated by a feed watcher in the
triggerer, see news_airflow/triggers.py) starts news_monitor, and `news_new_alerts` (emitted by
news_monitor) starts news_alerts.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from airflow.sdk import Asset, AssetWatcher, BaseNotifier

from news_airflow.triggers import FeedChangeTrigger, watch_interval


class FeedUnreachable(RuntimeError):
    """Every feed failed: more likely the network than the publishers."""


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


def task_resources(migrate: bool = False) -> Any:
    """The pipeline's resources for one task process (live: the configured database,
    network and Slack), built once and closed by the `with` block that uses them."""
    from pipeline.resources import Resources

    return Resources.live(pipeline_settings(), migrate=migrate)


OPS_CONN_ID = os.environ.get("SLACK_OPS_CONN_ID") or "news_slack_ops"


def ops_channel() -> str | None:
    """Where operational notices go: the `news_slack_ops_channel` Variable or
    SLACK_OPS_CHANNEL; None means the task log only (never the analysts' channel)."""
    from airflow.sdk import Variable

    return Variable.get("news_slack_ops_channel", default=None) or (
        pipeline_settings().slack_ops_channel
    )


def notify_operators(text: str, context: dict[str, Any]) -> bool:
    """Post an operational notice through the Slack provider's SlackNotifier and the
    Airflow Connection `news_slack_ops` (SLACK_OPS_CONN_ID); never raises."""
    from pipeline.alerts import redact_secrets

    safe = redact_secrets(text)
    channel = ops_channel()
    print(f"ops notice: {safe}")
    if not channel:
        return False
    from airflow.providers.slack.notifications.slack import SlackNotifier

    try:
        SlackNotifier(
            slack_conn_id=OPS_CONN_ID,
            channel=channel,
            text=safe,
            unfurl_links=False,
            unfurl_media=False,
        ).notify(context)
    except Exception as exc:  # a notice must never fail the task that sends it
        print(f"ops notice not delivered: {redact_secrets(str(exc))[:300]}")
        return False
    return True


def log_url(context: dict[str, Any]) -> str | None:
    ti = context.get("ti") or context.get("task_instance")
    return getattr(ti, "log_url", None)


class PipelineFailureNotifier(BaseNotifier):
    """Tells operators (not the analysts' alert channel) that a task failed, with its
    log URL and without secrets."""

    template_fields = ()

    def notify(self, context: dict[str, Any]) -> None:
        ti = context.get("ti") or context.get("task_instance")
        dag_id = getattr(ti, "dag_id", "?")
        task_id = getattr(ti, "task_id", "?")
        rendered = getattr(ti, "rendered_map_index", None)
        map_index = getattr(ti, "map_index", -1)
        where = f"{dag_id}.{task_id}" + (
            f"[{rendered or map_index}]" if map_index not in (-1, None) else ""
        )
        error = context.get("exception")
        url = log_url(context)
        notify_operators(f"Task {where} failed: {error}" + (f" ({url})" if url else ""), context)


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
