"""The Dari/Persian, Pashto and Urdu extractor on sentences written for these tests:
each rule's positive case sits next to the negative phrasing it must not confuse."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.alerts.rules import load_rules
from pipeline.extraction import default_extractor
from pipeline.extraction.arabic_script import ScriptExtractor
from pipeline.models import Event
from pipeline.settings import load_settings


@pytest.fixture(scope="module")
def extractor() -> ScriptExtractor:
    return ScriptExtractor()


def _territory(events: list[Event]) -> list[Event]:
    return [e for e in events if e.category.startswith("territory")]


def _falls(events: list[Event]) -> list[Event]:
    """Events the district-fallen rule would alert on."""
    rules = load_rules(load_settings({}).alerts_file)
    rule = next(r for r in rules if r.id == "district-fallen")
    return [e for e in events if rule.matches(e, 1)]


FALLS = [
    ("fa", "ولسوالی نهرین ولایت بغلان دیشب به دست طالبان سقوط کرد.", "Nahrin", "Baghlan"),
    ("fa", "شهرستان «گلران» در استان هرات به تصرف طالبان درآمد.", "Gulran", "Herat"),
    ("fa", "طالبان کنترل ولسوالی خاک سفید ولایت فراه را به دست گرفتند.", "Khak-e-Safed", "Farah"),
    ("ps", "طالبانو پرون د بغلان ولایت نهرین ولسوالۍ ونیوله.", "Nahrin", "Baghlan"),
    ("ps", "د هلمند ولایت ګرمسیر ولسوالۍ د طالبانو لاس ته ولوېده.", "Garmser", "Helmand"),
    ("ur", "طالبان نے صوبہ بغلان کے ضلع نہرین پر قبضہ کر لیا۔", "Nahrin", "Baghlan"),
    ("ur", "صوبہ فراہ کا ضلع گلستان طالبان کے قبضے میں آگیا۔", "Gulistan", "Farah"),
    ("fa", "طالبان ولسوالی نهرین ولایت بغلان را اشغال کردند.", "Nahrin", "Baghlan"),
    ("ur", "طالبان نے صوبہ بغلان کے ضلع نہرین کا کنٹرول سنبھال لیا۔", "Nahrin", "Baghlan"),
    ("ps", "د بغلان ولایت نهرین ولسوالۍ طالبانو ته ولوېده.", "Nahrin", "Baghlan"),
    # lost by the government, entered, handed over, the flag raised
    ("ps", "حکومت د بغلان ولایت نهرین ولسوالۍ له لاسه ورکړه.", "Nahrin", "Baghlan"),
    ("fa", "طالبان بدون مقاومت وارد ولسوالی نهرین ولایت بغلان شدند.", "Nahrin", "Baghlan"),
    (
        "ur",
        "صوبہ بغلان کا ضلع نہرین بغیر لڑائی کے طالبان کے حوالے کر دیا گیا۔",
        "Nahrin",
        "Baghlan",
    ),
    ("fa", "طالبان پرچم خود را در ولسوالی نهرین ولایت بغلان برافراشتند.", "Nahrin", "Baghlan"),
    # the government evacuated the district centre; "fell at the hands of the Taliban"
    ("ps", "امنیتي ځواکونو د بغلان ولایت د نهرین ولسوالۍ مرکز تخلیه کړ.", "Nahrin", "Baghlan"),
    ("ur", "حکام کے مطابق صوبہ بغلان کا ضلع نہرین طالبان کے ہاتھوں گر گیا۔", "Nahrin", "Baghlan"),
]


@pytest.mark.parametrize(("language", "text", "district", "province"), FALLS)
def test_a_district_fall_is_read_with_its_english_names(
    extractor: ScriptExtractor, language: str, text: str, district: str, province: str
) -> None:
    events = extractor.extract(text, date(2021, 7, 5), language)
    falls = _falls(events)
    assert falls, events
    fall = falls[0]
    assert (fall.actor, fall.type, fall.control) == ("Taliban", "district_captured", "taliban")
    assert fall.location is not None
    assert fall.location.name.startswith(district[:4])
    assert fall.location.province == province or province in (fall.location.province or "")
    assert fall.evidence in text  # quoted as published
    yesterday = "دیشب" in text or "پرون" in text
    assert fall.event_date == ("2021-07-04" if yesterday else "2021-07-05")


NOT_FALLS = [
    # the ministry denies the fall in the same sentence
    ("fa", "وزارت دفاع سقوط ولسوالی نهرین ولایت بغلان به دست طالبان را رد کرد."),
    ("ur", "افغان وزارت دفاع نے ضلع نہرین پر طالبان کے قبضے کی تردید کی ہے۔"),
    ("ps", "ملي دفاع وزارت د نهرین ولسوالۍ د سقوط خبر رد کړ."),
    # repulsed and attempted attacks
    ("fa", "حمله طالبان بر ولسوالی نهرین ولایت بغلان دفع شد."),
    ("ur", "طالبان نے ضلع نہرین پر قبضے کی کوشش کی جو ناکام بنا دی گئی۔"),
    # may fall
    ("fa", "مقامات محلی هشدار دادند که ولسوالی نهرین ممکن است به دست طالبان سقوط کند."),
    ("ur", "طالبان صوبہ بغلان کے ضلع نہرین پر قبضہ کر سکتے ہیں، حکام کو خدشہ ہے۔"),
    # other senses of a fall: a currency, an aircraft
    ("fa", "ارزش افغانی در برابر دلار سقوط کرد و طالبان نگران بازار هستند."),
    ("fa", "یک هواپیمای نظامی در ولایت بغلان سقوط کرد و طالبان مسئولیت را نپذیرفتند."),
    ("ur", "طالبان کے آنے کے بعد افغان کرنسی کی قدر کا سقوط جاری ہے۔"),
    # Kabul city's police districts are not districts
    ("fa", "طالبان ناحیه هشتم شهر کابل را تصرف کردند."),
    # retakes by government or resistance forces
    ("fa", "نیروهای امنیتی ولسوالی نهرین را دوباره از طالبان پس گرفتند."),
    ("ps", "امنیتي ځواکونو د نهرین ولسوالۍ بېرته ونیوله."),
    ("ur", "افغان فورسز نے ضلع نہرین کا قبضہ طالبان سے واپس حاصل کر لیا۔"),
    ("fa", "ولسوالی نهرین به دست نیروهای مقاومت افتاد و طالبان عقب نشستند."),
    # a fall that dates something else is background, not news
    ("fa", "پس از سقوط کابل به دست طالبان، هزاران نفر از کشور خارج شدند."),
    ("ur", "کابل پر طالبان کے قبضے کے بعد ہزاروں افراد ملک چھوڑ گئے۔"),
    ("ps", "د کابل له سقوط وروسته زرګونه کسان له هېواده ووتل."),
    # "did not fall", "residents fear it may fall"
    ("fa", "والی بغلان گفت ولسوالی نهرین سقوط نکرده و در اختیار نیروهای امنیتی است."),
    ("fa", "باشندگان نگرانند که ولسوالی نهرین ولایت بغلان به دست طالبان سقوط کند."),
    # a fall told as background of a retake ("had fallen a week ago")
    ("fa", "ولسوالی نهرین هفته گذشته به دست طالبان افتاده بود و امروز ارتش آن را پس گرفت."),
    ("ur", "طالبان نے دو ہفتے قبل ضلع نہرین پر قبضہ کیا تھا۔"),
    ("ps", "د نهرین ولسوالۍ، چې طالبانو نیولې وه، پاڅونوالو بېرته ونیوله."),
    # a helicopter crashing "in" a district a clause after it is named
    ("fa", "یک فروند چرخبال ارتش در مسیر نهرین، در ولسوالی نهرین ولایت بغلان سقوط کرد."),
    # the national flag raised again after Taliban fighters were killed
    ("fa", "ده جنگجوی طالب کشته شدند و پرچم کشور بار دیگر در مرکز ولسوالی نهرین برافراشته شد."),
    # foreign troops leaving a base
    ("ps", "امریکايي ځواکونو د پروان ولایت بګرام هوايي ډګر تخلیه کړ."),
    # an evacuation only considered
    ("ps", "چارواکي د نهرین ولسوالۍ د مرکز د تخلیه کولو په اړه غور کوي."),
    # government forces pushed the Taliban out: a retake, whatever "repulsed" says
    ("ur", "افغان فورسز نے ضلع نہرین سے طالبان کو پسپا کر کے علاقے کا کنٹرول دوبارہ سنبھال لیا۔"),
    # soldiers surrendering are not a place surrendered
    ("ps", "درې سرتیري طالبانو ته تسلیم شول او طالبانو د بغلان په نهرین ولسوالۍ کې برید وکړ."),
]


@pytest.mark.parametrize(("language", "text"), NOT_FALLS)
def test_denials_repulses_hedges_other_senses_and_retakes_are_not_falls(
    extractor: ScriptExtractor, language: str, text: str
) -> None:
    assert _falls(extractor.extract(text, None, language)) == []


def test_a_retake_is_read_as_one_with_the_government_in_control(
    extractor: ScriptExtractor,
) -> None:
    events = _territory(
        extractor.extract("امنیتي ځواکونو د نهرین ولسوالۍ بېرته ونیوله.", None, "ps")
    )
    assert [(e.category, e.actor, e.control) for e in events] == [
        ("territory_retaken", "Afghan forces", "government")
    ]


def test_a_fall_denied_later_in_the_passage_is_contested(extractor: ScriptExtractor) -> None:
    text = (
        "طالبان میگویند ولسوالی نهرین ولایت بغلان به دست آنان سقوط کرد.\n"
        "وزارت دفاع این ادعا را بی اساس خواند."
    )
    events = _territory(extractor.extract(text, None, "fa"))
    assert events and {e.control for e in events} == {"contested"}
    assert _falls(events) == []


def test_a_list_of_districts_gives_one_event_each_with_its_province(
    extractor: ScriptExtractor,
) -> None:
    text = "ولسوالیهای نهرین، برکه و دوشی در بغلان و ولسوالی گلران در هرات به دست طالبان افتاد."
    places = {
        (e.location.name, e.location.province)
        for e in _falls(extractor.extract(text, None, "fa"))
        if e.location
    }
    assert ("Nahrin", "Baghlan") in places
    assert ("Gulran", "Herat") in places
    assert all(name != province for name, province in places)  # provinces only qualify


def test_a_common_word_is_a_place_only_after_its_place_word(extractor: ScriptExtractor) -> None:
    heavy = extractor.extract("طالبان با حمله سنگین ولسوالی نهرین را تصرف کردند.", None, "fa")
    assert "Sangin" not in {e.location.name for e in heavy if e.location}
    named = extractor.extract("ولسوالی سنگین هلمند به دست طالبان سقوط کرد.", None, "fa")
    assert "Sangin" in {e.location.name for e in _falls(named) if e.location}


def test_a_dateline_is_not_the_place_taken(extractor: ScriptExtractor) -> None:
    events = extractor.extract(
        "کابل (نیوز ڈیسک) طالبان نے ضلع نہرین پر قبضہ کر لیا ہے۔", None, "ur"
    )
    assert [e.location.name for e in _falls(events) if e.location] == ["Nahrin"]


def test_spelling_variants_read_alike(extractor: ScriptExtractor) -> None:
    persian = "ولسوالی نهرین ولایت بغلان دیشب به دست طالبان سقوط کرد."
    arabic_letters = "ولسوالي نهرين ولايت بغلان ديشب به\u200cدست طالبان سقوط كرد."
    first = extractor.extract(persian, None, "fa")
    second = extractor.extract(arabic_letters, None, "fa")
    assert [(e.type, e.location) for e in first] == [(e.type, e.location) for e in second]
    assert second[0].evidence in arabic_letters  # quoted as published


def test_the_rule_extractor_hands_arabic_script_to_this_one() -> None:
    text = "طالبان نے صوبہ بغلان کے ضلع نہرین پر قبضہ کر لیا۔ " * 2
    events = default_extractor().extract(text, None)
    assert _falls(events)
    assert default_extractor().extract("کتاب خوب است و هوا آفتابی است امروز در شهر.", None) == []


def test_this_group_and_building_owners_find_the_captor(extractor: ScriptExtractor) -> None:
    text = (
        "سخنگوی طالبان گفت جنگجویان این گروه مقر پولیس و مرکز ولسوالی نهرین ولایت بغلان را "
        "تصرف کرده‌اند."
    )
    falls = _falls(extractor.extract(text, None, "fa"))
    assert [(e.actor, e.location.name if e.location else None) for e in falls] == [
        ("Taliban", "Nahrin")
    ]


def test_a_province_named_earlier_picks_between_districts_of_one_name(
    extractor: ScriptExtractor,
) -> None:
    # Dawlat Abad is a district of Balkh and of Faryab; the headline says which
    text = "درگیری در ولایت فاریاب ادامه دارد.\nطالبان مرکز ولسوالی دولت‌آباد را تصرف کردند."
    [fall] = _falls(extractor.extract(text, None, "fa"))
    assert fall.location is not None and fall.location.province_code == "AF29"
    alone = "طالبان مرکز ولسوالی دولت‌آباد را تصرف کردند."
    assert [e.location.province_code for e in _falls(extractor.extract(alone, None, "fa"))]


def test_a_short_name_read_as_a_place_stays_one_in_the_passage(
    extractor: ScriptExtractor,
) -> None:
    text = "ولسوالی جرم ولایت بدخشان زیر فشار است.\nامروز جرم به دست طالبان سقوط کرد."
    assert "Jorm" in {e.location.name for e in _falls(extractor.extract(text, None, "fa"))}
    crime = "امروز جرم به دست طالبان سقوط کرد و این یک حادثه بود."
    assert _falls(extractor.extract(crime, None, "fa")) == []


def test_a_denial_in_the_headline_contests_a_claim_told_later(extractor: ScriptExtractor) -> None:
    text = (
        "وزارت دفاع: گزارش سقوط ولسوالی نهرین نادرست است\n"
        "پیشتر برخی حساب‌های طالبان از سقوط ولسوالی نهرین ولایت بغلان خبر دادند."
    )
    events = _territory(extractor.extract(text, None, "fa"))
    assert events and {e.control for e in events} == {"contested"}


def test_the_number_of_fallen_districts_refers_to_none(extractor: ScriptExtractor) -> None:
    text = (
        "طالبانو د بغلان ولایت نهرین ولسوالۍ ونیوله.\nد سقوط شویو ولسوالیو شمېر اوو ته رسېدلی دی."
    )
    events = _territory(extractor.extract(text, None, "ps"))
    assert [e.location.name for e in events if e.location] == ["Nahrin"]
