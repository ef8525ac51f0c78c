"""Alert rules, Slack messages and outbox delivery.

A rule match becomes an outbox row in the same transaction as its article; a later
deliver step posts pending rows. Rows are claimed before posting, so two deliverers
never post the same row, and a row is only retried when its post certainly failed.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pipeline.models import AlertMatch, Event
from pipeline.settings import ConfigError, Settings, read_yaml_mapping

log = logging.getLogger(__name__)

MATCH_FIELDS = (
    "category",
    "type",
    "actor",
    "target",
    "realis",
    "claim_status",
    "province",
    "district",
    "control",
)
RULE_FIELDS = {
    "id",
    "description",
    "severity",
    "channel",
    "title",
    "match",
    "phrases",
    "min_outlets",
    "reply_to",
}
SEVERITIES = ("low", "medium", "high", "critical")
# Slack errors that retrying cannot fix: the token or channel is wrong.
CONFIG_ERRORS = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "missing_scope",
    "no_permission",
}
SLACK_LINK = re.compile(r"<([^|<>]+)\|([^<>]*)>")
HEADER_LIMIT = 150
SECTION_LIMIT = 3000
FALLBACK_LIMIT = 3000


@dataclass(frozen=True)
class PhraseSet:
    """Lemma phrases with synonyms, found in order within a window of words.

    `[district, fall]` with `fall: [fall, overrun, capture]` matches "districts had
    fallen", "the district was overrun" and, as the order is free within the window,
    "the fall of Panjwai district"."""

    phrases: tuple[tuple[str, ...], ...]
    synonyms: dict[str, frozenset[str]] = field(default_factory=dict)
    window: int = 8
    ordered: bool = False

    def _slot(self, word: str) -> frozenset[str]:
        return self.synonyms.get(word, frozenset({word}))

    def find(self, lemmas: Sequence[str]) -> tuple[str, ...] | None:
        """The first phrase standing in the lemmas, or None."""
        lowered = [w.lower() for w in lemmas]
        for phrase in self.phrases:
            slots = [self._slot(word) for word in phrase]
            for start in range(len(lowered)):
                window = lowered[start : start + self.window]
                if window[0] in slots[0] and self._fits(slots, window):
                    return phrase
                if (
                    not self.ordered
                    and any(window[0] in slot for slot in slots)
                    and all(any(word in slot for word in window) for slot in slots)
                ):
                    return phrase
        return None

    def _fits(self, slots: list[frozenset[str]], window: Sequence[str]) -> bool:
        """All slots in order inside the window (the first one at its start)."""
        position = 1
        for slot in slots[1:]:
            position = next((i + 1 for i in range(position, len(window)) if window[i] in slot), -1)
            if position < 0:
                return False
        return True


@dataclass(frozen=True)
class AlertRule:
    id: str
    description: str
    severity: str
    channel: str | None
    title: str
    match: dict[str, tuple[str, ...]] = field(default_factory=dict)
    phrases: PhraseSet | None = None
    min_outlets: int = 1
    reply_to: str | None = None  # also reply in the thread of this rule's alert on the place

    def matches(self, event: Event, outlets: int = 1) -> bool:
        if outlets < self.min_outlets:
            return False
        for key, allowed in self.match.items():
            value = _event_value(event, key)
            if value not in allowed:
                return False
        return self.phrases is None or self.phrases.find(event.lemmas) is not None


def _event_value(event: Event, key: str) -> str | None:
    if key == "province":
        return event.location.province if event.location else None
    if key == "district":
        return event.location.district if event.location else None
    return getattr(event, key)


def load_rules(path: Path) -> list[AlertRule]:
    """Read and validate alerts.yaml; every mistake names the rule and the field."""
    data = read_yaml_mapping(path)
    items = data.get("rules")
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{path}: expected a non-empty 'rules:' list")
    rules = [_rule(path, index, item) for index, item in enumerate(items, start=1)]
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{path}: rule ids must be unique, got {ids}")
    for rule in rules:
        if rule.reply_to and rule.reply_to not in ids:
            raise ConfigError(f"{path}: rule '{rule.id}': reply_to names no rule: {rule.reply_to}")
    return rules


def _phrases(where: str, raw: Any) -> PhraseSet:
    """Validate a rule's `phrases` block: lists of words, synonyms, a window."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: 'phrases' must be a mapping with 'any' (and 'synonyms')")
    unknown = set(raw) - {"any", "synonyms", "window", "ordered"}
    if unknown:
        raise ConfigError(f"{where}: unknown phrases field(s) {sorted(unknown)}")
    phrases = raw.get("any")
    if (
        not isinstance(phrases, list)
        or not phrases
        or not all(
            isinstance(p, list) and p and all(isinstance(w, str) and w.strip() for w in p)
            for p in phrases
        )
    ):
        raise ConfigError(
            f"{where}: phrases.any must be a list of word lists, e.g. "
            "[[district, fall], [fall, to, taliban]]"
        )
    synonyms = raw.get("synonyms") or {}
    if not isinstance(synonyms, dict) or not all(
        isinstance(v, list) and all(isinstance(w, str) for w in v) for v in synonyms.values()
    ):
        raise ConfigError(f"{where}: phrases.synonyms must map a word to a list of words")
    window = raw.get("window", 8)
    if not isinstance(window, int) or window < 2:
        raise ConfigError(f"{where}: phrases.window must be a whole number >= 2")
    return PhraseSet(
        phrases=tuple(tuple(w.lower() for w in p) for p in phrases),
        synonyms={
            k.lower(): frozenset({k.lower(), *(w.lower() for w in v)}) for k, v in synonyms.items()
        },
        window=window,
        ordered=bool(raw.get("ordered", False)),
    )


def _rule(path: Path, index: int, item: Any) -> AlertRule:
    where = f"{path}: rule #{index}"
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected a mapping")
    unknown = set(item) - RULE_FIELDS
    if unknown:
        raise ConfigError(
            f"{where}: unknown field(s) {sorted(unknown)}; allowed {sorted(RULE_FIELDS)}"
        )
    if not item.get("id"):
        raise ConfigError(f"{where}: missing 'id'")
    where = f"{path}: rule '{item['id']}'"
    severity = item.get("severity", "medium")
    if severity not in SEVERITIES:
        raise ConfigError(f"{where}: severity must be one of {SEVERITIES}, got {severity!r}")
    match = item.get("match") or {}
    if not isinstance(match, dict) or not (match or item.get("phrases")):
        raise ConfigError(f"{where}: missing 'match' mapping (or 'phrases')")
    bad = set(match) - set(MATCH_FIELDS)
    if bad:
        raise ConfigError(f"{where}: unknown match field(s) {sorted(bad)}; allowed {MATCH_FIELDS}")
    normalised = {k: tuple(v if isinstance(v, list) else [v]) for k, v in match.items()}
    return AlertRule(
        id=str(item["id"]),
        description=str(item.get("description", "")),
        severity=severity,
        channel=item.get("channel"),
        title=str(item.get("title") or item["id"]),
        match=normalised,
        phrases=_phrases(where, item["phrases"]) if "phrases" in item else None,
        min_outlets=_min_outlets(where, item.get("min_outlets", 1)),
        reply_to=str(item["reply_to"]) if item.get("reply_to") else None,
    )


def _min_outlets(where: str, value: Any) -> int:
    if not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: min_outlets must be a whole number >= 1")
    return value


def match_rules(
    rules: Sequence[AlertRule], found: Sequence[Event], default_channel: str, outlets: int = 1
) -> list[AlertMatch]:
    """One match per rule and article: the first event that satisfies the rule.
    `outlets` is how many independent outlets report the story so far."""
    matches: list[AlertMatch] = []
    for rule in rules:
        for index, event in enumerate(found):
            if rule.matches(event, outlets):
                matches.append(
                    AlertMatch(
                        rule.id,
                        rule.severity,
                        rule.channel or default_channel,
                        index,
                        event.evidence,
                        rule.title,
                    )
                )
                break
    return matches


# --- messages -------------------------------------------------------------
def escape(text: str) -> str:
    """Slack control characters: feed text can never mention @channel or fake a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escape_cut(text: str, limit: int) -> str:
    """Escape first, then cut without splitting an entity such as &amp;."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def _place(event: Event) -> str:
    if event.location is None:
        return "place not stated"  # never invent one
    loc = event.location
    if loc.district and loc.province and loc.district != loc.province:
        return f"{loc.district} district, {loc.province} province"
    return loc.province or loc.district or loc.name


def _claim_text(event: Event) -> str:
    return {
        "claimed": f"claimed by {event.actor}, not independently confirmed",
        "denied": "denied",
        "disputed": f"claimed by {event.actor}, disputed by the other side",
    }.get(event.claim_status, "reported")


def _bold_trigger(evidence: str, trigger: str) -> str:
    escaped = escape(evidence)
    token = escape(trigger)
    position = escaped.find(token)
    if not token or position < 0:
        return escaped
    return f"{escaped[:position]}*{token}*{escaped[position + len(token) :]}"


def build_message(
    match: AlertMatch, event: Event, *, title: str, url: str | None, channel: str
) -> dict[str, Any]:
    """chat.postMessage arguments: Block Kit blocks (built with slack_sdk) + text fallback."""
    from slack_sdk.models.blocks import (
        ContextBlock,
        HeaderBlock,
        MarkdownTextObject,
        SectionBlock,
    )

    place = _place(event)
    header = _cut(f"{match.title}: {place}", HEADER_LIMIT)
    what = (
        f"*Actor:* {escape(event.actor)}   *Event:* {escape(event.type)}\n"
        f"*Where:* {escape(place)}   *When:* {escape(event.event_date or 'unknown')}\n"
        f"*Status:* {escape(event.realis)}, {escape(_claim_text(event))}"
    )
    evidence = _cut("> " + _bold_trigger(event.evidence, event.trigger), SECTION_LIMIT)
    source = f"<{escape(url)}|{_escape_cut(title or url, 200)}>" if url else _escape_cut(title, 200)
    blocks = [
        HeaderBlock(text=header),
        SectionBlock(text=MarkdownTextObject(text=_cut(what, SECTION_LIMIT))),
        SectionBlock(text=MarkdownTextObject(text=evidence)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=_cut(f"Source: {source} · rule `{match.rule_id}` ({match.severity})", 2000)
                )
            ]
        ),
    ]
    fallback = _escape_cut(f"{match.title}: {place}. {event.evidence}", FALLBACK_LIMIT)
    return {"channel": channel, "text": fallback, "blocks": [b.to_dict() for b in blocks]}


def build_place_update(
    match: AlertMatch, event: Event, title: str, url: str | None, channel: str
) -> dict[str, Any]:
    """A thread reply on an earlier alert about the same place, e.g. "retaken by Afghan
    forces" under "district fallen"."""
    from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

    source = f"<{escape(url)}|{_escape_cut(title or url, 200)}>" if url else _escape_cut(title, 200)
    text = (
        f"*Update: {escape(match.title)}* ({escape(event.actor)}, "
        f"{escape(event.event_date or 'date unknown')}): "
        f"{_escape_cut(event.evidence, 1500)} {source}"
    )
    return {
        "channel": channel,
        "text": _cut(text, FALLBACK_LIMIT),
        "blocks": [SectionBlock(text=MarkdownTextObject(text=_cut(text, SECTION_LIMIT))).to_dict()],
    }


def build_corroboration(title: str, url: str | None, outlets: int, channel: str) -> dict[str, Any]:
    """A thread reply: another outlet reports a story we already alerted on."""
    from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

    source = f"<{escape(url)}|{_escape_cut(title or url, 200)}>" if url else _escape_cut(title, 200)
    text = f"Also reported: {source}. Corroborated by {outlets} outlets so far."
    return {
        "channel": channel,
        "text": _cut(text, FALLBACK_LIMIT),
        "blocks": [SectionBlock(text=MarkdownTextObject(text=_cut(text, SECTION_LIMIT))).to_dict()],
    }


# --- sinks ----------------------------------------------------------------
class DeliveryError(Exception):
    """A post failed; `config_error` means retrying cannot help (token, channel)."""

    def __init__(self, message: str, *, config_error: bool = False) -> None:
        super().__init__(message)
        self.config_error = config_error


class Sink(Protocol):
    name: str

    def send(self, payload: dict[str, Any], key: str) -> tuple[str | None, str | None]:
        """Post one message; return (channel id, ts) or raise DeliveryError."""
        ...

    def find_posted(
        self, payload: dict[str, Any], key: str
    ) -> tuple[str | None, str | None] | None:
        """(channel id, ts) of a message already posted with this key, if it can tell."""
        ...


class ConsoleSink:
    """The embedded default: alerts are printed for the person running the demo."""

    name = "console"

    def __init__(self, write: Any = print) -> None:
        self.write = write

    def send(self, payload: dict[str, Any], key: str) -> tuple[str | None, str | None]:
        kind = f"UPDATE to {payload['reply_to']}" if payload.get("reply_to") else "ALERT"
        lines = [f"{kind} [{payload['channel']}] {_block_text(payload['blocks'][0])}"]
        lines += [f"    {_block_text(b)}" for b in payload["blocks"][1:]]
        self.write("\n".join(lines))
        return None, None

    def find_posted(
        self, payload: dict[str, Any], key: str
    ) -> tuple[str | None, str | None] | None:
        return None


def _block_text(block: dict[str, Any]) -> str:
    if "text" in block:
        text = str(block["text"]["text"]).replace("\n", "\n    ")
    else:
        text = " ".join(str(e.get("text", "")) for e in block.get("elements", []))
    return _plain(text)


def _plain(mrkdwn: str) -> str:
    """Slack markup as a terminal shows it: links as "label (url)", entities decoded."""
    text = SLACK_LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", mrkdwn)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class SlackSink:
    """chat.postMessage through slack_sdk with its rate-limit, 5xx and connection retries."""

    name = "slack"

    def __init__(self, token: str, base_url: str | None = None) -> None:
        from slack_sdk import WebClient
        from slack_sdk.http_retry.builtin_handlers import (
            ConnectionErrorRetryHandler,
            RateLimitErrorRetryHandler,
            ServerErrorRetryHandler,
        )

        kwargs = {"base_url": base_url} if base_url else {}
        self.client = WebClient(token=token, timeout=15, **kwargs)
        self.client.retry_handlers = [
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ]

    def send(self, payload: dict[str, Any], key: str) -> tuple[str | None, str | None]:
        from slack_sdk.errors import SlackApiError

        try:
            response = self.client.chat_postMessage(
                channel=payload["channel"],
                text=payload["text"],
                blocks=payload["blocks"],
                thread_ts=payload.get("thread_ts"),
                unfurl_links=False,
                unfurl_media=False,
                metadata={"event_type": "news_alert", "event_payload": {"key": key}},
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            raise DeliveryError(
                f"slack error: {error}", config_error=error in CONFIG_ERRORS
            ) from None
        except Exception as exc:
            raise DeliveryError(f"slack unreachable: {type(exc).__name__}") from None
        return response.get("channel"), response.get("ts")

    def find_posted(
        self, payload: dict[str, Any], key: str
    ) -> tuple[str | None, str | None] | None:
        """Look for our idempotency key in the channel's recent message metadata."""
        try:
            response = self.client.conversations_history(
                channel=payload["channel"], limit=200, include_all_metadata=True
            )
        except Exception:
            return None
        for message in response.get("messages", []):
            meta = (message.get("metadata") or {}).get("event_payload") or {}
            if meta.get("key") == key:
                return response.get("channel") or payload["channel"], message.get("ts")
        return None


class WebhookSink:
    """An incoming webhook: no thread replies, but no bot token to manage either."""

    name = "webhook"

    def __init__(self, url: str) -> None:
        from slack_sdk.http_retry.builtin_handlers import (
            ConnectionErrorRetryHandler,
            RateLimitErrorRetryHandler,
            ServerErrorRetryHandler,
        )
        from slack_sdk.webhook import WebhookClient

        self.client = WebhookClient(
            url,
            timeout=15,
            retry_handlers=[
                ConnectionErrorRetryHandler(max_retry_count=2),
                RateLimitErrorRetryHandler(max_retry_count=2),
                ServerErrorRetryHandler(max_retry_count=2),
            ],
        )

    def send(self, payload: dict[str, Any], key: str) -> tuple[str | None, str | None]:
        try:
            response = self.client.send(text=payload["text"], blocks=payload["blocks"])
        except Exception as exc:
            raise DeliveryError(f"webhook unreachable: {type(exc).__name__}") from None
        if response.status_code != 200:
            config = response.status_code in (403, 404, 410)
            raise DeliveryError(
                f"webhook answered HTTP {response.status_code}: {response.body[:100]}",
                config_error=config,
            )
        return None, None

    def find_posted(
        self, payload: dict[str, Any], key: str
    ) -> tuple[str | None, str | None] | None:
        return None  # webhooks cannot read back; a stale claim is retried


def make_sink(settings: Settings) -> Sink:
    if settings.slack_bot_token:
        return SlackSink(settings.slack_bot_token, settings.slack_base_url)
    if settings.slack_webhook_url:
        return WebhookSink(settings.slack_webhook_url)
    return ConsoleSink()


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0  # thread replies whose parent alert is not sent yet
    blocked: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "waiting": self.waiting,
            "blocked": self.blocked,
        }


def recover_stale_claims(store: Any, sink: Sink) -> None:
    """A deliverer died after claiming: if Slack has the message, record it, else retry."""
    for row in store.stale_claims():
        found = sink.find_posted(json.loads(row["payload"]), row["idempotency_key"])
        if found is not None:
            store.mark_alert_sent(row["id"], *found)
        else:
            store.release_claim(row["id"])


def deliver(store: Any, sink: Sink, max_attempts: int = 5) -> DeliveryReport:
    """Post every due outbox row once; stop at the first token/channel problem."""
    report = DeliveryReport()
    recover_stale_claims(store, sink)
    for row in store.due_alerts():
        payload = json.loads(row["payload"])
        if row.get("thread_of"):
            parent = store.parent_alert(row["thread_of"])
            if parent is None or parent["status"] != "sent":
                report.waiting += 1
                continue  # the parent goes first; this reply waits for its ts
            payload["thread_ts"] = parent["slack_ts"]
            payload["reply_to"] = row["thread_of"]
            payload["channel"] = parent["slack_channel_id"] or payload["channel"]
        if not store.claim_alert(row["id"]):
            continue  # another deliverer took it
        try:
            channel_id, ts = sink.send(payload, row["idempotency_key"])
        except DeliveryError as exc:
            status = store.mark_alert_attempt_failed(
                row["id"], str(exc), max_attempts, count_attempt=not exc.config_error
            )
            if exc.config_error:
                report.blocked = str(exc)
                log.error("alert delivery stopped: %s (check the Slack token and channel)", exc)
                break
            report.failed += status == "failed"
            report.retrying += status == "pending"
            continue
        store.mark_alert_sent(row["id"], channel_id, ts)
        report.sent += 1
    return report


SECRET_PATTERNS = (
    re.compile(r"xox[abposr]-[A-Za-z0-9-]+"),
    re.compile(r"(?<=://)([^:/@\s]+):[^@\s]+(?=@)"),
    re.compile(r"https://hooks\.slack\.com/services/\S+"),
)


def redact_secrets(text: str) -> str:
    """Mask tokens, URL passwords and webhook URLs before a message leaves the process."""
    text = SECRET_PATTERNS[0].sub("xox*-***", text)
    text = SECRET_PATTERNS[1].sub(r"\1:***", text)
    return SECRET_PATTERNS[2].sub("https://hooks.slack.com/services/***", text)


def notify_failure(settings: Settings, text: str) -> bool:
    """Tell the alert channel that a task failed; never raises (it runs in a callback)."""
    from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

    safe = _escape_cut(redact_secrets(text), 2900)
    payload = {
        "channel": settings.slack_channel,
        "text": f"Pipeline failure: {safe}",
        "blocks": [SectionBlock(text=MarkdownTextObject(text=f":warning: {safe}")).to_dict()],
    }
    try:
        make_sink(settings).send(payload, key=f"failure:{hash(text)}")
    except Exception as exc:
        log.error("failure notice not delivered: %s", redact_secrets(str(exc)))
        return False
    return True
