"""Gazetteer resolver: spellings, patterns, ambiguity, stoplist and offsets.

All sentences are written for these tests.
"""

from __future__ import annotations

import pytest

from pipeline.places import (
    DEFAULT_GAZETTEER_DIR,
    Gazetteer,
    PlaceMatch,
    best_location,
    default_gazetteer,
    find_places,
)


def only(text: str, raw: str) -> PlaceMatch:
    """The single match whose surface text is ``raw``."""
    hits = [p for p in find_places(text) if p.raw == raw]
    assert len(hits) == 1, (raw, find_places(text))
    return hits[0]


def raws(text: str) -> list[str]:
    return [p.raw for p in find_places(text)]


def test_loads_all_units_from_project_data() -> None:
    gazetteer = Gazetteer.load(DEFAULT_GAZETTEER_DIR)
    assert len(gazetteer.provinces) == 34
    assert len(gazetteer.districts) == 399
    assert gazetteer.provinces["AF30"].name == "Helmand"
    assert gazetteer.provinces["AF30"].capital == "Lashkargah"
    assert gazetteer.districts["AF3002"].province_name == "Helmand"
    assert default_gazetteer() is default_gazetteer()


def test_district_of_province() -> None:
    text = "Clashes were reported overnight in Nad Ali district of Helmand province."
    district = only(text, "Nad Ali")
    assert (district.kind, district.district, district.district_code) == (
        "district",
        "Nad-e-Ali",
        "AF3002",
    )
    assert (district.province, district.province_code) == ("Helmand", "AF30")
    province = only(text, "Helmand")
    assert (province.kind, province.district, province.province_code) == (
        "province",
        None,
        "AF30",
    )


@pytest.mark.parametrize(
    ("text", "expected_code"),
    [
        ("Security posts in Arghandab district, Kandahar were abandoned.", "AF2702"),
        ("Security posts in Arghandab district, Zabul were abandoned.", "AF2605"),
        ("Zabul's Arghandab district saw heavy fighting.", "AF2605"),
        ("Elders from Qara Bagh district in Ghazni met the governor.", "AF1111"),
        ("Elders from Qara Bagh district in Kabul province met the governor.", "AF0114"),
        # the province is named in another sentence of the same text
        ("Fighting spread in Jawzjan. Residents of Fayzabad fled north.", "AF2808"),
    ],
)
def test_shared_district_name_resolved_by_province_in_text(text: str, expected_code: str) -> None:
    shared = [p for p in find_places(text) if p.kind == "district"]
    assert [p.district_code for p in shared] == [expected_code]


def test_shared_district_name_without_context() -> None:
    # Fayzabad is the capital of Badakhshan and a district of Jawzjan: the centre wins.
    fayzabad = only("Aid convoys reached Fayzabad on Monday.", "Fayzabad")
    assert (fayzabad.kind, fayzabad.district_code) == ("city", "AF1701")
    # Muqur (Ghazni, Badghis) is nowhere a provincial centre: the first in gazetteer order.
    muqur = only("Police withdrew from Muqur district overnight.", "Muqur")
    assert muqur.district_code == "AF1115"


@pytest.mark.parametrize(
    ("text", "raw", "kind", "code"),
    [
        ("Heavy rain hit Kondoz province.", "Kondoz", "province", "AF19"),
        ("Heavy rain hit Kunduz province.", "Kunduz", "province", "AF19"),
        ("Convoys left Wardak at dawn.", "Wardak", "province", "AF04"),
        ("Convoys left Maidan Wardak at dawn.", "Maidan Wardak", "province", "AF04"),
        ("Officials in Hilmand province denied it.", "Hilmand", "province", "AF30"),
        ("Officials in Helmand denied it.", "Helmand", "province", "AF30"),
        ("Traders in Mazar-i-Sharif reopened shops.", "Mazar-i-Sharif", "city", "AF2101"),
        ("Traders in Mazar-e Sharif reopened shops.", "Mazar-e Sharif", "city", "AF2101"),
        ("A market in Pul-i-Khumri burned.", "Pul-i-Khumri", "city", "AF0901"),
        ("Roads around Tala-o-Barfak district were mined.", "Tala-o-Barfak", "district", "AF0911"),
        (
            "Roads around Tala wa Barfak district were mined.",
            "Tala wa Barfak",
            "district",
            "AF0911",
        ),
        ("Students from Panjshir travelled south.", "Panjshir", "province", "AF08"),
    ],
)
def test_spelling_variants(text: str, raw: str, kind: str, code: str) -> None:
    match = only(text, raw)
    assert match.kind == kind
    assert (match.district_code if kind != "province" else match.province_code) == code


def test_diacritics_are_folded() -> None:
    text = "Farmers in Nāḏ ‘Alī district and in Kābul complained about prices."
    nad_ali = only(text, "Nāḏ ‘Alī")
    assert nad_ali.district_code == "AF3002"
    kabul = only(text, "Kābul")
    assert (kabul.kind, kabul.district_code) == ("city", "AF0101")


@pytest.mark.parametrize(
    ("text", "raw", "district_code", "province"),
    [
        ("Families fled Lashkar Gah as shelling continued.", "Lashkar Gah", "AF3001", "Helmand"),
        ("Shops closed in Kunduz city on Sunday.", "Kunduz", "AF1901", "Kunduz"),
        ("Shops closed in Kandahar city on Sunday.", "Kandahar", "AF2701", "Kandahar"),
        ("Flights to Herat were cancelled.", "Herat", "AF3201", "Herat"),
        ("Flights to Mazar-i-Sharif were cancelled.", "Mazar-i-Sharif", "AF2101", "Balkh"),
        ("Flights to Jalalabad were cancelled.", "Jalalabad", "AF0601", "Nangarhar"),
    ],
)
def test_capital_city(text: str, raw: str, district_code: str, province: str) -> None:
    city = only(text, raw)
    assert (city.kind, city.district_code, city.province) == ("city", district_code, province)
    assert city.lat is not None and city.lon is not None


def test_capital_of_pattern() -> None:
    text = "Tarin Kowt, the capital of Uruzgan province, was quiet on Friday."
    city = only(text, "Tarin Kowt")
    assert (city.kind, city.district_code, city.province_code) == ("city", "AF2501", "AF25")
    assert only(text, "Uruzgan").kind == "province"


def test_provincial_capital_phrase_names_the_city() -> None:
    text = "Gunfire was heard near the provincial capital of Faryab late on Monday."
    (match,) = find_places(text)
    assert match.raw == "provincial capital of Faryab"
    assert (match.kind, match.district, match.province) == ("city", "Maymana", "Faryab")


def test_bare_province_and_province_suffix() -> None:
    assert only("Polio teams worked across Helmand province.", "Helmand").kind == "province"
    assert only("Polio teams worked in Helmand.", "Helmand").kind == "province"
    # Kandahar is a province and its capital: bare means the city, "province" the province.
    assert only("Polio teams worked in Kandahar province.", "Kandahar").kind == "province"
    assert only("Polio teams worked in Kandahar.", "Kandahar").kind == "city"
    assert only("Polio teams worked in southern Kandahar.", "Kandahar").kind == "province"
    listed = find_places("Polio teams worked in Kandahar and Zabul provinces.")
    assert [p.kind for p in listed] == ["province", "province"]


def test_province_name_that_is_also_a_district() -> None:
    # Balkh is a province and a (non-capital) district of it.
    assert only("Drought hit Balkh this year.", "Balkh").kind == "province"
    district = only("Drought hit Balkh district this year.", "Balkh")
    assert (district.kind, district.district_code) == ("district", "AF2106")


@pytest.mark.parametrize(
    "text",
    [
        "Washer fluid and spare tyres were sold out.",
        "She answered in Farsi and then in Pashto.",
        "Burka sales rose after the decree.",
        "Reg said he had not been paid.",
        "Mohammad Agha told reporters he was leaving.",
        "Kakar, a tribal elder, spoke to the crowd.",
        "Kot and Chak are short words in this sentence.",
        "Dara Singh visited the market.",
    ],
)
def test_stoplist_words_do_not_match_alone(text: str) -> None:
    assert find_places(text) == []


def test_stoplist_words_match_before_district() -> None:
    text = "Police left Washer district and Chak district; Dara and Khenj districts held out."
    found = {p.raw: p.district_code for p in find_places(text)}
    assert found == {"Washer": "AF3005", "Chak": "AF0404", "Dara": "AF0803", "Khenj": "AF0804"}
    farsi = only("Gunmen stormed Farsi district in Herat.", "Farsi")
    assert farsi.district_code == "AF3215"


def test_place_names_that_are_also_person_names() -> None:
    assert find_places("Mo Farah signed autographs after the race.") == []
    assert only("Floods hit western Farah overnight.", "Farah").province_code == "AF33"
    assert only("Farah province received aid.", "Farah").kind == "province"


def test_provincial_capital_after_the_province() -> None:
    text = "Troops reinforced the Helmand provincial capital on Friday."
    (match,) = find_places(text)
    assert match.raw == "Helmand provincial capital"
    assert (match.kind, match.district_code) == ("city", "AF3001")


def test_requires_capital_letter_and_whole_words() -> None:
    assert find_places("the kabul river and the helmand valley") == []
    assert find_places("Kabulistan and Herati are not places here.") == []


def test_offsets_are_exact() -> None:
    text = "On Tuesday, Taliban fighters entered Imam Sahib district of Kunduz province's north."
    places = find_places(text)
    assert [p.raw for p in places] == ["Imam Sahib", "Kunduz"]
    for place in places:
        assert text[place.start : place.end] == place.raw
    assert places[0].start == text.index("Imam Sahib")
    assert places[0].end == text.index("Imam Sahib") + len("Imam Sahib")
    assert places[1].start == text.index("Kunduz")


def test_possessive_is_not_part_of_the_name() -> None:
    text = "Takhar's Farkhar district changed hands twice."
    takhar, farkhar = find_places(text)
    assert (takhar.raw, takhar.end) == ("Takhar", 6)
    assert (farkhar.raw, farkhar.kind, farkhar.province_code) == ("Farkhar", "district", "AF18")


def test_kabul() -> None:
    alone = only("A blast shook Kabul on Saturday morning.", "Kabul")
    assert (alone.kind, alone.district, alone.province) == ("city", "Kabul", "Kabul")
    assert (alone.district_code, alone.province_code) == ("AF0101", "AF01")
    assert only("KABUL (Reuters) - Officials met.", "KABUL").kind == "city"
    assert only("A blast shook western Kabul.", "Kabul").kind == "city"
    province = only("Clinics across Kabul province reopened.", "Kabul")
    assert (province.kind, province.district) == ("province", None)
    district = only("Police patrolled Surobi district of Kabul.", "Surobi")
    assert district.district_code == "AF0115"


def test_best_location_prefers_the_most_specific_place() -> None:
    text = "Officials in Baghlan said Dahana-e-Ghori district was retaken on Thursday."
    best = best_location(text)
    assert best is not None
    assert (best.raw, best.kind, best.province) == ("Dahana-e-Ghori", "district", "Baghlan")


def test_best_location_within_a_sentence_span() -> None:
    first = "Talks resumed in Doha on Monday. "
    second = "Separately, rockets hit Jalalabad."
    text = first + second
    assert best_location(text, (0, len(first))) is None
    best = best_location(text, (len(first), len(text)))
    assert best is not None and best.raw == "Jalalabad"
    assert best_location("Nothing happened anywhere today.") is None


@pytest.mark.parametrize(
    "dateline",
    ["KABUL (Reuters) - ", "Kabul, March 3 (Agency): ", "LASHKAR GAH, Afghanistan — "],
)
def test_best_location_skips_the_dateline(dateline: str) -> None:
    text = dateline + "Police recaptured Khakrez district after a night of fighting."
    best = best_location(text)
    assert best is not None and best.raw == "Khakrez"
    only_dateline = best_location(dateline + "Officials gave no details.")
    assert only_dateline is not None and only_dateline.raw == dateline.split(",")[0].split(" (")[0]
