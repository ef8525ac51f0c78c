"""District-control alerts: one per new state of a district, never twice."""

from __future__ import annotations

import json
from datetime import date

from pipeline.alerts.control import ControlPlan, page_link, plan_control_alerts, with_notes
from pipeline.alerts.rules import AlertRule, ControlChangeSpec
from pipeline.control import ControlChange, ControlRefresh

RULE = AlertRule(
    id="district-control-changed",
    description="",
    severity="high",
    channel=None,
    title="District control changed",
    control_change=ControlChangeSpec(min_confidence=0.5),
)
PLACES = {"AF2401": ("Kunduz", "Kunduz")}


def change(status: str, day: int, *, confidence: float = 0.65, event: int = 1) -> ControlChange:
    return ControlChange(
        district_code="AF2401",
        status=status,
        valid_from=date(2021, 8, day),
        event_ids=(event,),
        article_ids=(event * 10,),
        incident_id=None,
        independent_outlets=1,
        confidence=confidence,
        basis="reported fall",
    )


def plan(before: tuple, after: tuple, page: str | None = None) -> list:
    refresh = ControlRefresh({"AF2401": before}, {"AF2401": after})
    return list(
        plan_control_alerts(refresh, [RULE], PLACES, {2: "Kunduz fell on Sunday."}, page).rows
    )


def test_a_new_state_gives_one_alert_keyed_by_district_state_and_day() -> None:
    [row] = plan(
        (change("government", 1),), (change("government", 1), change("taliban", 8, event=2))
    )
    assert row.key == "district-control-changed:AF2401:2021-08-08:taliban"
    assert (row.article_id, row.event_id) == (20, 2)
    text = json.dumps(row.payload)
    assert "Taliban control" in text and "before: government control" in text
    assert "Kunduz fell on Sunday." in text
    assert row.payload["blocks"][-1]["type"] == "actions"


def test_the_first_state_of_a_district_is_news_too() -> None:
    [row] = plan((), (change("taliban", 8, event=2),))
    assert "before: no report" in json.dumps(row.payload)


def test_the_same_state_from_an_earlier_day_is_not_news() -> None:
    # a later-read report dates the fall two days earlier: the state did not change
    assert plan((change("taliban", 8),), (change("taliban", 6, event=2),)) == []


def test_refolding_the_same_history_posts_nothing() -> None:
    history = (change("taliban", 8), change("government", 12, event=2))
    assert plan(history, history) == []
    # an older event is added: the latest state is one the district already had
    assert plan(history, (change("contested", 2, event=3), *history)) == []


def test_changes_below_the_rule_thresholds_do_not_post() -> None:
    assert plan((), (change("taliban", 8, confidence=0.4),)) == []
    unknown_only = AlertRule(
        id="r",
        description="",
        severity="low",
        channel=None,
        title="t",
        control_change=ControlChangeSpec(to=("government",)),
    )
    refresh = ControlRefresh({}, {"AF2401": (change("taliban", 8),)})
    assert plan_control_alerts(refresh, [unknown_only], PLACES, {}).rows == ()


def test_event_rules_plan_no_control_alerts() -> None:
    event_rule = AlertRule(
        id="district-fallen",
        description="",
        severity="critical",
        channel=None,
        title="t",
        match={"category": ("territory_captured",)},
    )
    refresh = ControlRefresh({}, {"AF2401": (change("taliban", 8),)})
    assert plan_control_alerts(refresh, [event_rule], PLACES, {}) == ControlPlan()


def test_the_message_links_to_the_district_on_the_page_when_configured() -> None:
    [row] = plan((), (change("taliban", 8, event=2),), page="https://airflow.example.org/news")
    assert "https://airflow.example.org/news/#AF2401" in json.dumps(row.payload)
    assert page_link(None, "AF2401") is None


def test_a_district_the_article_already_alerts_on_gets_a_note_not_a_message() -> None:
    refresh = ControlRefresh({}, {"AF2401": (change("taliban", 8, event=2),)})
    planned = plan_control_alerts(
        refresh, [RULE], PLACES, {}, "https://a.example/news", covered={"AF2401": "fall:i1"}
    )
    assert planned.rows == ()
    note = planned.notes["fall:i1"]["text"]["text"]
    assert "Kunduz district, Kunduz province now taliban control (before: no report)" in note
    assert "https://a.example/news/#AF2401" in note
    alert = {"text": "t", "blocks": [{"type": "header"}, {"type": "actions"}]}
    assert [b["type"] for b in with_notes(alert, planned.notes["fall:i1"])["blocks"]] == [
        "header",
        "section",
        "actions",
    ]
