"""Fetching over real HTTP from the local feed server."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime
from email.utils import formatdate
from pathlib import Path
from typing import Any

from pipeline.fetch import fetch_feed, make_client, parse_retry_after
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


# -- one deadline per feed ----------------------------------------------------------------


class TrickleServer:
    """A slow-loris server on 127.0.0.1: sends a canned response a few bytes at a time.

    The first `burst` bytes go out at once, then `step` bytes every `pause` seconds, so
    every single read finishes well within httpx's read timeout while the whole response
    takes as long as the server likes.
    """

    def __init__(self, response: bytes, *, burst: int = 0, step: int = 1, pause: float) -> None:
        self.response, self.burst, self.step, self.pause = response, burst, step, pause
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/feed.xml"

    def __enter__(self) -> TrickleServer:
        self._spawn(self._accept_loop)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self._spawn(self._trickle, conn)

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                data = conn.recv(4096)
                if not data:
                    return
                request += data
            try:
                conn.sendall(self.response[: self.burst])
                for start in range(self.burst, len(self.response), self.step):
                    if self._stop.wait(self.pause):
                        return
                    conn.sendall(self.response[start : start + self.step])
            except OSError:
                return  # the client hung up: that is the point of the test


FEED_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n"


def _timed_fetch(url: str, deadline: float | None, **env: str) -> tuple[Any, float]:
    with _client(**env) as client:
        started = time.monotonic()
        result = fetch_feed(url, client, deadline=deadline)
        return result, time.monotonic() - started


def test_body_trickled_at_two_bytes_a_second_stops_at_the_deadline() -> None:
    body = b"<rss/>" + b" " * 94
    response = FEED_HEAD % len(body) + body
    head = len(FEED_HEAD % len(body))
    with TrickleServer(response, burst=head, step=1, pause=0.5) as server:
        result, took = _timed_fetch(server.url, 1.5, HTTP_READ_TIMEOUT="3")
    assert result.error == "timeout: no complete response within 1.5 s"
    assert result.body is None and took < 2.2


def test_status_line_trickled_byte_by_byte_stops_at_the_deadline() -> None:
    # No body bytes ever arrive: only the socket watchdog, not the body loop, can stop this.
    response = FEED_HEAD % 6 + b"<rss/>"
    with TrickleServer(response, step=1, pause=0.3) as server:
        result, took = _timed_fetch(server.url, 1.5, HTTP_READ_TIMEOUT="3")
    assert result.error == "timeout: no complete response within 1.5 s"
    assert took < 2.2


def test_slow_but_complete_response_within_the_deadline_is_kept() -> None:
    response = FEED_HEAD % 6 + b"<rss/>"
    with TrickleServer(response, step=4, pause=0.01) as server:
        result, _ = _timed_fetch(server.url, 5.0, HTTP_READ_TIMEOUT="3")
    assert result.error is None and result.body == b"<rss/>"


def test_deadline_covers_waiting_for_the_first_byte(feed_server) -> None:
    feed_server.route("/late.xml", body=b"<rss/>", delay=1.5)
    feed_server.route("/prompt.xml", body=b"<rss/>")
    late, took = _timed_fetch(feed_server.url("/late.xml"), 0.5)
    prompt, _ = _timed_fetch(feed_server.url("/prompt.xml"), 0.5)
    assert late.error == "timeout: no complete response within 0.5 s" and took < 1.2
    assert prompt.error is None and prompt.body == b"<rss/>"


# -- Retry-After ----------------------------------------------------------------------------


def test_retry_after_is_read_on_429_and_503_only(feed_server) -> None:
    in_90_s = formatdate(time.time() + 90, usegmt=True)
    routes = {
        "/429.xml": (429, "120"),
        "/503-date.xml": (503, in_90_s),
        "/503-past.xml": (503, "Wed, 21 Oct 2015 07:28:00 GMT"),
        "/429-huge.xml": (429, "99999999"),
        "/503-garbage.xml": (503, "soon, maybe"),
        "/500.xml": (500, "120"),
    }
    for path, (status, value) in routes.items():
        feed_server.route(path, status=status, body=b"", headers={"Retry-After": value})
    feed_server.route("/429-none.xml", status=429, body=b"")
    with _client() as client:
        got = {
            path: fetch_feed(feed_server.url(path), client) for path in [*routes, "/429-none.xml"]
        }
    assert got["/429.xml"].retry_after == 120.0
    assert got["/429.xml"].error == "HTTP 429 Too Many Requests"
    assert 80 <= (got["/503-date.xml"].retry_after or 0) <= 91
    assert got["/503-past.xml"].retry_after == 0.0
    assert got["/429-huge.xml"].retry_after == 86400.0
    assert got["/503-garbage.xml"].retry_after is None
    assert got["/500.xml"].retry_after is None
    assert got["/429-none.xml"].retry_after is None


def test_parse_retry_after_forms() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("0", now) == 0.0
    assert parse_retry_after(" 30 ", now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:01:00 GMT", now) == 60.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("Fri, 01 Jan 2027 12:00:00 GMT", now) == 86400.0
    assert parse_retry_after("9" * 5000, now) == 86400.0
    for garbage in (None, "", "-5", "1.5", "30s", "tomorrow", "Thu, 99 Foo 2026"):
        assert parse_retry_after(garbage, now) is None, garbage
