"""Slack buttons: signature checks (slack_sdk's real verifier), clicks, mutes, labels."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from pipeline.alerts.feedback import (
    MUTE_FOR,
    Click,
    InteractionRefused,
    feedback_buttons,
    handle_interaction,
    labelled_set,
    muted_pairs,
    parse_clicks,
    verdicts,
    verify,
)
from tests.support.slack_server import signed_headers

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def click_body(action_id: str = "feedback_false_alarm", key: str = "district-fallen:i1") -> bytes:
    payload = {
        "type": "block_actions",
        "user": {"id": "U42", "username": "analyst"},
        "actions": [{"action_id": action_id, "value": key, "block_id": "feedback"}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def signed(body: bytes, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    return signed_headers(body, secret, at)


class MemoryFeedback:
    """Records clicks like the store: unknown keys answer None, repeats False."""

    def __init__(self, keys: set[str]) -> None:
        self.keys = keys
        self.signatures: set[str] = set()
        self.clicks: list[Click] = []

    def record_feedback(self, click: Click, signature: str, now: datetime) -> bool | None:
        if click.alert_key not in self.keys:
            return None
        if signature in self.signatures:
            return False
        self.signatures.add(signature)
        self.clicks.append(click)
        return True


def test_buttons_carry_the_alert_key_and_the_three_answers() -> None:
    block = feedback_buttons("district-fallen:inc-7")
    assert block["type"] == "actions"
    assert [e["action_id"] for e in block["elements"]] == [
        "feedback_confirm",
        "feedback_false_alarm",
        "feedback_mute",
    ]
    assert {e["value"] for e in block["elements"]} == {"district-fallen:inc-7"}


def test_a_correctly_signed_request_passes() -> None:
    body = click_body()
    headers = signed(body)
    assert verify(SignatureVerifier(SECRET), body, headers) == headers["X-Slack-Signature"]


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "body changed", "stale timestamp", "no headers"],
)
def test_forged_or_stale_requests_are_refused(tamper: str) -> None:
    body = click_body()
    headers = signed(body)
    if tamper == "wrong secret":
        headers = signed(body, secret="not-the-secret")
    elif tamper == "body changed":
        body = click_body("feedback_confirm")
    elif tamper == "stale timestamp":
        headers = signed(body, at=int(time.time()) - 6 * 60)
    else:
        headers = {}
    with pytest.raises(InteractionRefused) as refused:
        verify(SignatureVerifier(SECRET), body, headers)
    assert refused.value.status == 401


def test_a_replayed_request_is_refused_and_stored_once() -> None:
    store = MemoryFeedback({"district-fallen:i1"})
    body = click_body()
    headers = signed(body)
    verifier = SignatureVerifier(SECRET)
    [click] = handle_interaction(store, verifier, body, headers, NOW)
    assert (click.action, click.user_id, click.user_name) == ("false_alarm", "U42", "analyst")
    with pytest.raises(InteractionRefused) as refused:
        handle_interaction(store, verifier, body, headers, NOW)
    assert refused.value.status == 409
    assert len(store.clicks) == 1


def test_a_click_on_an_unknown_alert_is_refused() -> None:
    store = MemoryFeedback(set())
    body = click_body(key="no-such-alert")
    with pytest.raises(InteractionRefused) as refused:
        handle_interaction(store, SignatureVerifier(SECRET), body, signed(body), NOW)
    assert refused.value.status == 404


def test_mute_lasts_24_hours_and_other_buttons_set_no_end() -> None:
    [mute] = parse_clicks(click_body("feedback_mute"), NOW)
    assert mute.muted_until == NOW + MUTE_FOR == NOW + timedelta(hours=24)
    [confirm] = parse_clicks(click_body("feedback_confirm"), NOW)
    assert confirm.action == "confirm" and confirm.muted_until is None


@pytest.mark.parametrize(
    "body",
    [
        b"payload=not-json",
        urlencode({"payload": json.dumps({"type": "view_submission"})}).encode(),
        urlencode({"payload": json.dumps({"type": "block_actions", "actions": []})}).encode(),
        click_body("some_other_button"),
    ],
)
def test_requests_that_are_not_feedback_clicks_are_refused(body: bytes) -> None:
    with pytest.raises(InteractionRefused) as refused:
        parse_clicks(body, NOW)
    assert refused.value.status == 400


def _mute(rule: str, code: str | None, until: datetime, action: str = "mute") -> dict:
    return {"rule_id": rule, "district_code": code, "muted_until": until, "action": action}


def test_only_running_mutes_of_a_district_count() -> None:
    rows = [
        _mute("district-fallen", "AF2401", NOW + timedelta(hours=3)),
        _mute("district-fallen", "AF2402", NOW - timedelta(seconds=1)),  # ended
        _mute("district-fallen", None, NOW + timedelta(hours=3)),  # no district
        _mute("attack-in-kabul", "AF0101", NOW + timedelta(hours=3), action="confirm"),
    ]
    assert set(muted_pairs(rows, NOW)) == {("district-fallen", "AF2401")}


def _vote(key: str, user: str, action: str, minute: int) -> dict:
    return {
        "alert_key": key,
        "user_id": user,
        "action": action,
        "created_at": NOW + timedelta(minutes=minute),
    }


def test_verdicts_take_each_analysts_latest_click() -> None:
    rows = [
        _vote("a", "U1", "confirm", 0),
        _vote("b", "U1", "confirm", 0),
        _vote("b", "U1", "false_alarm", 5),  # changed their mind
        _vote("c", "U1", "confirm", 0),
        _vote("c", "U2", "false_alarm", 1),  # two analysts disagree
        _vote("d", "U1", "mute", 0),  # a mute says nothing about truth
    ]
    assert verdicts(rows) == {"a": "confirmed", "b": "false_alarm", "c": "disputed"}


def _judged(key: str, rule: str = "district-fallen") -> dict:
    return {
        "id": 7,
        "idempotency_key": key,
        "rule_id": rule,
        "evidence": "The Taliban overran the Yawan district centre.",
        "category": "territory_captured",
        "actor": "Taliban",
        "target": "Afghan forces",
        "district": "Yawan",
        "province": "Badakhshan",
        "title": "t",
        "url": "https://example.org/a",
        "published_at": datetime(2021, 7, 3, 9, tzinfo=UTC),
    }


def test_a_confirmed_fall_becomes_a_gold_event_with_an_alert() -> None:
    [record] = labelled_set({"a": "confirmed"}, [_judged("a"), _judged("unjudged")])
    assert record["alert_district_fallen"] is True and record["forbid"] == []
    assert record["events"][0]["type"] == "territory_captured"
    assert record["events"][0]["location"] == "Yawan district, Badakhshan"
    assert (record["date"], record["class"]) == ("2021-07-03", "feedback:district-fallen")
    assert record["text"] == "The Taliban overran the Yawan district centre."


def test_a_false_alarm_becomes_a_forbidden_pair_and_no_alert() -> None:
    [record] = labelled_set({"a": "false_alarm"}, [_judged("a")])
    assert record["alert_district_fallen"] is False and record["events"] == []
    assert record["forbid"] == [{"type": "territory_captured", "actor": "Taliban"}]


def test_other_rules_are_not_scored_as_district_alerts_and_disputes_are_left_out() -> None:
    [record] = labelled_set({"a": "confirmed"}, [_judged("a", rule="attack-in-kabul")])
    assert record["alert_district_fallen"] is None
    assert labelled_set({"a": "disputed"}, [_judged("a")]) == []


def test_the_labelled_set_reads_as_an_events_gold_file() -> None:
    from pipeline.evaluate import parse_gold_passage

    records = labelled_set({"a": "confirmed", "b": "false_alarm"}, [_judged("a"), _judged("b")])
    confirmed, false_alarm = (parse_gold_passage(r, "feedback") for r in records)
    assert confirmed.alert is True and confirmed.events[0].actor == "Taliban"
    assert false_alarm.alert is False
    assert false_alarm.forbid == (("territory_captured", "Taliban"),)
