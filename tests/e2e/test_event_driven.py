"""A feed change starts news_monitor by itself: the feed watcher in the triggerer.

The slow test runs the real stack (api-server, scheduler, dag-processor, triggerer;
LocalExecutor) with SCHEDULE_MINUTES=60, so news_monitor's timer cannot be what starts
the run: after the runs that unpausing starts, one item is added to the served feed and
the Slack alert must arrive within 90 s with no manual trigger, through an asset-triggered
news_monitor run. The fast tests drive `FeedChangeTrigger` directly against the feed server.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import write_rss
from tests.e2e.airflow_stack import AirflowStack
from tests.e2e.conftest import (
    ALERTS_DAG_ID,
    DAG_ID,
    SLACK_CHANNEL,
    NewsScenario,
    launch_stack,
    settle_after_unpause,
    shutdown,
)
from tests.support.feed_server import FeedServer

ALERT_WITHIN_SECONDS = 90.0
# After unpausing, the next DAG parse registers the watcher and the triggerer starts it.
BASELINE_TIMEOUT = 150.0
WATCHER_AGENT = "feed-watch"  # news_airflow.triggers.WATCH_USER_AGENT_SUFFIX


# -- the real stack -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def event_stack(
    module_tmp: Path, metadata_database: str, scenario: NewsScenario
) -> Iterator[AirflowStack]:
    # scenario.app_env() sets SCHEDULE_MINUTES=60 and leaves FEED_WATCH_SECONDS at its default.
    assert scenario.app_env()["SCHEDULE_MINUTES"] == "60"
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
    )
    yield stack
    shutdown(stack)


def wait_for_watch_baseline(stack: AirflowStack, feeds: FeedServer, path: str) -> float:
    """Wait for a conditional GET from the watcher: it has recorded the feed's baseline."""
    started = time.monotonic()

    def watched() -> bool:
        headers = feeds.last_headers.get(path)
        return bool(
            headers is not None
            and WATCHER_AGENT in (headers.get("User-Agent") or "")
            and headers.get("If-None-Match")
        )

    stack.wait_until("the feed watcher's baseline", watched, BASELINE_TIMEOUT, interval=0.5)
    return time.monotonic() - started


def upstream_asset_events(stack: AirflowStack, run_id: str) -> list[dict[str, Any]]:
    with stack.client() as api:
        response = api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/upstreamAssetEvents")
        response.raise_for_status()
        return list(response.json()["asset_events"])


@pytest.mark.slow
def test_feed_change_alerts_slack_without_a_trigger(
    event_stack: AirflowStack, scenario: NewsScenario
) -> None:
    stack = event_stack
    dag_ids = (DAG_ID, ALERTS_DAG_ID)
    stack.watched_dags.extend(d for d in dag_ids if d not in stack.watched_dags)
    for dag_id in dag_ids:
        stack.unpause(dag_id)
    settle_after_unpause(stack, dag_ids)
    assert not scenario.slack.messages, scenario.slack.messages
    baseline_wait = wait_for_watch_baseline(stack, scenario.feeds, "/wire.xml")
    earlier_runs = {r["dag_run_id"] for r in stack.dag_runs(DAG_ID)}

    published_at = scenario.publish()
    messages = stack.wait_until(
        "the alert at the Slack server",
        lambda: scenario.slack.messages_in(SLACK_CHANNEL),
        ALERT_WITHIN_SECONDS,
        interval=0.25,
    )
    latency = float(messages[0]["ts"]) - published_at
    assert "Yawan" in messages[0]["text"], messages[0]
    assert latency <= ALERT_WITHIN_SECONDS, latency

    # The run that produced it started from the watcher's asset event, not a timer or a user.
    new_runs = [r for r in stack.dag_runs(DAG_ID) if r["dag_run_id"] not in earlier_runs]
    assert new_runs, "no news_monitor run after the feed changed"
    for run in new_runs:
        assert run["run_type"] == "asset_triggered", run
        assert run["triggered_by"] == "asset", run
    assert all(r["run_type"] != "manual" for d in dag_ids for r in stack.dag_runs(d))
    first = min(new_runs, key=lambda r: r["run_after"])
    stack.wait_for_run(DAG_ID, first["dag_run_id"])
    events = upstream_asset_events(stack, first["dag_run_id"])
    assert events, first
    assert {e["name"] for e in events} == {"news_feeds_changed"}, events
    changed = [url for e in events for url in e["extra"]["payload"]["changed"]]
    assert scenario.feeds.url("/wire.xml") in changed, events
    assert all(e["extra"].get("from_trigger") for e in events), events

    assert len(scenario.slack.messages) == 1, scenario.slack.messages
    print(
        f"\n[e2e] watcher baseline after {baseline_wait:.1f}s; feed entry -> Slack "
        f"{latency:.1f}s via asset-triggered run {first['dag_run_id']}"
    )


# -- the trigger on its own -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def trigger_class(tmp_path_factory: pytest.TempPathFactory) -> type:
    """news_airflow.triggers.FeedChangeTrigger, imported as the triggerer does."""
    if "airflow" not in sys.modules:  # importing airflow must not touch ~/airflow
        os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow-home")))
    from news_airflow.triggers import FeedChangeTrigger

    return FeedChangeTrigger


def _feeds_yaml(path: Path, urls: list[str]) -> Path:
    path.write_text("feeds:\n" + "".join(f"  - url: {url}\n" for url in urls))
    return path


def _item(n: int) -> dict[str, str]:
    return {"title": f"Item {n}", "link": f"https://example.org/{n}", "guid": f"item-{n}"}


def test_watcher_reports_changed_bytes_after_a_baseline(
    trigger_class: type, tmp_path: Path
) -> None:
    root = tmp_path / "served"
    root.mkdir()
    write_rss(root / "wire.xml", [_item(1)])
    local = write_rss(tmp_path / "local.xml", [_item(1)])
    with FeedServer(root) as feeds:
        wire = feeds.url("/wire.xml")
        feeds_file = _feeds_yaml(
            tmp_path / "feeds.yaml",
            [wire, feeds.url("/missing.xml"), "http://127.0.0.1:9/refused.xml", "local.xml"],
        )
        trigger = trigger_class(feeds_file=str(feeds_file), interval=15)
        assert trigger.serialize() == (
            "news_airflow.triggers.FeedChangeTrigger",
            {"feeds_file": str(feeds_file), "interval": 15.0},
        )

        async def scenario() -> list[list[str]]:
            await trigger.prepare()
            seen = []
            async with trigger.client() as client:
                seen.append(await trigger.poll_once(client))  # baseline: no event
                seen.append(await trigger.poll_once(client))  # nothing changed
                assert feeds.last_headers["/wire.xml"].get("If-None-Match")
                write_rss(root / "wire.xml", [_item(2), _item(1)])
                seen.append(await trigger.poll_once(client))  # new bytes
                write_rss(root / "wire.xml", [_item(2), _item(1)])
                seen.append(await trigger.poll_once(client))  # same bytes rewritten
                time.sleep(0.01)
                write_rss(local, [_item(2), _item(1)])
                seen.append(await trigger.poll_once(client))  # local file: mtime and size
            return seen

        seen = asyncio.run(scenario())
    assert seen == [[], [], [wire], [], [str(local)]]
    # errors are logged and the watch goes on, but a failing feed waits (15 s x 2, 4 ...)
    assert feeds.requests["/missing.xml"] == 1


def test_watcher_honours_retry_after(trigger_class: type, tmp_path: Path) -> None:
    root = tmp_path / "served"
    root.mkdir()
    with FeedServer(root) as feeds:
        feeds.route("/busy.xml", status=429, body=b"", headers={"Retry-After": "120"})
        feeds_file = _feeds_yaml(tmp_path / "feeds.yaml", [feeds.url("/busy.xml")])
        trigger = trigger_class(feeds_file=str(feeds_file), interval=1)

        async def polls() -> None:
            await trigger.prepare()
            async with trigger.client() as client:
                for _ in range(4):
                    await trigger.poll_once(client)

        asyncio.run(polls())
        assert feeds.requests["/busy.xml"] == 1
        [state] = trigger._states.values()
        assert state.not_before - time.monotonic() > 100  # asked to wait two minutes


def test_watcher_loop_survives_errors_and_fires(trigger_class: type, tmp_path: Path) -> None:
    root = tmp_path / "served"
    root.mkdir()
    write_rss(root / "wire.xml", [_item(1)])
    with FeedServer(root) as feeds:
        feeds.route("/wire.xml", status=503, body=b"busy")
        wire = feeds.url("/wire.xml")
        feeds_file = _feeds_yaml(tmp_path / "feeds.yaml", [wire])
        trigger = trigger_class(feeds_file=str(feeds_file), interval=1)

        async def first_event() -> Any:
            events = trigger.run()
            task = asyncio.ensure_future(anext(events))
            try:
                await asyncio.sleep(2.5)  # polls that fail, spaced by a growing pause
                assert not task.done()
                assert feeds.requests["/wire.xml"] <= 2
                feeds.clear_routes()
                failed = feeds.requests["/wire.xml"]
                while feeds.requests["/wire.xml"] == failed:  # the poll that records
                    await asyncio.sleep(0.1)  # the baseline, after the pause
                await asyncio.sleep(0.3)
                assert not task.done()
                write_rss(root / "wire.xml", [_item(2), _item(1)])
                return await asyncio.wait_for(asyncio.shield(task), 5)
            finally:
                if not task.done():
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
                await events.aclose()

        event = asyncio.run(first_event())
    assert event.payload["changed"] == [wire]
    assert feeds.requests["/wire.xml"] >= 3


def test_a_trickling_feed_does_not_hold_back_another_feeds_event(
    trigger_class: type, tmp_path: Path
) -> None:
    """The watcher used to yield only after a whole round: a feed trickling until its
    30 s timeout held every other feed's change for 30 s (bench-latency's worst cases)."""
    root = tmp_path / "served"
    root.mkdir()
    write_rss(root / "wire.xml", [_item(1)])
    with FeedServer(root) as feeds:
        feeds.route("/slow.xml", body=b"<rss>" + b" " * 5000 + b"</rss>", trickle=20)
        wire = feeds.url("/wire.xml")
        feeds_file = _feeds_yaml(tmp_path / "feeds.yaml", [feeds.url("/slow.xml"), wire])
        trigger = trigger_class(feeds_file=str(feeds_file), interval=1)

        async def first_event() -> tuple[Any, float]:
            events = trigger.run()
            task = asyncio.ensure_future(anext(events))
            try:
                while feeds.requests.get("/wire.xml", 0) < 1:  # its baseline
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.3)  # recorded, while /slow.xml is still trickling
                write_rss(root / "wire.xml", [_item(2), _item(1)])
                changed_at = time.monotonic()
                event = await asyncio.wait_for(asyncio.shield(task), 10)
                return event, time.monotonic() - changed_at
            finally:
                if not task.done():
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
                await events.aclose()

        event, waited = asyncio.run(first_event())
        assert feeds.requests["/slow.xml"] == 1  # still being read: not asked again
    assert event.payload["changed"] == [wire]
    assert waited < 3.0  # the next check, not the slow feed's timeout
