"""Who controls each district: a deterministic fold over territorial events.

The press reports falls more often than recaptures, and Taliban claims more often than
their denials, so a map built from falls alone drifts toward the Taliban. Each
territorial event carries the extractor's `control`: who holds the place at the end of
its passage (a capture later retaken in the same article ends `government`, a claim the
government denies ends `claimed_by_taliban` or `contested`). The fold reads a district's
events in event-date order and records a change whenever that state differs from the
last one. Rules:

* only `territory_captured` / `territory_retaken` events with a district code count,
  and only when what was taken is the district itself: its centre, a town or the
  provincial capital (which carries its district's code). A base, checkpoint, border
  crossing, road or village taken inside a district does not hand the district over;
  an aggregate statement such as "dozens of districts" names none and changes nothing;
* hypothetical and negated events ("may fall", "did not fall") change nothing;
* events of one day are read claims first, then reports (a report of what happened
  outweighs a claim of the same day, whichever outlet was read first), then in stored
  order; a change undone the same day still shows as two changes, with their evidence;
* from 15 August 2021 (Kabul taken) control is national: events after that day change
  no district; the state at any later date is `taliban` everywhere, marked national.

Each district is folded on its own, so folding the districts an update touched gives the
same rows as rebuilding every district from scratch (a test checks it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

STATUSES = ("taliban", "government", "contested", "claimed_by_taliban", "unknown")
NATIONAL_FROM = date(2021, 8, 15)
NATIONAL_NOTE = "national: the Taliban took Kabul on 15 August 2021"
TERRITORIAL = ("territory_captured", "territory_retaken")
# what was taken must be the district: its centre, a town in it, or the provincial capital
DISTRICT_TYPES = frozenset(
    {
        "district_captured",
        "town_captured",
        "provincial_capital_captured",
        "district_retaken",
        "town_retaken",
        "provincial_capital_retaken",
    }
)
COUNTING_REALIS = ("actual", "announced")
# the extractor's `control` values, and a fallback for events stored before it existed
CONTROL_STATUS = {
    "taliban": "taliban",
    "government": "government",
    "contested": "contested",
    "claimed_by_taliban": "claimed_by_taliban",
    "other": "unknown",
}


@dataclass(frozen=True)
class TerritorialEvent:
    """What the fold reads of one stored event."""

    event_id: int
    article_id: int
    district_code: str | None
    category: str
    actor: str
    realis: str
    claim_status: str
    control: str | None
    day: date
    incident_id: int | None = None
    outlets: int = 1
    type: str | None = None  # None: stored before types were read (counts as a district)


@dataclass(frozen=True)
class ControlChange:
    """The state of a district from `valid_from` on, with what supports it."""

    district_code: str
    status: str
    valid_from: date
    event_ids: tuple[int, ...]
    article_ids: tuple[int, ...]
    incident_id: int | None
    independent_outlets: int
    confidence: float
    basis: str = ""


def status_of(event: TerritorialEvent) -> str | None:
    """The state an event leaves its district in, or None when it changes nothing."""
    if event.category not in TERRITORIAL or not event.district_code:
        return None
    if event.type is not None and event.type not in DISTRICT_TYPES:
        return None  # a base, crossing, road or village: the district is not handed over
    if event.realis not in COUNTING_REALIS:
        return None
    if event.control:
        return CONTROL_STATUS.get(event.control, "unknown")
    if event.category == "territory_captured":
        return "taliban" if event.actor == "Taliban" else "unknown"
    return "government" if event.actor in ("Afghan forces", "Afghan government") else "unknown"


def confidence_of(status: str, event: TerritorialEvent) -> float:
    """0.5 for one outlet's report, up by 0.15 per further independent outlet (to 0.95);
    claims and contested states start lower."""
    base = 0.5 + 0.15 * (max(1, event.outlets) - 1)
    if status in ("claimed_by_taliban", "contested") or event.claim_status != "reported":
        base -= 0.2
    return round(min(0.95, max(0.1, base)), 2)


def fold_district(events: Iterable[TerritorialEvent]) -> list[ControlChange]:
    """The changes of one district's state, in order. Events of the same day and
    status as the current state add their support to it instead of a new change."""
    changes: list[ControlChange] = []
    for event in sorted(events, key=_reading_order):
        status = status_of(event)
        if status is None or event.day >= NATIONAL_FROM:
            continue
        current = changes[-1] if changes else None
        if current is not None and current.status == status:
            changes[-1] = _supported(current, event)
            continue
        changes.append(
            ControlChange(
                district_code=event.district_code or "",
                status=status,
                valid_from=event.day,
                event_ids=(event.event_id,),
                article_ids=(event.article_id,),
                incident_id=event.incident_id,
                independent_outlets=max(1, event.outlets),
                confidence=confidence_of(status, event),
                basis=f"{event.category.replace('_', ' ')} by {event.actor} ({event.claim_status})",
            )
        )
    return changes


def _reading_order(event: TerritorialEvent) -> tuple[date, int, int]:
    return (event.day, 1 if event.claim_status == "reported" else 0, event.event_id)


def _supported(change: ControlChange, event: TerritorialEvent) -> ControlChange:
    """Another report of the same state: more evidence, maybe more outlets."""
    from dataclasses import replace

    outlets = max(change.independent_outlets, event.outlets)
    return replace(
        change,
        event_ids=(*change.event_ids, event.event_id)[:50],
        article_ids=tuple(dict.fromkeys((*change.article_ids, event.article_id)))[:50],
        independent_outlets=outlets,
        confidence=max(change.confidence, confidence_of(change.status, event)),
    )


def fold(events: Iterable[TerritorialEvent]) -> dict[str, list[ControlChange]]:
    """Every district's changes (districts without a counting event are absent)."""
    by_district: dict[str, list[TerritorialEvent]] = {}
    for event in events:
        if event.district_code:
            by_district.setdefault(event.district_code, []).append(event)
    folded = {code: fold_district(found) for code, found in sorted(by_district.items())}
    return {code: changes for code, changes in folded.items() if changes}


@dataclass(frozen=True)
class DistrictState:
    district_code: str
    status: str
    since: date | None
    national: bool = False
    change: ControlChange | None = None


@dataclass
class ControlMap:
    """The state of every district at one date, for maps and exports."""

    at: date
    states: dict[str, DistrictState] = field(default_factory=dict)

    @property
    def national(self) -> bool:
        return self.at >= NATIONAL_FROM


def state_at(
    changes: dict[str, Sequence[ControlChange]], districts: Iterable[str], at: date
) -> ControlMap:
    """Each district's state on `at`: its last change on or before that day, `unknown`
    without one, and `taliban` (national) from 15 August 2021."""
    result = ControlMap(at)
    for code in districts:
        if at >= NATIONAL_FROM:
            result.states[code] = DistrictState(code, "taliban", NATIONAL_FROM, national=True)
            continue
        past = [c for c in changes.get(code, ()) if c.valid_from <= at]
        last = past[-1] if past else None
        result.states[code] = DistrictState(
            code,
            last.status if last else "unknown",
            last.valid_from if last else None,
            change=last,
        )
    return result


@dataclass(frozen=True)
class ControlRefresh:
    """What refolding some districts did: each district's changes before and after."""

    before: dict[str, tuple[ControlChange, ...]] = field(default_factory=dict)
    after: dict[str, tuple[ControlChange, ...]] = field(default_factory=dict)

    @property
    def written(self) -> int:
        return sum(len(found) for found in self.after.values())

    def new_states(self) -> list[tuple[ControlChange, str]]:
        """Districts whose latest state is new (a change not stored before), with the
        state it replaces: what a control alert reports."""
        found = []
        for code, changes in sorted(self.after.items()):
            if not changes:
                continue
            latest = changes[-1]
            earlier = self.before.get(code, ())
            if earlier and earlier[-1].status == latest.status:
                continue  # the same state, perhaps from an earlier day: not news
            if any(_same_state(old, latest) for old in earlier):
                continue  # a state it had before (history refolded): not news
            previous = changes[-2].status if len(changes) > 1 else "unknown"
            found.append((latest, previous))
        return found


def _same_state(a: ControlChange, b: ControlChange) -> bool:
    return (a.status, a.valid_from) == (b.status, b.valid_from)
