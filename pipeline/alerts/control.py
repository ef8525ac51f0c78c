"""Alerts on district control: one message per new state of a district.

Planned from what refolding the districts of a stored article changed (a pure
function); keyed by district, state and day, so refolding the same history again, or a
second outlet confirming the same change, never posts twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote as url_quote

from pipeline.alerts.feedback import feedback_buttons
from pipeline.alerts.messages import (
    HEADER_LIMIT,
    SECTION_LIMIT,
    SEVERITY_MARK,
    _cut,
    _escape_cut,
    escape,
    quote,
)
from pipeline.alerts.rules import AlertRule
from pipeline.control import ControlChange, ControlRefresh
from pipeline.outputs.maps import LABELS


@dataclass(frozen=True)
class ControlAlert:
    """One outbox row for a district's new state."""

    key: str
    rule_id: str
    channel: str
    payload: dict[str, Any]
    article_id: int
    event_id: int


@dataclass(frozen=True)
class ControlPlan:
    """What a refold announces: messages of their own (`rows`) and, for districts the
    same article already alerts on, a line added to that alert (`notes`: alert key ->
    Block Kit section), so one report never pings the channel twice."""

    rows: tuple[ControlAlert, ...] = ()
    notes: Mapping[str, dict[str, Any]] = field(default_factory=dict)


def plan_control_alerts(
    refresh: ControlRefresh,
    rules: Sequence[AlertRule],
    places: Mapping[str, tuple[str, str]],
    evidence: Mapping[int, str],
    page_url: str | None = None,
    covered: Mapping[str, str] | None = None,
) -> ControlPlan:
    """Announce each new district state a control rule wants, once. `places` maps a
    P-code to (district, province); `evidence` an event id to its sentence; `covered` a
    P-code to the alert the same article raises on that district, which then carries
    the change as a note instead of a second message."""
    rows: list[ControlAlert] = []
    notes: dict[str, dict[str, Any]] = {}
    for rule in rules:
        spec = rule.control_change
        if spec is None:
            continue
        for change, previous in refresh.new_states():
            if not change.event_ids or not spec.wants(
                change.status, change.confidence, change.independent_outlets
            ):
                continue
            district, province = places.get(change.district_code, (change.district_code, ""))
            place = f"{district} district, {province} province".strip(", ")
            link = page_link(page_url, change.district_code)
            alert = (covered or {}).get(change.district_code)
            if alert is not None:
                notes.setdefault(alert, control_note(change, previous, place, link))
                continue
            key = f"{rule.id}:{change.district_code}:{change.valid_from}:{change.status}"
            sentence = evidence.get(change.event_ids[-1], "")
            payload = build_control_message(rule, change, previous, place, sentence, link, key)
            rows.append(
                ControlAlert(
                    key,
                    rule.id,
                    rule.channel or "",
                    payload,
                    change.article_ids[-1],
                    change.event_ids[-1],
                )
            )
    return ControlPlan(tuple(rows), notes)


def control_note(
    change: ControlChange, previous: str, place: str, link: str | None
) -> dict[str, Any]:
    """One line under an event alert: the district's state on the map after it."""
    from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

    text = f":world_map: *Control:* {_state_line(change, previous, place)}"
    if link:
        text += f" · <{escape(link)}|map>"
    return SectionBlock(text=MarkdownTextObject(text=_cut(text, SECTION_LIMIT))).to_dict()


def _state_line(change: ControlChange, previous: str, place: str) -> str:
    now, was = LABELS.get(change.status, change.status), LABELS.get(previous, previous)
    outlets = change.independent_outlets
    return (
        f"{escape(place)} now {escape(now.lower())} (before: {escape(was.lower())}) "
        f"since {change.valid_from.isoformat()}, {round(change.confidence * 100)}% sure, "
        f"{outlets} independent outlet{'s' if outlets != 1 else ''}"
    )


def with_notes(payload: Mapping[str, Any], note: Mapping[str, Any] | None) -> dict[str, Any]:
    """An alert's payload with a control note before its buttons."""
    blocks = list(payload.get("blocks", []))
    if note is None:
        return dict(payload)
    at = next((i for i, b in enumerate(blocks) if b.get("type") == "actions"), len(blocks))
    return {**payload, "blocks": [*blocks[:at], dict(note), *blocks[at:]]}


def page_link(page_url: str | None, code: str) -> str | None:
    """The analyst page opened on this district (PAGE_URL; the page selects the
    district named in its URL fragment), or None when unset."""
    if not page_url:
        return None
    return f"{page_url.rstrip('/')}/#{url_quote(code, safe='')}"


def build_control_message(
    rule: AlertRule,
    change: ControlChange,
    previous: str,
    place: str,
    sentence: str,
    link: str | None,
    feedback_key: str,
) -> dict[str, Any]:
    """Block Kit for a district's new state: what it is now and was, how sure, the
    sentence behind it, a link to the page, and the feedback buttons."""
    from slack_sdk.models.blocks import (
        ContextBlock,
        HeaderBlock,
        MarkdownTextObject,
        SectionBlock,
    )

    mark = SEVERITY_MARK.get(rule.severity, rule.severity)
    now, was = LABELS.get(change.status, change.status), LABELS.get(previous, previous)
    header = _cut(f"{mark} · {rule.title}: {place}", HEADER_LIMIT)
    outlets = change.independent_outlets
    what = (
        f"*Now:* {escape(now)} (before: {escape(was.lower())})   "
        f"*Since:* {change.valid_from.isoformat()}\n"
        f"*How sure:* {round(change.confidence * 100)}%, "
        f"{outlets} independent outlet{'s' if outlets != 1 else ''}"
        + (f"   *Basis:* {escape(change.basis.replace('_', ' '))}" if change.basis else "")
    )
    where = (
        f"<{escape(link)}|Open the district on the control page>"
        if link
        else (f"`python -m pipeline control show` ({escape(change.district_code)})")
    )
    blocks = [
        *([SectionBlock(text=MarkdownTextObject(text="<!here>"))] if rule.mention_here else []),
        HeaderBlock(text=header),
        SectionBlock(text=MarkdownTextObject(text=_cut(what, SECTION_LIMIT))),
        *(
            [
                SectionBlock(
                    text=MarkdownTextObject(text=_cut(quote(escape(sentence)), SECTION_LIMIT))
                )
            ]
            if sentence
            else []
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(text=_cut(f"{where} · rule `{rule.id}` ({rule.severity})", 2000))
            ]
        ),
    ]
    fallback = _escape_cut(f"{rule.title}: {place}: {now} since {change.valid_from}", 3000)
    if rule.mention_here:
        fallback = "<!here> " + fallback
    return {
        "text": fallback,
        "blocks": [b.to_dict() for b in blocks] + [feedback_buttons(feedback_key)],
    }
