"""The extractor's lexicon (data/lexicon/en.yaml): validation and the shipped file."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.extraction import sentence
from pipeline.extraction.lexicon import (
    DEFAULT_LEXICON_PATH,
    DEFAULT_POS,
    FRAMES,
    POS_TAGS,
    WORD_LISTS,
    LexiconError,
    default_lexicon,
    load_lexicon,
    word_forms,
)
from pipeline.taxonomy import DEFAULT_TAXONOMY_PATH, Taxonomy, default_taxonomy


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    """The shipped taxonomy with known territory triggers, so these tests do not follow
    edits of its trigger lists."""
    data = yaml.safe_load(DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8"))
    data["categories"]["territory_captured"]["extract_triggers"] = ["fall", "capture", "take over"]
    return Taxonomy.from_mapping(data)


def minimal() -> dict[str, Any]:
    """A valid lexicon: every word list with one word, a frame and a part of speech."""
    data: dict[str, Any] = {
        "version": 1,
        "pos": {"fall": ["VERB", "NOUN", "ADJ"]},
        "frames": {"territory": ["capture", "take over"], "place_subject": ["fall"]},
    }
    data.update({key: [f"{key}_word"] for key in WORD_LISTS})
    return data


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "en.yaml"
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path, taxonomy: Taxonomy) -> str:
    with pytest.raises(LexiconError) as caught:
        load_lexicon(path, taxonomy)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    return message


# ----------------------------------------------------------------------- validation


def test_minimal_file_loads(tmp_path: Path, taxonomy: Taxonomy) -> None:
    path = write(tmp_path, minimal())
    lexicon = load_lexicon(path, taxonomy)
    assert lexicon.source == str(path)
    by_phrase = {" ".join(t.lemmas): t for t in lexicon.triggers}
    assert set(by_phrase) == {phrase for phrase, _, _ in taxonomy.triggers()}
    take_over = by_phrase["take over"]
    assert take_over.lemmas == ("take", "over")
    assert (take_over.category, take_over.type, take_over.frame) == (
        "territory_captured",
        None,
        "territory",
    )
    assert take_over.pos == DEFAULT_POS
    assert by_phrase["fall"].frame == "place_subject"
    assert by_phrase["fall"].pos == frozenset({"VERB", "NOUN", "ADJ"})
    # a trigger without a frame is an `event` frame
    assert by_phrase["ambush"].frame == "event"
    assert by_phrase["ambush"].type == "clash"
    assert lexicon.negators == frozenset({"negators_word"})
    assert ("take", "over") in [t.lemmas for t in lexicon.by_head["take"]]
    assert "fell" in lexicon.trigger_forms


def _set(key: str, value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        data[key] = value

    return change


def _drop(key: str) -> Any:
    return lambda data: data.pop(key)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("colour", ["red"]), "unknown keys ['colour']"),
        (_set("version", 2), "unsupported version 2"),
        (_drop("version"), "unsupported version None"),
        (_drop("negators"), "missing word lists ['negators']"),
        (_set("modals", "could"), "'modals' must be a list of words"),
        (_set("modals", ["could", ""]), "'modals' must be a list of words"),
        (_set("modals", ["could", 3]), "'modals' must be a list of words"),
        (_set("frames", ["territory"]), "'frames' must map a frame name to a list of triggers"),
        (_set("frames", {"grab": ["capture"]}), "frames: unknown frame 'grab'"),
        (
            _set("frames", {"territory": ["capture", "dance"]}),
            "frames.territory: 'dance' is not an extract trigger of the taxonomy",
        ),
        (_set("frames", {"territory": "capture"}), "'frames.territory' must be a list of words"),
        (_set("pos", ["fall"]), "'pos' must map a trigger to a list of parts of speech"),
        (_set("pos", {"dance": ["VERB"]}), "pos: 'dance' is not an extract trigger"),
        (_set("pos", {"fall": ["VERB", "ADV"]}), "pos.fall: parts of speech must be among"),
        (_set("pos", {"fall": ["verb"]}), "pos.fall: parts of speech must be among"),
        (_set("pos", {"fall": "VERB"}), "pos.fall: parts of speech must be among"),
    ],
)
def test_validation_errors_name_file_and_key(
    tmp_path: Path, taxonomy: Taxonomy, change: Any, message: str
) -> None:
    data = minimal()
    change(data)
    assert message in load_error(write(tmp_path, data), taxonomy)


def test_unquoted_no_in_a_word_list_is_an_error(tmp_path: Path, taxonomy: Taxonomy) -> None:
    """YAML reads a bare `no` as the boolean false: the file must quote it."""
    text = yaml.safe_dump(minimal(), sort_keys=False)
    bare = re.sub(r"(?m)^negators:\n(- .*\n)+", "negators: [not, no, never]\n", text)
    assert bare != text
    assert "'negators' must be a list of words" in load_error(write(tmp_path, bare), taxonomy)
    quoted = bare.replace("[not, no, never]", '[not, "no", never]')
    lexicon = load_lexicon(write(tmp_path, quoted), taxonomy)
    assert lexicon.negators == frozenset({"not", "no", "never"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 1\nnegators: [\n", "cannot read lexicon"),
        ("- just\n- a list\n", "top level must be a mapping"),
    ],
)
def test_malformed_files(tmp_path: Path, taxonomy: Taxonomy, text: str, message: str) -> None:
    assert message in load_error(write(tmp_path, text), taxonomy)


def test_missing_file(tmp_path: Path, taxonomy: Taxonomy) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(LexiconError, match="cannot read lexicon"):
        load_lexicon(path, taxonomy)


# ----------------------------------------------------------------------- shipped file


def shipped() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_LEXICON_PATH.read_text(encoding="utf-8"))


def test_shipped_lexicon_loads() -> None:
    lexicon = load_lexicon()
    assert lexicon.source == str(DEFAULT_LEXICON_PATH)
    assert default_lexicon() is default_lexicon()
    phrases = [" ".join(t.lemmas) for t in lexicon.triggers]
    assert sorted(phrases) == sorted(p for p, _, _ in default_taxonomy().triggers())
    for key in WORD_LISTS:
        assert getattr(lexicon, key), key
    assert "no" in lexicon.negators
    for trigger in lexicon.triggers:
        assert trigger.pos and trigger.pos <= POS_TAGS, trigger


def test_word_forms_cover_irregular_forms() -> None:
    assert {"fall", "falls", "falling", "fell", "fallen"} <= word_forms("fall")
    assert {"overrun", "overruns", "overrunning", "overran"} <= word_forms("overrun")
    assert {"take", "took", "taken", "taking"} <= word_forms("take")
    assert {"capture", "captured", "capturing"} <= word_forms("capture")
    forms = default_lexicon().trigger_forms
    assert {"fell", "fallen", "overran", "took", "seized"} <= forms


def test_every_frame_of_the_shipped_file_is_known() -> None:
    frames = shipped().get("frames") or {}
    assert frames
    assert set(frames) <= set(FRAMES), set(frames) - set(FRAMES)
    used = {t.frame for t in default_lexicon().triggers}
    assert used <= {*FRAMES, "event"}
    assert used - {"event"} == set(frames)


def test_every_known_frame_has_a_reader() -> None:
    """A frame the sentence layer does not read would silently fall back to `event`."""
    source = inspect.getsource(sentence)
    missing = [f for f in FRAMES if not re.search(rf"[\"']{f}[\"']\s*:", source)]
    assert not missing, f"no reader for frames {missing} in pipeline/extraction/sentence.py"


def test_parse_stand_ins_keep_the_length(tmp_path: Path, taxonomy: Taxonomy) -> None:
    data = minimal()
    data["parse_as"] = {"overran": "grabbed"}
    assert load_lexicon(write(tmp_path, data), taxonomy).parse_as == {"overran": "grabbed"}
    data["parse_as"] = {"overran": "took"}
    assert "same length" in load_error(write(tmp_path, data), taxonomy)


def test_the_sentence_gate_opens_on_telling_words_only() -> None:
    forms = default_lexicon().trigger_forms
    assert {"fire", "overran", "fell", "recaptured", "back"} <= forms  # set fire, have back
    assert not {"in", "on", "had", "has", "set", "going", "out"} & forms
