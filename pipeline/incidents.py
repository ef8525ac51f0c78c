"""Incidents: events from different articles that report the same thing.

GDELT counts reports, not events; an analyst asks "is this the one I saw, and how many
independent outlets confirm it?". An event joins an incident when it has the same
category and place (district, else province) and its day lies within `window_days` of
the incident's days, unless an opposite event on that place (a retake after a capture,
or the reverse) falls between them; an event without a place joins only the same actor
and category on a day at most `placeless_window_days` (1) away. Hypothetical and
negated events join nothing.

Everything here is pure: the store reads the candidate incidents and writes what
`assign_incidents` returns, inside the decision lock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from pipeline.models import Event
from pipeline.settings import PROJECT_ROOT, read_yaml_mapping

INCIDENTS_CONFIG = PROJECT_ROOT / "config" / "incidents.yaml"
OPPOSITE = {"territory_captured": "territory_retaken", "territory_retaken": "territory_captured"}
JOINING_REALIS = ("actual", "announced")


@dataclass(frozen=True)
class Wire:
    name: str
    domains: frozenset[str]
    credit_at_start: re.Pattern[str]
    credit_at_end: re.Pattern[str]


@dataclass(frozen=True)
class IncidentConfig:
    window_days: int = 3
    placeless_window_days: int = 1
    wires: tuple[Wire, ...] = ()

    @classmethod
    def load(cls, path: Path = INCIDENTS_CONFIG) -> IncidentConfig:
        """Read and check incidents.yaml (schema: pipeline.settings.IncidentsFile)."""
        from pipeline.settings import IncidentsFile, validate_item

        data: IncidentsFile = validate_item(IncidentsFile, read_yaml_mapping(path), str(path))
        wires = tuple(
            _wire(name, spec.domains, spec.names) for name, spec in (data.wires or {}).items()
        )
        return cls(data.window_days, data.placeless_window_days, wires)


def _wire(name: str, domains: Sequence[str], names: Sequence[str]) -> Wire:
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return Wire(
        name=name,
        domains=frozenset(d.lower() for d in domains),
        credit_at_start=re.compile(rf"\((?:{alternatives})\)"),
        credit_at_end=re.compile(
            rf"(?:^|[—–-]\s*|source:\s*|©\s*)(?:the\s+)?(?:{alternatives})[\W_]*$",
            re.IGNORECASE | re.MULTILINE,
        ),
    )


@lru_cache(maxsize=1)
def config() -> IncidentConfig:
    return IncidentConfig.load()


# --- outlets ---------------------------------------------------------------------------
def outlet_of(url: str | None, text: str, wires: Sequence[Wire] | None = None) -> str | None:
    """Who stands behind an article: a wire service it is credited to or hosted by, else
    the registrable domain of its URL (None when it has no web address: a seed file)."""
    from pipeline.domains import registrable_domain

    domain = registrable_domain(url) if url and "://" in url else None
    for wire in config().wires if wires is None else wires:
        if domain in wire.domains or _credits(text, wire):
            return wire.name
    return domain


def _credits(text: str, wire: Wire) -> bool:
    head = text[:300]
    lines = [line.strip() for line in text[-300:].splitlines() if line.strip()]
    return bool(wire.credit_at_start.search(head)) or bool(
        lines and wire.credit_at_end.search(lines[-1])
    )


# --- assignment ------------------------------------------------------------------------
@dataclass(frozen=True)
class Slot:
    """Where an event is looked for: category plus a place code, or the actor (no place)."""

    category: str
    place_level: str  # district | province | none
    place_code: str

    @property
    def has_place(self) -> bool:
        return self.place_level != "none"


@dataclass(frozen=True)
class KnownIncident:
    """An incident as the store reads it for planning."""

    id: int
    key: str
    slot: Slot
    first_day: date
    last_day: date
    n_reports: int
    outlets: frozenset[str]  # independent outlets so far
    alerts: Mapping[str, str] = field(default_factory=dict)  # rule id -> alert key
    alerted_by: Mapping[str, str] = field(default_factory=dict)  # rule id -> article key


@dataclass(frozen=True)
class Assignment:
    """The incident an event goes to: an existing one, or a new one with `key`."""

    key: str
    slot: Slot
    day: date
    existing: KnownIncident | None
    outlets_after: int  # independent outlets once this report is counted

    @property
    def incident_id(self) -> int | None:
        return self.existing.id if self.existing else None

    @property
    def is_new(self) -> bool:
        return self.existing is None

    def contract(self) -> dict[str, object]:
        """The `incident` object of an event in analyze --json."""
        known = self.existing
        return {
            "id": known.id if known else None,
            "key": self.key,
            "new": known is None,
            "n_reports": (known.n_reports if known else 0) + 1,
            "n_independent_outlets": self.outlets_after,
        }


def slot_of(event: Event) -> Slot | None:
    """The incident slot of an event, or None when it joins no incident."""
    if event.realis not in JOINING_REALIS:
        return None
    location = event.location
    if location and location.district_code:
        return Slot(event.category, "district", location.district_code)
    if location and location.province_code:
        return Slot(event.category, "province", location.province_code)
    # without a place, who did it to whom is what tells two events apart
    return Slot(event.category, "none", f"actor:{event.actor}>{event.target or '-'}")


def event_day(event: Event, published: datetime | None, now: datetime) -> date:
    """The day an event happened: its own date, else the article's, else today."""
    if event.event_date:
        try:
            return date.fromisoformat(event.event_date[:10])
        except ValueError:
            pass
    return (published or now).date()


def window_for(slot: Slot, window_days: int, placeless_days: int) -> timedelta:
    return timedelta(days=window_days if slot.has_place else placeless_days)


def choose(
    slot: Slot,
    day: date,
    known: Sequence[KnownIncident],
    window_days: int,
    placeless_days: int = 1,
) -> KnownIncident | None:
    """The incident an event on `slot` and `day` joins: same slot, within the window, no
    opposite event on the place in between; the nearest in time, then the oldest."""
    window = window_for(slot, window_days, placeless_days)
    opposite = [k for k in known if k.slot.place_code == slot.place_code and _opposes(k, slot)]
    fitting = [
        k
        for k in known
        if k.slot == slot
        and k.first_day - window <= day <= k.last_day + window
        and not any(_between(o, k, day) for o in opposite)
    ]
    return min(fitting, key=lambda k: (_distance(k, day), k.id), default=None)


def _opposes(incident: KnownIncident, slot: Slot) -> bool:
    return OPPOSITE.get(slot.category) == incident.slot.category


def _between(opposite: KnownIncident, incident: KnownIncident, day: date) -> bool:
    """An opposite event that lies between the incident and the new day (a retake after
    a capture ends that capture: a later capture is a new incident)."""
    if day >= incident.last_day:
        return incident.last_day <= opposite.first_day <= day
    return day <= opposite.last_day <= incident.first_day


def _distance(incident: KnownIncident, day: date) -> int:
    if incident.first_day <= day <= incident.last_day:
        return 0
    return min(abs((day - incident.first_day).days), abs((day - incident.last_day).days))


def assign_incidents(
    found: Sequence[Event],
    known: Sequence[KnownIncident],
    *,
    article_key: str,
    outlet: str | None,
    independent: bool,
    published: datetime | None,
    now: datetime,
    window_days: int | None = None,
    placeless_days: int | None = None,
) -> tuple[Assignment | None, ...]:
    """One assignment per event (None for events that join nothing). Events of one
    article on one slot share an incident; a new incident's key names the first article
    and event that opened it."""
    window = config().window_days if window_days is None else window_days
    placeless = config().placeless_window_days if placeless_days is None else placeless_days
    chosen: dict[tuple[Slot, int | str], Assignment] = {}
    result: list[Assignment | None] = []
    for index, event in enumerate(found):
        slot = slot_of(event)
        if slot is None:
            result.append(None)
            continue
        day = event_day(event, published, now)
        existing = choose(slot, day, known, window, placeless)
        group: tuple[Slot, int | str] = (slot, existing.id if existing else "new")
        if group not in chosen:
            outlets = set(existing.outlets) if existing else set()
            if independent and outlet:
                outlets.add(outlet)
            key = existing.key if existing else f"incident:{article_key}#{index}"
            # a report without a known outlet (no URL) still stands for one source
            chosen[group] = Assignment(key, slot, day, existing, max(1, len(outlets)))
        result.append(chosen[group])
    return tuple(result)


def candidate_slots(found: Sequence[Event]) -> set[Slot]:
    """The slots whose incidents (and opposite ones) the store must read for `found`."""
    slots = {slot for event in found if (slot := slot_of(event))}
    return slots | {
        Slot(OPPOSITE[s.category], s.place_level, s.place_code)
        for s in slots
        if s.category in OPPOSITE
    }
