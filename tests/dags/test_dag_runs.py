"""`dag.test()` runs of every DAG against the local feed server, Postgres and Slack server."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pipeline.schema import alerts, articles
from pipeline.settings import PROJECT_ROOT
from tests.conftest import write_rss

FALL = {
    "title": "Taliban take district in Badakhshan",
    "link": "https://wire.example.org/2021/07/04/fall",
    "guid": "dag-fall-1",
    "pubDate": "Sun, 04 Jul 2021 06:00:00 GMT",
    "description": "The Taliban captured the Yawan district centre in Badakhshan province "
    "on Saturday, a local official said.",
}


@pytest.fixture(scope="module")
def dags(airflow_db):  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags")).dags


@pytest.fixture
def app_env(monkeypatch, tmp_path, postgres_url, feed_server, slack_server):  # type: ignore[no-untyped-def]
    """Point the tasks at the test services; returns a function that sets the feed list."""
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_BASE_URL", slack_server.base_url)
    monkeypatch.setenv("SLACK_CHANNEL", "C0ALERTS")

    def use_feeds(*paths: str) -> None:
        path = tmp_path / "feeds.yaml"
        path.write_text("feeds:\n" + "".join(f"  - url: {feed_server.url(p)}\n" for p in paths))
        monkeypatch.setenv("FEEDS_FILE", str(path))

    return use_feeds


def _count(url: str, query):  # type: ignore[no-untyped-def]
    from pipeline.store import Store

    store = Store.from_url(url, migrate_schema=False)
    with store.engine.connect() as conn:
        result = conn.execute(query).all()
    store.engine.dispose()
    return result


def test_monitor_delivers_as_soon_as_stored_and_only_once(
    dags, app_env, postgres_url, feed_server, slack_server, caplog
) -> None:
    import logging

    write_rss(feed_server.root / "wire.xml", [FALL])
    app_env("/wire.xml")

    caplog.set_level(logging.INFO, logger="pipeline")
    monitor = dags["news_monitor"].test()
    assert monitor.state == "success"
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("pipeline")]
    assert any(line.startswith("new: Taliban take district") for line in logged), logged
    assert any("event district_captured by Taliban at Yawan" in line for line in logged)
    assert any("alert district-fallen queued" in line for line in logged)
    assert any("1 entries: 1 new" in line for line in logged)  # the feed's summary
    states = {ti.task_id: ti.state for ti in monitor.get_task_instances()}
    assert states["announce_alerts"] == "success"  # the asset event for news_alerts
    [(feed_articles,)] = _count(
        postgres_url, select(func.count()).where(articles.c.source == "feed")
    )
    assert feed_articles == 1
    [message] = slack_server.messages  # posted by the shard, not after the run
    assert "Yawan" in message["text"]
    assert [s for (s,) in _count(postgres_url, select(alerts.c.status))] == ["sent"]

    assert dags["news_alerts"].test().state == "success"  # nothing left to post
    again = dags["news_monitor"].test()  # feed unchanged: 304, nothing new, no asset event
    states = {ti.task_id: ti.state for ti in again.get_task_instances()}
    assert states["announce_alerts"] == "skipped"
    assert len(slack_server.messages) == 1


def test_a_broken_feed_is_feed_health_not_a_red_run(
    dags, app_env, monkeypatch, feed_server, slack_server
) -> None:
    import json

    slack_server.add_channel("#news-ops", "C0NEWSOPS")
    monkeypatch.setenv("SLACK_OPS_CHANNEL", "#news-ops")
    connection = {
        "conn_type": "slack",
        "password": "xoxb-test-token",
        "extra": {"base_url": slack_server.base_url},
    }
    monkeypatch.setenv("AIRFLOW_CONN_NEWS_SLACK_OPS", json.dumps(connection))
    write_rss(feed_server.root / "wire.xml", [FALL])
    feed_server.route("/broken.xml", status=502, body=b"bad gateway")
    app_env("/broken.xml", "/wire.xml")

    run = dags["news_monitor"].test()

    assert run.state == "success"  # one publisher's outage is not the pipeline's
    states = {(ti.task_id, ti.map_index): ti.state for ti in run.get_task_instances()}
    assert states[("process_shard", 0)] == states[("process_shard", 1)] == "success"
    [notice] = slack_server.messages_in("#news-ops")
    assert "is failing" in notice["text"] and "HTTP 502" in notice["text"]
    assert "broken.xml" in notice["text"]
    [alert] = slack_server.messages_in("C0ALERTS")  # analysts see only the news
    assert "Yawan" in alert["text"]
    assert "xoxb-test-token" not in str(slack_server.messages)

    assert dags["news_monitor"].test().state == "success"
    assert len(slack_server.messages_in("#news-ops")) == 1  # once per change, not per run

    feed_server.clear_routes()
    write_rss(feed_server.root / "broken.xml", [])
    assert dags["news_monitor"].test().state == "success"
    recovered = slack_server.messages_in("#news-ops")[-1]
    assert "has recovered" in recovered["text"]


def test_every_feed_down_is_a_red_run(dags, app_env, feed_server) -> None:
    feed_server.route("/a.xml", status=503, body=b"")
    feed_server.route("/b.xml", status=503, body=b"")
    app_env("/a.xml", "/b.xml")
    run = dags["news_monitor"].test()
    assert run.state == "failed"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["summarize"] == "failed"


def test_maintenance_reloads_seeds_and_reenables_a_feed(
    dags, app_env, postgres_url, feed_server
) -> None:
    feed_server.route("/gone.xml", status=410, body=b"")
    app_env("/gone.xml")
    assert dags["news_monitor"].test().state == "success"  # 410 disables the feed
    from pipeline.store import Store

    [gone] = Store.from_url(postgres_url, migrate_schema=False).list_feeds()
    assert gone["disabled"] is True
    feed_server.reset_stats()
    assert dags["news_monitor"].test().state == "success"
    assert feed_server.requests["/gone.xml"] == 0  # a disabled feed is not polled

    run = dags["news_maintenance"].test(
        run_conf={"action": "enable_feed", "feed_url": feed_server.url("/gone.xml")}
    )
    assert run.state == "success"
    [feed] = Store.from_url(postgres_url, migrate_schema=False).list_feeds()
    assert feed["disabled"] is False

    seeds = dags["news_maintenance"].test(run_conf={"action": "reload_seeds"})
    assert seeds.state == "success"
    [(count,)] = _count(postgres_url, select(func.count()).where(articles.c.source == "seed"))
    assert count == 5


def test_digest_posts_counts_and_uploads_a_chart_and_the_map(
    dags, app_env, feed_server, slack_server
) -> None:
    from email.utils import format_datetime

    from pipeline.store import utcnow

    # the digest is by event date: yesterday's 2021 fall is history, today's is news
    today = {
        **FALL,
        "guid": "dag-fall-today",
        "link": "https://wire.example.org/today/fall",
        "pubDate": format_datetime(utcnow()),
        "description": "The Taliban captured the Yawan district centre in Badakhshan "
        "province, a local official said.",
    }
    write_rss(feed_server.root / "wire.xml", [today])
    app_env("/wire.xml")
    assert dags["news_monitor"].test().state == "success"

    assert dags["news_digest"].test().state == "success"

    [digest] = [m for m in slack_server.messages if m["text"].startswith("Daily digest")]
    assert "territory_captured 1" in digest["blocks"][1]["text"]["text"]
    assert "Badakhshan" in digest["blocks"][1]["text"]["text"]
    chart, drawn = slack_server.files
    assert chart["thread_ts"] == digest["ts"] and chart["channel"] == "C0ALERTS"
    assert drawn["thread_ts"] == digest["ts"] and drawn["title"].startswith("District control")
    assert b"\x89PNG" in chart["content"] and b"\x89PNG" in drawn["content"]


def test_an_empty_digest_posts_nothing(dags, app_env, feed_server, slack_server) -> None:
    write_rss(feed_server.root / "wire.xml", [FALL])  # a 2021 event: not in today's digest
    app_env("/wire.xml")
    assert dags["news_monitor"].test().state == "success"
    slack_server.messages.clear()
    assert dags["news_digest"].test().state == "success"
    assert not [m for m in slack_server.messages if m["text"].startswith("Daily digest")]
    assert slack_server.files == []
