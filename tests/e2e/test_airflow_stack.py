"""news_monitor on a real Airflow stack (LocalExecutor), driven over REST and through the UI.

api-server, scheduler, dag-processor and triggerer run as separate processes with their
own metadata database; the run fetches from the local feed server, writes the application
Postgres database and posts to the local Slack server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from pipeline.schema import alerts, articles, events
from pipeline.settings import PROJECT_ROOT
from tests.e2e.airflow_stack import ADMIN_USER, AirflowStack, clean_environment
from tests.e2e.conftest import (
    BACKGROUND_ITEM,
    CORE_TASKS,
    DAG_ID,
    SIGNING_SECRET,
    YAWAN_TITLE,
    NewsCycle,
    NewsScenario,
    launch_stack,
    run_news_cycle,
    shutdown,
    unavailable,
)
from tests.support.slack_server import button_click, signed_headers

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = PROJECT_ROOT / "artifacts" / "airflow-ui.png"


@pytest.fixture(scope="module")
def local_stack(
    module_tmp: Path, metadata_database: str, scenario: NewsScenario
) -> Iterator[AirflowStack]:
    stack = launch_stack(
        module_tmp,
        metadata_database,
        scenario,
        executor="LocalExecutor",
        components={
            "scheduler": ["scheduler"],
            "dag-processor": ["dag-processor"],
            "triggerer": ["triggerer"],
        },
        healthy=("metadatabase", "scheduler", "dag_processor", "triggerer"),
        # This module measures a manual run: the feed watcher (test_event_driven.py) must
        # not queue an asset-triggered run after it, which would become the "latest run".
        extra_env={"FEED_WATCH_SECONDS": "3600"},
    )
    yield stack
    shutdown(stack)


@pytest.fixture(scope="module")
def news_cycle(local_stack: AirflowStack, scenario: NewsScenario) -> NewsCycle:
    """One triggered news_monitor run that succeeded and whose alert reached Slack."""
    return run_news_cycle(local_stack, scenario)


def test_triggered_run_stores_events_and_alerts_slack(
    news_cycle: NewsCycle, scenario: NewsScenario
) -> None:
    states = {(ti["task_id"], ti["map_index"]): ti["state"] for ti in news_cycle.task_instances}
    assert {task for task, _ in states} >= CORE_TASKS, states
    assert set(states.values()) == {"success"}, states
    assert news_cycle.run["run_type"] == "manual"
    assert {r["state"] for r in news_cycle.alert_runs} == {"success"}, news_cycle.alert_runs

    engine = create_engine(scenario.app_url)
    try:
        with engine.connect() as conn:
            feed_articles = conn.execute(
                select(articles.c.title).where(articles.c.source == "feed")
            ).all()
            feed_events = conn.execute(
                select(events.c.category, events.c.actor, events.c.district)
                .join(articles, events.c.article_id == articles.c.id)
                .where(articles.c.source == "feed")
            ).all()
            alert_rows = conn.execute(select(alerts.c.status, alerts.c.rule_id)).all()
    finally:
        engine.dispose()

    assert sorted(a.title for a in feed_articles) == sorted([YAWAN_TITLE, BACKGROUND_ITEM["title"]])
    assert any(
        e.category == "territory_captured"
        and e.actor == "Taliban"
        and "Yawan" in (e.district or "")
        for e in feed_events
    ), feed_events
    assert [(a.status, a.rule_id) for a in alert_rows] == [("sent", "district-fallen")]

    assert len(scenario.slack.messages) == 1, scenario.slack.messages
    assert "Yawan" in news_cycle.message["text"]
    print(f"\n[e2e] LocalExecutor, run {news_cycle.run_id}: {news_cycle.timings()}")
    assert news_cycle.published_at <= news_cycle.triggered_at < news_cycle.delivered_at


def _launch_chromium(playwright):  # type: ignore[no-untyped-def]
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


@contextmanager
def signed_in_page(stack: AirflowStack, path: str, screenshot: Path, height: int = 900):  # type: ignore[no-untyped-def]
    """A Chromium page signed in to Airflow's UI through its login form and opened at
    `path`; on a failure inside the block, a screenshot next to `screenshot`."""
    from playwright.sync_api import sync_playwright

    screenshot.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = _launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": height})
            page.set_default_timeout(30_000)
            try:
                page.goto(f"{stack.base_url}{path}")
                page.wait_for_url("**/auth/login**")
                page.get_by_label("Username").fill(ADMIN_USER)
                page.get_by_label("Password").fill(stack.admin_password)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url(lambda url: "/auth/login" not in url)
                page.goto(f"{stack.base_url}{path}")
                yield page
            except Exception:
                failure = screenshot.with_name(f"{screenshot.stem}-failure.png")
                page.screenshot(path=str(failure))
                raise
        finally:
            browser.close()


@pytest.fixture(scope="module")
def browser_ready() -> None:
    """Debian's Chromium and the playwright package (checked before the stack starts)."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: run scripts/install_test_deps.sh")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        unavailable(f"the playwright package is missing: {exc}")


def test_ui_lists_dag_with_successful_last_run(browser_ready: None, news_cycle: NewsCycle) -> None:
    from playwright.sync_api import expect

    with signed_in_page(news_cycle.stack, "/dags", SCREENSHOT) as page:
        expect(page.get_by_role("link", name=DAG_ID, exact=True)).to_be_visible()
        # The card's "Latest Run" links to our run and carries a state badge.
        latest = page.locator(f'a[href="/dags/{DAG_ID}/runs/{news_cycle.run_id}"]')
        expect(latest).to_be_visible()
        expect(latest.get_by_label("success", exact=True)).to_be_visible()
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
    print(f"\n[e2e] Airflow UI screenshot: {SCREENSHOT}")


def test_ci_flag_is_respected_for_missing_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Missing infrastructure: a failure under CI=true, a skip elsewhere."""
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        unavailable("no browser")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        unavailable("no browser")
    assert os.environ["CI"] == "false"


# --- the analyst page (plugins/news_analyst_page.py) under the real api-server --------------
PAGE_SCREENSHOT = PROJECT_ROOT / "artifacts" / "analyst-page.png"
DEMO_FALLEN = {"AF1905": "Imam Sahib", "AF1809": "Khwaja Ghar", "AF2906": "Shirin Tagab"}


@pytest.fixture(scope="module")
def demo_loaded(news_cycle: NewsCycle, scenario: NewsScenario) -> NewsCycle:
    """The demo feeds (2021 falls) stored into the stack's application database by the
    CLI (console alerts), so that the page has districts to show."""
    env = clean_environment(os.environ) | {
        "DATABASE_URL": scenario.app_url,
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--json"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return news_cycle


def test_plugin_refuses_anonymous_requests(local_stack: AirflowStack) -> None:
    base = local_stack.base_url
    for path in ("/news/api/map", "/news/api/alerts", "/news/api/districts/AF1905"):
        response = httpx.get(f"{base}{path}", timeout=15)
        assert response.status_code == 401, (path, response.text)
    page = httpx.get(f"{base}/news/", timeout=15)
    assert page.status_code == 307 and page.headers["location"].startswith("/auth/login")
    forged = httpx.post(f"{base}/news/slack/interactivity", content=b"payload=%7B%7D", timeout=15)
    assert forged.status_code == 401
    bad_token = httpx.get(
        f"{base}/news/api/map", headers={"Authorization": "Bearer not-a-jwt"}, timeout=15
    )
    assert bad_token.status_code in (401, 403)


def test_plugin_serves_the_demo_map_to_a_signed_in_user(demo_loaded: NewsCycle) -> None:
    stack = demo_loaded.stack
    headers = {"Authorization": f"Bearer {stack.token()}"}
    data = httpx.get(f"{stack.base_url}/news/api/map", headers=headers, timeout=30).json()
    status = {f["properties"]["code"]: f["properties"]["status"] for f in data["features"]}
    assert {code: status[code] for code in DEMO_FALLEN} == dict.fromkeys(DEMO_FALLEN, "taliban")


def test_slack_button_click_is_verified_stored_and_shown(
    demo_loaded: NewsCycle, scenario: NewsScenario
) -> None:
    stack = demo_loaded.stack
    url = f"{stack.base_url}/news/slack/interactivity"
    body = button_click(demo_loaded.message, "feedback_false_alarm", "U7", "desk-analyst")
    headers = signed_headers(body, SIGNING_SECRET)
    assert httpx.post(url, content=body, headers=headers, timeout=15).status_code == 200
    assert httpx.post(url, content=body, headers=headers, timeout=15).status_code == 409  # replay
    forged = signed_headers(body, "a-guessed-secret")
    assert httpx.post(url, content=body, headers=forged, timeout=15).status_code == 401
    stale = signed_headers(body, SIGNING_SECRET, timestamp=int(time.time()) - 600)
    assert httpx.post(url, content=body, headers=stale, timeout=15).status_code == 401
    auth = {"Authorization": f"Bearer {stack.token()}"}
    queue = httpx.get(f"{stack.base_url}/news/api/alerts", headers=auth, timeout=15).json()
    feedback = [(f["action"], f["user"]) for a in queue["alerts"] for f in a["feedback"]]
    assert feedback == [("false_alarm", "desk-analyst")]


def test_analyst_page_in_the_airflow_ui_shows_the_fallen_districts(
    browser_ready: None, demo_loaded: NewsCycle
) -> None:
    from playwright.sync_api import expect

    path = "/plugin/district-control"
    with signed_in_page(demo_loaded.stack, path, PAGE_SCREENSHOT, height=1000) as page:
        frame = page.frame_locator("iframe")
        fallen = frame.locator('path.district[data-code="AF1905"]')
        expect(fallen).to_have_attribute("data-status", "taliban")
        expect(frame.locator('#legend li[data-status="taliban"]')).to_contain_text("(")
        fallen.click()
        expect(frame.locator("#district-panel h2")).to_contain_text("Imam Sahib")
        expect(frame.locator("#timeline li.change").first).to_be_visible()
        expect(frame.locator("#alert-queue tbody tr").first).to_be_visible()
        page.screenshot(path=str(PAGE_SCREENSHOT), full_page=True)
    assert PAGE_SCREENSHOT.stat().st_size > 10_000
    print(f"\n[e2e] analyst page screenshot: {PAGE_SCREENSHOT}")
