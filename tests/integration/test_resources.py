"""Resources: built once per process, each part on first use; live and offline versions."""

from __future__ import annotations

import httpx
import pytest

from pipeline.alerts import ConsoleSink, SlackSink
from pipeline.cycle import run_cycle
from pipeline.resources import Resources
from pipeline.settings import ConfigError, FeedConfig
from pipeline.store import Store
from tests.conftest import write_rss
from tests.integration.test_cycle import FALL, QUIET


def _sqlite(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'resources.sqlite3'}"


def test_nothing_is_built_until_used_and_each_part_once(make_settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    resources = Resources.live(make_settings(_sqlite(tmp_path)))
    assert not any(resources.is_built(p) for p in ("store", "http", "sink", "extractor"))
    assert resources.store is resources.store
    assert resources.http is resources.http
    assert resources.is_built("store") and not resources.is_built("extractor")
    resources.close()
    assert not resources.is_built("store") and not resources.is_built("http")


def test_live_sink_follows_the_settings_and_offline_never_posts(make_settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(_sqlite(tmp_path), SLACK_BOT_TOKEN="xoxb-configured")
    with Resources.live(settings) as live:
        assert isinstance(live.sink, SlackSink)
    with Resources.offline(settings) as offline:
        assert isinstance(offline.sink, ConsoleSink)


def test_offline_refuses_the_network_with_a_clear_error(make_settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    offline = Resources.offline(make_settings(_sqlite(tmp_path)))
    with offline as resources, pytest.raises(httpx.ConnectError, match="offline: no network"):
        resources.http.get("http://127.0.0.1:9/feed.xml")


def test_offline_refuses_a_server_database(make_settings) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings("postgresql+psycopg://news:s3cret@db.example:5432/news")
    with pytest.raises(ConfigError, match="offline resources use SQLite") as raised:
        Resources.offline(settings)
    assert "s3cret" not in str(raised.value)


def test_a_given_part_is_used_and_left_open(make_settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(_sqlite(tmp_path))
    store = Store.from_url(settings.database_url)
    with Resources.live(settings, store=store) as resources:
        assert resources.store is store
    assert store.counts()["articles"] == 0  # still usable: the caller owns it
    store.engine.dispose()


def test_an_unchanged_cycle_never_loads_the_model(make_settings, tmp_path, feed_server) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(_sqlite(tmp_path))
    write_rss(feed_server.root / "wire.xml", [FALL, QUIET])
    feeds = [FeedConfig(url=feed_server.url("/wire.xml"))]
    with Resources.live(settings) as first:
        assert run_cycle(first, feeds=feeds).totals()["new"] == 2
        assert first.is_built("extractor")
    with Resources.live(settings) as second:  # a new process: the feed answers 304
        summary = run_cycle(second, feeds=feeds)
        assert summary.feeds[0].not_modified
        assert not second.is_built("extractor")


def test_offline_cycle_reads_local_feed_files_and_prints_alerts(
    make_settings, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    feed = write_rss(tmp_path / "local.xml", [FALL])
    settings = make_settings(_sqlite(tmp_path), SLACK_BOT_TOKEN="xoxb-never-used")
    with Resources.offline(settings) as resources:
        summary = run_cycle(resources, feeds=[FeedConfig(url=str(feed))])
    assert summary.totals()["alerts"] == 1 and summary.delivery.sent == 1
    assert "Imam Sahib" in capsys.readouterr().out


def test_a_store_that_cannot_be_built_leaves_nothing_to_close(make_settings) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import OperationalError

    settings = make_settings("postgresql+psycopg://postgres@127.0.0.1:1/news")
    with pytest.raises(OperationalError), Resources.live(settings) as resources:
        resources.store  # noqa: B018 -- building it is the point
    assert not resources.is_built("store")
