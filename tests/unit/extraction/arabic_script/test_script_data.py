"""Folding, the script gazetteer and the lexicon files of the Arabic-script extractor."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.alerts.messages import source_language
from pipeline.extraction.arabic_script.fold import fold, fold_word
from pipeline.extraction.arabic_script.lexicon import compile_phrase, load_lexicon, script_lexicon
from pipeline.extraction.arabic_script.places import (
    ScriptGazetteer,
    default_script_gazetteer,
    load_spellings,
    name_key,
    skeleton,
)
from pipeline.settings import ConfigError


@pytest.mark.parametrize(
    ("variant", "persian"),
    [
        ("ولايت", "ولایت"),  # Arabic yeh
        ("كابل", "کابل"),  # Arabic kaf
        ("ولسوالۍ", "ولسوالی"),  # Pashto
        ("لوګر", "لوگر"),
        ("صوبہ", "صوبه"),  # Urdu heh
        ("به\u200cدست", "بهدست"),  # zero-width non-joiner
        ("۱۴۰۰", "1400"),
        ("زُرمت", "زرمت"),  # a short vowel mark
    ],
)
def test_variants_fold_to_one_spelling(variant: str, persian: str) -> None:
    assert fold_word(variant) == fold_word(persian)


def test_folded_spans_map_back_to_the_text_as_published() -> None:
    text = "ولسوالي نهرين به\u200cدست طالبان"
    folded = fold(text)
    start = folded.text.index("طالبان")
    a, b = folded.to_original(start, start + len("طالبان"))
    assert text[a:b] == "طالبان"
    a, b = folded.to_original(0, len(folded.text))
    assert text[a:b] == text


def test_keys_join_spellings_and_skeletons_join_vowels() -> None:
    assert name_key("خان آباد") == name_key("خانآباد")
    assert name_key("ازره") == name_key("ازرې")
    assert skeleton("خواجہ عماری") == skeleton("خواجه عمری")
    assert skeleton("قندھار") == skeleton("کندهار")
    assert name_key("نهرین") != name_key("نهر")


def test_gazetteer_reads_dari_names_and_restricts_skeletons_to_named_provinces() -> None:
    gazetteer = default_script_gazetteer()
    assert {t.pcode for t in gazetteer.lookup(["نهرین"])} == {"AF0904"}
    assert {t.kind for t in gazetteer.lookup(["غزنی"])} >= {"province"}
    # Qara Bagh is a district of Ghazni and of Kabul: the province named picks one
    assert {t.pcode for t in gazetteer.lookup_skeleton(["قره", "باغ"], {"AF11"})} == {"AF1111"}
    assert gazetteer.lookup_skeleton(["قره", "باغ"], set()) == set()  # ambiguous: none
    assert gazetteer.is_weak(["جرم"]) and not gazetteer.is_weak(["نهرین"])


def test_a_bad_spellings_file_names_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "spellings.yaml"
    path.write_text(
        "version: 1\nentries:\n  - {pcode: AF09, names: [x], languages: [de], source: s}\n"
    )
    with pytest.raises(ConfigError, match=r"entries\[1\].*languages"):
        load_spellings(path)
    path.write_text("version: 2\nentries: []\n")
    with pytest.raises(ConfigError, match="version"):
        load_spellings(path)


def test_every_packaged_spelling_names_a_known_place() -> None:
    gazetteer = ScriptGazetteer.load()
    known = {t.pcode for targets in gazetteer.exact.values() for t in targets}
    from pipeline.places import default_gazetteer

    places = default_gazetteer()
    assert known <= set(places.districts) | set(places.provinces)


def test_lexicons_load_and_a_broken_one_says_where(tmp_path: Path) -> None:
    for language in ("fa", "ps", "ur"):
        lexicon = script_lexicon(language)
        assert lexicon.triggers["capture"] and lexicon.cues["deny"] and lexicon.actors["Taliban"]
    path = tmp_path / "xx.yaml"
    path.write_text("version: 1\nlanguage: xx\n")
    with pytest.raises(ConfigError, match="missing key"):
        load_lexicon(path)


def test_phrases_match_prefixes_and_gaps() -> None:
    phrase = compile_phrase("کنترل ... به دست گرفت*")
    words = fold_word("کنترل ولسوالی نهرین را به دست گرفتند").split()
    assert phrase.find(words) == [(0, len(words))]
    assert compile_phrase("به دست گرفت").find(words) == []  # no prefix without *


def test_slack_names_the_language_it_quotes() -> None:
    assert source_language("طالبانو د نهرین ولسوالۍ ونیوله او ښار یې ونیو") == "ps"
    assert source_language("طالبان نے ضلع نہرین پر قبضہ کر لیا ہے اور شہر میں داخل ہوئے") == "ur"
    assert source_language("ولسوالی نهرین به دست طالبان سقوط کرد") == "fa"
    assert source_language("The Taliban took Nahrin district.") is None


def test_an_alert_on_a_pashto_report_is_english_and_quotes_the_original() -> None:
    from pipeline.alerts.messages import build_message
    from pipeline.extraction.arabic_script import ScriptExtractor
    from pipeline.models import AlertMatch

    text = "طالبانو پرون د بغلان ولایت نهرین ولسوالۍ ونیوله."
    [event] = [e for e in ScriptExtractor().extract(text, None, "ps") if e.location]
    match = AlertMatch("district-fallen", "critical", "#c", 0, event.evidence, "District fallen")
    message = build_message(match, event, title="خبر", url=None)
    rendered = str(message["blocks"])
    assert "Nahrin district, Baghlan province" in rendered
    assert "*Original (Pashto):*" in rendered and "ونیوله" in rendered
