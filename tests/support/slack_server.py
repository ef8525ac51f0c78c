"""A loopback stand-in for the Slack Web API and incoming webhooks.

The alert sink is tested against the real ``slack_sdk`` clients, so request encoding,
retry handlers and error mapping are exercised for real. The server implements only what
the pipeline uses, with Slack's own answers: HTTP 200 + ``{"ok": false, "error": ...}`` for
API errors, 429 + ``Retry-After`` for rate limits, plain-text ``ok`` for webhooks.

Channels: each entry of ``channels`` is a name (``#alerts`` or ``alerts``) or an ID
(``C0ALERTS``). Names are paired with IDs in the order given, so the default
``("#afghanistan-alerts", "C0ALERTS")`` is one channel reachable by either spelling;
a name without a partner gets a made-up ID. As in Slack, only chat.postMessage accepts a
name; chat.update and conversations.history want the ID (pass ``names_everywhere=True`` to
relax that), and history shows message metadata only with ``include_all_metadata=true``.

Read methods page like Slack: ``limit`` plus an opaque ``cursor``, answered with
``has_more`` (message lists) and ``response_metadata.next_cursor`` (empty on the last page).

Fault injection (``fail_next``) covers the failures that matter for exactly-once delivery:
besides errors that leave nothing posted (``ratelimit``, ``server_error``, ``invalid_auth``,
``drop``, ``refuse``) there are ``post_then_*`` kinds that record the message and then lose,
truncate or delay the answer, so the client cannot know that its post went through.
"""

from __future__ import annotations

import base64
import binascii
import collections
import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support.feed_server import BackgroundHTTPServer, QuietHandler

JsonDict = dict[str, Any]

API_PREFIX = "/api/"
WEBHOOK_PREFIX = "/services/"
UPLOAD_PREFIX = "/upload/"
BOT_USER_ID = "U0ALERTBOT"
BOT_ID = "B0ALERTBOT"
TEAM_ID = "T0TESTTEAM"

# Failures that answer (or hang up) instead of running the method: nothing is recorded.
# "drop" reads the request and closes cleanly; "refuse" resets the connection unread.
REJECTING_FAILURES = frozenset({"ratelimit", "server_error", "invalid_auth", "drop", "refuse"})
# Failures that run the method (the post IS recorded) and then spoil the answer.
POST_THEN_FAILURES = frozenset({"post_then_drop", "post_then_partial", "post_then_slow"})
FAILURE_KINDS = REJECTING_FAILURES | POST_THEN_FAILURES
CONVERSATION_TYPES = frozenset({"public_channel", "private_channel", "mpim", "im"})
BLOCK_TYPES = frozenset({"section", "header", "context", "divider", "actions", "image"})
MAX_BLOCKS = 50
MAX_HEADER_CHARS = 150
MAX_SECTION_CHARS = 3000
MAX_FIELD_CHARS = 2000
MAX_TEXT_CHARS = 40000

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


class SlackError(Exception):
    """An API-level failure, answered as HTTP 200 ``{"ok": false, "error": code}``."""

    def __init__(self, code: str, detail: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail

    def payload(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error": self.code}
        if self.detail:
            body["response_metadata"] = {"messages": [f"[ERROR] {self.detail}"]}
        return body


@dataclass(frozen=True)
class Failure:
    """One queued injected failure."""

    kind: str
    retry_after: int = 1
    delay: float = 5.0

    @property
    def records(self) -> bool:
        """True for the ``post_then_*`` kinds, which let the request do its work first."""
        return self.kind in POST_THEN_FAILURES


# -- request parsing --------------------------------------------------------------------


def parse_args(content_type: str, raw: bytes, query: str) -> JsonDict:
    """Merge query-string and body arguments the way Slack does (body wins).

    slack_sdk sends JSON for chat.postMessage/chat.update and form-encoding for the rest.
    """
    args: JsonDict = dict(parse_qsl(query, keep_blank_values=True))
    if not raw:
        return args
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise SlackError("invalid_json", str(exc)) from exc
        if not isinstance(body, dict):
            raise SlackError("invalid_json", "body must be a JSON object")
        args.update(body)
    elif media_type in ("application/x-www-form-urlencoded", ""):
        args.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    else:
        raise SlackError("invalid_form_data", f"unsupported content type {media_type!r}")
    return args


def bearer_token(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[len("bearer ") :].strip()
    return None


def _json_value(value: Any, error: str) -> Any:
    """Form-encoded requests carry blocks/metadata as JSON strings; decode them."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as exc:
        raise SlackError(error, f"not valid JSON: {exc}") from exc


# -- block validation (a light imitation of Slack's) --------------------------------------


def _check_text_object(obj: Any, max_chars: int, where: str, kinds: Iterable[str]) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in set(kinds):
        raise SlackError("invalid_blocks", f"{where}: expected a text object of {sorted(kinds)}")
    text = obj.get("text")
    if not isinstance(text, str) or not 1 <= len(text) <= max_chars:
        raise SlackError("invalid_blocks", f"{where}: text must be 1..{max_chars} characters")


def _check_elements(block: JsonDict, where: str, max_items: int) -> None:
    elements = block.get("elements")
    if not isinstance(elements, list) or not 1 <= len(elements) <= max_items:
        raise SlackError("invalid_blocks", f"{where}: elements must hold 1..{max_items} items")
    if not all(isinstance(element, dict) and "type" in element for element in elements):
        raise SlackError("invalid_blocks", f"{where}: every element needs a type")


def _check_section(block: JsonDict, where: str) -> None:
    text, fields = block.get("text"), block.get("fields")
    if text is None and fields is None:
        raise SlackError("invalid_blocks", f"{where}: a section needs text or fields")
    if text is not None:
        _check_text_object(text, MAX_SECTION_CHARS, f"{where}.text", ("plain_text", "mrkdwn"))
    if fields is not None:
        if not isinstance(fields, list) or not 1 <= len(fields) <= 10:
            raise SlackError("invalid_blocks", f"{where}: fields must hold 1..10 items")
        for index, item in enumerate(fields):
            kinds = ("plain_text", "mrkdwn")
            _check_text_object(item, MAX_FIELD_CHARS, f"{where}.fields[{index}]", kinds)


def _check_block(block: Any, index: int) -> None:
    where = f"blocks[{index}]"
    if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
        kind = block.get("type") if isinstance(block, dict) else type(block).__name__
        raise SlackError("invalid_blocks", f"{where}: unsupported block type {kind!r}")
    block_id = block.get("block_id")
    if block_id is not None and (not isinstance(block_id, str) or len(block_id) > 255):
        raise SlackError("invalid_blocks", f"{where}: block_id must be a string <= 255 chars")
    kind = block["type"]
    if kind == "header":
        _check_text_object(block.get("text"), MAX_HEADER_CHARS, f"{where}.text", ("plain_text",))
    elif kind == "section":
        _check_section(block, where)
    elif kind == "context":
        _check_elements(block, where, 10)
    elif kind == "actions":
        _check_elements(block, where, 25)
    elif kind == "image":
        _check_image(block, where)


def _check_image(block: JsonDict, where: str) -> None:
    if not isinstance(block.get("image_url"), str) or not isinstance(block.get("alt_text"), str):
        raise SlackError("invalid_blocks", f"{where}: image needs image_url and alt_text")


def parse_blocks(value: Any) -> list[JsonDict]:
    """Return the blocks as a list (empty when absent) or raise ``invalid_blocks``."""
    if value is None or value == "":
        return []
    blocks = _json_value(value, "invalid_blocks")
    if not isinstance(blocks, list):
        raise SlackError("invalid_blocks", "blocks must be an array")
    if len(blocks) > MAX_BLOCKS:
        raise SlackError("invalid_blocks", f"no more than {MAX_BLOCKS} blocks are allowed")
    for index, block in enumerate(blocks):
        _check_block(block, index)
    return blocks


def parse_metadata(value: Any) -> JsonDict | None:
    """Message metadata needs an event_type and an event_payload object, as in Slack."""
    if value is None or value == "":
        return None
    metadata = _json_value(value, "invalid_metadata_format")
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not isinstance(metadata.get("event_payload"), dict)
    ):
        raise SlackError("invalid_metadata_format", "need event_type and event_payload")
    return metadata


def parse_content(args: JsonDict, *, require: bool = True) -> tuple[str | None, list[JsonDict]]:
    """Validate text + blocks; with ``require`` one of them (or attachments) must be there."""
    text = args.get("text")
    if text is not None and not isinstance(text, str):
        text = str(text)
    blocks = parse_blocks(args.get("blocks"))
    attachments = _json_value(args.get("attachments"), "invalid_attachments")
    if require and not text and not blocks and not attachments:
        raise SlackError("no_text")
    if text is not None and len(text) > MAX_TEXT_CHARS:
        raise SlackError("msg_too_long")
    return text, blocks


def parse_ts(value: Any, name: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise SlackError("invalid_arguments", f"{name} must be a timestamp") from exc


# -- channels ---------------------------------------------------------------------------


def _made_up_channel_id(name: str) -> str:
    return "C" + hashlib.sha1(name.encode()).hexdigest()[:10].upper()


def build_channel_directory(channels: Iterable[str]) -> dict[str, str]:
    """Map every accepted spelling (``#name``, ``name``, ``ID``) to a channel ID."""
    entries = list(channels)
    ids = [entry for entry in entries if _CHANNEL_ID.match(entry)]
    names = [entry.lstrip("#") for entry in entries if not _CHANNEL_ID.match(entry)]
    directory = {channel_id: channel_id for channel_id in ids}
    for index, name in enumerate(names):
        channel_id = ids[index] if index < len(ids) else _made_up_channel_id(name)
        directory.update({name: channel_id, f"#{name}": channel_id, channel_id: channel_id})
    return directory


# -- the server -------------------------------------------------------------------------


class _SlackHandler(QuietHandler):
    server_version = "SlackTestServer/1.0"

    @property
    def slack(self) -> SlackServer:
        owner = self.server.owner
        assert isinstance(owner, SlackServer)
        return owner

    def do_POST(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        # The body is read by each branch: a "refuse" failure must not read it at all.
        parts = urlsplit(self.path)
        if parts.path.startswith(WEBHOOK_PREFIX):
            self._webhook(parts.path)
        elif parts.path.startswith(UPLOAD_PREFIX):
            raw = self.read_body()
            ok = self.slack.receive_upload(parts.path[len(UPLOAD_PREFIX) :], raw)
            self._send_text(200 if ok else 404, "OK" if ok else "not_found")
        elif parts.path.startswith(API_PREFIX):
            self._api(parts.path[len(API_PREFIX) :], parts.query)
        else:
            self.read_body()
            self._send_text(404, "not_found")

    def _api(self, method: str, query: str) -> None:
        failure = self.slack.begin_call(method)
        if failure is not None and failure.kind == "refuse":
            self.refuse()
            return
        raw = self.read_body()
        if failure is not None and not failure.records:
            self._fail(failure, webhook=False)
            return
        try:
            args = parse_args(self.headers.get("Content-Type", ""), raw, query)
            token = bearer_token(self.headers.get("Authorization")) or args.get("token")
            payload = self.slack.call(method, token, args)  # recorded when this returns
        except SlackError as error:
            payload = error.payload()
        self._send_json(200, payload, failure=failure)

    def _webhook(self, path: str) -> None:
        failure = self.slack.begin_call("webhook")
        if failure is not None and failure.kind == "refuse":
            self.refuse()
            return
        raw = self.read_body()
        if failure is not None and not failure.records:
            self._fail(failure, webhook=True)
            return
        try:
            self.slack.receive_webhook(path, self.headers.get("Content-Type", ""), raw)
        except SlackError as error:
            self._send_text(400, error.code, failure=failure)
            return
        self._send_text(200, "ok", failure=failure)

    def _fail(self, failure: Failure, *, webhook: bool) -> None:
        if failure.kind == "drop":
            self.hang_up()
        elif failure.kind == "ratelimit":
            headers = {"Retry-After": str(failure.retry_after)}
            if webhook:
                self._send_text(429, "rate_limited", headers)
            else:
                self._send_json(429, {"ok": False, "error": "ratelimited"}, headers)
        elif failure.kind == "server_error":
            if webhook:
                self._send_text(500, "internal_error")
            else:
                self._send_json(500, {"ok": False, "error": "internal_error"})
        elif webhook:
            self._send_text(403, "invalid_token")
        else:
            self._send_json(200, {"ok": False, "error": "invalid_auth"})

    def _send_json(
        self,
        status: int,
        payload: JsonDict,
        extra: dict[str, str] | None = None,
        *,
        failure: Failure | None = None,
    ) -> None:
        headers = {"Content-Type": "application/json; charset=utf-8", **(extra or {})}
        self._answer(status, json.dumps(payload).encode("utf-8"), headers, failure)

    def _send_text(
        self,
        status: int,
        text: str,
        extra: dict[str, str] | None = None,
        *,
        failure: Failure | None = None,
    ) -> None:
        headers = {"Content-Type": "text/plain; charset=utf-8", **(extra or {})}
        self._answer(status, text.encode("utf-8"), headers, failure)

    def _answer(
        self, status: int, body: bytes, headers: dict[str, str], failure: Failure | None
    ) -> None:
        """Send the answer, spoilt as a ``post_then_*`` failure asks (the work is done)."""
        if failure is None or not failure.records:
            self.send_bytes(status, body, headers)
        elif failure.kind == "post_then_drop":
            self.hang_up()
        elif failure.kind == "post_then_partial":
            self.send_truncated(status, body, headers)
        elif self.slack.wait_for_stop(failure.delay):  # post_then_slow
            self.hang_up()  # the server is stopping: give up instead of answering late
        else:
            self.send_bytes(status, body, headers)


class SlackServer(BackgroundHTTPServer):
    """Fake Slack for ``WebClient(token=..., base_url=srv.base_url)`` and ``WebhookClient``.

    Records successful posts in ``messages``, edits in ``updates``, webhook posts in
    ``webhook_messages`` and per-method request counts in ``calls`` (every request that
    reaches the server, refused ones included; webhook posts count as ``"webhook"``).
    """

    handler_class = _SlackHandler

    def __init__(
        self,
        tokens: Iterable[str] = ("xoxb-test-token",),
        channels: Iterable[str] = ("#afghanistan-alerts", "C0ALERTS"),
        *,
        names_everywhere: bool = False,
    ) -> None:
        super().__init__()
        self.tokens = frozenset(tokens)
        self.channels = build_channel_directory(channels)
        self.names_everywhere = names_everywhere
        self.messages: list[JsonDict] = []
        self.updates: list[JsonDict] = []
        self.webhook_messages: list[JsonDict] = []
        self.calls: collections.Counter[str] = collections.Counter()
        self._failures: collections.deque[Failure] = collections.deque()
        self._last_ts_us = 0
        self._methods: dict[str, Callable[[JsonDict], JsonDict]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "conversations.history": self._history,
            "conversations.list": self._list,
            "conversations.replies": self._replies,
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }
        self.files: list[JsonDict] = []
        self._uploads: dict[str, JsonDict] = {}

    @property
    def base_url(self) -> str:
        """Web API root, ending in ``/api/`` as ``WebClient(base_url=...)`` expects."""
        return self.origin + API_PREFIX

    @property
    def webhook_url(self) -> str:
        return f"{self.origin}{WEBHOOK_PREFIX}{TEAM_ID}/B0WEBHOOK/not-a-real-secret"

    # -- test controls -------------------------------------------------------------------

    def fail_next(
        self, kind: str, times: int = 1, retry_after: int = 1, *, delay: float = 5.0
    ) -> None:
        """Make the next ``times`` chat.* / webhook requests fail with ``kind`` (queued FIFO).

        Kinds that leave nothing recorded: ``ratelimit`` (429 + Retry-After:
        ``retry_after``), ``server_error`` (500), ``invalid_auth`` (webhooks: 403), ``drop``
        (body read, connection closed without an answer) and ``refuse`` (connection reset
        at once, body unread). Kinds that run the request first, so the post IS recorded,
        and then spoil the answer: ``post_then_drop`` (closed without an answer),
        ``post_then_partial`` (status line and headers with the full Content-Length, half
        the body, closed) and ``post_then_slow`` (the normal answer after ``delay``
        seconds, or a hang-up if the server stops meanwhile).
        """
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}; pick one of {sorted(FAILURE_KINDS)}")
        if times < 1:
            raise ValueError("times must be >= 1")
        if delay < 0:
            raise ValueError("delay must be >= 0")
        with self._lock:
            self._failures.extend(Failure(kind, retry_after, delay) for _ in range(times))

    def add_channel(self, name: str, channel_id: str | None = None) -> str:
        """Create a channel at runtime and return its ID.

        ``name`` may carry a ``#``; without ``channel_id`` the ID is made up (as for unpaired
        names in the constructor). A name that looks like an ID adds an ID-only channel.
        Re-adding an existing pairing is a no-op; re-pointing a name raises ValueError.
        """
        bare = name.lstrip("#")
        if not bare:
            raise ValueError("a channel needs a name")
        if channel_id is not None and not _CHANNEL_ID.match(channel_id):
            raise ValueError(f"{channel_id!r} does not look like a channel ID")
        with self._lock:
            if _CHANNEL_ID.match(bare):
                if channel_id not in (None, bare):
                    raise ValueError(f"{bare!r} is a channel ID; cannot pair it with {channel_id}")
                entries = {bare: bare}
                new_id = bare
            else:
                new_id = channel_id or self.channels.get(bare) or _made_up_channel_id(bare)
                entries = {new_id: new_id, bare: new_id, f"#{bare}": new_id}
            for key, value in entries.items():
                if self.channels.get(key, value) != value:
                    raise ValueError(f"{key!r} already names channel {self.channels[key]}")
            # Copy on write: handlers read the directory without taking the lock.
            self.channels = {**self.channels, **entries}
            return new_id

    def posts_per_key(self) -> collections.Counter[Any]:
        """How often each idempotency key was posted by chat.postMessage.

        The key is ``metadata.event_payload.key`` as posted (later chat.update calls do not
        change it); messages without one count under None. Any count above 1 is a duplicate.
        """
        with self._lock:
            return collections.Counter(record["key"] for record in self.messages)

    def webhook_posts_per_text(self) -> collections.Counter[str]:
        """How often each text was posted to the incoming webhook."""
        with self._lock:
            return collections.Counter(record["text"] for record in self.webhook_messages)

    def channel_id(self, channel: str) -> str:
        """The ID a name or ID resolves to; raises ``SlackError('channel_not_found')``."""
        try:
            return self.channels[channel]
        except KeyError:
            raise SlackError("channel_not_found") from None

    def channel_list(self) -> list[JsonDict]:
        """The channels as conversations.list shows them, one entry per ID, oldest first.

        ``name`` is the name paired with the ID (an ID-only channel gets its ID lower-cased).
        """
        names: dict[str, str | None] = {}
        for key, channel_id in self.channels.items():
            names.setdefault(channel_id, None)
            if key != channel_id and not key.startswith("#") and names[channel_id] is None:
                names[channel_id] = key
        return [
            {
                "id": channel_id,
                "name": name or channel_id.lower(),
                "name_normalized": name or channel_id.lower(),
                "is_channel": True,
                "is_private": False,
                "is_archived": False,
                "is_member": True,
            }
            for channel_id, name in names.items()
        ]

    def _channel_arg(self, args: JsonDict, *, id_only: bool) -> str:
        """Resolve the ``channel`` argument; ID-only methods reject names like Slack does."""
        channel = str(args.get("channel") or "")
        if id_only and not self.names_everywhere and self.channels.get(channel) != channel:
            raise SlackError("channel_not_found", f"{channel!r} is not a channel ID")
        return self.channel_id(channel)

    def messages_in(self, channel: str) -> list[JsonDict]:
        """Recorded messages of one channel (name or ID), oldest first."""
        channel_id = self.channel_id(channel)
        with self._lock:
            return [msg for msg in self.messages if msg["channel"] == channel_id]

    def reset(self) -> None:
        """Forget recorded traffic and pending failures (tokens and channels stay)."""
        with self._lock:
            self.messages.clear()
            self.updates.clear()
            self.webhook_messages.clear()
            self.files.clear()
            self.calls.clear()
            self._failures.clear()

    # -- used by the handler ---------------------------------------------------------------

    def begin_call(self, method: str) -> Failure | None:
        """Count a request and pop the failure to inject, which only hits chat.* and webhooks."""
        with self._lock:
            self.calls[method] += 1
            injectable = method.startswith("chat.") or method == "webhook"
            return self._failures.popleft() if injectable and self._failures else None

    def call(self, method: str, token: str | None, args: JsonDict) -> JsonDict:
        """Run one Web API method after the auth check."""
        if not token:
            raise SlackError("not_authed")
        if token not in self.tokens:
            raise SlackError("invalid_auth")
        handler = self._methods.get(method)
        if handler is None:
            raise SlackError("unknown_method")
        with self._lock:
            return handler(args)

    def receive_webhook(self, path: str, content_type: str, raw: bytes) -> None:
        """Record an incoming-webhook post (JSON body, or form field ``payload``)."""
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type == "application/x-www-form-urlencoded":
            raw = dict(parse_qsl(raw.decode("utf-8"))).get("payload", "").encode("utf-8")
        try:
            payload = json.loads(raw)
        except ValueError:
            raise SlackError("invalid_payload") from None
        if not isinstance(payload, dict):
            raise SlackError("invalid_payload")
        text, blocks = parse_content(payload)
        record = {"path": path, "text": text or "", "blocks": blocks, "payload": payload}
        with self._lock:
            self.webhook_messages.append(record)

    # -- Web API methods (called with the lock held) ---------------------------------------

    def _auth_test(self, args: JsonDict) -> JsonDict:
        return {
            "ok": True,
            "url": "https://afghan-news-test.slack.com/",
            "team": "Test Team",
            "user": "alertbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
        }

    def _post_message(self, args: JsonDict) -> JsonDict:
        channel_id = self._channel_arg(args, id_only=False)
        text, blocks = parse_content(args)
        metadata = parse_metadata(args.get("metadata"))
        thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
        record: JsonDict = {
            "channel": channel_id,
            "text": text or "",
            "blocks": blocks,
            "ts": self._next_ts(),
            "thread_ts": thread_ts,
            "metadata": metadata,
            "key": _idempotency_key(metadata),
            "args": dict(args),
        }
        self.messages.append(record)
        return {"ok": True, "channel": channel_id, "ts": record["ts"], "message": _view(record)}

    def _update(self, args: JsonDict) -> JsonDict:
        channel_id = self._channel_arg(args, id_only=True)
        ts = str(args.get("ts") or "")
        record = self._find(channel_id, ts)
        text, blocks = parse_content(args)
        metadata = parse_metadata(args.get("metadata"))
        if text is not None:
            record["text"] = text
        if args.get("blocks") is not None:
            record["blocks"] = blocks
        if metadata is not None:
            record["metadata"] = metadata
        self.updates.append(
            {"channel": channel_id, "ts": ts, "text": text, "blocks": blocks, "args": dict(args)}
        )
        return {
            "ok": True,
            "channel": channel_id,
            "ts": ts,
            "text": record["text"],
            "message": _view(record),
        }

    def _history(self, args: JsonDict) -> JsonDict:
        """Top-level messages newest first; like Slack, thread replies are left out.

        A cursor names the newest message of the next page, so messages posted between two
        page requests neither repeat nor shift the pages.
        """
        channel_id = self._channel_arg(args, id_only=True)
        with_metadata = _flag(args.get("include_all_metadata"))
        window = _window(args)
        limit = _parse_limit(args.get("limit"))
        start = _cursor_ts(args.get("cursor"))  # newest ts of this page
        selected = [
            record
            for record in reversed(self.messages)
            if record["channel"] == channel_id
            and record["thread_ts"] in (None, record["ts"])
            and window(Decimal(record["ts"]))
            and (start is None or Decimal(record["ts"]) <= start)
        ]
        page, rest = selected[:limit], selected[limit:]
        threads = self._thread_stats(channel_id)
        return {
            "ok": True,
            "messages": [_view(record, with_metadata, threads) for record in page],
            "has_more": bool(rest),
            "pin_count": 0,
            "response_metadata": {"next_cursor": _ts_cursor(rest)},
        }

    def _replies(self, args: JsonDict) -> JsonDict:
        """A thread: its parent first (on the first page), then the replies oldest first.

        ``ts`` may name the parent or any reply. The window (oldest/latest/inclusive)
        filters the replies; the parent always leads the first page, as in Slack.
        """
        channel_id = self._channel_arg(args, id_only=True)
        ts = str(args.get("ts") or "")
        if not ts:
            raise SlackError("invalid_arguments", "ts is required")
        target = next(
            (r for r in self.messages if r["channel"] == channel_id and r["ts"] == ts), None
        )
        if target is None:
            raise SlackError("thread_not_found")
        parent_ts = target["thread_ts"] or target["ts"]
        window = _window(args)
        limit = _parse_limit(args.get("limit"))
        start = _cursor_ts(args.get("cursor"))  # oldest ts of this page
        parent = [r for r in self.messages if r["channel"] == channel_id and r["ts"] == parent_ts]
        replies = [
            record
            for record in self.messages
            if record["channel"] == channel_id
            and record["thread_ts"] == parent_ts
            and record["ts"] != parent_ts
            and window(Decimal(record["ts"]))
        ]
        thread = sorted(parent + replies, key=lambda record: Decimal(record["ts"]))
        if start is not None:
            thread = [record for record in thread if Decimal(record["ts"]) >= start]
        page, rest = thread[:limit], thread[limit:]
        with_metadata = _flag(args.get("include_all_metadata"))
        threads = self._thread_stats(channel_id)
        return {
            "ok": True,
            "messages": [_view(record, with_metadata, threads) for record in page],
            "has_more": bool(rest),
            "response_metadata": {"next_cursor": _ts_cursor(rest)},
        }

    def _list(self, args: JsonDict) -> JsonDict:
        """Every channel once (by ID), in the order they were made; all of them public."""
        types = {kind.strip() for kind in str(args.get("types") or "public_channel").split(",")}
        types.discard("")
        if not types or not types <= CONVERSATION_TYPES:
            raise SlackError("invalid_types", f"types must be among {sorted(CONVERSATION_TYPES)}")
        channels = self.channel_list() if "public_channel" in types else []
        if _flag(args.get("exclude_archived")):
            channels = [channel for channel in channels if not channel["is_archived"]]
        limit = _parse_limit(args.get("limit"))
        start_id = _decode_cursor(args.get("cursor"), "next_id")
        if start_id is not None:
            ids = [channel["id"] for channel in channels]
            if start_id not in ids:
                raise SlackError("invalid_cursor")
            channels = channels[ids.index(start_id) :]
        page, rest = channels[:limit], channels[limit:]
        next_cursor = _encode_cursor("next_id", rest[0]["id"]) if rest else ""
        return {"ok": True, "channels": page, "response_metadata": {"next_cursor": next_cursor}}

    def _thread_stats(self, channel_id: str) -> dict[str, tuple[int, str]]:
        """Per parent ts in one channel: (reply count, ts of the latest reply)."""
        stats: dict[str, tuple[int, str]] = {}
        for record in self.messages:
            parent_ts = record["thread_ts"]
            if record["channel"] != channel_id or parent_ts in (None, record["ts"]):
                continue
            count, _ = stats.get(parent_ts, (0, ""))
            stats[parent_ts] = (count + 1, record["ts"])
        return stats

    def _get_upload_url(self, args: JsonDict) -> JsonDict:
        """Step 1 of files_upload_v2: hand out an upload URL for one file."""
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            raise SlackError("invalid_arguments")
        file_id = f"F{len(self._uploads) + 1:08d}"
        self._uploads[file_id] = {
            "id": file_id,
            "filename": str(args["filename"]),
            "length": int(args["length"]),
            "content": None,
        }
        return {
            "ok": True,
            "upload_url": f"{self.origin}{UPLOAD_PREFIX}{file_id}",
            "file_id": file_id,
        }

    def receive_upload(self, file_id: str, raw: bytes) -> bool:
        """Step 2: the bytes arrive at the upload URL (multipart or raw; kept as sent)."""
        with self._lock:
            upload = self._uploads.get(file_id)
            if upload is None:
                return False
            upload["content"] = raw
            return True

    def _complete_upload(self, args: JsonDict) -> JsonDict:
        """Step 3: share the uploaded files in a channel (ID only, like Slack)."""
        files = _json_value(args.get("files"), "invalid_arguments")
        channel_id = (
            self._channel_arg(args, id_only=True)
            if args.get("channel_id") is None
            else self._channel_arg({"channel": args["channel_id"]}, id_only=True)
        )
        shared = []
        for item in files:
            upload = self._uploads.get(str(item.get("id")))
            if upload is None or upload["content"] is None:
                raise SlackError("file_not_found")
            record = {
                **upload,
                "title": item.get("title"),
                "channel": channel_id,
                "thread_ts": args.get("thread_ts"),
                "initial_comment": args.get("initial_comment"),
            }
            self.files.append(record)
            shared.append({"id": upload["id"], "title": item.get("title")})
        return {"ok": True, "files": shared}

    def _find(self, channel_id: str, ts: str) -> JsonDict:
        for record in self.messages:
            if record["channel"] == channel_id and record["ts"] == ts:
                return record
        raise SlackError("message_not_found")

    def _next_ts(self) -> str:
        """Slack-style ``seconds.micros`` from the wall clock, strictly increasing."""
        self._last_ts_us = max(time.time_ns() // 1000, self._last_ts_us + 1)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"


def _parse_limit(value: Any) -> int:
    if value is None or value == "":
        return 100
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise SlackError("invalid_limit") from None
    return 100 if limit <= 0 else min(limit, 999)


def _in_window(ts: Decimal, oldest: Decimal, latest: Decimal | None, inclusive: bool) -> bool:
    if inclusive:
        return ts >= oldest and (latest is None or ts <= latest)
    return ts > oldest and (latest is None or ts < latest)


def _window(args: JsonDict) -> Callable[[Decimal], bool]:
    """The oldest/latest/inclusive arguments as a test on a message ts."""
    oldest = parse_ts(args.get("oldest"), "oldest") or Decimal(0)
    latest = parse_ts(args.get("latest"), "latest")
    inclusive = _flag(args.get("inclusive"))
    return lambda ts: _in_window(ts, oldest, latest, inclusive)


# Cursors are opaque to clients; like Slack's they are base64 of "<kind>:<position>".


def _encode_cursor(kind: str, value: str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode("ascii")


def _decode_cursor(cursor: Any, kind: str) -> str | None:
    """The position a cursor of ``kind`` names; None for no cursor, else ``invalid_cursor``."""
    if cursor is None or cursor == "":
        return None
    try:
        text = base64.urlsafe_b64decode(str(cursor).encode("ascii")).decode("utf-8")
    except (ValueError, binascii.Error):  # UnicodeError is a ValueError
        raise SlackError("invalid_cursor") from None
    prefix, _, value = text.partition(":")
    if prefix != kind or not value:
        raise SlackError("invalid_cursor")
    return value


def _cursor_ts(cursor: Any) -> Decimal | None:
    """The ts a message-list cursor names; None for no cursor, else ``invalid_cursor``."""
    value = _decode_cursor(cursor, "next_ts")
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise SlackError("invalid_cursor") from None


def _ts_cursor(rest: list[JsonDict]) -> str:
    """Cursor for the page that starts with ``rest[0]``; empty when nothing is left."""
    return _encode_cursor("next_ts", rest[0]["ts"]) if rest else ""


def _idempotency_key(metadata: JsonDict | None) -> Any:
    """``metadata.event_payload.key`` or None."""
    if metadata is None:
        return None
    return metadata["event_payload"].get("key")


def _flag(value: Any) -> bool:
    """Slack booleans arrive as true/1 (slack_sdk sends 1) in forms, or as JSON booleans."""
    return value is True or str(value).lower() in ("1", "true")


def _view(
    record: JsonDict,
    with_metadata: bool = True,
    threads: dict[str, tuple[int, str]] | None = None,
) -> JsonDict:
    """A recorded message as Slack returns it from the API.

    With ``threads`` (see ``_thread_stats``) a parent with replies carries Slack's thread
    fields: ``thread_ts`` (its own ts), ``reply_count`` and ``latest_reply``.
    """
    message: JsonDict = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "text": record["text"],
        "blocks": record["blocks"],
        "ts": record["ts"],
    }
    if record["thread_ts"]:
        message["thread_ts"] = record["thread_ts"]
        if record["thread_ts"] != record["ts"]:
            message["parent_user_id"] = BOT_USER_ID
    elif threads and record["ts"] in threads:
        reply_count, latest_reply = threads[record["ts"]]
        message.update(
            thread_ts=record["ts"],
            reply_count=reply_count,
            reply_users=[BOT_USER_ID],
            reply_users_count=1,
            latest_reply=latest_reply,
        )
    if with_metadata and record["metadata"] is not None:
        message["metadata"] = record["metadata"]
    return message


# --- interactivity: what Slack sends to an app when someone clicks a button ------------------
def button_click(
    message: JsonDict, action_id: str, user_id: str = "U42", user_name: str = "analyst"
) -> bytes:
    """The form body Slack posts to an app's interactivity URL when `user_id` clicks the
    button `action_id` of a posted message (block_actions, the button's value as given)."""
    from urllib.parse import urlencode

    buttons = [
        element
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block.get("elements", [])
        if element.get("action_id") == action_id
    ]
    if not buttons:
        raise ValueError(f"the message has no button {action_id!r}")
    button = buttons[0]
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name},
        "channel": {"id": message.get("channel")},
        "message": {"ts": message.get("ts")},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "feedback",
                "value": button.get("value"),
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def signed_headers(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request-signing headers for `body` (v0 HMAC-SHA256 of version, timestamp
    and body under the app's signing secret)."""
    import hmac

    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{stamp}:{body.decode()}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
