"""Slack messages (Block Kit) built from events: what an analyst reads in the channel.

Feed text is escaped so it can never mention @channel or fake a link, and only http(s)
links become link targets.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.alerts.feedback import feedback_buttons
from pipeline.language import arabic_script, by_letters, language_name
from pipeline.models import AlertMatch, Event

SLACK_LINK = re.compile(r"<([^|<>]+)\|([^<>]*)>")
HEADER_LIMIT = 150
SECTION_LIMIT = 3000
FALLBACK_LIMIT = 3000
LINK_SCHEMES = ("http://", "https://")


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


SEVERITY_MARK = {
    "critical": ":red_circle: CRITICAL",
    "high": ":large_orange_circle: High",
    "medium": ":large_yellow_circle: Medium",
    "low": ":white_circle: Low",
}
REALIS_TEXT = {
    "actual": "happened",
    "announced": "announced, not done yet",
    "hypothetical": "possible, has not happened",
    "negated": "did not happen",
}


def plain_label(value: str) -> str:
    """An internal label in words: "district_captured" -> "district captured",
    "agreement:accord" -> "agreement (accord)"."""
    head, _, detail = value.partition(":")
    words = head.replace("_", " ").strip()
    return f"{words} ({detail.replace('_', ' ')})" if detail else words


def quote(text: str) -> str:
    """A Slack quote of every line (a headline and its paragraph stay one quote)."""
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.splitlines() or [""])


def _claim_text(event: Event) -> str:
    return {
        "claimed": f"claimed by {event.actor}, not independently confirmed",
        "denied": "denied",
        "disputed": f"claimed by {event.actor}, disputed by the other side",
    }.get(event.claim_status, "reported")


def source_language(text: str) -> str | None:
    """The language of an Arabic-script sentence (Dari/Persian, Pashto, Urdu) by its
    letters, or None for Latin script: an English message names what it quotes. One
    sentence is short: a single letter only Pashto or only Urdu writes decides."""
    if not arabic_script(text):
        return None
    return by_letters(text, at_least=1) or "fa"


def _original_label(event: Event) -> str:
    code = source_language(event.evidence)
    return f"*Original ({language_name(code)}):*\n" if code else ""


def _bold_trigger(evidence: str, trigger: str) -> str:
    escaped = escape(evidence)
    token = escape(trigger)
    position = escaped.find(token)
    if not token or position < 0:
        return escaped
    return f"{escaped[:position]}*{token}*{escaped[position + len(token) :]}"


def _source(title: str, url: str | None) -> str:
    """The article as a Slack link; only http(s) URLs become link targets (a feed can
    carry `javascript:` or `data:` links)."""
    if url and url.lower().startswith(LINK_SCHEMES) and not any(c in url for c in "<>| \n"):
        return f"<{escape(url)}|{_escape_cut(title or url, 200)}>"
    return _escape_cut(title or "untitled article", 200)


def build_message(
    match: AlertMatch,
    event: Event,
    *,
    title: str,
    url: str | None,
    feedback_key: str | None = None,
) -> dict[str, Any]:
    """chat.postMessage arguments without the channel (chosen at delivery time from the
    current configuration): Block Kit blocks (built with slack_sdk) + text fallback.
    With `feedback_key` (the alert's idempotency key) the analysts' buttons follow."""
    from slack_sdk.models.blocks import (
        ContextBlock,
        HeaderBlock,
        MarkdownTextObject,
        SectionBlock,
    )

    place = _place(event)
    mark = SEVERITY_MARK.get(match.severity, match.severity)
    header = _cut(f"{mark} · {match.title}: {place}", HEADER_LIMIT)
    what = (
        f"*Who:* {escape(event.actor)}   *What:* {escape(plain_label(event.type))}\n"
        f"*Where:* {escape(place)}   *When:* {escape(event.event_date or 'date not stated')}\n"
        f"*Status:* {escape(REALIS_TEXT.get(event.realis, event.realis))}; "
        f"{escape(_claim_text(event))}"
    )
    evidence = _cut(
        _original_label(event) + quote(_bold_trigger(event.evidence, event.trigger)),
        SECTION_LIMIT,
    )
    source = _source(title, url)
    blocks = [
        *([SectionBlock(text=MarkdownTextObject(text="<!here>"))] if match.mention_here else []),
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
    if match.mention_here:
        fallback = "<!here> " + fallback
    rendered = [b.to_dict() for b in blocks]
    if feedback_key:
        rendered.append(feedback_buttons(feedback_key))
    return {"text": fallback, "blocks": rendered}


def build_place_update(
    match: AlertMatch, event: Event, title: str, url: str | None
) -> dict[str, Any]:
    """A thread reply on an earlier alert about the same place, e.g. "retaken by Afghan
    forces" under "district fallen"."""
    from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

    source = _source(title, url)
    text = (
        f"*Update: {escape(match.title)}* ({escape(event.actor)}, "
        f"{escape(event.event_date or 'date unknown')}): "
        f"{_escape_cut(event.evidence, 1500)} {source}"
    )
    return {
        "text": _cut(text, FALLBACK_LIMIT),
        "blocks": [SectionBlock(text=MarkdownTextObject(text=_cut(text, SECTION_LIMIT))).to_dict()],
    }


def build_corroboration(title: str, url: str | None, outlets: int) -> dict[str, Any]:
    """A thread reply: another report of an incident or story we already alerted on."""
    from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

    source = _source(title, url)
    count = f"{outlets} independent outlet{'s' if outlets != 1 else ''}"
    text = f"Confirmed by {count}. New report: {source}"
    return {
        "text": _cut(text, FALLBACK_LIMIT),
        "blocks": [SectionBlock(text=MarkdownTextObject(text=_cut(text, SECTION_LIMIT))).to_dict()],
    }


HEALTH_WORDS = {
    "failing": ":red_circle: is failing",
    "disabled": ":no_entry: was disabled after repeated failures",
    "recovered": ":large_green_circle: has recovered",
}


def feed_health_notice(feed: str, change: str, error: str | None, log_url: str | None) -> str:
    """An operator's notice of a feed's health change (never sent to the alert channel)."""
    line = f"Feed *{escape(feed)}* {HEALTH_WORDS.get(change, change)}"
    if error and change != "recovered":
        line += f": {_escape_cut(error, 300)}"
    if log_url and log_url.startswith(LINK_SCHEMES):
        line += f" (<{escape(log_url)}|task log>)"
    return line
