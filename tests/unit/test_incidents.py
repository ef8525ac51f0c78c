"""Incident assignment (pure): same category and place within the window, opposite
events in between keep reports apart, placeless events need actor, category and day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pipeline.incidents import (
    KnownIncident,
    Slot,
    _wire,
    assign_incidents,
    candidate_slots,
    outlet_of,
    slot_of,
)
from pipeline.models import Event, Location

NOW = datetime(2021, 7, 10, 12, tzinfo=UTC)
KUNDUZ_DISTRICT = Location("Imam Sahib", "Imam Sahib", "Kunduz", "AF1705", "AF17")
OTHER_DISTRICT = Location("Khanabad", "Khanabad", "Kunduz", "AF1704", "AF17")
PROVINCE_ONLY = Location("Kunduz", None, "Kunduz", None, "AF17")


def _event(
    category: str = "territory_captured",
    location: Location | None = KUNDUZ_DISTRICT,
    day: str | None = "2021-07-08",
    realis: str = "actual",
    actor: str = "Taliban",
) -> Event:
    return Event(
        category,
        category,
        actor,
        None,
        realis,
        "reported",
        "evidence",
        0,
        8,
        "seize",
        location=location,
        event_date=day,
    )


def _known(
    ident: int,
    slot: Slot,
    first: str,
    last: str | None = None,
    outlets: tuple[str, ...] = ("a.example",),
) -> KnownIncident:
    return KnownIncident(
        ident,
        f"incident:k{ident}",
        slot,
        date.fromisoformat(first),
        date.fromisoformat(last or first),
        len(outlets),
        frozenset(outlets),
    )


def _assign(found, known, outlet="b.example", independent=True):  # type: ignore[no-untyped-def]
    return assign_incidents(
        found,
        known,
        article_key="https://b.example/x",
        outlet=outlet,
        independent=independent,
        published=None,
        now=NOW,
        window_days=3,
    )


CAPTURE = Slot("territory_captured", "district", "AF1705")
RETAKE = Slot("territory_retaken", "district", "AF1705")


def test_same_category_place_and_window_join_and_count_a_new_outlet() -> None:
    [assignment] = _assign([_event(day="2021-07-09")], [_known(1, CAPTURE, "2021-07-07")])
    assert assignment.incident_id == 1 and assignment.outlets_after == 2
    assert assignment.contract()["n_reports"] == 2


def test_outside_the_window_or_another_district_opens_a_new_incident() -> None:
    known = [_known(1, CAPTURE, "2021-07-01")]
    [late] = _assign([_event(day="2021-07-08")], known)
    [elsewhere] = _assign([_event(location=OTHER_DISTRICT)], [_known(1, CAPTURE, "2021-07-08")])
    assert late.is_new and elsewhere.is_new
    assert late.key == "incident:https://b.example/x#0"


def test_a_retake_in_between_keeps_a_later_capture_apart() -> None:
    known = [_known(1, CAPTURE, "2021-07-05"), _known(2, RETAKE, "2021-07-06")]
    [capture_again] = _assign([_event(day="2021-07-07")], known)
    assert capture_again.is_new
    [late_report_of_first] = _assign([_event(day="2021-07-05")], known)
    assert late_report_of_first.incident_id == 1  # the retake came after it: same capture


def test_a_retake_is_never_merged_into_the_capture() -> None:
    [retake] = _assign(
        [_event("territory_retaken", day="2021-07-06")], [_known(1, CAPTURE, "2021-07-05")]
    )
    assert retake.is_new and retake.slot == RETAKE


def test_a_province_level_event_joins_only_province_level_reports() -> None:
    province = Slot("territory_captured", "province", "AF17")
    [joined] = _assign([_event(location=PROVINCE_ONLY)], [_known(1, province, "2021-07-08")])
    [apart] = _assign([_event(location=PROVINCE_ONLY)], [_known(1, CAPTURE, "2021-07-08")])
    assert joined.incident_id == 1 and apart.is_new


def test_placeless_events_need_the_same_actor_target_and_day_give_or_take_one() -> None:
    talks = Slot("talks_meeting", "none", "actor:US>-")
    known = [_known(1, talks, "2021-07-08")]
    [same_day] = _assign([_event("talks_meeting", None, "2021-07-08", actor="US")], known)
    [next_day] = _assign([_event("talks_meeting", None, "2021-07-09", actor="US")], known)
    [two_days] = _assign([_event("talks_meeting", None, "2021-07-10", actor="US")], known)
    [other_actor] = _assign([_event("talks_meeting", None, "2021-07-08", actor="NATO")], known)
    assert same_day.incident_id == 1 and next_day.incident_id == 1
    assert two_days.is_new and other_actor.is_new


def test_placeless_events_with_another_counterpart_stay_apart() -> None:
    from dataclasses import replace

    with_taliban = replace(
        _event("talks_meeting", None, "2021-07-08", actor="US"), target="Taliban"
    )
    with_others = replace(with_taliban, target="other")
    assert slot_of(with_taliban) != slot_of(with_others)
    known = [_known(1, slot_of(with_taliban), "2021-07-08")]  # type: ignore[arg-type]
    [apart] = _assign([with_others], known)
    assert apart.is_new


def test_hypothetical_and_negated_events_join_nothing() -> None:
    assert slot_of(_event(realis="hypothetical")) is None
    assert slot_of(_event(realis="negated")) is None
    assert _assign([_event(realis="negated")], []) == (None,)


def test_a_copy_adds_a_report_but_no_independent_outlet() -> None:
    [copy] = _assign([_event()], [_known(1, CAPTURE, "2021-07-08")], independent=False)
    [same_outlet] = _assign([_event()], [_known(1, CAPTURE, "2021-07-08")], outlet="a.example")
    assert copy.outlets_after == 1 and same_outlet.outlets_after == 1


def test_two_events_of_one_article_on_one_place_share_the_new_incident() -> None:
    first, second = _assign([_event(), _event(day="2021-07-09")], [])
    assert first is second and first.key.endswith("#0")


def test_candidate_slots_include_the_opposite_category() -> None:
    assert candidate_slots([_event()]) == {CAPTURE, RETAKE}


WIRES = [_wire("Reuters", ["reuters.com"], ["Reuters"]), _wire("AP", ["apnews.com"], ["AP"])]


def test_wire_credits_name_the_outlet_and_a_mention_does_not() -> None:
    assert outlet_of("https://www.reuters.com/world/x", "text", WIRES) == "Reuters"
    assert outlet_of("https://news.site.co.uk/a", "KABUL (AP) — Fighters took ...", WIRES) == "AP"
    assert outlet_of("https://site.example/a", "Body of the story.\n— Reuters", WIRES) == "Reuters"
    assert outlet_of("https://news.site.co.uk/a", "Body.\nSource: Reuters", WIRES) == "Reuters"
    mention = "Officials told Reuters the district had fallen. More text follows here."
    assert outlet_of("https://news.site.co.uk/a", mention, WIRES) == "site.co.uk"
    assert outlet_of(None, "seed text", WIRES) is None
