"""Outbox delivery against the loopback Slack server, on SQLite and Postgres."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from pipeline.alerts import ConsoleSink, Outgoing, Router, SlackSink, WebhookSink, deliver
from pipeline.schema import alerts
from pipeline.store import utcnow
from tests.integration.test_store import _article

TOKEN = "xoxb-test-token"
PAYLOAD = {
    "text": "hello",
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
}


def _queue(
    store, key: str, rule: str = "rule", channel: str = "", thread_of: str | None = None
) -> int:  # type: ignore[no-untyped-def]
    with store.transaction() as conn:
        article_id = _article(store, conn, f"https://e.org/{key}")
        store.enqueue_alert(
            conn,
            key=key,
            rule_id=rule,
            article_id=article_id,
            event_id=None,
            channel=channel,
            payload=PAYLOAD,
            thread_of=thread_of,
        )
        return article_id


def _router(default: str = "#afghanistan-alerts", **rules: str | None) -> Router:
    return Router(rules, default)


def _status(store) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        rows = conn.execute(alerts.select()).mappings()
        return {row["idempotency_key"]: row["status"] for row in rows}


def _age(store) -> None:  # type: ignore[no-untyped-def]
    with store.transaction() as conn:
        conn.execute(update(alerts).values(claimed_at=utcnow() - timedelta(minutes=10)))


def test_the_channel_id_is_resolved_once_and_kept(store, slack_server) -> None:  # type: ignore[no-untyped-def]
    _queue(store, "a")
    _queue(store, "b")
    report = deliver(store, SlackSink(TOKEN, slack_server.base_url), _router())
    assert report.sent == 2
    assert store.channel_id("#afghanistan-alerts") == "C0ALERTS"
    assert slack_server.calls["conversations.list"] == 1
    assert {m["channel"] for m in slack_server.messages} == {"C0ALERTS"}


def test_a_post_that_landed_before_a_crash_is_found_not_reposted(store, slack_server) -> None:  # type: ignore[no-untyped-def]
    _queue(store, "a")
    sink = SlackSink(TOKEN, slack_server.base_url)
    [row] = store.due_alerts()
    store.claim_alert(row["id"], "C0ALERTS")
    sink.send(Outgoing("a", "C0ALERTS", PAYLOAD))  # the process dies before recording
    _age(store)
    report = deliver(store, sink, _router())
    assert (report.sent, len(slack_server.messages)) == (1, 1)
    assert _status(store) == {"a": "sent"}


def test_a_stale_claim_that_never_posted_is_sent_once(store, slack_server) -> None:  # type: ignore[no-untyped-def]
    _queue(store, "a")
    [row] = store.due_alerts()
    store.claim_alert(row["id"], "C0ALERTS")
    _age(store)
    sink = SlackSink(TOKEN, slack_server.base_url)
    deliver(store, sink, _router())  # looked up: absent -> pending
    deliver(store, sink, _router())
    assert len(slack_server.messages) == 1 and _status(store) == {"a": "sent"}


def test_a_dropped_reply_is_unknown_then_found(store, slack_server) -> None:  # type: ignore[no-untyped-def]
    _queue(store, "a")
    slack_server.fail_next("post_then_drop")
    report = deliver(store, SlackSink(TOKEN, slack_server.base_url), _router())
    assert report.sent == 1 and len(slack_server.messages) == 1
    assert slack_server.calls["conversations.history"] >= 1


def test_a_missing_channel_sets_aside_only_its_rows(store, slack_server) -> None:  # type: ignore[no-untyped-def]
    _queue(store, "wrong-1", rule="fallen")
    _queue(store, "wrong-2", rule="fallen")
    _queue(store, "right", rule="ops", channel="C0ALERTS")
    router = _router("#no-such-channel", fallen=None, ops="C0ALERTS")
    report = deliver(store, SlackSink(TOKEN, slack_server.base_url), router)
    assert (report.sent, report.set_aside, report.blocked) == (1, 2, None)
    assert _status(store) == {"wrong-1": "blocked", "wrong-2": "blocked", "right": "sent"}
    assert store.release_alerts(["blocked"]) == 2
    fixed = deliver(store, SlackSink(TOKEN, slack_server.base_url), _router(fallen=None))
    assert fixed.sent == 2 and len(slack_server.messages) == 3


def test_a_bad_token_stops_delivery_and_keeps_rows_pending(store, slack_server) -> None:  # type: ignore[no-untyped-def]
    _queue(store, "a")
    _queue(store, "b")
    report = deliver(store, SlackSink("xoxb-wrong", slack_server.base_url), _router())
    assert report.blocked == "slack error: invalid_auth" and report.sent == 0
    assert set(_status(store).values()) == {"pending"}


def test_the_channel_comes_from_the_configuration_at_delivery_time(store, slack_server) -> None:  # type: ignore[no-untyped-def]
    slack_server.add_channel("#ops", "C0OPSROOM")
    _queue(store, "a", rule="fallen", channel="#old-channel")
    deliver(store, SlackSink(TOKEN, slack_server.base_url), _router(fallen="#ops"))
    assert [m["channel"] for m in slack_server.messages] == ["C0OPSROOM"]


def test_a_reply_waits_for_its_parent_without_holding_other_rows(store, slack_server) -> None:  # type: ignore[no-untyped-def]
    _queue(store, "parent")
    _queue(store, "parent:also:b", thread_of="parent")
    _queue(store, "other")
    sink = SlackSink(TOKEN, slack_server.base_url)
    slack_server.fail_next("ratelimit", times=3, retry_after=0)  # the parent's post fails
    first = deliver(store, sink, _router())
    assert (first.sent, first.waiting, first.retrying) == (1, 1, 1)
    with store.transaction() as conn:
        conn.execute(update(alerts).values(next_attempt_at=None))
    second = deliver(store, sink, _router())
    assert second.sent == 2
    parent = next(
        m for m in slack_server.messages if m["metadata"]["event_payload"]["key"] == "parent"
    )
    reply = next(m for m in slack_server.messages if m["thread_ts"])
    assert reply["thread_ts"] == parent["ts"]


def test_a_reply_of_unknown_outcome_is_found_in_the_thread(store, slack_server) -> None:  # type: ignore[no-untyped-def]
    _queue(store, "parent")
    sink = SlackSink(TOKEN, slack_server.base_url)
    deliver(store, sink, _router())
    _queue(store, "parent:also:b", thread_of="parent")
    slack_server.fail_next("post_then_partial")
    report = deliver(store, sink, _router())
    assert report.sent == 1 and len(slack_server.messages) == 2
    assert slack_server.calls["conversations.replies"] >= 1


def test_a_webhook_post_of_unknown_outcome_is_held(store, slack_server) -> None:  # type: ignore[no-untyped-def]
    _queue(store, "a")
    slack_server.fail_next("post_then_drop")
    report = deliver(store, WebhookSink(slack_server.webhook_url), _router())
    assert (report.sent, report.held) == (0, 1)
    assert _status(store) == {"a": "held"}
    again = deliver(store, WebhookSink(slack_server.webhook_url), _router())
    assert again.sent == 0 and len(slack_server.webhook_messages) == 1
    [row_id] = [r["id"] for r in store.unsent_alerts()]
    assert store.mark_alerts_sent_by_operator([row_id]) == 1


def test_a_webhook_error_answer_is_retried(store, slack_server) -> None:  # type: ignore[no-untyped-def]
    _queue(store, "a")
    slack_server.fail_next("server_error")
    first = deliver(store, WebhookSink(slack_server.webhook_url), _router())
    assert first.retrying == 1 and _status(store) == {"a": "pending"}


def test_the_console_prints_with_the_configured_channel(store) -> None:  # type: ignore[no-untyped-def]
    _queue(store, "a")
    printed: list[str] = []
    assert deliver(store, ConsoleSink(printed.append), _router("#desk")).sent == 1
    assert printed[0].startswith("ALERT [#desk]")
