"""Alerts: rules (what fires), plan (which outbox rows follow, a pure function),
messages (what Slack shows) and delivery (exactly-once posting)."""

from pipeline.alerts.delivery import (
    ConsoleSink,
    DeliveryError,
    DeliveryReport,
    Outgoing,
    Posted,
    Router,
    SlackSink,
    WebhookSink,
    deliver,
    make_sink,
    redact_secrets,
    resolve_unknown,
)
from pipeline.alerts.messages import build_message, escape
from pipeline.alerts.plan import AlertHistory, AlertPlan, PlannedAlert, plan_alerts
from pipeline.alerts.rules import AlertRule, PhraseSet, load_rules, match_rules

__all__ = [
    "AlertHistory",
    "AlertPlan",
    "AlertRule",
    "ConsoleSink",
    "DeliveryError",
    "DeliveryReport",
    "Outgoing",
    "PhraseSet",
    "PlannedAlert",
    "Posted",
    "Router",
    "SlackSink",
    "WebhookSink",
    "build_message",
    "deliver",
    "escape",
    "load_rules",
    "make_sink",
    "match_rules",
    "plan_alerts",
    "redact_secrets",
    "resolve_unknown",
]
