"""The extraction rules on passages written for these tests: each rule with the phrasing
that must trigger it and the phrasing right next to it that must not."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.alerts import load_rules
from pipeline.extraction import default_extractor
from pipeline.models import Event
from pipeline.settings import load_settings

DEFAULT_ALERTS = load_settings({}).alerts_file

Pair = tuple[str, str]


def events(text: str, published: date | None = date(2021, 7, 1)) -> list[Event]:
    return default_extractor().extract(text, published)


def actual_pairs(text: str, published: date | None = date(2021, 7, 1)) -> set[Pair]:
    return {(e.category, e.actor) for e in events(text, published) if e.realis == "actual"}


def falls(text: str, published: date | None = date(2021, 7, 1)) -> list[Event]:
    """Events the shipped district-fallen rule alerts on."""
    [rule] = [r for r in load_rules(DEFAULT_ALERTS) if r.id == "district-fallen"]
    return [e for e in events(text, published) if rule.matches(e)]


def districts(found: list[Event]) -> set[str]:
    return {e.location.name for e in found if e.location}


# --- place lists split from their verb ------------------------------------------------------
def test_a_list_in_the_next_sentence_gives_one_fall_each() -> None:
    text = (
        "Three district centres in the north fell to the Taliban on Monday. "
        "They were Gurziwan and Pashtun Kot in Faryab and Darzab in Jowzjan."
    )
    assert districts(falls(text)) == {"Gurziwan", "Pashtun Kot", "Darzab"}


def test_a_list_of_calm_districts_is_no_fall() -> None:
    text = "Officials named the districts as Gurziwan and Pashtun Kot in Faryab. Both remain calm."
    assert falls(text) == []


def test_each_refers_back_to_a_list() -> None:
    text = "The council listed Gurziwan and Bilchiragh in Faryab. Each was captured by the Taliban."
    assert districts(falls(text)) == {"Gurziwan", "Bilchiragh"}


def test_dozens_of_districts_changes_no_named_district() -> None:
    text = "Kunduz city was calm. Dozens of districts have fallen to the Taliban since May."
    assert [e.location for e in falls(text)] == [None]


# --- agentless falls -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Qalat fell on Saturday evening, a police officer said.",
        "The fall of Qalat was confirmed by two officials.",
        "Qalat has been lost, a provincial council member said.",
    ],
)
def test_agentless_falls_of_a_town(text: str) -> None:
    assert districts(falls(text)) == {"Qalat"}


@pytest.mark.parametrize(
    "text",
    [
        "Bread prices fell in Qalat this week.",
        "Officials fear Qalat could fall within days.",
        "Qalat had not fallen by nightfall.",
    ],
)
def test_no_fall_for_prices_fears_and_denials(text: str) -> None:
    assert falls(text) == []


# --- retakes -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Muqur district was captured by Afghan forces on Friday.",
        "Afghan forces seized Muqur district from the Taliban on Friday.",
        "Police cleared Muqur district of insurgents on Friday.",
        "The army wrested Muqur district back from the insurgents on Friday.",
    ],
)
def test_retakes_by_government_forces_are_retakes(text: str) -> None:
    pairs = actual_pairs(text)
    assert ("territory_retaken", "Afghan forces") in pairs
    assert ("territory_captured", "Afghan forces") not in pairs
    assert falls(text) == []


def test_government_forces_capturing_people_is_no_territory() -> None:
    text = "Afghan forces captured three Taliban commanders near Muqur on Friday."
    assert not {c for c, _ in actual_pairs(text)} & {"territory_captured", "territory_retaken"}


def test_taliban_retaking_from_resistance_is_their_gain() -> None:
    text = "The Taliban recaptured Dara district from resistance fighters on Monday."
    [fall] = falls(text, date(2021, 9, 1))
    assert fall.category == "territory_retaken"


def test_resistance_retaking_a_district_is_no_taliban_gain() -> None:
    text = "Resistance fighters retook Dara district from the Taliban on Monday."
    assert falls(text, date(2021, 9, 1)) == []
    assert ("territory_retaken", "other") in actual_pairs(text, date(2021, 9, 1))


# --- the state at the end of the passage decides -------------------------------------------------
def test_captured_then_retaken_is_no_fall() -> None:
    text = "The Taliban overran Ghoryan district on Monday. Commandos took it back on Tuesday."
    assert falls(text) == []
    assert ("territory_captured", "Taliban") in actual_pairs(text)


def test_retaken_then_lost_again_is_a_fall() -> None:
    text = (
        "Afghan forces retook Ghoryan district on Monday. The Taliban overran it again on Friday."
    )
    assert districts(falls(text)) == {"Ghoryan"}


def test_a_capture_told_as_background_of_a_retake_is_not_coded() -> None:
    text = "Troops recaptured Ghoryan district, which the Taliban had overrun in May."
    assert ("territory_captured", "Taliban") not in actual_pairs(text)


# --- claims and denials --------------------------------------------------------------------------
def test_a_claim_denied_in_the_next_sentence_is_contested() -> None:
    text = (
        "Residents said Ghoryan district had fallen to the Taliban. "
        "The governor's office denied the reports."
    )
    assert falls(text) == []
    assert {e.control for e in events(text) if e.category == "territory_captured"} == {"contested"}


def test_a_claim_confirmed_later_is_a_fall() -> None:
    text = (
        "The Taliban said they had taken Ghoryan district. "
        "Officials confirmed that the district had fallen."
    )
    assert districts(falls(text)) == {"Ghoryan"}


def test_a_denied_capture_is_negated() -> None:
    text = "The ministry denied that the Taliban had captured Ghoryan district."
    assert falls(text) == []


# --- actors from the dependency path -------------------------------------------------------------
def test_the_bomber_is_not_the_target() -> None:
    text = "US jets bombed Taliban positions outside Lashkar Gah on Monday."
    pairs = actual_pairs(text)
    assert ("attack", "US") in pairs and ("attack", "Taliban") not in pairs


def test_a_bomb_with_no_perpetrator_is_other() -> None:
    text = "A bomb exploded near a Taliban checkpoint in Kunduz, killing two people."
    assert actual_pairs(text) == {("attack", "other")}


def test_a_claim_of_responsibility_names_the_attacker() -> None:
    text = "A car bomb killed four soldiers in Ghazni. The Taliban claimed it hours later."
    assert actual_pairs(text) == {("attack", "Taliban")}


def test_a_pronoun_takes_the_latest_actor() -> None:
    text = "Taliban fighters surrounded Gardez overnight. By morning they had taken the city."
    assert {e.location.name for e in falls(text) if e.location} == {"Gardez"}


# --- non-actual mentions and polysemy --------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "According to the governor, Kunduz was quiet on Monday.",
        "Officials used a channel set up under the US-Taliban agreement to talk.",
        "Washington has not decided whether to pull its troops out of Afghanistan.",
        "The Taliban hope to take Kandahar city before winter.",
    ],
)
def test_non_actual_mentions_raise_no_actual_event(text: str) -> None:
    pairs = actual_pairs(text)
    assert ("agreement", "US") not in pairs and ("agreement", "Afghan government") not in pairs
    assert ("withdrawal", "US") not in pairs and falls(text) == []


def test_an_envoy_leaving_a_hotel_is_no_withdrawal() -> None:
    assert actual_pairs("The US envoy to Afghanistan left the hotel early.") == set()


def test_troops_leaving_a_base_is_a_withdrawal() -> None:
    assert ("withdrawal", "US") in actual_pairs("US troops left Bagram airfield on Friday.")


def test_officials_fleeing_is_other_not_withdrawal() -> None:
    pairs = actual_pairs("President Ghani left the country as the Taliban neared Kabul.")
    assert ("other", "Afghan government") in pairs and ("withdrawal", "Afghan government") not in (
        pairs
    )


def test_freeing_prisoners_is_other_and_a_video_is_nothing() -> None:
    assert ("other", "Afghan government") in actual_pairs(
        "The Afghan government freed 400 Taliban prisoners on Sunday."
    )
    assert actual_pairs("The Taliban released a video of the fighting in Kunduz.") == set()


def test_two_events_in_one_sentence() -> None:
    text = "The Taliban took Maruf district as US drones struck their convoys."
    pairs = actual_pairs(text)
    assert {("territory_captured", "Taliban"), ("attack", "US")} <= pairs


# --- precision on general news ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "NATO leaders met in Brussels to discuss support for Ukraine.",
        "Islamic State fighters captured a town in eastern Syria on Monday.",
        "Shares fell sharply in London as talks between the two banks collapsed.",
    ],
)
def test_news_without_an_afghan_context_yields_nothing(text: str) -> None:
    assert events(text) == []


def test_a_headline_is_its_own_sentence() -> None:
    text = "Taliban take Ghoryan\nPrices in Herat fell on Monday as traders returned."
    found = events(text)
    assert all(e.evidence != text for e in found)
    assert districts(falls(text)) == {"Ghoryan"}


# --- parser slips the rules must survive -------------------------------------------------------
def test_a_passive_read_as_a_noun_is_still_a_fall() -> None:
    # the tagger often reads "overrun" after "was" as a noun
    assert districts(falls("The centre of Nahrin district was overrun by Taliban fighters.")) == {
        "Nahrin"
    }


def test_a_hyphenated_list_names_every_member() -> None:
    text = "Khost-o-Fereng, Guzargah-e-Nur and Nahrin districts were captured by the Taliban."
    assert len(falls(text)) == 3


def test_a_dateline_is_not_the_subject() -> None:
    text = "KABUL (AP): Afghan forces retook the control of Nahrin district in Baghlan."
    assert ("territory_retaken", "Afghan forces") in actual_pairs(text)


# --- places of a theme -----------------------------------------------------------------------------
def test_the_city_in_a_province_is_its_capital() -> None:
    [fall] = falls("The Taliban took over the city in Nimroz province on Friday.")
    assert fall.location is not None and fall.location.province == "Nimroz"
    assert fall.type == "provincial_capital_captured"


def test_a_province_that_fell_is_the_province() -> None:
    [fall] = falls("Panjshir province completely fell to the Taliban on Monday.", date(2021, 9, 6))
    assert fall.location is not None and fall.location.district is None


# --- control as a state ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "fallen"),
    [
        ("Nahrin district slipped from government control on Monday.", True),
        ("Nahrin district came under Taliban control on Monday.", True),
        ("Nahrin district remains under government control, the ministry said.", False),
        ("Nahrin district is back in government hands after a week.", False),
    ],
)
def test_control_and_hands(text: str, fallen: bool) -> None:
    assert bool(falls(text)) is fallen


# --- actors ---------------------------------------------------------------------------------------
def test_a_named_army_wins_over_the_generic_noun() -> None:
    pairs = actual_pairs("The last German soldiers left Camp Marmal in Balkh on Tuesday.")
    assert ("withdrawal", "NATO") in pairs and ("withdrawal", "Afghan forces") not in pairs


def test_the_pakistani_taliban_are_not_the_taliban() -> None:
    text = "Pakistani Taliban fighters stormed a police station in Khyber Pakhtunkhwa."
    assert events(text) == []


def test_freed_soldiers_are_a_release_and_attacking_a_policy_is_words() -> None:
    assert ("other", "Taliban") in actual_pairs("The Taliban freed 22 soldiers in Ghazni.")
    pairs = actual_pairs("The Taliban's foreign minister attacked Western sanctions in a speech.")
    assert ("attack", "Taliban") not in pairs and ("statement_accusation", "Taliban") in pairs


def test_an_attempt_keeps_the_realis_of_trying() -> None:
    assert ("attack", "Taliban") in actual_pairs(
        "The Taliban launched an offensive to overrun Nahrin district, officials said."
    )
    assert ("attack", "Taliban") not in actual_pairs(
        "Analysts said the Taliban might try to take Nahrin district next."
    )


def test_taken_again_after_a_retake_is_a_new_fall() -> None:
    text = (
        "The Taliban took Ajristan district on Monday. The army took it back on Wednesday, "
        "and on Sunday the insurgents captured it once more."
    )
    assert districts(falls(text)) == {"Ajristan"}


def test_a_possessive_pronoun_names_the_actor() -> None:
    text = "The Taliban said their fighters had taken Ajristan district on Monday."
    assert districts(falls(text)) == {"Ajristan"}


def test_expelled_people_are_not_the_place() -> None:
    text = "The Taliban cleared Rostaq district of resistance fighters on Saturday."
    assert districts(falls(text, date(2021, 9, 4))) == {"Rostaq"}


def test_a_counter_attack_by_police_retakes() -> None:
    text = (
        "The Taliban took the Ajristan district compound on Friday, "
        "but a police counterattack drove them out before dark."
    )
    assert falls(text) == []
    assert ("territory_retaken", "Afghan forces") in actual_pairs(text)


def test_villages_above_a_district_are_not_the_district() -> None:
    text = "The Taliban say they have recaptured villages in the hills above Rukha district."
    assert falls(text, date(2021, 9, 10)) == []


def test_defenders_are_not_the_attackers() -> None:
    text = "The army said the Taliban had stormed its base in Andar. Troops repelled the attack."
    pairs = actual_pairs(text)
    assert ("attack", "Afghan forces") not in pairs and ("attack", "Taliban") in pairs


def test_a_province_in_the_clause_places_a_count_of_districts() -> None:
    text = "US troops handed Bagram to Afghan forces as the Taliban seized two districts in Parwan."
    assert {e.location.province for e in falls(text) if e.location} == {"Parwan"}


def test_a_capitalised_plural_trigger_is_read() -> None:
    text = "Rockets landed near Kabul airport on Tuesday. No group has claimed the attack."
    assert actual_pairs(text) == {("attack", "other")}


def test_a_string_of_districts_takes_the_next_list() -> None:
    text = (
        "Taliban fighters have overrun a string of districts in the north-east. "
        "The list includes Keshem in Badakhshan and Namak Ab in Takhar."
    )
    assert districts(falls(text)) == {"Keshem", "Namak Ab"}


def test_districts_in_a_province_named_like_its_capital() -> None:
    text = (
        "The Taliban now hold two more district centres in Kunduz. "
        "They are Qala-e-Zal and Ali Abad."
    )
    assert districts(falls(text)) == {"Qala-e-Zal", "Ali Abad"}


def test_back_in_government_hands_is_held_by_its_forces() -> None:
    text = "Mardyan district fell to the Taliban on Saturday and was back in government hands by evening."
    assert falls(text) == []
    assert ("territory_retaken", "Afghan forces") in actual_pairs(text)


def test_a_seizure_told_in_a_relative_clause_came_first() -> None:
    text = "Taliban reinforcements reclaimed Burka district from an armed group that had seized it."
    assert districts(falls(text, date(2021, 9, 4))) == {"Burka"}


def test_a_named_afghan_leader_makes_the_context() -> None:
    assert ("talks_meeting", "Afghan government") in actual_pairs(
        "President Ghani met Biden at the White House on Friday."
    )
    assert actual_pairs("President Macron met Biden at the White House on Friday.") == set()


def test_a_retake_in_a_coordinated_pluperfect_is_not_background() -> None:
    text = (
        "Insurgents seized the centre of Adraskan district, but troops had expelled them by dusk."
    )
    assert falls(text) == []


def test_the_groups_fighters_are_the_groups() -> None:
    text = (
        "A Taliban spokesman tweeted that Adraskan district had fallen to the group's fighters. "
        "The governor rejected the claim."
    )
    assert falls(text) == []  # claimed, then denied: contested
    assert {e.control for e in events(text) if e.category == "territory_captured"} == {"contested"}


def test_being_behind_an_attack_is_claiming_it() -> None:
    text = (
        "A grenade wounded three guards in Asadabad on Monday. "
        "ISIS-K said its fighters were behind it."
    )
    assert actual_pairs(text) == {("attack", "ISIS-K")}


def test_passing_a_base_is_a_handover_and_passing_a_law_is_not() -> None:
    assert ("withdrawal", "US") in actual_pairs(
        "US advisers passed the base in Helmand to the Afghan army on Sunday."
    )
    assert actual_pairs("US lawmakers passed a law on Afghan visas on Sunday.") == set()


def test_trying_to_storm_a_district_is_an_attack() -> None:
    text = "Taliban fighters tried to storm the Shibar district centre but were beaten back."
    assert ("attack", "Taliban") in actual_pairs(text) and falls(text) == []


def test_claiming_the_bombing_names_its_attacker() -> None:
    text = "A car blew up at a police compound in Shindand. The Taliban claimed the bombing."
    assert actual_pairs(text) == {("attack", "Taliban")}


def test_stopping_attacks_is_no_attack() -> None:
    text = "Under the deal the Taliban were to stop attacks on foreign troops in Afghanistan."
    assert ("attack", "Taliban") not in actual_pairs(text)


def test_breaking_into_a_bazaar_is_not_breaking_a_promise() -> None:
    text = "Taliban fighters broke into the bazaar of Waras district, Bamyan police said."
    assert not any(c == "statement_accusation" for c, _ in actual_pairs(text))
    text = "The Taliban said Washington had broken the agreement signed in Doha."
    assert ("statement_accusation", "Taliban") in actual_pairs(text)


@pytest.mark.parametrize(
    ("text", "fallen"),
    [
        ("By Thursday evening Khanaqa district, too, was gone, a police officer said.", True),
        ("The Khanaqa district governor had gone to Kabul for talks.", False),
        ("Khanaqa district was given up on Sunday after the garrison ran out of food.", True),
        ("Forty soldiers gave themselves up in Khanaqa district on Sunday.", False),
    ],
)
def test_gone_and_given_up(text: str, fallen: bool) -> None:
    assert bool(falls(text)) is fallen


def test_reports_called_false_are_denials() -> None:
    text = "Reports that the Taliban had captured Khanaqa district were false, officials said."
    assert falls(text) == []


def test_a_dateline_is_not_what_it_refers_to() -> None:
    text = "KABUL, Aug 15 (Reuters) - Parun was lost on Saturday after its garrison left the town."
    assert {e.location.name for e in falls(text) if e.location} == {"Parun"}


def test_an_attack_repelled_by_government_forces_was_the_enemys() -> None:
    text = "Security forces in Dangam district repelled an overnight attack, the governor said."
    assert ("attack", "Taliban") in actual_pairs(text)


def test_a_denied_attribution_leaves_the_attack_unattributed() -> None:
    text = (
        "A bomb killed six people in a market in Chaparhar district. "
        "The Taliban denied carrying out the blast."
    )
    pairs = actual_pairs(text)
    assert ("attack", "other") in pairs and ("attack", "Taliban") not in pairs


def test_a_denial_before_the_confirmation_does_not_contest_it() -> None:
    text = "Officials confirmed that Gelan district had fallen, a day after the ministry had denied it."
    assert districts(falls(text)) == {"Gelan"}


def test_setting_fire_to_an_office_is_an_attack() -> None:
    text = "Taliban fighters set fire to the district governor's office in Kajran on Sunday."
    assert ("attack", "Taliban") in actual_pairs(text)


def test_a_state_told_in_the_pluperfect_is_how_things_stood_before() -> None:
    text = (
        "Afghan forces expelled the Taliban from Khakrez district on Saturday. "
        "The district had been under insurgent control since April."
    )
    assert falls(text) == []


def test_what_came_after_an_after_clause_decides() -> None:
    text = (
        "Taliban forces retook Salang district on Sunday, two days after NRF fighters overran it."
    )
    assert districts(falls(text, date(2021, 9, 6))) == {"Salang"}


def test_a_taliban_retake_before_the_takeover_is_a_capture() -> None:
    [fall] = falls("Taliban fighters regained control of Panjwayi district.", date(2021, 7, 1))
    assert fall.category == "territory_captured"
    [fall] = falls("Taliban fighters regained control of Salang district.", date(2021, 9, 1))
    assert fall.category == "territory_retaken"


def test_anti_taliban_fighters_are_not_the_taliban() -> None:
    text = "Anti-Taliban fighters said they had recaptured Sayghan district in Bamyan."
    assert falls(text, date(2021, 9, 10)) == []


def test_a_place_between_others_is_a_reference_point() -> None:
    text = "Taliban fighters took back Khinjan, on the highway between Kabul and Mazar, on Monday."
    assert {e.location.name for e in falls(text, date(2021, 8, 24)) if e.location} == {"Khinjan"}


def test_a_dateline_does_not_spoil_the_parse() -> None:
    text = (
        "AYBAK (Pajhwok) - The Taliban on Friday overran Dara-e-Suf-e-Payin district in Samangan."
    )
    assert districts(falls(text)) == {"Dara-e-Suf-e-Payin"}


def test_a_participle_shares_the_pluperfect_of_its_clause() -> None:
    text = (
        "Afghan forces recaptured Dawlatshah district on Wednesday. Government forces had "
        "pulled out of the district centre on Monday, leaving it to the Taliban."
    )
    assert falls(text) == []


def test_having_a_place_back_is_a_retake() -> None:
    text = "Mandol district in Nuristan was lost on Saturday. Army units had it back within days."
    assert falls(text) == []


def test_a_pluperfect_that_moves_the_story_on_is_not_a_flashback() -> None:
    text = (
        "The Taliban overran Ghoryan district on Tuesday night. "
        "By Thursday afternoon commandos had pushed them out again."
    )
    assert falls(text) == []


def test_after_a_pluperfect_clause_of_saying_the_capture_came_first() -> None:
    text = (
        "Afghan troops regained Baharak on Saturday, the police spokesman said, "
        "three days after insurgents had overrun the district."
    )
    assert falls(text) == []


def test_overran_is_read_as_a_verb() -> None:
    assert districts(falls("The Taliban on Friday overran Dara-e-Suf-e-Payin district.")) == {
        "Dara-e-Suf-e-Payin"
    }


def test_the_accused_does_the_accused_thing() -> None:
    text = "The Taliban accused U.S. forces of violating the deal by carrying out air strikes in Helmand."
    pairs = actual_pairs(text)
    assert {("statement_accusation", "Taliban"), ("attack", "US")} <= pairs


def test_adding_people_to_a_sanctions_list_is_a_sanction() -> None:
    assert ("sanction_aid", "US") in actual_pairs(
        "Washington added two Taliban ministers to its sanctions list on Tuesday."
    )
    assert actual_pairs("Washington added two Afghan interpreters to its staff list.") == set()


def test_any_attack_is_no_attack_in_particular() -> None:
    text = "NATO warned the Taliban that any attack on its troops in Afghanistan would be punished."
    assert ("attack", "Taliban") not in actual_pairs(text)
    assert ("attack", "other") not in actual_pairs(text)


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        (
            "About 70 police officers in Ghazni laid down their arms to the Taliban.",
            ("other", "Afghan forces"),
        ),
        (
            "The governor of Ghazni handed himself over to the Taliban on Friday.",
            ("other", "Afghan government"),
        ),
        (
            "The Taliban handed 11 Pakistani border guards back to Pakistan at Torkham.",
            ("other", "Taliban"),
        ),
        (
            "The governor of Kunar crossed into Pakistan as Asadabad fell.",
            ("other", "Afghan government"),
        ),
        ("The British ambassador left Kabul for Doha on Saturday.", ("other", "NATO")),
    ],
)
def test_surrenders_releases_and_flights(text: str, pair: Pair) -> None:
    assert pair in actual_pairs(text)


def test_laying_down_rules_and_leaving_a_hotel_are_nothing() -> None:
    assert actual_pairs("The Afghan ministry laid down new rules for traders in Kabul.") == set()
    assert actual_pairs("The Afghan delegation left the hotel early on Monday.") == set()


def test_a_purpose_is_not_an_event() -> None:
    text = "The government said it would send troops to Badakhshan to retake the lost districts."
    assert ("territory_retaken", "Afghan forces") not in actual_pairs(text)


def test_without_firing_a_shot_is_no_attack() -> None:
    text = "The Taliban walked into Bamyan city without firing a shot on Sunday."
    assert ("attack", "Taliban") not in actual_pairs(text)


def test_a_place_south_of_another_is_not_the_other() -> None:
    text = "Pul-e-Alam, an hour's drive south of Kabul, came under Taliban control on Friday."
    assert {e.location.name for e in falls(text) if e.location} == {"Pul-e-Alam"}


def test_a_place_opening_a_sentence_is_not_a_dateline() -> None:
    assert districts(falls("Pul-e-Alam, capital of Logar, came under Taliban control.")) == {
        "Pul-e-Alam"
    }
    assert {
        e.location.name
        for e in falls("GHAZNI, Aug 12 (Reuters) - The city fell to the Taliban on Thursday.")
        if e.location
    } == {"GHAZNI"}  # the dateline is the only place named: the city


@pytest.mark.parametrize(
    ("text", "fallen"),
    [
        ("Taliban fighters overwhelmed the defenders of Zebak district on Sunday.", True),
        ("Taliban fighters overwhelmed the aid convoy near Zebak district on Sunday.", False),
        ("Taliban fighters swept into the Zebak district centre late on Thursday.", True),
        ("Taliban fighters swept into the Zebak bazaar and left before dawn.", False),
        ("The Taliban raised their flag over the Zebak district centre.", True),
        ("Police raised the national flag over the Zebak district centre again.", False),
        ("Zebak district gave way on Sunday after a nine-day siege.", True),
        ("By Friday the insurgents were running the Zebak district centre.", True),
        (
            "The Panjshir capital stayed under Taliban control despite attacks, residents said.",
            False,
        ),
    ],
)
def test_entries_flags_and_states(text: str, fallen: bool) -> None:
    assert bool(falls(text, date(2021, 7, 4))) is fallen


def test_a_denial_answers_every_fall_of_the_claim() -> None:
    text = (
        "The Taliban said their fighters had captured the Ghazi Abad and Nari district centres. "
        "The governor's office rejected the claim."
    )
    assert falls(text) == []


def test_seizing_dozens_of_weapons_is_no_territory() -> None:
    assert not any(
        c.startswith("territory")
        for c, _ in actual_pairs(
            "Taliban fighters seized dozens of weapons from a police post in Kunar."
        )
    )


def test_a_governor_flown_out_is_other() -> None:
    text = "The district governor of Shighnan was flown by helicopter to Faizabad on Saturday."
    assert ("other", "Afghan government") in actual_pairs(text)


def test_the_office_of_foreign_assets_control_is_a_name() -> None:
    text = "The Office of Foreign Assets Control issued licences for aid to Afghanistan."
    assert not any(c.startswith("territory") for c, _ in actual_pairs(text))


def test_reclaiming_control_of_a_district_is_a_retake() -> None:
    assert ("territory_retaken", "Afghan forces") in actual_pairs(
        "Afghan troops have reclaimed control of Marmul district."
    )


def test_a_coordinated_participle_shares_the_pluperfect() -> None:
    text = (
        "Taliban fighters re-entered the Darwaz-e-Bala district centre on Friday. "
        "Militiamen had seized the centre on Sunday and driven out the Taliban's district chief."
    )
    assert districts(falls(text, date(2021, 9, 10))) == {"Darwaz-e-Bala"}


def test_evicted_from_the_centres_of_named_districts() -> None:
    text = (
        "Afghan security forces have evicted Taliban fighters from the centres of Khuram Wa "
        "Sarbagh and Feroz Nakhchir districts in Samangan province."
    )
    found = {
        e.location.name for e in events(text) if e.category == "territory_retaken" and e.location
    }
    assert found == {"Khuram Wa Sarbagh", "Feroz Nakhchir"}


def test_the_provincial_capital_is_the_capital_not_the_last_district() -> None:
    text = (
        "Police in Tanai district handed the district buildings to the Taliban on Saturday. "
        "The provincial capital of Khost remained in government hands, the governor said."
    )
    assert districts(falls(text)) == {"Tanai"}


def test_one_of_their_fighters_carried_out_the_bombing() -> None:
    text = (
        "A car bomb killed five militiamen in Sabari district on Sunday. "
        "The Taliban said one of their fighters had carried out the bombing."
    )
    assert actual_pairs(text) == {("attack", "Taliban")}


def test_two_attacks_in_one_sentence_stay_two() -> None:
    text = (
        "A U.S. drone strike in Nangarhar killed two Islamic State planners, two days after "
        "a suicide bombing outside Kabul airport killed 13 soldiers."
    )
    assert {("attack", "US"), ("attack", "other")} <= actual_pairs(text)


def test_a_round_of_talks_and_pressing_on_with_a_withdrawal() -> None:
    assert ("talks_meeting", "US") in actual_pairs(
        "U.S. and Taliban negotiators wrapped up their sixth round of talks in Doha."
    )
    assert ("withdrawal", "US") in actual_pairs(
        "The U.S. military pressed on with its withdrawal from Afghanistan."
    )


def test_exchanging_fire_is_a_clash() -> None:
    text = "Afghan border forces exchanged fire with Tajik guards in Shighnan district."
    assert ("attack", "Taliban") in actual_pairs(text, date(2022, 5, 1))


def test_he_is_the_subject_of_the_sentence_before() -> None:
    text = "The U.S. envoy arrived in Islamabad on Monday. Hours later he sat down with Afghan officials."
    pairs = actual_pairs(text)
    assert ("talks_meeting", "US") in pairs and ("talks_meeting", "other") not in pairs


@pytest.mark.parametrize(
    ("text", "fallen"),
    [
        (
            "The Taliban took Ruy-e-Duab district on Tuesday, and police were back in the "
            "compound on Wednesday.",
            False,
        ),
        (
            "Marawara's district centre was in insurgent hands by dawn and back with the police "
            "by dusk.",
            False,
        ),
        (
            "NRF fighters took the Alasay district centre on Thursday, and the Taliban have yet "
            "to win it back.",
            False,
        ),
    ],
)
def test_back_again_and_not_yet(text: str, fallen: bool) -> None:
    assert bool(falls(text, date(2021, 7, 1) if "NRF" not in text else date(2021, 9, 9))) is fallen


@pytest.mark.parametrize(
    ("text", "fallen"),
    [
        (
            "The Taliban besieged Dolaina district for weeks. By nightfall they held the district "
            "centre, a council member said.",
            True,
        ),
        ("Police pulled out of Khwaja Dukoh district before dawn and the Taliban moved in.", True),
        ("The insurgents still hold Shirin Tagab district, residents said.", True),
        ("Security forces still held Shirin Tagab district on Monday, the governor said.", False),
        (
            "The governor insisted that Khan Neshin district was still in government hands. On "
            "Wednesday he acknowledged that the district had been held by the Taliban since the "
            "weekend.",
            True,
        ),
    ],
)
def test_holding_moving_in_and_acknowledging(text: str, fallen: bool) -> None:
    assert bool(falls(text)) is fallen


def test_the_delegation_is_the_delegation_named_before() -> None:
    text = "A Taliban delegation visited Moscow on Friday. The delegation held talks with Russia's envoy."
    assert ("talks_meeting", "Taliban") in actual_pairs(text)
    assert actual_pairs("The delegation held talks with Russia's envoy in Moscow.") == set()


def test_participating_in_talks_is_talks() -> None:
    text = "A Taliban delegation participated in the talks on Afghanistan in Doha on Sunday."
    assert ("talks_meeting", "Taliban") in actual_pairs(text)


def test_where_the_source_sits_is_not_in_the_list() -> None:
    text = (
        "Taliban fighters have overrun a string of districts since Tuesday, according to an "
        "official in Faizabad. The list includes Keshem and Argo in Badakhshan."
    )
    assert districts(falls(text)) == {"Keshem", "Argo"}


# --- hidden and look-alike characters: read as the clean word, evidence as published -------------
CYR_T, CYR_A, CYR_O = "\u0422", "\u0430", "\u043e"
GR_ALPHA, GR_IOTA, GR_OMICRON = "\u03b1", "\u03b9", "\u03bf"
FELL_TO = "{district} district fell to the {taliban} on Sunday evening, a provincial official said."
OVERRAN = "The {taliban} overran {district} district before dawn on Tuesday, its governor said."
TOOK = "Insurgents of the {taliban} t{o}ok {district} district after a week-long siege."


def _fall_summary(text: str) -> set[tuple[str, str, str | None, str, str | None]]:
    return {
        (e.category, e.actor, e.location.name if e.location else None, e.realis, e.control)
        for e in falls(text)
    }


@pytest.mark.parametrize(
    ("template", "taliban", "district", "o"),
    [
        (FELL_TO, "Tal\u200biban", "Ghoryan", "o"),  # zero-width space
        (FELL_TO, "Tali\u00adban", "Ghoryan", "o"),  # soft hyphen
        (FELL_TO, "Ta\u200dli\ufeffban", "Ghoryan", "o"),  # zero-width joiner, BOM
        (OVERRAN, "Talib\u200can", "Ghoryan", "o"),  # zero-width non-joiner in Latin
        (FELL_TO, f"{CYR_T}{CYR_A}liban", "Ghoryan", "o"),  # Cyrillic capital te and a
        (OVERRAN, f"T{GR_ALPHA}l{GR_IOTA}b{GR_ALPHA}n", "Ghoryan", "o"),  # Greek alpha, iota
        (FELL_TO, "\uff34\uff41\uff4c\uff49\uff42\uff41\uff4e", "Ghoryan", "o"),  # fullwidth
        (OVERRAN, "Tali\u200eban\u202c", "Ghoryan", "o"),  # bidi marks
        (FELL_TO, "Taliban", f"Gh{GR_OMICRON}ryan", "o"),  # Greek omicron in the district
        (OVERRAN, "Taliban", "Ghor\u00adyan", "o"),  # soft hyphen in the district
        (FELL_TO, "Tal\u200biban", "\uff27\uff48\uff4f\uff52\uff59\uff41\uff4e", "o"),  # both
        (TOOK, "Taliban", "Ghoryan", GR_OMICRON),  # Greek omicron in the verb
        (TOOK, f"T{CYR_A}liban", f"Gh{CYR_O}ryan", CYR_O),  # Cyrillic a and o
    ],
)
def test_a_disguised_taliban_or_district_is_the_same_fall(
    template: str, taliban: str, district: str, o: str
) -> None:
    clean = template.format(taliban="Taliban", district="Ghoryan", o="o")
    text = template.format(taliban=taliban, district=district, o=o)
    assert text != clean
    assert _fall_summary(clean) == {
        ("territory_captured", "Taliban", "Ghoryan", "actual", "taliban")
    }
    assert _fall_summary(text) == _fall_summary(clean)
    for event in falls(text):
        assert (event.evidence_start, event.evidence_end) == (0, len(text))
        assert event.evidence == text  # as published, hidden characters and all
        assert event.trigger in {"fell", "overran", "took"}


@pytest.mark.parametrize(
    "text",
    [
        f"Provincial officials denied that Ghoryan district had fallen to the {CYR_T}aliban.",
        "Ghoryan district may fall to the Tal\u200biban within days, tribal elders warned.",
        f"If the T{GR_ALPHA}liban take Ghoryan district, the highway to Herat will be cut.",
        "The \uff34\uff41\uff4c\uff49\uff42\uff41\uff4e failed to overrun Ghoryan district on Monday.",
    ],
)
def test_a_disguised_taliban_in_a_denial_or_a_fear_is_no_fall(text: str) -> None:
    assert falls(text) == []
    assert ("territory_captured", "Taliban") not in actual_pairs(text)
    assert any(e.actor == "Taliban" for e in events(text))  # read, but not as actual


def test_a_disguised_claim_denied_in_the_next_sentence_is_no_fall() -> None:
    text = (
        f"The T{GR_ALPHA}liban said on Friday they had captured Ghoryan district. "
        "The provincial governor denied the claim, saying government forces still held it."
    )
    assert falls(text) == []


def test_evidence_after_hidden_characters_keeps_its_published_offsets() -> None:
    first = "Tal\u200biban fighters gathered near Her\u00adat, \uff48\uff45 said."
    second = "Ghoryan district fell to the T\u0430liban on Sunday."
    text = f"{first} {second}"
    [fall] = falls(text)
    assert fall.evidence == second
    assert (fall.evidence_start, fall.evidence_end) == (len(first) + 1, len(text))
    assert text[fall.evidence_start : fall.evidence_end] == second


def test_the_relevance_gate_reads_a_disguised_name() -> None:
    from pipeline.extraction import is_relevant

    assert is_relevant("A spokesman for the Tal\u200biban spoke to reporters.")
    assert is_relevant(f"A spokesman for the {CYR_T}{CYR_A}liban spoke to reporters.")
    assert not is_relevant("A spokesman for the club spoke to reporters.")


# --- a road that a settlement only locates -----------------------------------------------------
@pytest.mark.parametrize(
    "second",
    [
        "The insurgents now control the road between Almar and the provincial capital.",
        "The insurgents now hold the highway between Almar and the provincial capital.",
        "The Taliban now control the highway leading to the provincial capital.",
    ],
)
def test_a_road_to_the_capital_is_not_the_capital(second: str) -> None:
    text = f"Taliban fighters overran the Almar district centre in Faryab on Monday. {second}"
    taken = {e.location.name for e in events(text) if e.category == "territory_captured"}
    assert taken == {"Almar"}


def test_the_capital_itself_taken_in_the_next_sentence_is_a_fall_there() -> None:
    text = (
        "Taliban fighters overran the Almar district centre in Faryab on Monday. "
        "A day later they also took the provincial capital."
    )
    assert districts(falls(text)) == {"Almar", "Maymana"}
