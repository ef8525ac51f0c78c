"""Fetching over real HTTP from the local feed server."""

from __future__ import annotations

from pathlib import Path

from pipeline.fetch import fetch_feed, make_client
from pipeline.settings import load_settings
from tests.conftest import write_rss


def _client(**env: str):  # type: ignore[no-untyped-def]
    return make_client(load_settings(env))


def test_conditional_get_gives_304_with_stored_validators(feed_server, tmp_path: Path) -> None:
    write_rss(feed_server.root / "a.xml", [{"title": "t", "link": "https://e.org/1"}])
    with _client() as client:
        first = fetch_feed(feed_server.url("/a.xml"), client)
        assert first.status == 200 and first.body and first.etag
        second = fetch_feed(
            feed_server.url("/a.xml"), client, etag=first.etag, last_modified=first.last_modified
        )
    assert second.not_modified and second.body is None
    assert feed_server.last_headers["/a.xml"]["If-None-Match"] == first.etag
    assert "afghan-news-pipeline" in feed_server.last_headers["/a.xml"]["User-Agent"]


def test_errors_are_results_not_exceptions(feed_server) -> None:
    feed_server.route("/down.xml", status=503, body=b"busy")
    feed_server.route("/slow.xml", body=b"<rss/>", delay=2.0)
    feed_server.route("/gone.xml", status=410, body=b"")
    feed_server.drop("/reset.xml")
    with _client(HTTP_READ_TIMEOUT="0.5") as client:
        down = fetch_feed(feed_server.url("/down.xml"), client)
        slow = fetch_feed(feed_server.url("/slow.xml"), client)
        gone = fetch_feed(feed_server.url("/gone.xml"), client)
        reset = fetch_feed(feed_server.url("/reset.xml"), client)
        refused = fetch_feed("http://127.0.0.1:9/nothing.xml", client)
    assert down.error == "HTTP 503 Service Unavailable"
    assert slow.error and slow.error.startswith("timeout")
    assert gone.gone
    assert reset.error and refused.error


def test_size_cap_stops_large_responses(feed_server) -> None:
    feed_server.route("/big.xml", body=b"x" * 5000)
    with _client() as client:
        result = fetch_feed(feed_server.url("/big.xml"), client, max_bytes=1000)
    assert result.error and "too large" in result.error


def test_local_paths_and_file_urls(tmp_path: Path) -> None:
    path = write_rss(tmp_path / "local.xml", [{"title": "t"}])
    with _client() as client:
        assert fetch_feed(str(path), client).body == path.read_bytes()
        assert fetch_feed(path.as_uri(), client).body == path.read_bytes()
        assert "cannot read" in (fetch_feed(str(tmp_path / "no.xml"), client).error or "")
