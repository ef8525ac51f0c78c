"""Event extraction on sentences written for these tests (spaCy model loaded once)."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.extract import extract_events, is_relevant, split_sentences


def _events(text: str, published: date | None = None) -> list[tuple[str, str, str]]:
    return [(e.category, e.actor, e.realis) for e in extract_events(text, published)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Jurm district centre fell to the Taliban on Sunday after a week of fighting.",
            ("territory_captured", "Taliban", "actual"),
        ),
        (
            "Taliban fighters overran the district headquarters in Keshem overnight.",
            ("territory_captured", "Taliban", "actual"),
        ),
        (
            "Afghan commandos recaptured the Khanabad district from the Taliban on Friday.",
            ("territory_retaken", "Afghan forces", "actual"),
        ),
        (
            "A roadside bomb planted by the Taliban killed three Afghan police officers in Ghazni.",
            ("attack", "Taliban", "actual"),
        ),
        (
            "US troops will withdraw from the last two bases in Helmand by September.",
            ("withdrawal", "US", "announced"),
        ),
        (
            "Taliban negotiators met the Afghan government delegation in Doha on Tuesday.",
            ("talks_meeting", "Taliban", "actual"),
        ),
        (
            "The US Treasury imposed sanctions on two Taliban commanders on Monday.",
            ("sanction_aid", "US", "actual"),
        ),
    ],
)
def test_each_category(text: str, expected: tuple[str, str, str]) -> None:
    assert expected in _events(text)


@pytest.mark.parametrize(
    "text",
    [
        "The provincial governor said the Nahrin district has not fallen to the Taliban.",
        "Afghan forces repelled a Taliban attempt to overrun the Dand district centre.",
        "Wheat prices fell sharply in Kabul markets as the harvest came in.",
        "Officials honoured fallen soldiers at a ceremony in Kabul.",
        "The school district in Ohio reopened this fall.",
    ],
)
def test_no_district_fall_for_negatives(text: str) -> None:
    falls = [
        e
        for e in extract_events(text)
        if e.category == "territory_captured" and e.realis == "actual"
    ]
    assert falls == []


def test_repulsed_capture_is_an_attack_by_the_taliban() -> None:
    text = "Afghan forces repelled a Taliban offensive to capture the Dand district centre."
    assert ("attack", "Taliban", "actual") in _events(text)


def test_hypothetical_and_claims() -> None:
    [hypo] = extract_events("If the Taliban capture Farah city, the whole province could fall.")
    assert hypo.realis == "hypothetical"
    [denied] = [
        e
        for e in extract_events(
            "The defence ministry denied that the Taliban had captured the Shindand district."
        )
        if e.category == "territory_captured"
    ]
    assert denied.claim_status == "denied" and denied.realis == "negated"


def test_place_date_and_evidence_offsets() -> None:
    text = "Heavy rain fell in the capital. The Taliban captured the Yawan district on Saturday."
    [event] = [
        e for e in extract_events(text, date(2021, 7, 6)) if e.category == "territory_captured"
    ]
    assert event.location is not None
    assert (event.location.district, event.location.province) == ("Yawan", "Badakhshan")
    assert event.event_date == "2021-07-03"  # the Saturday before publication
    assert text[event.evidence_start : event.evidence_end] == event.evidence


def test_several_districts_in_one_sentence_give_one_event_each() -> None:
    text = "The Taliban captured the Jurm, Keshem and Yawan districts of Badakhshan on Monday."
    districts = {
        e.location.district
        for e in extract_events(text)
        if e.category == "territory_captured" and e.location
    }
    assert districts == {"Jorm", "Keshem", "Yawan"}  # the gazetteer spells it Jorm


def test_us_and_nato_withdrawal_gives_both_actors() -> None:
    text = "Fighting spread to Kunduz as US and NATO troops began their final withdrawal."
    actors = {e.actor for e in extract_events(text) if e.category == "withdrawal"}
    assert actors == {"US", "NATO"}


def test_actor_groups_follow_the_article_date() -> None:
    text = "The Afghan government accused Pakistan of shelling villages in Kunar province."
    before = {e.actor for e in extract_events(text, date(2020, 5, 1))}
    after = {e.actor for e in extract_events(text, date(2022, 5, 1))}
    assert "Afghan government" in before and "Taliban" in after


def test_gate_skips_unrelated_text_cheaply() -> None:
    assert not is_relevant("The football club signed a new striker for the season.")
    assert extract_events("The football club signed a new striker for the season.") == []
    spans = split_sentences("One sentence here. Another one there.")
    assert len(spans) == 2
