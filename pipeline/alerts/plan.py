"""Planning alerts: a pure function from one analysed article to the outbox rows it adds.

`plan_alerts` decides everything (which rules fire, which are suppressed and why, story
keys, thread replies); it reads nothing and writes nothing. The store reads the
`AlertHistory` in the same locked transaction that writes the rows it returns, so two
feeds reporting one story at once cannot both decide that it is new.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from pipeline import dedupe
from pipeline.alerts.control import with_notes
from pipeline.alerts.messages import build_corroboration, build_message, build_place_update
from pipeline.alerts.rules import AlertRule, match_rules
from pipeline.incidents import Assignment
from pipeline.models import AlertMatch, DuplicateDecision, Entry, Event


@dataclass(frozen=True)
class AlertHistory:
    """What storage knows that changes a plan, read before planning.

    `story_key` names the story the article belongs to (its own key, or its original's
    for a near-copy); `story_alerts` maps each rule already alerted on that story to the
    alert's key; `outlets` counts the outlets reporting the story, this article included
    (used for events that join no incident); `place_threads` maps (rule id, district
    code) to the newest alert of that rule on the district, for rules that reply in its
    thread; `incidents` holds, per event, the incident it joins or opens (None for an
    event that joins none), with the alerts already on it."""

    story_key: str
    story_alerts: Mapping[str, str] = field(default_factory=dict)
    outlets: int = 1
    place_threads: Mapping[tuple[str, str], str] = field(default_factory=dict)
    incidents: Sequence[Assignment | None] = ()

    def incident(self, event_index: int) -> Assignment | None:
        return self.incidents[event_index] if event_index < len(self.incidents) else None

    def outlets_by_event(self, count: int) -> list[int]:
        """Independent outlets behind each event: its incident's, else the story's."""
        return [
            assignment.outlets_after if (assignment := self.incident(i)) else self.outlets
            for i in range(count)
        ]


@dataclass(frozen=True)
class PlannedAlert:
    """One outbox row to write; `channel` is the rule's own channel or "" for the
    configured default (resolved when it is delivered, not when it is planned)."""

    key: str
    rule_id: str
    event_index: int
    channel: str
    payload: dict[str, Any]
    thread_of: str | None = None


@dataclass(frozen=True)
class AlertPlan:
    matches: tuple[AlertMatch, ...] = ()
    rows: tuple[PlannedAlert, ...] = ()


class Analyzed(Protocol):
    """What planning reads of an analysed article (cycle.Analysis has it)."""

    @property
    def entry(self) -> Entry: ...

    @property
    def url_key(self) -> str: ...

    @property
    def decision(self) -> DuplicateDecision: ...

    @property
    def events(self) -> Sequence[Event]: ...


def plan_alerts(analysis: Analyzed, rules: Sequence[AlertRule], history: AlertHistory) -> AlertPlan:
    """Rules that fire on the article, and the outbox rows that follow from them."""
    entry, url_key, decision = analysis.entry, analysis.url_key, analysis.decision
    found = analysis.events
    outlets = history.outlets_by_event(len(found))
    matches = match_rules(rules, found, "", outlets)
    if decision.status == "duplicate":
        reason = dedupe.explain(decision)
        return AlertPlan(tuple(replace(m, suppressed=reason) for m in matches))
    rows: list[PlannedAlert] = []
    kept: list[AlertMatch] = []
    for match in matches:
        event = found[match.event_index]
        incident = history.incident(match.event_index)
        parent, reason = _earlier_alert(match.rule_id, incident, history, decision)
        if parent is not None:
            kept.append(replace(match, suppressed=reason))
            if not _alerted_by(incident, match.rule_id, url_key):
                outlet_count = outlets[match.event_index]
                rows.append(_confirmation(match, entry, url_key, parent, outlet_count))
            continue
        kept.append(match)
        subject = incident.key if incident else history.story_key
        key = f"{match.rule_id}:{subject}"
        payload = build_message(match, event, title=entry.title, url=entry.url, feedback_key=key)
        rows.append(PlannedAlert(key, match.rule_id, match.event_index, match.channel, payload))
    rows += _place_updates(kept, found, entry, url_key, rules, history)
    return AlertPlan(tuple(kept), tuple(rows))


def _earlier_alert(
    rule_id: str,
    incident: Assignment | None,
    history: AlertHistory,
    decision: DuplicateDecision,
) -> tuple[str | None, str]:
    """The alert this rule already raised on the article's story or on its event's
    incident (its key), with the reason a new alert is suppressed."""
    if rule_id in history.story_alerts:
        reason = f"already alerted for this story; {dedupe.explain(decision)}"
        return history.story_alerts[rule_id], reason
    known = incident.existing if incident else None
    if known is not None and rule_id in known.alerts:
        reason = f"already alerted for this incident ({known.n_reports} earlier reports)"
        return known.alerts[rule_id], reason
    return None, ""


def _alerted_by(incident: Assignment | None, rule_id: str, url_key: str) -> bool:
    """Whether this very article raised the incident's alert (it is being analysed
    again): no reply to itself."""
    known = incident.existing if incident else None
    return known is not None and known.alerted_by.get(rule_id) == url_key


def _confirmation(
    match: AlertMatch, entry: Entry, url_key: str, parent: str, outlets: int
) -> PlannedAlert:
    """Another report of something already alerted on: a reply in its thread."""
    payload = build_corroboration(entry.title, entry.url, outlets)
    key = f"{parent}:also:{url_key}"
    return PlannedAlert(key, match.rule_id, match.event_index, match.channel, payload, parent)


def _place_updates(
    matches: Sequence[AlertMatch],
    found: Sequence[Event],
    entry: Entry,
    url_key: str,
    rules: Sequence[AlertRule],
    history: AlertHistory,
) -> list[PlannedAlert]:
    """A rule with `reply_to` also answers in the thread of that rule's latest alert on
    the same district (e.g. a recapture under the district's fall)."""
    by_id = {rule.id: rule for rule in rules}
    rows: list[PlannedAlert] = []
    for match in matches:
        rule = by_id.get(match.rule_id)
        event = found[match.event_index]
        if match.suppressed or rule is None or not rule.reply_to:
            continue
        code = event.location.district_code if event.location else None
        parent = history.place_threads.get((rule.reply_to, code or ""))
        if not code or parent is None:
            continue
        payload = build_place_update(match, event, entry.title, entry.url)
        key = f"{parent}:{match.rule_id}:{url_key}"
        rows.append(
            PlannedAlert(key, match.rule_id, match.event_index, match.channel, payload, parent)
        )
    return rows


def place_lookups(found: Sequence[Event], rules: Sequence[AlertRule]) -> set[tuple[str, str]]:
    """The (rule id, district code) pairs whose latest alert a plan may reply to: the
    store reads only these."""
    targets = {rule.reply_to for rule in rules if rule.reply_to}
    codes = {e.location.district_code for e in found if e.location and e.location.district_code}
    return {(rule_id, code) for rule_id in targets if rule_id for code in codes if code}


def alerts_by_district(rows: Sequence[PlannedAlert], found: Sequence[Event]) -> dict[str, str]:
    """District P-code -> the key of the first alert a plan writes there (a control
    change of that district becomes a note in it instead of a second message)."""
    keys: dict[str, str] = {}
    for row in rows:
        event = found[row.event_index] if row.event_index < len(found) else None
        code = event.location.district_code if event and event.location else None
        if code and code not in keys:
            keys[code] = row.key
    return keys


def add_notes(
    rows: Sequence[PlannedAlert], notes: Mapping[str, Mapping[str, Any]]
) -> list[PlannedAlert]:
    """The rows with each note added to the alert it belongs to."""
    return [
        replace(row, payload=with_notes(row.payload, notes[row.key])) if row.key in notes else row
        for row in rows
    ]
