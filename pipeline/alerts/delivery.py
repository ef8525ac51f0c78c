"""Delivery: outbox rows become Slack posts exactly once.

A post is retried automatically only when it certainly did not leave (the connection was
refused, the name did not resolve, Slack answered with an error or a rate limit).
Anything that may have reached Slack (a dropped connection, half a reply, a timeout, a
5xx) makes the row `unknown`; before it is ever sent again, Slack is asked whether a
message with its idempotency key exists (channel history from the claim time, or the
thread's replies). An incoming webhook cannot be asked, so its `unknown` rows are
`held` for an operator. `channel_not_found` sets aside (`blocked`) only that channel's
rows; a token problem stops delivery. See the README's reliability section.
"""

from __future__ import annotations

import json
import logging
import re
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from urllib.error import URLError

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from pipeline.alerts.feedback import mute_note, muted_pairs
from pipeline.alerts.messages import SLACK_LINK
from pipeline.settings import Settings, redact_url
from pipeline.store import as_utc, utcnow

if TYPE_CHECKING:
    from pipeline.alerts.rules import AlertRule

log = logging.getLogger(__name__)

# Slack errors about the token: no row can be delivered until someone fixes it.
TOKEN_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "no_permission",
        "ekm_access_denied",
    }
)
# Slack errors about one channel: that channel's rows wait, the others flow.
CHANNEL_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
# Slack timestamps come from Slack's clock: look a little before our claim time.
LOOKUP_MARGIN = timedelta(minutes=5)
LOOKUP_PAGE = 200
# A post of unknown outcome is taken as absent only once it is this old: a message Slack
# was still storing when we asked is then visible.
UNKNOWN_GRACE = timedelta(seconds=60)
LOOKUP_MAX_PAGES = 50
HOLD_REASON = (
    "outcome unknown and this sink cannot look it up: check the channel, then run "
    "`python -m pipeline alerts release ID` (not posted) or `alerts mark-sent ID` (posted)"
)


class DeliveryError(Exception):
    """A post failed.

    `outcome` is "not_sent" when Slack certainly did not post it (safe to retry) or
    "unknown" when it may have; `scope` is "row", "channel" (this channel is wrong) or
    "token" (nothing can be delivered)."""

    def __init__(self, message: str, *, outcome: str = "not_sent", scope: str = "row") -> None:
        super().__init__(message)
        self.outcome = outcome
        self.scope = scope


@dataclass(frozen=True)
class Outgoing:
    """One message to post: where, what, and the key that makes it findable again."""

    key: str
    channel: str
    payload: Mapping[str, Any]
    thread_ts: str | None = None


@dataclass(frozen=True)
class Posted:
    channel_id: str | None
    ts: str | None


class Sink(Protocol):
    """Where alerts go. `on_unknown` says what to do with a post of unknown outcome:
    "lookup" (ask the sink), "hold" (an operator decides) or "resend" (harmless)."""

    name: str
    on_unknown: str

    def send(self, message: Outgoing) -> Posted: ...

    def channel_id(self, name: str) -> str | None: ...

    def find_posted(self, message: Outgoing, since: datetime) -> Posted | None: ...


# --- the sinks ------------------------------------------------------------------------
class ConsoleSink:
    """The embedded default: alerts are printed for the person running the demo."""

    name = "console"
    on_unknown = "resend"

    def __init__(self, write: Callable[[str], Any] = print) -> None:
        self.write = write

    def send(self, message: Outgoing) -> Posted:
        payload = message.payload
        kind = "UPDATE" if message.thread_ts else "ALERT"
        blocks = [b for b in payload["blocks"] if b.get("type") != "actions"]  # no buttons here
        lines = [f"{kind} [{message.channel}] {_block_text(blocks[0])}"]
        lines += [f"    {_block_text(b)}" for b in blocks[1:]]
        self.write("\n".join(lines))
        return Posted(None, None)

    def channel_id(self, name: str) -> str | None:
        return None

    def find_posted(self, message: Outgoing, since: datetime) -> Posted | None:
        return None


def _block_text(block: Mapping[str, Any]) -> str:
    if "text" in block:
        text = str(block["text"]["text"]).replace("\n", "\n    ")
    else:
        text = " ".join(str(e.get("text", "")) for e in block.get("elements", []))
    return _plain(text)


EMOJI_CODE = re.compile(r":[a-z][a-z0-9_+-]*:\s?")


def _plain(mrkdwn: str) -> str:
    """Slack markup as a terminal shows it: links as "label (url)", entities decoded."""
    text = SLACK_LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", mrkdwn)
    text = EMOJI_CODE.sub("", text)  # ":red_circle: CRITICAL" reads "CRITICAL" here
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def left_before_sending(error: BaseException) -> bool:
    """True when a connection error certainly happened before the request was sent:
    the connection was refused or the host name did not resolve."""
    reason = error.reason if isinstance(error, URLError) else error
    if isinstance(reason, ConnectionRefusedError | socket.gaierror):
        return True
    return isinstance(reason, OSError) and reason.errno in {101, 111, 113}  # unreachable


class RefusedConnectionRetryHandler(RetryHandler):
    """Retries a request only when its connection was refused: it never left."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is None and error is not None and left_before_sending(error)


def _retry_handlers() -> list[RetryHandler]:
    """Retries that cannot post twice: a refused connection and a 429 (Slack did not
    take the message). A dropped connection or a 5xx is not retried here: the row
    becomes `unknown` and is looked up before it is sent again."""
    return [
        RefusedConnectionRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=2),
    ]


def _unreachable(kind: str, exc: BaseException) -> DeliveryError:
    outcome = "not_sent" if left_before_sending(exc) else "unknown"
    return DeliveryError(f"{kind} unreachable: {type(exc).__name__}", outcome=outcome)


class SlackSink:
    """A bot token: chat.postMessage with our idempotency key in the message metadata,
    so a post of unknown outcome can be looked up instead of sent again."""

    name = "slack"
    on_unknown = "lookup"

    def __init__(self, token: str, base_url: str | None = None, timeout: float = 15) -> None:
        from slack_sdk import WebClient

        kwargs = {"base_url": base_url} if base_url else {}
        self.client = WebClient(token=token, timeout=int(max(1, timeout)), **kwargs)
        self.client.retry_handlers = _retry_handlers()

    def send(self, message: Outgoing) -> Posted:
        from slack_sdk.errors import SlackApiError

        try:
            response = self.client.chat_postMessage(
                channel=message.channel,
                text=message.payload["text"],
                blocks=message.payload["blocks"],
                thread_ts=message.thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                metadata={"event_type": "news_alert", "event_payload": {"key": message.key}},
            )
        except SlackApiError as exc:
            raise _api_error(exc) from None
        except Exception as exc:
            raise _unreachable("slack", exc) from None
        return Posted(response.get("channel"), response.get("ts"))

    def channel_id(self, name: str) -> str | None:
        """The ID of a channel name (conversations.list), or the name if it is an ID."""
        bare = name.lstrip("#")
        if CHANNEL_ID.match(bare):
            return bare
        from slack_sdk.errors import SlackApiError

        try:
            for page in self.client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=LOOKUP_PAGE
            ):
                for channel in page.get("channels", []):
                    if channel.get("name") == bare:
                        return str(channel["id"])
        except SlackApiError as exc:
            log.warning("channel lookup failed: %s", exc.response.get("error"))
        except Exception as exc:
            log.warning("channel lookup failed: %s", type(exc).__name__)
        return None

    def find_posted(self, message: Outgoing, since: datetime) -> Posted | None:
        """Our key in the channel's history since `since` (or in the thread's replies);
        raises DeliveryError when Slack cannot be asked."""
        from slack_sdk.errors import SlackApiError

        oldest = f"{(since - LOOKUP_MARGIN).timestamp():.6f}"
        try:
            for found in self._messages(message, oldest):
                meta = (found.get("metadata") or {}).get("event_payload") or {}
                if meta.get("key") == message.key:
                    return Posted(message.channel, str(found.get("ts")))
        except SlackApiError as exc:
            raise _api_error(exc) from None
        except Exception as exc:
            raise DeliveryError(f"slack lookup failed: {type(exc).__name__}") from None
        return None

    def _messages(self, message: Outgoing, oldest: str) -> Iterator[Mapping[str, Any]]:
        common = {"channel": message.channel, "oldest": oldest, "limit": LOOKUP_PAGE}
        if message.thread_ts:
            pages = self.client.conversations_replies(
                ts=message.thread_ts, include_all_metadata=True, **common
            )
        else:
            pages = self.client.conversations_history(include_all_metadata=True, **common)
        for number, page in enumerate(pages):
            if number >= LOOKUP_MAX_PAGES:
                return
            yield from page.get("messages", [])


def _api_error(exc: Any) -> DeliveryError:
    """Slack answered, so the outcome is known, except for a 5xx answer."""
    error = str(exc.response.get("error", "unknown_error"))
    status = getattr(exc.response, "status_code", 200)
    if status >= 500:
        return DeliveryError(f"slack error: HTTP {status} {error}", outcome="unknown")
    scope = "token" if error in TOKEN_ERRORS else "channel" if error in CHANNEL_ERRORS else "row"
    return DeliveryError(f"slack error: {error}", scope=scope)


class WebhookSink:
    """An incoming webhook: no thread replies and no way to read back what it posted."""

    name = "webhook"
    on_unknown = "hold"

    def __init__(self, url: str, timeout: float = 15) -> None:
        from slack_sdk.webhook import WebhookClient

        self.client = WebhookClient(
            url, timeout=int(max(1, timeout)), retry_handlers=_retry_handlers()
        )

    def send(self, message: Outgoing) -> Posted:
        try:
            response = self.client.send(
                text=message.payload["text"], blocks=list(message.payload["blocks"])
            )
        except Exception as exc:
            raise _unreachable("webhook", exc) from None
        if response.status_code == 200:
            return Posted(None, None)
        # A complete error answer: the webhook did not post (Slack answers 200 "ok" when
        # it did); a gone or forbidden webhook is a configuration problem.
        scope = "token" if response.status_code in (403, 404, 410) else "row"
        raise DeliveryError(
            f"webhook answered HTTP {response.status_code}: {str(response.body)[:100]}",
            scope=scope,
        )

    def channel_id(self, name: str) -> str | None:
        return None

    def find_posted(self, message: Outgoing, since: datetime) -> Posted | None:
        return None


def make_sink(settings: Settings) -> Sink:
    if settings.slack_bot_token:
        return SlackSink(settings.slack_bot_token, settings.slack_base_url, settings.slack_timeout)
    if settings.slack_webhook_url:
        return WebhookSink(settings.slack_webhook_url, settings.slack_timeout)
    return ConsoleSink()


# --- routing: the channel comes from the configuration at delivery time ----------------
class Router:
    """Which channel a row goes to now: its rule's channel in the current alerts.yaml,
    else the channel the row was planned with, else SLACK_CHANNEL."""

    def __init__(self, rule_channels: Mapping[str, str | None], default_channel: str) -> None:
        self.rule_channels = dict(rule_channels)
        self.default_channel = default_channel

    @classmethod
    def for_rules(cls, rules: Sequence[AlertRule], default_channel: str) -> Router:
        return cls({rule.id: rule.channel for rule in rules}, default_channel)

    def channel_for(self, row: Mapping[str, Any]) -> str:
        if row["rule_id"] in self.rule_channels:
            return self.rule_channels[row["rule_id"]] or self.default_channel
        return row.get("channel") or self.default_channel


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0  # thread replies whose parent alert is not sent yet
    unknown: int = 0  # outcome unknown: looked up before any resend
    held: int = 0  # outcome unknown on a sink that cannot look: an operator decides
    set_aside: int = 0  # rows `blocked` because their channel does not exist
    muted: int = 0  # rows whose rule an analyst muted on their district (not posted)
    blocked: str | None = None  # the token is wrong: nothing was delivered

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Channels:
    """Channel name -> ID, resolved once and kept in the database."""

    def __init__(self, store: Any, sink: Sink) -> None:
        self.store = store
        self.sink = sink

    def resolve(self, name: str) -> str | None:
        known = self.store.channel_id(name)
        if known:
            return known
        found = self.sink.channel_id(name)
        if found:
            self.store.remember_channel(name, found)
        return found


def resolve_unknown(
    store: Any,
    sink: Sink,
    router: Router,
    max_attempts: int = 5,
    report: DeliveryReport | None = None,
) -> DeliveryReport:
    """Settle rows whose post may have reached Slack (or whose deliverer died mid-post)
    before anything is sent again: found -> sent; certainly absent -> a failed attempt,
    retried after its backoff; Slack cannot be asked -> stays unknown."""
    report = report or DeliveryReport()
    channels = Channels(store, sink)
    for row in store.alerts_to_resolve():
        message = _message(store, row, router, channels)
        if sink.on_unknown == "resend":
            store.release_alert(row["id"], "resent: the console cannot double-post harmfully")
            continue
        if sink.on_unknown == "hold" or message is None or not message.channel:
            store.hold_alert(row["id"], HOLD_REASON)
            report.held += 1
            continue
        try:
            claimed = as_utc(row["claimed_at"] or row["created_at"])
            found = sink.find_posted(message, claimed)
        except DeliveryError as exc:
            log.warning("alert %s: lookup failed, stays unknown: %s", row["id"], exc)
            report.unknown += 1
            continue
        if found is not None:
            store.mark_alert_sent(row["id"], found.channel_id, found.ts)
            report.sent += 1
            continue
        if claimed > utcnow() - UNKNOWN_GRACE:
            report.unknown += 1  # Slack may still be storing it: look again next run
            continue
        # certainly not posted, and already a minute or more ago: it may go again now
        note = f"{row.get('last_error') or 'deliverer stopped mid-post'}; not in Slack"
        status = store.mark_alert_attempt_failed(row["id"], note, max_attempts, back_off=False)
        report.failed += status == "failed"
        report.retrying += status == "pending"
    return report


def _message(store: Any, row: Mapping[str, Any], router: Router, channels: Channels) -> Any:
    """The Outgoing a row was (or will be) posted as; None while its parent is unsent."""
    payload = json.loads(row["payload"])
    if row.get("thread_of"):
        parent = store.parent_alert(row["thread_of"])
        if parent is None or parent["status"] != "sent":
            return None
        channel = parent["slack_channel_id"] or row.get("slack_channel_id") or ""
        return Outgoing(row["idempotency_key"], channel, payload, parent["slack_ts"])
    name = router.channel_for(row)
    channel = row.get("slack_channel_id") or channels.resolve(name) or name
    return Outgoing(row["idempotency_key"], channel, payload)


def deliver(
    store: Any, sink: Sink, router: Router, max_attempts: int = 5, *, limit: int = 100
) -> DeliveryReport:
    """Post every due outbox row once. Rows of a missing channel are set aside; a token
    problem stops the run; a reply waits for its parent without holding other rows; a
    row whose rule an analyst muted on its district is marked `muted`, not posted."""
    report = resolve_unknown(store, sink, router, max_attempts)
    looked_up = report.unknown
    channels = Channels(store, sink)
    missing: dict[str, str] = {}
    mutes = muted_pairs(store.running_mutes(), utcnow())
    for row in store.due_alerts(limit=limit):
        mute = mutes.get((row["rule_id"], row.get("district_code") or ""))
        if mute is not None:
            report.muted += store.mute_alert(row["id"], mute_note(mute))
            continue
        name = router.channel_for(row)
        if not row.get("thread_of") and name in missing:
            store.block_alert(row["id"], missing[name])
            report.set_aside += 1
            continue
        message = _message(store, row, router, channels)
        if message is None:
            report.waiting += 1
            continue
        channel_id = message.channel if CHANNEL_ID.match(message.channel) else None
        if not store.claim_alert(row["id"], channel_id):
            continue  # another deliverer took it
        try:
            posted = sink.send(message)
        except DeliveryError as exc:
            if _record_failure(store, row, exc, max_attempts, report):
                missing[name] = str(exc)
            if report.blocked:
                break
            continue
        store.mark_alert_sent(row["id"], posted.channel_id or message.channel, posted.ts)
        if posted.channel_id and not row.get("thread_of") and name != posted.channel_id:
            store.remember_channel(name, posted.channel_id)
        report.sent += 1
    if report.unknown > looked_up:  # posts of unknown outcome in this run: settle them now
        report.unknown = looked_up
        resolve_unknown(store, sink, router, max_attempts, report)
    return report


def _record_failure(
    store: Any,
    row: Mapping[str, Any],
    exc: DeliveryError,
    max_attempts: int,
    report: DeliveryReport,
) -> bool:
    """Write what a failed post means for its row; True when its channel is missing."""
    if exc.outcome == "unknown":
        store.mark_alert_unknown(row["id"], str(exc))
        report.unknown += 1
        return False
    if exc.scope == "token":
        store.release_alert(row["id"], str(exc))
        report.blocked = str(exc)
        log.error("alert delivery stopped: %s (check the Slack token or webhook)", exc)
        return False
    if exc.scope == "channel":
        store.block_alert(row["id"], str(exc))
        report.set_aside += 1
        log.error(
            "alerts for a channel set aside: %s (fix the channel, then "
            "`python -m pipeline alerts release --blocked`)",
            exc,
        )
        return True
    status = store.mark_alert_attempt_failed(row["id"], str(exc), max_attempts)
    report.failed += status == "failed"
    report.retrying += status == "pending"
    return False


# --- secrets and failure notices --------------------------------------------------------
SECRET_PATTERNS = (
    re.compile(r"xox[abposr]-[A-Za-z0-9-]+"),
    re.compile(r"https://hooks\.slack\.com/services/\S+"),
    re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.IGNORECASE),
)


def redact_secrets(text: str) -> str:
    """Mask tokens, webhook URLs and passwords in URLs before text leaves the process."""
    text = SECRET_PATTERNS[0].sub("xox*-***", text)
    text = SECRET_PATTERNS[1].sub("https://hooks.slack.com/services/***", text)
    return SECRET_PATTERNS[2].sub(lambda m: redact_url(m.group(0)), text)
