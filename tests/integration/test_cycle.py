"""A whole cycle on real parts: HTTP feeds, SQLite and Postgres, the Slack Web API server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.cycle import run_cycle
from pipeline.resources import Resources
from pipeline.schema import alerts, articles, events
from pipeline.settings import FeedConfig
from pipeline.store import Store
from tests.conftest import write_rss

FALL = {
    "title": "District centre falls in the north",
    "link": "https://news.example.org/2021/06/22/fall?utm_source=rss",
    "guid": "fall-1",
    "pubDate": "Tue, 22 Jun 2021 08:00:00 GMT",
    "description": (
        "The Imam Sahib district centre in Kunduz province fell to the Taliban on Monday "
        "after two days of fighting, a provincial council member said."
    ),
}
QUIET = {
    "title": "Harvest festival draws crowds",
    "link": "https://news.example.org/2021/06/22/festival",
    "guid": "fest-1",
    "pubDate": "Tue, 22 Jun 2021 09:00:00 GMT",
    "description": "Farmers sold apricots and melons at the weekend market in a mountain town.",
}


def _seed_copy(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    seed = sorted(Path(settings.seed_dir).glob("*.txt"))[2]
    return {
        "title": "Republished",
        "link": "https://mirror.example.net/copy?utm_medium=feed",
        "guid": "copy-1",
        "description": seed.read_text(encoding="utf-8"),
    }


def _cycle(settings, feeds):  # type: ignore[no-untyped-def]
    """One cycle with the resources a process builds once (closed afterwards)."""
    with Resources.live(settings) as resources:
        return run_cycle(resources, feeds=feeds)


def _settings(make_settings, database_url: str, slack, **env: str) -> object:  # type: ignore[no-untyped-def]
    return make_settings(
        database_url,
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_BASE_URL=slack.base_url,
        SLACK_CHANNEL="C0ALERTS",
        **env,
    )


def _rows(settings, table):  # type: ignore[no-untyped-def]
    from pipeline.store import Store

    store = Store.from_url(settings.database_url, migrate_schema=False)
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(table)).mappings()]
    store.engine.dispose()
    return rows


def test_cycle_stores_dedupes_and_alerts_once(
    database_url, make_settings, feed_server, slack_server
) -> None:
    settings = _settings(make_settings, database_url, slack_server)
    write_rss(feed_server.root / "wire.xml", [FALL, QUIET, _seed_copy(settings)])
    feeds = [FeedConfig(url=feed_server.url("/wire.xml"), name="wire")]

    first = _cycle(settings, feeds=feeds)
    totals = first.totals()
    assert first.seeds_loaded == 5
    assert (totals["new"], totals["duplicates"], totals["alerts"]) == (2, 1, 1)
    assert "copy of seed 002_edead836a7bcae60.txt" in first.feeds[0].duplicate_notes[0]
    assert first.delivery.sent == 1
    [message] = slack_server.messages
    assert message["channel"] == "C0ALERTS"
    assert "Imam Sahib" in message["blocks"][0]["text"]["text"]
    assert message["metadata"]["event_payload"]["key"].startswith("district-fallen:")

    # feedparser resolves a relative guid against the feed URL: key by its last segment
    stored = {a["guid"].rsplit("/", 1)[-1]: a for a in _rows(settings, articles)}
    assert stored["copy-1"]["dup_status"] == "duplicate"
    assert stored["copy-1"]["duplicate_of"] == stored["002_edead836a7bcae60.txt"]["id"]
    assert stored["fall-1"]["canonical_url"] == "https://news.example.org/2021/06/22/fall"
    fall_events = [e for e in _rows(settings, events) if e["article_id"] == stored["fall-1"]["id"]]
    assert {(e["category"], e["actor"]) for e in fall_events} >= {("territory_captured", "Taliban")}

    second = _cycle(settings, feeds=feeds)  # 304 from the server, nothing new
    assert second.feeds[0].not_modified
    feed_server.route("/wire.xml", file="wire.xml")  # same bytes, no validators: skipped
    third = _cycle(settings, feeds=feeds)
    assert third.feeds[0].not_modified and third.totals()["alerts"] == 0
    write_rss(feed_server.root / "wire.xml", [FALL, QUIET, _seed_copy(settings), QUIET])
    fourth = _cycle(settings, feeds=feeds)  # other bytes, the same entries: all known
    assert fourth.totals()["known"] == 4 and fourth.totals()["alerts"] == 0
    assert len(slack_server.messages) == 1


def test_slack_outage_loses_nothing_and_posts_once(
    database_url, make_settings, feed_server, slack_server
) -> None:
    settings = _settings(make_settings, database_url, slack_server)
    write_rss(feed_server.root / "wire.xml", [FALL])
    feeds = [FeedConfig(url=feed_server.url("/wire.xml"))]
    slack_server.fail_next("server_error")  # no automatic retry: it may have been posted

    first = _cycle(settings, feeds=feeds)
    # a 5xx may have posted: the row is unknown until Slack's history says otherwise
    assert (first.delivery.sent, first.delivery.unknown) == (0, 1)
    assert not slack_server.messages
    [row] = _rows(settings, alerts)
    assert row["status"] == "unknown" and "slack error: HTTP 500" in row["last_error"]

    _make_due(settings)
    second = _cycle(settings, feeds=feeds)  # looked up, not in the channel: sent now
    assert second.delivery.sent == 1
    assert len(slack_server.messages) == 1
    [row] = _rows(settings, alerts)
    assert row["status"] == "sent" and row["slack_ts"] == slack_server.messages[0]["ts"]
    assert slack_server.calls["chat.postMessage"] == 2


def test_bad_token_is_reported_and_burns_no_attempt(
    database_url, make_settings, feed_server, slack_server
) -> None:
    settings = make_settings(
        database_url,
        SLACK_BOT_TOKEN="xoxb-wrong",
        SLACK_BASE_URL=slack_server.base_url,
        SLACK_CHANNEL="C0ALERTS",
    )
    write_rss(feed_server.root / "wire.xml", [FALL])
    summary = _cycle(settings, feeds=[FeedConfig(url=feed_server.url("/wire.xml"))])
    assert summary.delivery.blocked == "slack error: invalid_auth"
    [row] = _rows(settings, alerts)
    assert row["status"] == "pending" and row["attempts"] == 0
    assert "xoxb-wrong" not in json.dumps(row, default=str)


def test_broken_feed_does_not_stop_others_and_is_recorded(
    database_url, make_settings, feed_server, slack_server
) -> None:
    settings = _settings(make_settings, database_url, slack_server)
    write_rss(feed_server.root / "good.xml", [FALL])
    feed_server.route("/bad.xml", status=500, body=b"oops")
    feed_server.route(
        "/junk.xml",
        body=b"<html><body>not a feed</body></html>",
        headers={"Content-Type": "text/html"},
    )
    feeds = [FeedConfig(url=feed_server.url(p)) for p in ("/bad.xml", "/junk.xml", "/good.xml")]
    summary = _cycle(settings, feeds=feeds)
    assert [f.ok for f in summary.feeds] == [False, False, True]
    assert summary.feeds[0].error == "HTTP 500 Internal Server Error"
    assert summary.feeds[0].retryable and not summary.feeds[1].retryable
    assert summary.feeds[2].new == 1
    from pipeline.store import Store

    by_url = {f["url"]: f for f in Store.from_url(settings.database_url).list_feeds()}
    assert by_url[feeds[0].url]["consecutive_failures"] == 1
    assert "no usable entries" in by_url[feeds[1].url]["last_error"]


def _fail_storing(monkeypatch, title: str, error: Exception, times: int = 0) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Fault injection: storing the entry with this title raises `error` (the first
    `times` tries, or always when 0); returns the count of failed tries."""
    import pipeline.cycle as cycle

    real_store = cycle.store_analysis
    tries = {"failed": 0}

    def failing(store, analysis, **kwargs):  # type: ignore[no-untyped-def]
        if analysis.entry.title == title and (not times or tries["failed"] < times):
            tries["failed"] += 1
            raise error
        return real_store(store, analysis, **kwargs)

    monkeypatch.setattr(cycle, "store_analysis", failing)
    return tries


def _make_due(settings) -> None:  # type: ignore[no-untyped-def]
    """Skip the backoff wait and the grace before an unknown post counts as absent: the
    test is about retrying, not about waiting."""
    from datetime import timedelta

    from sqlalchemy import update

    from pipeline.store import Store, utcnow

    store = Store.from_url(settings.database_url, migrate_schema=False)
    with store.engine.begin() as conn:
        conn.execute(update(alerts).values(next_attempt_at=None))
        conn.execute(
            update(alerts)
            .where(alerts.c.claimed_at.is_not(None))
            .values(claimed_at=utcnow() - timedelta(minutes=10))
        )
    store.engine.dispose()


STORY = [
    "The Taliban captured the Yawan district centre in Badakhshan province on Saturday.",
    "Local officials said government troops withdrew overnight after running out of supplies.",
    "Residents reported that the insurgents raised their flag over the governor's compound.",
    "A spokesman for the provincial police confirmed the loss of the district by telephone.",
    "Several hundred families left for the provincial capital before the fighting reached them.",
    "Aid workers said roads out of the valley were blocked by landslides and checkpoints.",
    "The district had been contested for months, with frequent raids on outlying posts.",
    "Elders in neighbouring villages asked both sides to spare the local school and clinic.",
]
REWRITE = [
    *STORY[:4],
    "Shopkeepers in the bazaar kept their shutters down for a second day, one trader said.",
    "The ministry in Kabul promised a counter-offensive but gave no timetable for it.",
    "Mobile phone coverage in the area was cut, making casualty figures hard to confirm.",
    "Farmers worried that the apricot harvest would rot if the roads stayed closed.",
]

# the same fall told by another outlet in its own words and order (not a rewrite)
OTHER_OUTLET = [
    "Security sources said on Saturday that Yawan, a remote district of Badakhshan, is now "
    "under Taliban control.",
    "The district chief fled to Faizabad with about thirty police officers, a lawmaker said.",
    "Insurgents seized two armoured vehicles and a cache of ammunition, according to a local "
    "journalist.",
    "The interior ministry did not answer calls seeking comment on the loss.",
]


def test_near_duplicate_joins_the_story_and_does_not_alert_again(
    database_url, make_settings, feed_server, slack_server
) -> None:
    settings = _settings(make_settings, database_url, slack_server)
    original = {
        "title": "Yawan falls",
        "link": "https://a.example.org/yawan",
        "guid": "a",
        "description": " ".join(STORY),
        "pubDate": "Sun, 04 Jul 2021 06:00:00 GMT",
    }
    rewrite = {
        "title": "Yawan district lost",
        "link": "https://b.example.net/yawan-lost",
        "guid": "b",
        "description": " ".join(REWRITE),
        "pubDate": "Sun, 04 Jul 2021 09:00:00 GMT",
    }
    write_rss(feed_server.root / "a.xml", [original])
    write_rss(feed_server.root / "b.xml", [rewrite])
    feeds = [FeedConfig(url=feed_server.url("/a.xml")), FeedConfig(url=feed_server.url("/b.xml"))]

    summary = _cycle(settings, feeds=feeds)

    assert summary.feeds[0].alerts == 1
    assert summary.feeds[1].alerts == 1  # a thread reply, not a second alert
    assert "near-copy of https://a.example.org/yawan" in summary.feeds[1].duplicate_notes[0]
    stored = {a["guid"].rsplit("/", 1)[-1]: a for a in _rows(settings, articles)}
    assert stored["b"]["dup_status"] == "near_duplicate"
    assert stored["b"]["duplicate_of"] == stored["a"]["id"]
    first, reply = slack_server.messages
    assert first["thread_ts"] is None and reply["thread_ts"] == first["ts"]
    # a rewrite of another outlet's report adds a report, not an independent outlet
    assert reply["text"].startswith("Confirmed by 1 independent outlet. New report:")
    assert "b.example.net" in reply["blocks"][0]["text"]["text"]


PAGE = """<html><head><title>Yawan</title>
<link rel="canonical" href="/2021/07/04/yawan"></head>
<body><nav>Home | World | Sport</nav><article><h1>Yawan district falls</h1>
{paragraphs}</article><footer>Copyright example</footer></body></html>"""


def test_full_text_and_rel_canonical(
    database_url, make_settings, feed_server, slack_server, tmp_path
) -> None:
    # article pages on loopback are refused unless allowed (SSRF guard)
    settings = _settings(
        make_settings, database_url, slack_server, FETCH_ALLOW_NETWORKS="127.0.0.1/32"
    )
    body = "".join(f"<p>{sentence}</p>" for sentence in STORY)
    (feed_server.root / "page.html").write_text(PAGE.format(paragraphs=body))
    (feed_server.root / "page-amp.html").write_text(PAGE.format(paragraphs=body))
    teaser = "Yawan district lost, officials say."
    write_rss(
        feed_server.root / "wire.xml",
        [
            {
                "title": "Yawan falls",
                "link": feed_server.url("/page.html"),
                "guid": "p1",
                "description": teaser,
            },
            {
                "title": "Yawan falls (AMP)",
                "link": feed_server.url("/page-amp.html"),
                "guid": "p2",
                "description": teaser,
            },
        ],
    )
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(f"feeds:\n  - url: {feed_server.url('/wire.xml')}\n    full_text: true\n")
    from pipeline.settings import load_feeds

    summary = _cycle(settings, feeds=load_feeds(feeds_file))

    assert (summary.totals()["new"], summary.totals()["known"]) == (1, 1)
    [stored] = [a for a in _rows(settings, articles) if a["source"] == "feed"]
    assert stored["canonical_url"].endswith("/2021/07/04/yawan")  # the same site's canonical
    assert "raised their flag over the governor's compound" in stored["text"]
    assert "Copyright example" not in stored["text"]
    assert summary.totals()["alerts"] == 1


def test_entry_that_fails_is_retried_next_cycle_and_others_are_kept(
    database_url, make_settings, feed_server, slack_server, monkeypatch
) -> None:
    """Fault injection: storing one entry fails once (as a dropped connection would)."""
    settings = _settings(make_settings, database_url, slack_server)
    write_rss(feed_server.root / "wire.xml", [FALL, QUIET])
    feeds = [FeedConfig(url=feed_server.url("/wire.xml"))]
    _fail_storing(monkeypatch, FALL["title"], ConnectionError("server closed the connection"), 1)
    first = _cycle(settings, feeds=feeds)
    # the feed stays healthy; the entry is kept in the quarantine, not lost
    assert first.feeds[0].ok and "1 entries quarantined" in first.feeds[0].error
    assert first.totals()["new"] == 1 and first.delivery.sent == 0

    second = _cycle(settings, feeds=feeds)  # 304: retried from its stored copy
    assert second.feeds[0].not_modified and second.totals()["new"] == 1
    assert second.delivery.sent == 1 and len(slack_server.messages) == 1
    store = Store.from_url(settings.database_url, migrate_schema=False)
    assert store.quarantined() == [] and store.list_feeds()[0]["consecutive_failures"] == 0
    store.engine.dispose()


def test_rate_limits_and_dropped_connections_are_ridden_out(
    database_url, make_settings, feed_server, slack_server
) -> None:
    settings = _settings(make_settings, database_url, slack_server)
    write_rss(feed_server.root / "wire.xml", [FALL])
    slack_server.fail_next("ratelimit", times=1, retry_after=1)
    slack_server.fail_next("drop", times=1)
    feeds = [FeedConfig(url=feed_server.url("/wire.xml"))]
    summary = _cycle(settings, feeds=feeds)
    # the 429 is retried by slack_sdk; the drop may have posted, so it is looked up
    assert (summary.delivery.sent, summary.delivery.unknown) == (0, 1)
    _make_due(settings)
    again = _cycle(settings, feeds=feeds)
    assert again.delivery.sent == 1 and len(slack_server.messages) == 1
    assert slack_server.calls["chat.postMessage"] == 3


def test_incoming_webhook_sink(database_url, make_settings, feed_server, slack_server) -> None:
    settings = make_settings(database_url, SLACK_WEBHOOK_URL=slack_server.webhook_url)
    write_rss(feed_server.root / "wire.xml", [FALL])
    summary = _cycle(settings, feeds=[FeedConfig(url=feed_server.url("/wire.xml"))])
    assert summary.delivery.sent == 1
    [posted] = slack_server.webhook_messages
    assert "· District fallen to the Taliban" in posted["blocks"][0]["text"]["text"]
    [row] = _rows(settings, alerts)
    assert "not-a-real-secret" not in json.dumps(row, default=str)


def test_min_outlets_rule_fires_when_a_second_outlet_reports(
    database_url, make_settings, feed_server, slack_server, tmp_path
) -> None:
    rules = tmp_path / "alerts.yaml"
    rules.write_text(
        "rules:\n  - id: corroborated-fall\n    min_outlets: 2\n"
        "    match: {category: territory_captured, actor: Taliban}\n"
    )
    settings = _settings(make_settings, database_url, slack_server, ALERTS_FILE=str(rules))
    original = {
        "title": "Yawan falls",
        "link": "https://a.example.org/yawan",
        "guid": "a",
        "description": " ".join(STORY),
    }
    rewrite = {
        "title": "Yawan lost",
        "link": "https://b.example.net/yawan",
        "guid": "b",
        "description": " ".join(REWRITE),
    }
    independent = {
        "title": "Badakhshan district overrun",
        "link": "https://c.example.com/badakhshan",
        "guid": "c",
        "description": " ".join(OTHER_OUTLET),
    }
    write_rss(feed_server.root / "a.xml", [original])
    write_rss(feed_server.root / "b.xml", [rewrite])
    write_rss(feed_server.root / "c.xml", [independent])
    first = _cycle(settings, feeds=[FeedConfig(url=feed_server.url("/a.xml"))])
    assert first.totals()["alerts"] == 0
    # a rewrite of the first outlet's report is not a second, independent outlet
    second = _cycle(settings, feeds=[FeedConfig(url=feed_server.url("/b.xml"))])
    assert second.totals()["alerts"] == 0
    third = _cycle(settings, feeds=[FeedConfig(url=feed_server.url("/c.xml"))])
    assert third.totals()["alerts"] == 1 and third.totals()["duplicates"] == 0
    [message] = slack_server.messages
    assert "· corroborated-fall" in message["blocks"][0]["text"]["text"]
    store = Store.from_url(settings.database_url, migrate_schema=False)
    [stored] = [r for r in _rows(settings, articles) if r["title"] == independent["title"]]
    [incident] = store.incidents_of_article(stored["id"])
    assert (incident["n_reports"], incident["n_independent_outlets"]) == (3, 2)
    store.engine.dispose()


def test_recapture_replies_in_the_thread_of_the_fall(
    database_url, make_settings, feed_server, slack_server
) -> None:
    settings = _settings(make_settings, database_url, slack_server)
    retaken = {
        "title": "Imam Sahib retaken",
        "link": "https://news.example.org/retaken",
        "guid": "retake-1",
        "pubDate": "Sat, 26 Jun 2021 08:00:00 GMT",
        "description": "Afghan commandos recaptured the Imam Sahib district in Kunduz "
        "province from the Taliban on Friday, the defence ministry said.",
    }
    write_rss(feed_server.root / "wire.xml", [FALL])
    _cycle(settings, feeds=[FeedConfig(url=feed_server.url("/wire.xml"))])
    write_rss(feed_server.root / "later.xml", [retaken])
    _cycle(settings, feeds=[FeedConfig(url=feed_server.url("/later.xml"))])

    fall, retake, update = slack_server.messages
    assert "· District fallen" in fall["blocks"][0]["text"]["text"]
    assert "· Territory retaken" in retake["blocks"][0]["text"]["text"]
    assert update["thread_ts"] == fall["ts"] and "Update: Territory retaken" in update["text"]


def test_an_entry_that_keeps_failing_is_held_until_released(
    database_url, make_settings, feed_server, slack_server, monkeypatch
) -> None:
    import pipeline.cycle as cycle

    settings = _settings(make_settings, database_url, slack_server)
    write_rss(feed_server.root / "wire.xml", [FALL, QUIET])
    feeds = [FeedConfig(url=feed_server.url("/wire.xml"))]
    real_store = cycle.store_analysis
    tries = _fail_storing(monkeypatch, FALL["title"], ValueError("a slip it always triggers"))
    for _ in range(4):
        summary = _cycle(settings, feeds=feeds)
        assert summary.feeds[0].ok  # never counted against the feed
    assert tries["failed"] == 3  # held after three failures: the fourth run did not try
    store = Store.from_url(settings.database_url, migrate_schema=False)
    [held] = store.quarantined()
    assert (held["status"], held["attempts"]) == ("held", 3)
    assert "ValueError" in held["error"] and store.list_feeds()[0]["consecutive_failures"] == 0

    monkeypatch.setattr(cycle, "store_analysis", real_store)  # the slip is fixed
    assert store.release_quarantined() == 1
    after = _cycle(settings, feeds=feeds)
    assert after.totals()["new"] == 1 and store.quarantined() == []
    assert len(slack_server.messages) == 1
    store.engine.dispose()


def test_same_body_without_validators_is_not_parsed_again(
    database_url, make_settings, feed_server, slack_server, tmp_path
) -> None:
    """A server that ignores If-None-Match sends the same 200 body: it is skipped like a
    304 (no entry looked at again); a changed body is read, and so is the same body
    when the previous cycle failed before all its entries were stored."""
    from sqlalchemy.exc import OperationalError

    settings = _settings(make_settings, database_url, slack_server)
    feeds = [FeedConfig(url=feed_server.url("/no-validators.xml"))]
    first_body = write_rss(tmp_path / "a.xml", [QUIET]).read_bytes()
    feed_server.route("/no-validators.xml", body=first_body)

    first = _cycle(settings, feeds=feeds)
    assert first.feeds[0].entries == 1 and first.totals()["new"] == 1
    again = _cycle(settings, feeds=feeds)
    assert again.feeds[0].not_modified and again.feeds[0].entries == 0
    assert again.feeds[0].known == 0 and again.feeds[0].ok

    changed = write_rss(tmp_path / "b.xml", [FALL, QUIET]).read_bytes()
    feed_server.route("/no-validators.xml", body=changed)
    with pytest.MonkeyPatch.context() as patch:
        _fail_storing(patch, FALL["title"], OperationalError("INSERT", {}, Exception("gone")))
        with pytest.raises(OperationalError):
            _cycle(settings, feeds=feeds)
    retried = _cycle(settings, feeds=feeds)  # the same bytes, but not all stored last time
    assert not retried.feeds[0].not_modified and retried.feeds[0].entries == 2
    assert retried.totals()["new"] == 1 and retried.totals()["known"] == 1
    assert retried.totals()["alerts"] == 1


def test_a_rewrite_of_a_known_article_is_stored_as_its_near_duplicate(
    database_url, make_settings, feed_server, slack_server
) -> None:
    """A paraphrase shares almost no 5-word phrase with its original (3%) but follows it
    sentence by sentence: found through the index's candidates by the rewrite check."""
    import yaml

    data = yaml.safe_load((Path(__file__).parents[1] / "data" / "rewrites.yaml").read_text())
    paraphrase = next(r for r in data["rewrites"] if r["kind"] == "paraphrase")
    settings = _settings(make_settings, database_url, slack_server)
    item = {
        "title": "Allies to leave together",
        "link": "https://other.example/blinken",
        "guid": "para-1",
        "description": paraphrase["text"],
    }
    write_rss(feed_server.root / "wire.xml", [item])
    summary = _cycle(settings, [FeedConfig(url=feed_server.url("/wire.xml"))])
    assert summary.totals()["duplicates"] == 1
    assert "rewrite of seed 001_2344dc01a0aef45f.txt" in summary.feeds[0].duplicate_notes[0]
    [stored] = [r for r in _rows(settings, articles) if r["title"] == item["title"]]
    assert (stored["dup_status"], stored["dup_method"]) == ("near_duplicate", "rewrite")
