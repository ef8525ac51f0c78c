"""The loopback test servers must behave like the real services, or other tests prove nothing.

Feed server: checked with httpx (the pipeline's fetch client). Slack server: checked with the
real slack_sdk clients, including their retry handlers.
"""

from __future__ import annotations

import gzip
import http.client
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.support.feed_server import FeedServer
from tests.support.slack_server import FAILURE_KINDS, SlackServer

TOKEN = "xoxb-test-token"
RSS = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Test</title>
<item><title>Attack reported in Kabul</title><link>https://example.org/1</link></item>
</channel></rss>
"""


# -- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def feed_root(tmp_path: Path) -> Path:
    root = tmp_path / "feeds"
    root.mkdir()
    (root / "feed.xml").write_bytes(RSS)
    (root / "feed.xml.gz").write_bytes(gzip.compress(RSS))
    (tmp_path / "secret.txt").write_text("outside the root")
    return root


@pytest.fixture
def feeds(feed_root: Path) -> Iterator[FeedServer]:
    with FeedServer(feed_root) as srv:
        yield srv
    assert srv.errors == []  # no handler crashed behind the test's back


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer() as srv:
        yield srv
    assert srv.errors == []


@pytest.fixture
def client(slack: SlackServer) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.base_url)


def section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def header(text: str) -> dict[str, object]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def slack_error(exc_info: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(exc_info.value.response["error"])


def alert_metadata(key: str) -> dict[str, object]:
    return {"event_type": "news_alert", "event_payload": {"key": key}}


def bare_client(slack: SlackServer, timeout: float = 2) -> WebClient:
    """A client that never retries, so one lost answer surfaces as one exception."""
    return WebClient(token=TOKEN, base_url=slack.base_url, retry_handlers=[], timeout=timeout)


def handler_threads() -> set[threading.Thread]:
    """Live request-handler threads of every loopback server in this process."""
    return {t for t in threading.enumerate() if "process_request_thread" in t.name}


def wait_until(predicate: Callable[[], bool], timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


# Errors a client sees when a connection dies without a complete answer.
LOST_ANSWER = (OSError, http.client.HTTPException)


# -- feed server ----------------------------------------------------------------------------


def test_feed_server_serves_files_with_validators(feeds: FeedServer) -> None:
    response = httpx.get(feeds.url("/feed.xml"), headers={"X-Probe": "yes"})

    assert response.status_code == 200
    assert response.content == RSS
    assert response.headers["content-type"] == "application/xml"
    assert response.headers["etag"].startswith('"') and response.headers["etag"].endswith('"')
    assert response.headers["last-modified"].endswith("GMT")
    assert feeds.base_url.startswith("http://127.0.0.1:")
    assert feeds.requests["/feed.xml"] == 1
    assert feeds.last_headers["/feed.xml"]["x-probe"] == "yes"
    assert feeds.last_headers["/feed.xml"]["X-Probe"] == "yes"


def test_feed_server_answers_304_for_matching_etag(feeds: FeedServer) -> None:
    first = httpx.get(feeds.url("feed.xml"))
    etag = first.headers["etag"]

    cached = httpx.get(feeds.url("feed.xml"), headers={"If-None-Match": etag})
    changed = httpx.get(feeds.url("feed.xml"), headers={"If-None-Match": '"stale"'})

    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag
    assert changed.status_code == 200
    assert feeds.requests["/feed.xml"] == 3


def test_feed_server_honours_if_modified_since(feeds: FeedServer, feed_root: Path) -> None:
    last_modified = httpx.get(feeds.url("feed.xml")).headers["last-modified"]

    same = httpx.get(feeds.url("feed.xml"), headers={"If-Modified-Since": last_modified})
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    older = httpx.get(feeds.url("feed.xml"), headers={"If-Modified-Since": old})

    assert same.status_code == 304
    assert older.status_code == 200


def test_feed_server_head_and_missing_files(feeds: FeedServer) -> None:
    head = httpx.head(feeds.url("feed.xml"))
    missing = httpx.get(feeds.url("nope.xml"))
    escape = httpx.get(feeds.url("..%2Fsecret.txt"))

    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) == len(RSS)
    assert missing.status_code == 404
    assert escape.status_code == 404


def test_feed_server_routes_override_files(feeds: FeedServer) -> None:
    feeds.route("/feed.xml", body=b"<oops/>", status=503, headers={"Retry-After": "7"})
    feeds.route("/copy.xml", file="feed.xml", headers={"Content-Type": "text/xml"})

    broken = httpx.get(feeds.url("feed.xml"))
    copy = httpx.get(feeds.url("copy.xml"))
    feeds.clear_routes()
    restored = httpx.get(feeds.url("feed.xml"))

    assert (broken.status_code, broken.content) == (503, b"<oops/>")
    assert broken.headers["retry-after"] == "7"
    assert copy.content == RSS
    assert copy.headers["content-type"] == "text/xml"
    assert restored.status_code == 200
    assert feeds.requests["/feed.xml"] == 2


def test_feed_server_delay_triggers_client_read_timeout(feeds: FeedServer) -> None:
    feeds.route("/slow.xml", body=RSS, delay=2.0)

    timeout = httpx.Timeout(5.0, read=0.2)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(feeds.url("slow.xml"), timeout=timeout)


def test_feed_server_drop_closes_without_response(feeds: FeedServer) -> None:
    feeds.drop("/feed.xml")

    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(feeds.url("feed.xml"))
    assert feeds.requests["/feed.xml"] == 1


def test_feed_server_gzip_is_decoded_by_httpx(feeds: FeedServer) -> None:
    feeds.serve_gzip("/compressed.xml", "feed.xml.gz")

    response = httpx.get(feeds.url("compressed.xml"))

    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-type"] == "application/rss+xml"
    assert response.content == RSS


def test_feed_server_stop_is_idempotent(feed_root: Path) -> None:
    srv = FeedServer(feed_root).start()
    url = srv.url("feed.xml")
    srv.stop()
    srv.stop()

    with pytest.raises(RuntimeError):
        _ = srv.base_url
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)


def test_feed_server_trickle_sends_headers_at_once_then_drips_the_body(
    feeds: FeedServer,
) -> None:
    body = b"<rss>0123456789</rss>"  # 21 bytes at 30 B/s: about 0.7 s
    feeds.route("/slow.xml", body=body, trickle=30)
    timeout = httpx.Timeout(5.0, read=0.5)  # longer than the 33 ms between two bytes

    started = time.monotonic()
    with httpx.stream("GET", feeds.url("slow.xml"), timeout=timeout) as response:
        headers_after = time.monotonic() - started
        content = response.read()
    elapsed = time.monotonic() - started

    assert headers_after < 0.3
    assert response.headers["content-length"] == str(len(body))
    assert content == body
    assert len(body) / 30 * 0.9 <= elapsed < len(body) / 30 + 1.0


def test_feed_server_trickle_trips_a_read_timeout_shorter_than_the_gap(
    feeds: FeedServer,
) -> None:
    feeds.route("/crawl.xml", body=RSS, trickle=4)  # a byte every 250 ms

    with pytest.raises(httpx.ReadTimeout):
        httpx.get(feeds.url("crawl.xml"), timeout=httpx.Timeout(5.0, read=0.1))


def test_feed_server_trickle_headers_drip_too(feeds: FeedServer) -> None:
    feeds.route("/drip.xml", body=b"<rss/>", trickle=300, trickle_headers=True)
    feeds.route("/fast.xml", body=b"<rss/>", trickle=300)

    started = time.monotonic()
    with httpx.stream("GET", feeds.url("drip.xml"), timeout=5.0) as dripped:
        headers_after = time.monotonic() - started
        content = dripped.read()
    with httpx.stream("GET", feeds.url("fast.xml"), timeout=5.0) as fast:
        fast_headers_after = time.monotonic() - started - headers_after
        fast.read()

    # Status line + Server, Date, Content-Type, Content-Length: well over 100 bytes.
    assert headers_after >= 100 / 300
    assert fast_headers_after < 100 / 300
    assert (dripped.status_code, content) == (200, b"<rss/>")
    assert dripped.headers["content-type"] == "application/xml"


def test_feed_server_trickle_stops_when_the_client_hangs_up(feeds: FeedServer) -> None:
    feeds.route("/long.xml", body=b"x" * 1000, trickle=50)
    before = handler_threads()

    with httpx.stream("GET", feeds.url("long.xml"), timeout=5.0) as response:
        first = next(response.iter_raw())
        trickling = handler_threads() - before
        assert len(trickling) == 1

    assert first == b"x"
    assert wait_until(lambda: not any(t.is_alive() for t in trickling))  # not 20 s later


def test_feed_server_trickle_stops_when_the_server_stops(feed_root: Path) -> None:
    srv = FeedServer(feed_root).start()
    srv.route("/long.xml", body=b"x" * 1000, trickle=10, trickle_headers=True)
    outcome: list[BaseException] = []

    def fetch() -> None:
        try:
            httpx.get(srv.url("long.xml"), timeout=5.0)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    fetcher = threading.Thread(target=fetch)
    fetcher.start()
    time.sleep(0.3)
    started = time.monotonic()
    srv.stop()
    fetcher.join(timeout=2)

    assert not fetcher.is_alive()
    assert time.monotonic() - started < 1.0
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.RemoteProtocolError)
    assert srv.errors == []


def test_feed_server_route_rejects_bad_trickle(feeds: FeedServer) -> None:
    with pytest.raises(ValueError):
        feeds.route("/x.xml", body=b"x", trickle=-1)
    with pytest.raises(ValueError):
        feeds.route("/x.xml", body=b"x", trickle_headers=True)


# -- Slack Web API --------------------------------------------------------------------------


def test_slack_auth_test(client: WebClient, slack: SlackServer) -> None:
    response = client.auth_test()

    assert response["ok"] is True
    assert response["user_id"]
    assert slack.calls["auth.test"] == 1


def test_slack_invalid_token_is_invalid_auth(slack: SlackServer) -> None:
    bad = WebClient(token="xoxb-wrong", base_url=slack.base_url)

    with pytest.raises(SlackApiError) as exc_info:
        bad.chat_postMessage(channel="#afghanistan-alerts", text="hi")

    assert slack_error(exc_info) == "invalid_auth"
    assert exc_info.value.response.status_code == 200
    assert slack.messages == []


def test_slack_post_message_records_and_lists_history(
    client: WebClient, slack: SlackServer
) -> None:
    metadata = {"event_type": "alert_posted", "event_payload": {"cluster_id": "abc"}}
    first = client.chat_postMessage(
        channel="#afghanistan-alerts",
        text="Attack in Kabul",
        blocks=[header("Security alert"), section("*Kabul*: attack reported")],
        metadata=metadata,
    )
    second = client.chat_postMessage(channel="C0ALERTS", text="Second alert")

    assert first["channel"] == second["channel"] == "C0ALERTS"
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["text"] == "Attack in Kabul"
    recorded = slack.messages[0]
    assert recorded["blocks"][0]["type"] == "header"
    assert recorded["metadata"] == metadata

    history = client.conversations_history(channel="C0ALERTS", include_all_metadata=True)
    assert [m["ts"] for m in history["messages"]] == [second["ts"], first["ts"]]
    assert history["messages"][1]["metadata"] == metadata
    assert "metadata" not in history["messages"][0]

    plain = client.conversations_history(channel="C0ALERTS")
    assert all("metadata" not in m for m in plain["messages"])  # Slack hides it unless asked
    newer = client.conversations_history(channel="C0ALERTS", oldest=first["ts"])
    assert [m["ts"] for m in newer["messages"]] == [second["ts"]]
    limited = client.conversations_history(channel="C0ALERTS", limit=1)
    assert [m["ts"] for m in limited["messages"]] == [second["ts"]]
    assert limited["has_more"] is True


def test_slack_history_leaves_out_thread_replies(client: WebClient, slack: SlackServer) -> None:
    parent = client.chat_postMessage(channel="C0ALERTS", text="parent")
    client.chat_postMessage(channel="C0ALERTS", text="reply", thread_ts=parent["ts"])

    history = client.conversations_history(channel="C0ALERTS")

    assert [m["text"] for m in history["messages"]] == ["parent"]
    assert slack.messages[1]["thread_ts"] == parent["ts"]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "#nowhere", "text": "hi"}, "channel_not_found"),
        ({"channel": "C0ALERTS"}, "no_text"),
        ({"channel": "C0ALERTS", "text": "x" * 40001}, "msg_too_long"),
        ({"channel": "C0ALERTS", "blocks": [header("h" * 151)]}, "invalid_blocks"),
        ({"channel": "C0ALERTS", "blocks": [section("s" * 3001)]}, "invalid_blocks"),
        ({"channel": "C0ALERTS", "blocks": [{"type": "carousel"}]}, "invalid_blocks"),
        ({"channel": "C0ALERTS", "blocks": [{"type": "divider"}] * 51}, "invalid_blocks"),
    ],
)
def test_slack_rejects_bad_messages(
    client: WebClient, slack: SlackServer, kwargs: dict[str, object], error: str
) -> None:
    with pytest.raises(SlackApiError) as exc_info:
        client.chat_postMessage(**kwargs)  # type: ignore[arg-type]

    assert slack_error(exc_info) == error
    assert slack.messages == []


def test_slack_accepts_form_encoded_and_get_requests(slack: SlackServer) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    form = {"channel": "#afghanistan-alerts", "blocks": json.dumps([section("form post")])}

    posted = httpx.post(slack.base_url + "chat.postMessage", data=form, headers=auth).json()
    query = {"channel": "C0ALERTS", "limit": "5"}
    listed = httpx.get(slack.base_url + "conversations.history", params=query, headers=auth)

    assert posted["ok"] is True
    assert slack.messages[0]["blocks"][0]["text"]["text"] == "form post"
    assert [m["ts"] for m in listed.json()["messages"]] == [posted["ts"]]


def test_slack_chat_update_replaces_message(client: WebClient, slack: SlackServer) -> None:
    posted = client.chat_postMessage(channel="C0ALERTS", text="v1", blocks=[section("v1")])

    updated = client.chat_update(
        channel=posted["channel"], ts=posted["ts"], text="v2", blocks=[section("v2")]
    )

    assert updated["ts"] == posted["ts"]
    assert slack.messages[0]["text"] == "v2"
    assert slack.messages[0]["blocks"][0]["text"]["text"] == "v2"
    assert slack.updates[0]["ts"] == posted["ts"]
    with pytest.raises(SlackApiError) as exc_info:
        client.chat_update(channel="C0ALERTS", ts="1.000001", text="nope")
    assert slack_error(exc_info) == "message_not_found"


def test_slack_rate_limit_is_retried_by_sdk_handler(client: WebClient, slack: SlackServer) -> None:
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    slack.fail_next("ratelimit", retry_after=0)

    response = client.chat_postMessage(channel="C0ALERTS", text="after 429")

    assert response["ok"] is True
    assert slack.calls["chat.postMessage"] == 2
    assert [m["text"] for m in slack.messages] == ["after 429"]


def test_slack_rate_limit_without_handler_raises(client: WebClient, slack: SlackServer) -> None:
    slack.fail_next("ratelimit", retry_after=3)

    with pytest.raises(SlackApiError) as exc_info:
        client.chat_postMessage(channel="C0ALERTS", text="x")

    assert exc_info.value.response.status_code == 429
    assert exc_info.value.response.headers["Retry-After"] == "3"
    assert slack_error(exc_info) == "ratelimited"


def test_slack_failures_hit_chat_methods_in_order(client: WebClient, slack: SlackServer) -> None:
    slack.fail_next("invalid_auth")
    slack.fail_next("server_error")

    assert client.auth_test()["ok"] is True  # auth.test is never failed on purpose
    with pytest.raises(SlackApiError) as first:
        client.chat_postMessage(channel="C0ALERTS", text="x")
    with pytest.raises(SlackApiError) as second:
        client.chat_postMessage(channel="C0ALERTS", text="x")
    third = client.chat_postMessage(channel="C0ALERTS", text="x")

    assert slack_error(first) == "invalid_auth"
    assert second.value.response.status_code == 500
    assert third["ok"] is True


def test_slack_drop_is_retried_by_default_connection_handler(
    client: WebClient, slack: SlackServer
) -> None:
    slack.fail_next("drop")

    response = client.chat_postMessage(channel="C0ALERTS", text="after drop")

    assert response["ok"] is True
    assert slack.calls["chat.postMessage"] == 2


def test_slack_fail_next_rejects_unknown_kind(slack: SlackServer) -> None:
    with pytest.raises(ValueError):
        slack.fail_next("meteor")


# -- Slack incoming webhook ---------------------------------------------------------------


def test_webhook_records_messages(slack: SlackServer) -> None:
    webhook = WebhookClient(slack.webhook_url)

    response = webhook.send(text="hello", blocks=[header("Alert"), section("details")])

    assert (response.status_code, response.body) == (200, "ok")
    assert slack.webhook_messages[0]["text"] == "hello"
    assert slack.webhook_messages[0]["blocks"][0]["type"] == "header"
    assert slack.calls["webhook"] == 1


def test_webhook_failures_and_validation(slack: SlackServer) -> None:
    webhook = WebhookClient(slack.webhook_url)
    slack.fail_next("server_error")

    failed = webhook.send(text="x")
    empty = webhook.send(blocks=[])
    ok = webhook.send(text="x")

    assert failed.status_code == 500
    assert (empty.status_code, empty.body) == (400, "no_text")
    assert ok.status_code == 200
    assert len(slack.webhook_messages) == 1


def test_webhook_rate_limit_is_retried_by_sdk_handler(slack: SlackServer) -> None:
    webhook = WebhookClient(
        slack.webhook_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
    )
    slack.fail_next("ratelimit", retry_after=0)

    response = webhook.send(text="after 429")

    assert response.status_code == 200
    assert slack.calls["webhook"] == 2
    assert [m["text"] for m in slack.webhook_messages] == ["after 429"]


def test_slack_history_and_update_want_channel_ids(client: WebClient) -> None:
    posted = client.chat_postMessage(channel="#afghanistan-alerts", text="by name")

    with pytest.raises(SlackApiError) as history:
        client.conversations_history(channel="#afghanistan-alerts")
    with pytest.raises(SlackApiError) as update:
        client.chat_update(channel="#afghanistan-alerts", ts=posted["ts"], text="edit")

    assert slack_error(history) == slack_error(update) == "channel_not_found"


def test_slack_names_everywhere_relaxes_channel_ids() -> None:
    with SlackServer(names_everywhere=True) as srv:
        client = WebClient(token=TOKEN, base_url=srv.base_url)
        client.chat_postMessage(channel="#afghanistan-alerts", text="by name")

        history = client.conversations_history(channel="afghanistan-alerts")

    assert [m["text"] for m in history["messages"]] == ["by name"]


# -- Slack: answers lost after the post went through ---------------------------------------


def test_slack_post_then_drop_records_once_and_the_client_raises(slack: SlackServer) -> None:
    slack.fail_next("post_then_drop")

    with pytest.raises(LOST_ANSWER):
        bare_client(slack).chat_postMessage(
            channel="C0ALERTS", text="alert", metadata=alert_metadata("k1")
        )

    assert [m["text"] for m in slack.messages] == ["alert"]
    assert slack.posts_per_key() == {"k1": 1}
    assert slack.calls["chat.postMessage"] == 1


def test_slack_post_then_drop_makes_a_retrying_client_post_twice(
    client: WebClient, slack: SlackServer
) -> None:
    slack.fail_next("post_then_drop")

    client.chat_postMessage(channel="C0ALERTS", text="alert", metadata=alert_metadata("k1"))
    client.chat_postMessage(channel="C0ALERTS", text="plain")

    # slack_sdk's default ConnectionErrorRetryHandler re-sends: the hazard under test.
    assert slack.posts_per_key() == {"k1": 2, None: 1}
    assert slack.calls["chat.postMessage"] == 3


def test_slack_post_then_partial_sends_half_a_body(slack: SlackServer) -> None:
    slack.fail_next("post_then_partial")

    with pytest.raises(http.client.IncompleteRead):
        bare_client(slack).chat_postMessage(
            channel="C0ALERTS", text="alert", metadata=alert_metadata("k2")
        )
    raw = httpx.post(
        slack.base_url + "chat.postMessage",
        json={"channel": "C0ALERTS", "text": "by httpx"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )

    assert raw.json()["ok"] is True  # one failure queued, one spent
    assert slack.posts_per_key() == {"k2": 1, None: 1}


def test_slack_post_then_partial_truncates_a_promised_length(slack: SlackServer) -> None:
    slack.fail_next("post_then_partial")
    auth = {"Authorization": f"Bearer {TOKEN}"}

    with (
        httpx.stream(
            "POST",
            slack.base_url + "chat.postMessage",
            json={"channel": "C0ALERTS", "text": "x"},
            headers=auth,
        ) as response,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        response.read()

    assert response.status_code == 200
    assert int(response.headers["content-length"]) > 0
    assert len(slack.messages) == 1


def test_slack_post_then_slow_outlasts_a_short_client_timeout(slack: SlackServer) -> None:
    slack.fail_next("post_then_slow", delay=2.0)

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        bare_client(slack, timeout=0.3).chat_postMessage(
            channel="C0ALERTS", text="alert", metadata=alert_metadata("k3")
        )

    assert time.monotonic() - started < 1.0
    assert slack.posts_per_key() == {"k3": 1}  # recorded before the wait began


def test_slack_post_then_slow_answers_after_the_delay(slack: SlackServer) -> None:
    slack.fail_next("post_then_slow", delay=0.3)

    started = time.monotonic()
    response = bare_client(slack).chat_postMessage(channel="C0ALERTS", text="late")

    assert time.monotonic() - started >= 0.3
    assert response["ok"] is True
    assert response["ts"] == slack.messages[0]["ts"]


def test_slack_post_then_slow_gives_up_when_the_server_stops() -> None:
    srv = SlackServer().start()
    srv.fail_next("post_then_slow", delay=30.0)
    errors: list[BaseException] = []

    def post() -> None:
        try:
            bare_client(srv, timeout=10).chat_postMessage(channel="C0ALERTS", text="x")
        except LOST_ANSWER as exc:
            errors.append(exc)

    poster = threading.Thread(target=post)
    poster.start()
    assert wait_until(lambda: len(srv.messages) == 1)
    srv.stop()
    poster.join(timeout=2)

    assert not poster.is_alive()
    assert len(errors) == 1
    assert srv.errors == []


def test_slack_refuse_resets_without_recording(client: WebClient, slack: SlackServer) -> None:
    slack.fail_next("refuse")

    with pytest.raises(LOST_ANSWER):
        bare_client(slack).chat_postMessage(channel="C0ALERTS", text="refused")
    assert slack.messages == []

    slack.fail_next("refuse")
    response = client.chat_postMessage(channel="C0ALERTS", text="retried")  # default retries

    assert response["ok"] is True
    assert [m["text"] for m in slack.messages] == ["retried"]
    assert slack.calls["chat.postMessage"] == 3


@pytest.mark.parametrize(
    ("kind", "recorded"),
    [("post_then_drop", 1), ("post_then_partial", 1), ("post_then_slow", 1), ("refuse", 0)],
)
def test_webhook_lost_answers(slack: SlackServer, kind: str, recorded: int) -> None:
    webhook = WebhookClient(slack.webhook_url, retry_handlers=[], timeout=0.3)  # type: ignore[arg-type]
    slack.fail_next(kind, delay=2.0)

    with pytest.raises(LOST_ANSWER):
        webhook.send(text="alert")
    ok = WebhookClient(slack.webhook_url).send(text="next")

    assert ok.status_code == 200
    assert slack.webhook_posts_per_text() == ({"alert": 1, "next": 1} if recorded else {"next": 1})
    assert slack.calls["webhook"] == 2


def test_slack_fail_next_knows_the_new_kinds_and_checks_delay(slack: SlackServer) -> None:
    assert {"post_then_drop", "post_then_partial", "post_then_slow", "refuse"} <= FAILURE_KINDS
    with pytest.raises(ValueError):
        slack.fail_next("post_then_slow", delay=-1)


# -- Slack: paging, threads, channels -------------------------------------------------------


def post_many(client: WebClient, count: int, **kwargs: object) -> list[str]:
    return [
        client.chat_postMessage(channel="C0ALERTS", text=f"m{n}", **kwargs)["ts"]  # type: ignore[arg-type]
        for n in range(1, count + 1)
    ]


def test_slack_history_pages_with_cursors(client: WebClient, slack: SlackServer) -> None:
    ts = post_many(client, 7)

    pages = []
    cursor = None
    while True:
        page = client.conversations_history(channel="C0ALERTS", limit=3, cursor=cursor)
        pages.append(page)
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
        if len(pages) == 1:
            client.chat_postMessage(channel="C0ALERTS", text="newer")  # must not shift pages

    assert [[m["ts"] for m in page["messages"]] for page in pages] == [
        [ts[6], ts[5], ts[4]],
        [ts[3], ts[2], ts[1]],
        [ts[0]],
    ]
    assert [page["has_more"] for page in pages] == [True, True, False]
    assert slack.calls["conversations.history"] == 3


def test_slack_history_paging_keeps_the_window(client: WebClient) -> None:
    ts = post_many(client, 7)

    iterated = [
        [m["text"] for m in page["messages"]]
        for page in client.conversations_history(
            channel="C0ALERTS", limit=2, oldest=ts[1], latest=ts[5], inclusive=True
        )  # SlackResponse follows next_cursor by itself
    ]
    exclusive = client.conversations_history(channel="C0ALERTS", oldest=ts[1], latest=ts[5])

    assert iterated == [["m6", "m5"], ["m4", "m3"], ["m2"]]
    assert [m["text"] for m in exclusive["messages"]] == ["m5", "m4", "m3"]
    assert exclusive["response_metadata"]["next_cursor"] == ""


def test_slack_history_rejects_a_bad_cursor(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc_info:
        client.conversations_history(channel="C0ALERTS", cursor="not-a-cursor")

    assert slack_error(exc_info) == "invalid_cursor"


def test_slack_replies_lists_a_thread_with_paging(client: WebClient, slack: SlackServer) -> None:
    parent = client.chat_postMessage(
        channel="C0ALERTS", text="parent", metadata=alert_metadata("p")
    )["ts"]
    other = client.chat_postMessage(channel="C0ALERTS", text="other")["ts"]
    replies = post_many(client, 4, thread_ts=parent, metadata=alert_metadata("r"))
    client.chat_postMessage(channel="C0ALERTS", text="elsewhere", thread_ts=other)

    pages = [  # SlackResponse iteration reuses one object: copy each page's data
        dict(page.data)  # type: ignore[arg-type]
        for page in client.conversations_replies(
            channel="C0ALERTS", ts=parent, limit=2, include_all_metadata=True
        )
    ]
    by_reply = client.conversations_replies(channel="C0ALERTS", ts=replies[2])
    newer = client.conversations_replies(channel="C0ALERTS", ts=parent, oldest=replies[1])
    history = client.conversations_history(channel="C0ALERTS")

    texts = [[m["text"] for m in page["messages"]] for page in pages]
    assert texts == [["parent", "m1"], ["m2", "m3"], ["m4"]]
    assert [page["has_more"] for page in pages] == [True, True, False]
    head = pages[0]["messages"][0]
    assert (head["ts"], head["thread_ts"], head["reply_count"]) == (parent, parent, 4)
    assert head["latest_reply"] == replies[3]
    assert head["metadata"] == alert_metadata("p")
    assert pages[0]["messages"][1]["thread_ts"] == parent
    assert [m["ts"] for m in by_reply["messages"]] == [parent, *replies]
    assert "metadata" not in by_reply["messages"][1]
    assert [m["text"] for m in newer["messages"]] == ["parent", "m3", "m4"]
    assert [m["text"] for m in history["messages"]] == ["other", "parent"]
    assert slack.calls["conversations.replies"] == 5


def test_slack_replies_errors(client: WebClient, slack: SlackServer) -> None:
    posted = client.chat_postMessage(channel="C0ALERTS", text="lonely")

    alone = client.conversations_replies(channel="C0ALERTS", ts=posted["ts"])
    with pytest.raises(SlackApiError) as missing:
        client.conversations_replies(channel="C0ALERTS", ts="1.000001")
    with pytest.raises(SlackApiError) as unknown:
        client.conversations_replies(channel="C0NOWHERE", ts=posted["ts"])
    with pytest.raises(SlackApiError) as by_name:
        client.conversations_replies(channel="#afghanistan-alerts", ts=posted["ts"])

    assert [m["text"] for m in alone["messages"]] == ["lonely"]
    assert alone["has_more"] is False
    assert slack_error(missing) == "thread_not_found"
    assert slack_error(unknown) == slack_error(by_name) == "channel_not_found"


def test_slack_conversations_list_pages_channels() -> None:
    channels = ("#alerts", "#ops", "C0ALERTS", "C0OPS", "C0LONE")  # C0LONE has no name
    with SlackServer(channels=channels) as srv:
        misc_id = srv.add_channel("#misc")
        client = WebClient(token=TOKEN, base_url=srv.base_url)
        pages = [
            dict(page.data)  # type: ignore[arg-type]
            for page in client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=2
            )
        ]
        private = client.conversations_list(types="private_channel")
        with pytest.raises(SlackApiError) as bad_cursor:
            client.conversations_list(cursor="bm9wZQ==")
        calls = srv.calls["conversations.list"]

    listed = [channel for page in pages for channel in page["channels"]]
    assert [(c["id"], c["name"]) for c in listed] == [
        ("C0ALERTS", "alerts"),
        ("C0OPS", "ops"),
        ("C0LONE", "c0lone"),
        (misc_id, "misc"),
    ]
    assert listed[0] == {
        "id": "C0ALERTS",
        "name": "alerts",
        "name_normalized": "alerts",
        "is_channel": True,
        "is_private": False,
        "is_archived": False,
        "is_member": True,
    }
    assert [len(page["channels"]) for page in pages] == [2, 2]
    assert pages[-1]["response_metadata"]["next_cursor"] == ""
    assert private["channels"] == []
    assert slack_error(bad_cursor) == "invalid_cursor"
    assert calls == 4


def test_slack_add_channel_creates_a_channel_at_runtime(
    client: WebClient, slack: SlackServer
) -> None:
    with pytest.raises(SlackApiError) as before:
        client.chat_postMessage(channel="#new-alerts", text="too early")

    channel_id = slack.add_channel("#new-alerts")
    posted = client.chat_postMessage(channel="#new-alerts", text="now")
    named = slack.add_channel("ops", "C0OPS")

    assert slack_error(before) == "channel_not_found"
    assert posted["channel"] == channel_id == slack.channel_id("new-alerts")
    assert [m["text"] for m in slack.messages_in(channel_id)] == ["now"]
    history = client.conversations_history(channel=channel_id)
    assert [m["text"] for m in history["messages"]] == ["now"]
    assert named == "C0OPS" == slack.channel_id("#ops")
    names = [c["name"] for c in client.conversations_list()["channels"]]
    assert names == ["afghanistan-alerts", "new-alerts", "ops"]
    assert slack.add_channel("ops", "C0OPS") == "C0OPS"  # idempotent
    with pytest.raises(ValueError):
        slack.add_channel("ops", "C0OTHER")


def test_slack_add_channel_is_thread_safe(slack: SlackServer) -> None:
    def add(worker: int) -> None:
        for n in range(50):
            slack.add_channel(f"w{worker}-{n}")

    workers = [threading.Thread(target=add, args=(worker,)) for worker in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert len(slack.channel_list()) == 1 + 4 * 50


def test_slack_posts_per_key_reads_the_posted_metadata(
    client: WebClient, slack: SlackServer
) -> None:
    first = client.chat_postMessage(channel="C0ALERTS", text="a", metadata=alert_metadata("a"))
    client.chat_postMessage(channel="C0ALERTS", text="a again", metadata=alert_metadata("a"))
    client.chat_postMessage(channel="C0ALERTS", text="b", metadata=alert_metadata("b"))
    client.chat_postMessage(channel="C0ALERTS", text="none")
    client.chat_update(
        channel="C0ALERTS", ts=first["ts"], text="edited", metadata=alert_metadata("z")
    )

    assert slack.posts_per_key() == {"a": 2, "b": 1, None: 1}
