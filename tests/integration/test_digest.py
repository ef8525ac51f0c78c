"""The digest counts incidents, not articles: one fall reported by two outlets is one."""

from __future__ import annotations

from pipeline.cycle import run_cycle
from pipeline.digest import build_digest, digest_message
from pipeline.resources import Resources
from pipeline.settings import FeedConfig
from tests.conftest import write_rss
from tests.integration.test_cycle import OTHER_OUTLET, STORY


def test_an_incident_reported_twice_is_counted_and_listed_once(
    database_url, make_settings, feed_server
) -> None:  # type: ignore[no-untyped-def]
    first = {
        "title": "Yawan falls",
        "link": "https://a.example.org/yawan",
        "guid": "a",
        "description": " ".join(STORY),
    }
    second = {
        "title": "Badakhshan district overrun",
        "link": "https://c.example.com/yawan",
        "guid": "c",
        "description": " ".join(OTHER_OUTLET),
    }
    write_rss(feed_server.root / "a.xml", [first])
    write_rss(feed_server.root / "c.xml", [second])
    feeds = [FeedConfig(url=feed_server.url("/a.xml")), FeedConfig(url=feed_server.url("/c.xml"))]
    with Resources.live(make_settings(database_url)) as resources:
        run_cycle(resources, feeds=feeds)
        digest = build_digest(resources.store)
    assert digest.by_category["territory_captured"] == 1
    falls = [row for row in digest.top if row["category"] == "territory_captured"]
    assert len(falls) == 1 and falls[0]["n_reports"] == 2
    text = digest_message(digest, "#digest")["blocks"][2]["text"]["text"]
    assert text.count("territory_captured") == 1
    assert "2 reports from 2 outlets" in text


def test_the_digest_is_by_event_date_and_lists_placeless_events_apart(
    database_url, make_settings, feed_server
) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime, timedelta

    from pipeline.store import utcnow

    old = {
        "title": "Old fall",
        "link": "https://a.example.org/old",
        "guid": "old",
        "pubDate": "Sun, 04 Jul 2021 06:00:00 GMT",
        "description": "The Taliban captured the Yawan district centre in Badakhshan "
        "province, a local official said.",
    }
    talks = {
        "title": "Talks",
        "link": "https://a.example.org/talks",
        "guid": "talks",
        "description": "US officials met Taliban negotiators to discuss a ceasefire, "
        "the State Department said.",
    }
    write_rss(feed_server.root / "a.xml", [old, talks])
    with Resources.live(make_settings(database_url)) as resources:
        run_cycle(resources, feeds=[FeedConfig(url=feed_server.url("/a.xml"))])
        today = build_digest(resources.store)
        back_then = build_digest(
            resources.store, now=datetime(2021, 7, 4, 12, tzinfo=utcnow().tzinfo)
        )
        later = build_digest(resources.store, now=utcnow() + timedelta(days=3))
    assert "territory_captured" not in today.by_category  # stored today, happened in 2021
    assert today.by_category["talks_meeting"] == 1 and today.without_place >= 1
    assert "unknown" not in today.by_province
    text = digest_message(today, "#digest")["blocks"][1]["text"]["text"]
    assert "*Without a place:*" in text and "unknown" not in text
    assert back_then.by_category["territory_captured"] == 1
    assert later.total == 0
