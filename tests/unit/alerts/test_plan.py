"""plan_alerts is a pure function: each decision is visible in its output rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.alerts import AlertHistory, AlertRule, load_rules, plan_alerts
from pipeline.models import DuplicateDecision, Entry, Event, Location
from tests.unit.alerts.test_rules import _event

RULES = """
rules:
  - id: fallen
    title: District fallen
    match: {category: territory_captured, actor: Taliban}
  - id: retaken
    title: District retaken
    reply_to: fallen
    channel: "#ops"
    match: {category: territory_retaken}
  - id: corroborated
    min_outlets: 2
    match: {category: territory_captured}
"""
ENTRY = Entry(url="https://news.example/a", title="Yawan falls", text="...")
NEW = DuplicateDecision("new")


@dataclass(frozen=True)
class Article:
    """An analysed article as planning sees it."""

    entry: Entry
    url_key: str
    decision: DuplicateDecision
    events: Sequence[Event]


def _plan(entry, url_key, decision, found, rules, history):  # type: ignore[no-untyped-def]
    return plan_alerts(Article(entry, url_key, decision, found), rules, history)


@pytest.fixture
def rules(tmp_path: Path) -> list[AlertRule]:
    path = tmp_path / "alerts.yaml"
    path.write_text(RULES)
    return load_rules(path)


def test_a_new_article_gets_one_row_per_rule_keyed_by_its_story(rules) -> None:  # type: ignore[no-untyped-def]
    plan = _plan(ENTRY, "https://news.example/a", NEW, [_event()], rules, AlertHistory("k"))
    assert [(r.key, r.rule_id, r.thread_of, r.channel) for r in plan.rows] == [
        ("fallen:k", "fallen", None, "")
    ]
    assert "channel" not in plan.rows[0].payload  # chosen when delivered
    assert [m.rule_id for m in plan.matches] == ["fallen"]


def test_min_outlets_counts_the_history(rules) -> None:  # type: ignore[no-untyped-def]
    two = AlertHistory("k", outlets=2)
    plan = _plan(ENTRY, "u", NEW, [_event()], rules, two)
    assert {r.rule_id for r in plan.rows} == {"fallen", "corroborated"}


def test_a_copy_is_planned_with_every_match_suppressed_and_no_rows(rules) -> None:  # type: ignore[no-untyped-def]
    copy = DuplicateDecision("duplicate", 7, "a.txt", 1.0, "content_hash")
    plan = _plan(ENTRY, "u", copy, [_event()], rules, AlertHistory("u"))
    assert plan.rows == ()
    assert [m.suppressed for m in plan.matches] == ["copy of seed a.txt: identical text"]


def test_a_near_copy_of_an_alerted_story_replies_in_its_thread(rules) -> None:  # type: ignore[no-untyped-def]
    near = DuplicateDecision("near_duplicate", 7, "https://first.example/x", 0.4, "containment")
    fired = {"fallen": "fallen:https://first.example/x"}
    history = AlertHistory("https://first.example/x", fired, outlets=2)
    plan = _plan(ENTRY, "https://news.example/a", near, [_event()], rules, history)
    reply = next(r for r in plan.rows if r.rule_id == "fallen")
    assert reply.thread_of == "fallen:https://first.example/x"
    assert reply.key == "fallen:https://first.example/x:also:https://news.example/a"
    assert "Confirmed by 2 independent outlets" in reply.payload["text"]
    [fallen] = [m for m in plan.matches if m.rule_id == "fallen"]
    assert fallen.suppressed and fallen.suppressed.startswith("already alerted")
    # the rule that had not fired on the story yet is a new alert on the original's key
    [new] = [r for r in plan.rows if r.rule_id == "corroborated"]
    assert (new.key, new.thread_of) == ("corroborated:https://first.example/x", None)


def test_a_near_copy_of_a_story_not_alerted_yet_alerts_normally(rules) -> None:  # type: ignore[no-untyped-def]
    near = DuplicateDecision("near_duplicate", 7, "https://first.example/x", 0.4, "containment")
    history = AlertHistory("https://first.example/x", {}, outlets=1)
    plan = _plan(ENTRY, "u", near, [_event()], rules, history)
    assert [(r.key, r.thread_of) for r in plan.rows] == [("fallen:https://first.example/x", None)]


def test_a_retake_replies_under_the_districts_fall(rules) -> None:  # type: ignore[no-untyped-def]
    place = Location("Yawan", "Yawan", "Badakhshan", "AF1715", "AF17")
    retake = _event(category="territory_retaken", actor="Afghan forces", location=place)
    history = AlertHistory("u", place_threads={("fallen", "AF1715"): "fallen:https://a/1"})
    plan = _plan(ENTRY, "u", NEW, [retake], rules, history)
    new, reply = plan.rows
    assert (new.rule_id, new.thread_of, new.channel) == ("retaken", None, "#ops")
    assert (reply.thread_of, reply.key) == ("fallen:https://a/1", "fallen:https://a/1:retaken:u")
    # no earlier alert on that district, or no district at all: no reply
    assert len(_plan(ENTRY, "u", NEW, [retake], rules, AlertHistory("u")).rows) == 1
    unplaced = _event(category="territory_retaken", location=Location("Badakhshan"))
    assert len(_plan(ENTRY, "u", NEW, [unplaced], rules, history).rows) == 1


def test_planning_reads_nothing_and_is_repeatable(rules) -> None:  # type: ignore[no-untyped-def]
    first = _plan(ENTRY, "u", NEW, [_event()], rules, AlertHistory("u"))
    second = _plan(ENTRY, "u", NEW, [_event()], rules, AlertHistory("u"))
    assert first == second


# --- incidents: one alert per rule per incident, later reports reply in its thread ------
def _incident(alerts: dict[str, str] | None = None, outlets: int = 2, existing: bool = True):  # type: ignore[no-untyped-def]
    from datetime import date

    from pipeline.incidents import Assignment, KnownIncident, Slot

    slot = Slot("territory_captured", "district", "AF1715")
    day = date(2021, 7, 8)
    known = KnownIncident(
        3, "incident:k3", slot, day, day, 1, frozenset({"a.example"}), alerts or {}
    )
    return Assignment(
        "incident:k3" if existing else "incident:u#0",
        slot,
        day,
        known if existing else None,
        outlets,
    )


def test_a_new_incident_is_alerted_under_its_key(rules) -> None:  # type: ignore[no-untyped-def]
    history = AlertHistory("u", incidents=[_incident(existing=False, outlets=1)])
    plan = _plan(ENTRY, "u", NEW, [_event()], rules, history)
    assert [(r.key, r.thread_of) for r in plan.rows] == [("fallen:incident:u#0", None)]


def test_another_outlet_on_an_alerted_incident_replies_with_the_outlet_count(rules) -> None:  # type: ignore[no-untyped-def]
    incident = _incident({"fallen": "fallen:incident:k3"}, outlets=2)
    plan = _plan(ENTRY, "u", NEW, [_event()], rules, AlertHistory("u", incidents=[incident]))
    reply = next(r for r in plan.rows if r.rule_id == "fallen")
    assert (reply.thread_of, reply.key) == ("fallen:incident:k3", "fallen:incident:k3:also:u")
    assert reply.payload["text"].startswith("Confirmed by 2 independent outlets. New report:")
    [fallen] = [m for m in plan.matches if m.rule_id == "fallen"]
    assert fallen.suppressed == "already alerted for this incident (1 earlier reports)"
    # min_outlets counts the incident's independent outlets: the second outlet fires it
    [corroborated] = [r for r in plan.rows if r.rule_id == "corroborated"]
    assert (corroborated.key, corroborated.thread_of) == ("corroborated:incident:k3", None)


def test_an_incident_not_alerted_yet_for_a_rule_alerts_once_for_it(rules) -> None:  # type: ignore[no-untyped-def]
    incident = _incident({}, outlets=1)
    plan = _plan(ENTRY, "u", NEW, [_event()], rules, AlertHistory("u", incidents=[incident]))
    assert [(r.key, r.thread_of) for r in plan.rows] == [("fallen:incident:k3", None)]
