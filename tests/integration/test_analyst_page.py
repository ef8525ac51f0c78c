"""The analyst page's app over a real store after a demo cycle (SQLite and Postgres).

Airflow's own authentication is exercised under a real api-server in
tests/e2e/test_airflow_stack.py; here a stand-in that accepts one bearer token takes its
place, so these tests cover what the app serves and how Slack's button requests (signed
with the real slack_sdk verifier's scheme) are checked, stored and honoured.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from fastapi import HTTPException, Request
from fastapi.testclient import TestClient
from sqlalchemy import select

from news_airflow.web.app import create_app
from pipeline.alerts import ConsoleSink, Router, deliver
from pipeline.cycle import run_cycle
from pipeline.resources import Resources
from pipeline.schema import alert_feedback, alerts, events
from pipeline.settings import load_settings
from tests.conftest import _admin_execute, _with_database
from tests.support.slack_server import signed_headers

SECRET = "e2e-signing-secret-0123456789abcdef"
ANALYST = {"Authorization": "Bearer analyst"}
FALLEN = ("AF1905", "AF1809")  # the demo's Imam Sahib and Khwaja Ghar


def require_token(request: Request) -> str:
    if request.headers.get("authorization") != ANALYST["Authorization"]:
        raise HTTPException(401, "Not authenticated")
    return "analyst"


def _demo(url: str) -> Resources:
    """Resources over `url` after one demo cycle (alerts printed nowhere)."""
    settings = load_settings({"DATABASE_URL": url, "SLACK_SIGNING_SECRET": SECRET})
    resources = Resources.live(settings, sink=ConsoleSink(lambda _line: None))
    run_cycle(resources)
    return resources


@pytest.fixture
def demo(database_url: str) -> Iterator[Resources]:
    """A demo database of its own, for tests that click, mute or judge."""
    with _demo(database_url) as resources:
        yield resources


@pytest.fixture
def client(demo: Resources) -> Iterator[TestClient]:
    with TestClient(create_app(lambda: demo, require_token)) as test_client:
        yield test_client


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def reader(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """One demo database per back end shared by the tests that only read."""
    name = f"news_page_{uuid.uuid4().hex[:10]}"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('page') / 'page.sqlite3'}"
    else:
        template = request.getfixturevalue("postgres_template")
        _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        url = _with_database(name)
    try:
        with (
            _demo(url) as resources,
            TestClient(create_app(lambda: resources, require_token)) as test_client,
        ):
            yield test_client
    finally:
        if request.param == "postgres":
            _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def click(action_id: str, key: str, user: str = "U42") -> bytes:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": f"analyst-{user}"},
        "actions": [{"action_id": action_id, "value": key}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return signed_headers(body, secret)


def alert_on(resources: Resources, code: str, rule: str = "district-fallen") -> dict:
    with resources.store.engine.connect() as conn:
        row = conn.execute(
            select(alerts).where(
                (alerts.c.district_code == code)
                & (alerts.c.rule_id == rule)
                & alerts.c.thread_of.is_(None)
            )
        ).first()
    assert row is not None, f"no {rule} alert on {code}"
    return dict(row._mapping)


def test_anonymous_requests_are_refused(reader: TestClient) -> None:
    client = reader
    for path in ("/api/map", "/api/districts/AF1905", "/api/alerts", "/static/page.js"):
        assert client.get(path).status_code == 401, path
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 307 and page.headers["location"].startswith("/auth/login?next=")


def test_the_map_shows_the_demo_falls_with_counts(reader: TestClient) -> None:
    client = reader
    data = client.get("/api/map", headers=ANALYST).json()
    status = {f["properties"]["code"]: f["properties"]["status"] for f in data["features"]}
    assert len(status) == 399 and sum(data["counts"].values()) == 399
    assert all(status[code] == "taliban" for code in FALLEN)
    assert data["national"] is None
    later = client.get("/api/map", params={"at": "2021-09-01"}, headers=ANALYST).json()
    assert later["national"]["since"] == "2021-08-15" and later["counts"]["taliban"] == 399


def test_a_district_shows_its_timeline_with_evidence_and_alerts(reader: TestClient) -> None:
    client = reader
    data = client.get("/api/districts/AF1905", headers=ANALYST).json()
    assert (data["district"], data["status"]) == ("Imam Sahib", "taliban")
    [*_, latest] = data["timeline"]
    assert latest["evidence"] and "Imam Sahib" in latest["evidence"][0]["sentence"]
    assert latest["evidence"][0]["url"].startswith("http")
    assert {a["rule_id"] for a in data["alerts"]} >= {"district-fallen"}
    assert client.get("/api/districts/XX9999", headers=ANALYST).status_code == 404


def test_changes_incidents_and_queue_are_listed(reader: TestClient) -> None:
    client = reader
    changes = client.get("/api/changes", headers=ANALYST).json()["changes"]
    assert {c["code"] for c in changes} >= set(FALLEN)
    incidents = client.get("/api/incidents", headers=ANALYST).json()["incidents"]
    assert any(i["place"] and "Imam Sahib" in i["place"] for i in incidents)
    queue = client.get("/api/alerts", headers=ANALYST).json()
    assert queue["mutes"] == [] and {a["status"] for a in queue["alerts"]} == {"sent"}
    assert any(a["header"].startswith("CRITICAL") for a in queue["alerts"])


def test_page_and_assets_are_served_to_a_signed_in_analyst(reader: TestClient) -> None:
    client = reader
    page = client.get("/", headers=ANALYST)
    assert page.status_code == 200 and 'id="map"' in page.text
    assert client.get("/static/page.js", headers=ANALYST).status_code == 200
    assert client.get("/static/..%2Fapp.py", headers=ANALYST).status_code == 404


def test_a_signed_click_is_stored_and_shown_and_a_replay_is_refused(
    client: TestClient, demo: Resources
) -> None:
    alert = alert_on(demo, "AF1905")
    body = click("feedback_false_alarm", alert["idempotency_key"])
    headers = signed(body)
    answer = client.post("/slack/interactivity", content=body, headers=headers)
    assert answer.status_code == 200 and "False alarm" in answer.json()["text"]
    replay = client.post("/slack/interactivity", content=body, headers=headers)
    assert replay.status_code == 409
    forged = client.post(
        "/slack/interactivity", content=body, headers=signed(body, secret="guessed")
    )
    assert forged.status_code == 401
    with demo.store.engine.connect() as conn:
        stored = conn.execute(select(alert_feedback)).mappings().all()
    assert [(r["action"], r["rule_id"], r["district_code"]) for r in stored] == [
        ("false_alarm", "district-fallen", "AF1905")
    ]
    shown = client.get("/api/districts/AF1905", headers=ANALYST).json()["alerts"]
    feedback = [f for a in shown for f in a["feedback"]]
    assert [(f["action"], f["user"]) for f in feedback] == [("false_alarm", "analyst-U42")]


def test_without_a_signing_secret_every_click_is_refused(database_url: str) -> None:
    resources = Resources.live(load_settings({"DATABASE_URL": database_url}))
    with resources, TestClient(create_app(lambda: resources, require_token)) as test_client:
        body = click("feedback_confirm", "any")
        answer = test_client.post("/slack/interactivity", content=body, headers=signed(body))
    assert answer.status_code == 503


def test_a_mute_holds_back_that_rule_on_that_district_for_24_hours(
    client: TestClient, demo: Resources
) -> None:
    alert = alert_on(demo, "AF1905")
    body = click("feedback_mute", alert["idempotency_key"])
    assert (
        client.post("/slack/interactivity", content=body, headers=signed(body)).status_code == 200
    )
    store = demo.store
    with store.engine.connect() as conn:
        query = select(events.c.district_code, events.c.id, events.c.article_id)
        event_in = {r.district_code: (r.id, r.article_id) for r in conn.execute(query)}
    payload = {
        "text": "x",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}],
    }
    with store.transaction() as conn:
        for code, key in (("AF1905", "muted-one"), ("AF1809", "other-district")):
            event_id, article_id = event_in[code]
            store.enqueue_alert(
                conn,
                key=key,
                rule_id="district-fallen",
                article_id=article_id,
                event_id=event_id,
                channel="#c",
                payload=payload,
            )
    printed: list[str] = []
    report = deliver(store, ConsoleSink(printed.append), Router({}, "#c"))
    assert (report.muted, report.sent) == (1, 1)
    status = {row["idempotency_key"]: row for row in map(dict, _alert_rows(store))}
    assert status["muted-one"]["status"] == "muted"
    assert "muted: rule district-fallen on district AF1905" in status["muted-one"]["last_error"]
    assert status["other-district"]["status"] == "sent" and len(printed) == 1
    mutes = client.get("/api/alerts", headers=ANALYST).json()["mutes"]
    assert [(m["rule_id"], m["district_code"]) for m in mutes] == [("district-fallen", "AF1905")]


def _alert_rows(store):  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return conn.execute(select(alerts)).mappings().all()


def test_evaluate_feedback_turns_clicks_into_a_gold_set_that_scores(
    client: TestClient, demo: Resources, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    import argparse

    from pipeline.evaluate import cmd_evaluate_events
    from pipeline.evaluate_feedback import cmd_evaluate_feedback, feedback_report

    right, wrong = alert_on(demo, "AF1809"), alert_on(demo, "AF0902", "territory-retaken")
    for action_id, alert, user in (
        ("feedback_confirm", right, "U1"),
        ("feedback_false_alarm", wrong, "U1"),
        ("feedback_false_alarm", wrong, "U2"),
        ("feedback_mute", right, "U3"),  # says nothing about truth
    ):
        body = click(action_id, alert["idempotency_key"], user)
        assert client.post("/slack/interactivity", content=body, headers=signed(body)).is_success
    report = feedback_report(demo)
    assert report["alerts_judged"] == 2
    assert report["by_rule"]["district-fallen"]["precision"] == 1.0
    assert report["by_rule"]["territory-retaken"]["false_alarm"] == 1
    out = tmp_path / "feedback.jsonl"
    assert cmd_evaluate_feedback(argparse.Namespace(out=str(out), json=True), demo) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["label"] for r in records) == ["confirmed", "false_alarm"]
    args = argparse.Namespace(gold=str(out), json=True, show_misses=5)
    assert cmd_evaluate_events(args, demo) == 0
    scored = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    # the confirmed fall is found again in its sentence
    assert scored["alert"]["tp"] == 1, (scored, records)
