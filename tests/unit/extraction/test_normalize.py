"""The extractor's matching copy of a text: each kind of hidden or look-alike character,
the way back to the published text, and the writing that must stay as it is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.extraction.lexicon import LexiconError
from pipeline.extraction.normalize import (
    INVISIBLE,
    default_confusables,
    load_confusables,
    normalize_for_matching,
)

CYR_A, CYR_O, CYR_E, CYR_T = "\u0430", "\u043e", "\u0435", "\u0422"
GREEK_O, GREEK_ALPHA, GREEK_IOTA = "\u03bf", "\u03b1", "\u03b9"
ZWSP, ZWNJ, ZWJ, SHY, BOM, WJ = "\u200b", "\u200c", "\u200d", "\u00ad", "\ufeff", "\u2060"


def norm(text: str) -> str:
    return normalize_for_matching(text).text


def round_trip(text: str) -> None:
    """Every normalised character maps back to a source span that normalises to it."""
    result = normalize_for_matching(text)
    assert len(result.offsets) == len(result.text) + 1
    assert result.offsets[-1] == len(text)
    previous = 0
    for i, char in enumerate(result.text):
        a, b = result.span_to_original(i, i + 1)
        assert previous <= a < b <= len(text)
        previous = a
        source = text[a:b]
        assert char in norm(source) or default_confusables().table.get(source) == char


# --- the fast path ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "The Taliban captured the district on Monday.",
        "Officials said \u201cthe district is calm\u201d \u2013 for now.",  # quotes, dash
        "",
    ],
)
def test_plain_text_is_returned_as_it_is(text: str) -> None:
    result = normalize_for_matching(text)
    assert result.text is text
    assert result.identity
    assert list(result.offsets) == list(range(len(text) + 1))
    assert result.span_to_original(4, 11) == (4, 11)


# --- invisible characters ----------------------------------------------------------------------
@pytest.mark.parametrize("mark", sorted(INVISIBLE))
def test_every_invisible_character_is_removed(mark: str) -> None:
    assert norm(f"The Tal{mark}iban came.") == "The Taliban came."


@pytest.mark.parametrize("marks", [ZWSP + SHY, ZWJ + BOM + WJ, "\u202e\u202c", "\u2067\u2069"])
def test_runs_of_invisible_characters_are_removed(marks: str) -> None:
    assert norm(f"Gar{marks}dez fell{marks}.") == "Gardez fell."


def test_a_zwnj_between_latin_letters_is_removed() -> None:
    assert norm(f"Tal{ZWNJ}iban and Ghaz{ZWNJ}{ZWNJ}ni") == "Taliban and Ghazni"


def test_persian_text_keeps_its_zwnj() -> None:
    persian = f"می{ZWNJ}خواهم کتاب{ZWNJ}ها را بخوانم"
    result = normalize_for_matching(persian)
    assert result.text == persian
    mixed = f"Taliban می{ZWNJ}روند"
    assert norm(mixed) == mixed


def test_a_zwnj_next_to_arabic_script_stays_even_beside_latin() -> None:
    text = f"Kabul{ZWNJ}ها"
    assert norm(text) == text


# --- NFKC ----------------------------------------------------------------------------------------
def test_fullwidth_letters_become_ascii() -> None:
    assert norm("\uff34\uff41\uff4c\uff49\uff42\uff41\uff4e") == "Taliban"


def test_ligatures_and_compatibility_forms_are_decomposed() -> None:
    assert norm("\ufb01ghters took Ka\u00adbul\u2026") == "fighters took Kabul..."
    assert norm("Kabul\u00a0city") == "Kabul city"


def test_combining_marks_compose() -> None:
    assert norm("Hera\u0301t and Herat") == "Her\u00e1t and Herat"


# --- look-alike letters -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "spelt",
    [
        f"{CYR_T}{CYR_A}liban",  # Cyrillic capital te and small a
        f"Talib{CYR_A}n",
        f"T{GREEK_ALPHA}lib{GREEK_ALPHA}n",
        f"Tal{GREEK_IOTA}ban",
        "Tal\u0131ban",  # dotless i
        "Ta\u01c0iban",  # a symbol for l
    ],
)
def test_look_alikes_in_a_latin_word_fold(spelt: str) -> None:
    assert norm(f"The {spelt} advanced.") == "The Taliban advanced."


def test_greek_omicron_folds_to_o() -> None:
    assert norm(f"They t{GREEK_O}{GREEK_O}k the district.") == "They took the district."


def test_a_word_made_only_of_look_alikes_folds_in_latin_text() -> None:
    word = f"{CYR_T}{CYR_A}{CYR_O}"  # looks like "Tao"
    text = f"The district of {word} fell to the insurgents on Friday, officials said."
    assert norm(text) == "The district of Tao fell to the insurgents on Friday, officials said."


@pytest.mark.parametrize(
    "text",
    [
        "Москва и Киев начали переговоры.",
        "Сор и оса в саду.",  # words made only of look-alikes
        "Αθήνα και Ρώμη.",
        "Ο καιρός είναι καλός.",
    ],
)
def test_russian_and_greek_text_is_left_alone(text: str) -> None:
    result = normalize_for_matching(text)
    assert result.text == text
    assert result.identity


def test_a_russian_word_in_english_text_is_left_alone() -> None:
    word = "\u041f\u0443\u0442\u0438\u043d"  # has look-alikes, but also letters that are not
    text = f"The minister, quoted as {word}, said the Taliban advanced."
    assert norm(text) == text


def test_a_mixed_word_beside_a_russian_word() -> None:
    russian = "\u0440\u0443\u0441\u0441\u043a\u0438\u0439"
    assert norm(f"{russian} {CYR_T}aliban") == f"{russian} Taliban"


# --- the way back --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        f"The Tal{ZWSP}iban took Gar{SHY}dez.",
        f"{CYR_T}{CYR_A}liban fighters \uff54\uff4f\uff4f\uff4b Ghazni\u2026 {ZWNJ}ok",
        f"\ufb01ghters{BOM} entered Hera\u0301t{ZWJ}.",
        f"{ZWSP}{ZWSP}Kabul{ZWSP}",
    ],
)
def test_every_normalised_character_maps_back(text: str) -> None:
    round_trip(text)


def test_a_span_maps_back_to_the_published_substring() -> None:
    text = f"Yesterday the \uff34\uff41l{ZWSP}iban took Ga{SHY}rdez, police said."
    result = normalize_for_matching(text)
    assert result.text == "Yesterday the Taliban took Gardez, police said."
    for word in ("Taliban", "Gardez", "took Gardez", "Yesterday", "said."):
        i = result.text.index(word)
        a, b = result.span_to_original(i, i + len(word))
        assert norm(text[a:b]) == word
        assert text[a:b].strip() == text[a:b]
    i = result.text.index("Taliban")
    assert result.span_to_original(i, i + 7) == (14, 22)
    assert text[14:22] == f"\uff34\uff41l{ZWSP}iban"


def test_an_invisible_character_outside_a_span_stays_outside() -> None:
    text = f"{ZWSP}Kabul{ZWSP} fell"
    result = normalize_for_matching(text)
    assert result.span_to_original(0, 5) == (1, 6)
    assert result.to_original(0) == 1
    assert result.to_original(len(result.text)) == len(text)


def test_an_expanded_character_maps_back_whole() -> None:
    text = "Kabul\u2026 fell"
    result = normalize_for_matching(text)
    assert result.text == "Kabul... fell"
    assert result.span_to_original(5, 6) == (5, 6)
    assert result.span_to_original(0, 8) == (0, 6)
    assert result.span_to_original(3, 3) == (3, 3)


# --- the data file -------------------------------------------------------------------------------
def test_the_shipped_file_folds_cyrillic_and_greek() -> None:
    table = default_confusables().table
    assert table["\u0430"] == "a" and table["\u03bf"] == "o" and table["\u0422"] == "T"
    assert all(k != v and not k.isascii() and v.isascii() for k, v in table.items())


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("version: 2\nconfusables: {a: {'U+0430': a}}\n", "unsupported version"),
        ("version: 1\nconfusables: {a: {'U+0430': ab}}\n", "confusables.a.U+0430"),
        ("version: 1\nconfusables: {a: {'x': y}}\n", "non-ASCII"),
        ("version: 1\nconfusables: {a: {'U+FF41': a}}\n", "NFKC already"),
        ("version: 1\nconfusables: {a: {'U+0430': a}}\nextra: 1\n", "unknown keys"),
    ],
)
def test_a_bad_confusables_file_names_the_problem(tmp_path: Path, body: str, problem: str) -> None:
    path = tmp_path / "confusables.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(LexiconError, match=re.escape(problem)):
        load_confusables(path)


def test_an_extended_file_folds_the_new_character(tmp_path: Path) -> None:
    path = tmp_path / "confusables.yaml"
    path.write_text("version: 1\nconfusables:\n  extra:\n    'U+0561': w\n", encoding="utf-8")
    table = load_confusables(path)
    assert normalize_for_matching("Ta\u0561 fell", table).text == "Taw fell"


def test_an_empty_group_folds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "confusables.yaml"
    path.write_text("version: 1\nconfusables:\n  none: {}\n", encoding="utf-8")
    text = f"The {CYR_T}aliban and Tal{ZWSP}iban"
    assert (
        normalize_for_matching(text, load_confusables(path)).text
        == f"The {CYR_T}aliban and Taliban"
    )
