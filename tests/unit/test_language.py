"""Language identification on sentences written for these tests."""

from __future__ import annotations

import pytest

from pipeline.language import LanguageIdentifier, by_letters, by_words, unread_note

# our own sentences: "the Taliban took the district centre" and the like
DARI = "طالبان مرکز ولسوالی را پس از چند روز جنگ تصرف کردند و پرچم خود را برافراشتند."
PASHTO = "طالبانو د ولسوالۍ مرکز ونیو او ځایي چارواکو وویل چې ځواکونه شاته شول."
URDU = "طالبان نے ضلعے کے مرکز پر قبضہ کر لیا ہے اور سرکاری فوجیں پیچھے ہٹ گئی ہیں۔"
ENGLISH = "The Taliban took the district centre on Monday after government forces withdrew."


@pytest.fixture(scope="module")
def identifier() -> LanguageIdentifier:
    return LanguageIdentifier()


@pytest.mark.parametrize(
    ("text", "code"), [(DARI, "fa"), (PASHTO, "ps"), (URDU, "ur"), (ENGLISH, "en")]
)
def test_the_four_languages_of_the_region_are_told_apart(
    identifier: LanguageIdentifier, text: str, code: str
) -> None:
    found = identifier.identify(text)
    assert found is not None and found.code == code


def test_pashto_and_urdu_letters_decide_without_the_model() -> None:
    assert by_letters(PASHTO) == "ps" and by_letters(URDU) == "ur"
    assert by_letters(DARI) == "fa"
    # one borrowed Pashto name in a Persian sentence is not Pashto
    assert by_letters("خبرگزاری گزارش داد که در ولسوالی ډنډ جنگ ادامه دارد.") == "fa"
    assert by_letters("القوات سيطرت على المنطقة") is None  # Arabic: for the model


def test_english_is_told_by_its_function_words_and_other_latin_text_is_not() -> None:
    assert by_words(ENGLISH) == "en"
    assert by_words("Die Taliban haben den Bezirk am Montag eingenommen.") is None
    assert by_words("Taliban Kunduz") is None  # too short to tell


def test_other_languages_go_to_the_model(identifier: LanguageIdentifier) -> None:
    found = identifier.identify("Les talibans ont pris le chef-lieu du district lundi soir.")
    assert found is not None and found.code == "fr"
    assert identifier.identify("12 — 34") is None


def test_a_feed_mostly_in_an_unread_language_is_flagged() -> None:
    note = unread_note({"ur": 12, "en": 1}, {"en"})
    assert note is not None and "12 in Urdu (ur)" in note and "of 13 new entries" in note
    assert unread_note({"en": 12, "ur": 1}, {"en"}) is None  # a stray entry is no flag
    assert unread_note({}, {"en"}) is None


def test_the_regions_languages_and_short_texts_never_load_the_model() -> None:
    def no_model() -> None:
        raise AssertionError("langid's model was loaded")

    quick = LanguageIdentifier(load=no_model)
    assert [quick.identify(t).code for t in (ENGLISH, DARI, PASHTO, URDU)] == [  # type: ignore[union-attr]
        "en",
        "fa",
        "ps",
        "ur",
    ]
    assert quick.identify("Kunduz update") is None  # a stub: too short to tell


def test_function_words_tell_dari_written_in_arabic_letters() -> None:
    from pipeline.language import by_script_words

    dari = "منابع محلي ميگويند كه اين ولسوالي ديروز از كنترل دولت خارج شد و جنگ ادامه دارد است"
    assert by_script_words(dari) == "fa"
    urdu = "حکام کا کہنا ہے کہ طالبان نے ضلع میں داخل ہو کر دفاتر پر قبضہ کر لیا ہے"
    assert by_script_words(urdu) == "ur"
    pashto = "چارواکي وايي چې طالبانو د ولسوالۍ په مرکز کې برید کړی او جګړه روانه ده"
    assert by_script_words(pashto) == "ps"
    assert by_script_words("کابل هرات") is None  # too short to tell
