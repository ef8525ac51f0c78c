"""`dag.test()` of news_monitor against the local feed server, Postgres and Slack server."""

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


@pytest.fixture
def monitor_dag(airflow_db):  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags")).dags["news_monitor"]


def _feeds_yaml(tmp_path, urls):  # type: ignore[no-untyped-def]
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n" + "".join(f"  - url: {u}\n" for u in urls))
    return path


def test_dag_run_stores_articles_and_posts_alert(
    monitor_dag, monkeypatch, tmp_path, postgres_url, feed_server, slack_server
) -> None:
    write_rss(feed_server.root / "wire.xml", [FALL])
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("FEEDS_FILE", str(_feeds_yaml(tmp_path, [feed_server.url("/wire.xml")])))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_BASE_URL", slack_server.base_url)
    monkeypatch.setenv("SLACK_CHANNEL", "C0ALERTS")

    run = monitor_dag.test()

    assert run.state == "success"
    from pipeline.store import Store

    store = Store.from_url(postgres_url, migrate_schema=False)
    with store.engine.connect() as conn:
        feed_articles = conn.execute(
            select(func.count()).where(articles.c.source == "feed")
        ).scalar_one()
        statuses = [r.status for r in conn.execute(select(alerts.c.status))]
    assert feed_articles == 1
    assert statuses == ["sent"]
    [message] = slack_server.messages
    assert "Yawan" in message["text"]


def test_broken_feed_fails_its_task_but_alerts_still_go(
    monitor_dag, monkeypatch, tmp_path, postgres_url, feed_server, slack_server
) -> None:
    write_rss(feed_server.root / "wire.xml", [FALL])
    feed_server.route("/broken.xml", status=502, body=b"bad gateway")
    urls = [feed_server.url("/broken.xml"), feed_server.url("/wire.xml")]
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("FEEDS_FILE", str(_feeds_yaml(tmp_path, urls)))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_BASE_URL", slack_server.base_url)
    monkeypatch.setenv("SLACK_CHANNEL", "C0ALERTS")

    run = monitor_dag.test()

    assert run.state == "failed"
    states = {(ti.task_id, ti.map_index): ti.state for ti in run.get_task_instances()}
    assert states[("process_feed", 0)] == "failed"
    assert states[("process_feed", 1)] == "success"
    assert states[("deliver_alerts", -1)] == "success"
    assert states[("summarize", -1)] == "upstream_failed"
    assert len(slack_server.messages) == 1
