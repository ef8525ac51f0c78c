"""The loopback test servers must behave like the real services, or other tests prove nothing.

Feed server: checked with httpx (the pipeline's fetch client). Slack server: checked with the
real slack_sdk clients, including their retry handlers.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.support.feed_server import FeedServer
from tests.support.slack_server import SlackServer

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
