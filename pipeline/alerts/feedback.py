"""Analysts answer alerts in Slack: Confirm, False alarm, Mute this rule here for 24 h.

The buttons carry the alert's idempotency key. Slack posts each click to the
interactivity endpoint (the Airflow plugin); `handle_interaction` checks Slack's request
signature, reads the click and returns what to store. Forged, stale and replayed
requests are refused: Slack signs each request with its timestamp, the verifier refuses
timestamps older than five minutes, and the store refuses a signature it has seen.

Mutes are honoured by delivery (`muted_pairs`); `labelled_set` turns confirm and
false-alarm clicks into labelled passages for the extraction evaluation.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import parse_qs

from pipeline.store import as_utc

MUTE_FOR = timedelta(hours=24)
# action_id of each button -> the feedback it records
ACTIONS = {
    "feedback_confirm": "confirm",
    "feedback_false_alarm": "false_alarm",
    "feedback_mute": "mute",
}
ACTION_LABELS = {"confirm": "Confirmed", "false_alarm": "False alarm", "mute": "Muted 24 h"}
BUTTON_TEXT = {
    "feedback_confirm": "Confirm",
    "feedback_false_alarm": "False alarm",
    "feedback_mute": "Mute rule here 24 h",
}


class InteractionRefused(Exception):
    """A request the endpoint must not act on; `status` is the HTTP status to answer."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Click:
    """One button click: which answer, on which alert, by whom."""

    action: str
    alert_key: str
    user_id: str
    user_name: str | None
    muted_until: datetime | None = None


class Verifier(Protocol):
    """slack_sdk.signature.SignatureVerifier's interface."""

    def is_valid(self, body: str | bytes, timestamp: str, signature: str) -> bool: ...


def feedback_buttons(alert_key: str) -> dict[str, Any]:
    """The actions block under an alert (Block Kit, built with slack_sdk)."""
    from slack_sdk.models.blocks import ActionsBlock, ButtonElement

    buttons = []
    for action_id, text in BUTTON_TEXT.items():
        style = {"feedback_confirm": "primary", "feedback_false_alarm": "danger"}.get(action_id)
        buttons.append(
            ButtonElement(text=text, action_id=action_id, value=alert_key[:2000], style=style)
        )
    return ActionsBlock(block_id="feedback", elements=buttons).to_dict()


def verify(verifier: Verifier, body: bytes, headers: Mapping[str, str]) -> str:
    """The request's signature when Slack signed this body recently; refuses otherwise."""
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = lowered.get("x-slack-request-timestamp", "")
    signature = lowered.get("x-slack-signature", "")
    if not timestamp or not signature:
        raise InteractionRefused("missing Slack signature headers", 401)
    if not verifier.is_valid(body, timestamp, signature):
        raise InteractionRefused("invalid or expired Slack signature", 401)
    return signature


def parse_clicks(body: bytes, now: datetime) -> list[Click]:
    """The feedback clicks in a block_actions request (form field `payload`, JSON)."""
    form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    try:
        payload = json.loads(form["payload"][0])
    except (KeyError, IndexError, ValueError):
        raise InteractionRefused("no JSON payload in the request", 400) from None
    if not isinstance(payload, dict) or payload.get("type") != "block_actions":
        raise InteractionRefused("not a block_actions request", 400)
    user = payload.get("user") or {}
    user_id = str(user.get("id") or "")
    if not user_id:
        raise InteractionRefused("the request names no user", 400)
    user_name = user.get("username") or user.get("name")
    clicks = []
    for item in payload.get("actions") or []:
        action = ACTIONS.get(str(item.get("action_id", "")))
        key = str(item.get("value") or "")
        if action and key:
            until = now + MUTE_FOR if action == "mute" else None
            clicks.append(Click(action, key, user_id, user_name, until))
    if not clicks:
        raise InteractionRefused("no feedback button in the request", 400)
    return clicks


def muted_pairs(rows: Iterable[Mapping[str, Any]], now: datetime) -> dict[tuple[str, str], Any]:
    """(rule id, district code) -> the mute (its row) still running at `now`."""
    pairs: dict[tuple[str, str], Any] = {}
    for row in rows:
        until = row.get("muted_until")
        code = row.get("district_code")
        if row.get("action") != "mute" or until is None or not code:
            continue
        if as_utc(until) > now:
            key = (str(row["rule_id"]), str(code))
            if key not in pairs or as_utc(until) > as_utc(pairs[key]["muted_until"]):
                pairs[key] = row
    return pairs


def mute_note(row: Mapping[str, Any]) -> str:
    """Why a row was not posted: who muted its rule on its district, until when."""
    until = as_utc(row["muted_until"]).strftime("%Y-%m-%d %H:%M UTC")
    who = row.get("user_name") or row.get("user_id")
    return f"muted: rule {row['rule_id']} on district {row['district_code']} by {who} until {until}"


def verdicts(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Each alert's label from its confirm and false-alarm clicks (mutes say nothing
    about truth): the latest click of each analyst counts; a tie between analysts who
    disagree is `disputed`."""
    latest: dict[tuple[str, str], tuple[Any, str]] = {}
    for row in rows:
        if row["action"] not in ("confirm", "false_alarm"):
            continue
        slot = (str(row["alert_key"]), str(row["user_id"]))
        if slot not in latest or row["created_at"] >= latest[slot][0]:
            latest[slot] = (row["created_at"], row["action"])
    votes: dict[str, list[str]] = {}
    for (key, _user), (_at, action) in latest.items():
        votes.setdefault(key, []).append(action)
    labels = {}
    for key, actions in votes.items():
        yes, no = actions.count("confirm"), actions.count("false_alarm")
        labels[key] = "confirmed" if yes > no else "false_alarm" if no > yes else "disputed"
    return labels


FALL_RULES = frozenset({"district-fallen", "provincial-capital-fallen"})


def labelled_set(
    verdict_by_key: Mapping[str, str], alerts: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Judged alerts as passages in the events gold format (`evaluate events --gold`):
    the event's sentence (what the label is about: a false alarm's article may report
    the same kind of event elsewhere, rightly); a confirmed alert's event as a gold
    event, a false alarm's as a `forbid` pair; `alert_district_fallen` set for the fall
    rules (null for others, so they are not scored as alerts). Disputed alerts and
    alerts without an event are left out."""
    records = []
    for alert in alerts:
        label = verdict_by_key.get(str(alert["idempotency_key"]))
        if label not in ("confirmed", "false_alarm") or not alert.get("evidence"):
            continue
        pair = {"type": alert.get("category"), "actor": alert.get("actor")}
        event = pair | {
            "target": alert.get("target"),
            "location": _location(alert),
            "evidence": alert.get("evidence") or "",
        }
        falls = alert["rule_id"] in FALL_RULES
        records.append(
            {
                "id": f"feedback-{alert['id']}",
                "class": f"feedback:{alert['rule_id']}",
                "url": alert.get("url"),
                "date": _day(alert.get("published_at")),
                "text": alert["evidence"],
                "alert_district_fallen": (label == "confirmed") if falls else None,
                "events": [event] if label == "confirmed" and pair["type"] else [],
                "forbid": [pair] if label == "false_alarm" and pair["type"] else [],
                "label": label,
                "alert_key": alert["idempotency_key"],
            }
        )
    return records


def _location(alert: Mapping[str, Any]) -> str | None:
    district, province = alert.get("district"), alert.get("province")
    if district and province and district != province:
        return f"{district} district, {province}"
    return province or district


def _day(moment: Any) -> str | None:
    return moment.date().isoformat() if isinstance(moment, datetime) else moment


class FeedbackStore(Protocol):
    def record_feedback(self, click: Click, signature: str, now: datetime) -> bool | None: ...


def handle_interaction(
    store: FeedbackStore,
    verifier: Verifier,
    body: bytes,
    headers: Mapping[str, str],
    now: datetime,
) -> list[Click]:
    """Check a Slack interactivity request and store its clicks; raises
    InteractionRefused (401 forged or stale, 409 replayed, 404 unknown alert, 400
    not a feedback click)."""
    signature = verify(verifier, body, headers)
    clicks = parse_clicks(body, now)
    for index, click in enumerate(clicks):
        stored = store.record_feedback(click, f"{signature}#{index}" if index else signature, now)
        if stored is None:
            raise InteractionRefused(f"no alert with key {click.alert_key!r}", 404)
        if not stored:
            raise InteractionRefused("request already received (replayed)", 409)
    return clicks
