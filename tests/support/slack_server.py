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
"""

from __future__ import annotations

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

FAILURE_KINDS = frozenset({"ratelimit", "server_error", "invalid_auth", "drop"})
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
        parts = urlsplit(self.path)
        raw = self.read_body()
        if parts.path.startswith(WEBHOOK_PREFIX):
            self._webhook(parts.path, raw)
        elif parts.path.startswith(UPLOAD_PREFIX):
            ok = self.slack.receive_upload(parts.path[len(UPLOAD_PREFIX) :], raw)
            self._send_text(200 if ok else 404, "OK" if ok else "not_found")
        elif parts.path.startswith(API_PREFIX):
            self._api(parts.path[len(API_PREFIX) :], raw, parts.query)
        else:
            self._send_text(404, "not_found")

    def _api(self, method: str, raw: bytes, query: str) -> None:
        failure = self.slack.begin_call(method)
        if failure is not None:
            self._fail(failure, webhook=False)
            return
        try:
            args = parse_args(self.headers.get("Content-Type", ""), raw, query)
            token = bearer_token(self.headers.get("Authorization")) or args.get("token")
            payload = self.slack.call(method, token, args)
        except SlackError as error:
            payload = error.payload()
        self._send_json(200, payload)

    def _webhook(self, path: str, raw: bytes) -> None:
        failure = self.slack.begin_call("webhook")
        if failure is not None:
            self._fail(failure, webhook=True)
            return
        try:
            self.slack.receive_webhook(path, self.headers.get("Content-Type", ""), raw)
        except SlackError as error:
            self._send_text(400, error.code)
            return
        self._send_text(200, "ok")

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
        self, status: int, payload: JsonDict, extra: dict[str, str] | None = None
    ) -> None:
        headers = {"Content-Type": "application/json; charset=utf-8", **(extra or {})}
        self.send_bytes(status, json.dumps(payload).encode("utf-8"), headers)

    def _send_text(self, status: int, text: str, extra: dict[str, str] | None = None) -> None:
        headers = {"Content-Type": "text/plain; charset=utf-8", **(extra or {})}
        self.send_bytes(status, text.encode("utf-8"), headers)


class SlackServer(BackgroundHTTPServer):
    """Fake Slack for ``WebClient(token=..., base_url=srv.base_url)`` and ``WebhookClient``.

    Records successful posts in ``messages``, edits in ``updates``, webhook posts in
    ``webhook_messages`` and per-method request counts in ``calls``.
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

    def fail_next(self, kind: str, times: int = 1, retry_after: int = 1) -> None:
        """Make the next ``times`` chat.* / webhook requests fail with ``kind`` (queued FIFO)."""
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}; pick one of {sorted(FAILURE_KINDS)}")
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._failures.extend(Failure(kind, retry_after) for _ in range(times))

    def channel_id(self, channel: str) -> str:
        """The ID a name or ID resolves to; raises ``SlackError('channel_not_found')``."""
        try:
            return self.channels[channel]
        except KeyError:
            raise SlackError("channel_not_found") from None

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
        """Top-level messages newest first; like Slack, thread replies are left out."""
        channel_id = self._channel_arg(args, id_only=True)
        with_metadata = _flag(args.get("include_all_metadata"))
        oldest = parse_ts(args.get("oldest"), "oldest") or Decimal(0)
        latest = parse_ts(args.get("latest"), "latest")
        inclusive = _flag(args.get("inclusive"))
        limit = _parse_limit(args.get("limit"))
        selected = [
            record
            for record in reversed(self.messages)
            if record["channel"] == channel_id
            and record["thread_ts"] in (None, record["ts"])
            and _in_window(Decimal(record["ts"]), oldest, latest, inclusive)
        ]
        return {
            "ok": True,
            "messages": [_view(record, with_metadata) for record in selected[:limit]],
            "has_more": len(selected) > limit,
            "pin_count": 0,
            "response_metadata": {"next_cursor": ""},
        }

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


def _flag(value: Any) -> bool:
    """Slack booleans arrive as true/1 (slack_sdk sends 1) in forms, or as JSON booleans."""
    return value is True or str(value).lower() in ("1", "true")


def _view(record: JsonDict, with_metadata: bool = True) -> JsonDict:
    """A recorded message as Slack returns it from the API."""
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
    if with_metadata and record["metadata"] is not None:
        message["metadata"] = record["metadata"]
    return message
