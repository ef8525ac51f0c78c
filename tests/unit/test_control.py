"""The district-control fold (pure): falls, retakes, claims and denials, aggregates,
hypotheticals, same-day reports and the national state after 15 August 2021."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.control import TerritorialEvent, fold, fold_district, state_at, status_of

_ids = iter(range(1, 10_000))


def _event(
    day: str,
    category: str = "territory_captured",
    control: str | None = "taliban",
    district: str | None = "AF1705",
    realis: str = "actual",
    claim: str = "reported",
    actor: str = "Taliban",
    outlets: int = 1,
    type: str | None = None,
) -> TerritorialEvent:
    ident = next(_ids)
    return TerritorialEvent(
        ident,
        ident,
        district,
        category,
        actor,
        realis,
        claim,
        control,
        date.fromisoformat(day),
        None,
        outlets,
        type or ("district_retaken" if category == "territory_retaken" else "district_captured"),
    )


def test_a_fall_then_a_retake_gives_two_changes_with_their_evidence() -> None:
    fall = _event("2021-06-22")
    retake = _event("2021-06-25", "territory_retaken", "government", actor="Afghan forces")
    changes = fold_district([retake, fall])  # read in date order, whatever the input order
    assert [(c.status, c.valid_from) for c in changes] == [
        ("taliban", date(2021, 6, 22)),
        ("government", date(2021, 6, 25)),
    ]
    assert changes[0].event_ids == (fall.event_id,) and changes[1].event_ids == (retake.event_id,)


def test_a_claim_denied_by_the_government_is_not_a_fall() -> None:
    claim = _event("2021-07-01", control="claimed_by_taliban", claim="denied")
    contested = _event("2021-07-02", control="contested", claim="disputed")
    changes = fold_district([claim, contested])
    assert [c.status for c in changes] == ["claimed_by_taliban", "contested"]
    assert all(c.confidence < 0.5 for c in changes)


def test_hypothetical_negated_and_aggregate_reports_change_nothing() -> None:
    may_fall = _event("2021-07-01", realis="hypothetical")
    did_not = _event("2021-07-01", realis="negated")
    dozens = _event("2021-07-01", district=None)  # "dozens of districts": no district named
    attack = _event("2021-07-01", category="attack", control=None)
    assert [status_of(e) for e in (may_fall, did_not, dozens, attack)] == [None] * 4
    assert fold([may_fall, did_not, dozens, attack]) == {}


def test_more_reports_of_the_same_state_add_support_not_changes() -> None:
    first = _event("2021-06-22")
    second = _event("2021-06-23", outlets=3)
    [change] = fold_district([first, second])
    assert change.valid_from == date(2021, 6, 22)
    assert change.event_ids == (first.event_id, second.event_id)
    assert change.independent_outlets == 3 and change.confidence == 0.8


def test_events_stored_before_control_existed_fall_back_to_category_and_actor() -> None:
    assert status_of(_event("2021-06-22", control=None)) == "taliban"
    retake = _event("2021-06-22", "territory_retaken", None, actor="Afghan forces")
    assert status_of(retake) == "government"


def test_from_15_august_2021_the_state_is_national() -> None:
    before = _event("2021-08-10", "territory_retaken", "government", actor="Afghan forces")
    after = _event("2021-08-20", control="government")
    changes = fold([before, after])
    assert [c.valid_from for c in changes["AF1705"]] == [date(2021, 8, 10)]
    on_14th = state_at(changes, ["AF1705", "AF0101"], date(2021, 8, 14))
    assert on_14th.states["AF1705"].status == "government"
    assert on_14th.states["AF0101"].status == "unknown"
    later = state_at(changes, ["AF1705", "AF0101"], date(2021, 9, 1))
    assert later.national and {s.status for s in later.states.values()} == {"taliban"}


def test_each_district_folds_alone_so_a_partial_refold_equals_a_rebuild() -> None:
    events = [
        _event("2021-06-22"),
        _event("2021-06-24", district="AF0101"),
        _event("2021-06-25", "territory_retaken", "government", actor="Afghan forces"),
    ]
    everything = fold(events)
    one = fold([e for e in events if e.district_code == "AF1705"])
    assert one["AF1705"] == everything["AF1705"]


def test_a_report_outweighs_a_claim_of_the_same_day_whatever_was_read_first() -> None:
    report = _event("2021-06-22")
    claim = _event("2021-06-22", control="claimed_by_taliban", claim="claimed")
    assert fold_district([report, claim])[-1].status == "taliban"
    assert fold_district([claim, report])[-1].status == "taliban"


@pytest.mark.parametrize(
    "taken", ["base_captured", "border_crossing_captured", "territory_captured"]
)
def test_a_base_crossing_or_area_taken_does_not_hand_over_the_district(taken: str) -> None:
    assert fold_district([_event("2021-07-01", type=taken)]) == []
    # the district centre itself, the next day, does
    changes = fold_district(
        [_event("2021-07-01", type=taken), _event("2021-07-02", type="district_captured")]
    )
    assert [(c.status, c.valid_from) for c in changes] == [("taliban", date(2021, 7, 2))]


def test_a_town_or_the_provincial_capital_taken_hands_over_its_district() -> None:
    for taken in ("town_captured", "provincial_capital_captured"):
        [change] = fold_district([_event("2021-07-01", type=taken)])
        assert change.status == "taliban"
    retaken = _event(
        "2021-07-03", "territory_retaken", "government", actor="Afghan forces", type="base_retaken"
    )
    assert [c.status for c in fold_district([_event("2021-07-01"), retaken])] == ["taliban"]
