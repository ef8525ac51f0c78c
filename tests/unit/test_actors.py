"""Actor dictionary: YAML validation, date-aware lookups, case rules, EntityRuler patterns.

All sentences are written for these tests.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import spacy

from pipeline.actors import (
    ACTOR_LABEL,
    DEFAULT_ACTORS_PATH,
    GENERIC_ACTOR_LABEL,
    ActorDictionary,
    default_actors,
)

EXPECTED_GROUPS = [
    "Taliban",
    "Afghan government",
    "Afghan forces",
    "US",
    "NATO",
    "al-Qaeda",
    "ISIS-K",
    "Resistance",
    "Pakistani Taliban",
    "Pakistan",
    "UN",
]

VALID_YAML = """\
version: 1
groups:
  - id: Taliban
    entries:
      - name: Taliban
        aliases: [Taleban]
  - id: US
    entries:
      - name: US
        aliases: [US troops]
        kind: organisation
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "actors.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ruler_nlp() -> spacy.language.Language:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(default_actors().entity_ruler_patterns())
    return nlp


def test_project_dictionary_loads_with_expected_groups() -> None:
    actors = ActorDictionary.load(DEFAULT_ACTORS_PATH)
    assert actors.version == 1
    assert actors.groups() == EXPECTED_GROUPS
    assert default_actors() is default_actors()
    for group in EXPECTED_GROUPS:
        assert actors.entries_for(group), group


def test_small_valid_file(tmp_path: Path) -> None:
    actors = ActorDictionary.load(write(tmp_path, VALID_YAML))
    assert actors.groups() == ["Taliban", "US"]
    assert actors.group_for("Taleban") == "Taliban"
    assert actors.group_for("US troops") == "US"


@pytest.mark.parametrize(
    ("broken", "fragments"),
    [
        (
            VALID_YAML.replace("      - name: Taliban\n", "      - kind: person\n"),
            ["group 'Taliban'", "entry #1", "missing 'name'"],
        ),
        (
            VALID_YAML.replace("kind: organisation", "valid_from: 2021-13-40"),
            ["group 'US'", "entry 'US'", "valid_from", "2021-13-40", "ISO date"],
        ),
        (
            VALID_YAML.replace("kind: organisation", "valid_to: next spring"),
            ["group 'US'", "entry 'US'", "valid_to", "next spring"],
        ),
        (
            VALID_YAML.replace("        aliases: [Taleban]", "        alias: [Taleban]"),
            ["group 'Taliban'", "entry 'Taliban'", "unknown key", "'alias'"],
        ),
        (
            VALID_YAML.replace("kind: organisation", "kind: country"),
            ["group 'US'", "entry 'US'", "kind 'country'"],
        ),
        (
            VALID_YAML.replace(
                "kind: organisation", "valid_from: 2021-01-02\n        valid_to: 2020-01-01"
            ),
            ["group 'US'", "entry 'US'", "valid_from is after valid_to"],
        ),
        (VALID_YAML.replace("version: 1", "version: 2"), ["unsupported version 2"]),
        (VALID_YAML + "colour: blue\n", ["unknown key", "'colour'"]),
        (
            VALID_YAML + "generic_terms:\n  - term: militants\n    group: Martians\n"
            "    confidence: 0.5\n",
            ["generic term 'militants'", "unknown group 'Martians'"],
        ),
        ("version: 1\ngroups: [\n", ["invalid YAML"]),
    ],
)
def test_validation_errors_name_file_group_and_entry(
    tmp_path: Path, broken: str, fragments: list[str]
) -> None:
    path = write(tmp_path, broken)
    with pytest.raises(ValueError) as error:
        ActorDictionary.load(path)
    message = str(error.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        ActorDictionary.load(tmp_path / "nope.yaml")


def test_ghani_before_and_after_the_fall_of_kabul() -> None:
    actors = default_actors()
    assert actors.group_for("Ashraf Ghani", on=date(2019, 3, 1)) == "Afghan government"
    assert actors.group_for("President Ghani", on=date(2021, 8, 15)) == "Afghan government"
    assert actors.group_for("Ghani", on=date(2021, 8, 16)) is None
    assert actors.group_for("Ghani", on=date(2014, 1, 1)) is None
    assert actors.group_for("Ghani") == "Afghan government"
    assert actors.group_for("Karzai", on=datetime(2010, 5, 1, 12, 0)) == "Afghan government"


def test_institutions_change_sides_after_august_2021() -> None:
    actors = default_actors()
    assert actors.group_for("the Afghan government", on=date(2020, 6, 1)) == "Afghan government"
    assert actors.group_for("the Afghan government", on=date(2022, 6, 1)) == "Taliban"
    assert actors.group_for("defence ministry spokesman", on=date(2021, 7, 1)) == (
        "Afghan government"
    )
    assert actors.group_for("defence ministry spokesman", on=date(2023, 2, 1)) == "Taliban"
    assert actors.group_for("Afghan government") == "Afghan government"  # earliest sense
    entry = actors.entry_for("Afghan government", on=date(2022, 6, 1))
    assert entry is not None and entry.role and "de facto" in entry.role


def test_envoy_dates() -> None:
    actors = default_actors()
    assert actors.group_for("Zalmay Khalilzad", on=date(2020, 2, 29)) == "US"
    assert actors.group_for("Khalilzad", on=date(2017, 1, 1)) is None
    assert actors.group_for("Tom West", on=date(2022, 1, 1)) == "US"


def test_names_and_spellings() -> None:
    actors = default_actors()
    assert actors.group_for("Haqqani Network") == "Taliban"
    assert actors.group_for("Islamic Emirate") == "Taliban"
    assert actors.group_for("Al Qaida") == "al-Qaeda"
    assert actors.group_for("al-Qaeda in the Indian Subcontinent") == "al-Qaeda"
    assert actors.group_for("ISKP") == "ISIS-K"
    assert actors.group_for("Daesh") == "ISIS-K"
    assert actors.group_for("Resolute Support") == "NATO"
    assert actors.group_for("ISI") == "Pakistan"
    assert actors.group_for("UNAMA") == "UN"
    assert actors.group_for("Antonio Guterres", on=date(2021, 9, 1)) == "UN"
    assert actors.group_for("a name nobody uses") is None


def test_case_rules_for_acronyms() -> None:
    actors = default_actors()
    assert actors.group_for("US troops") == "US"
    assert actors.group_for("U.S. troops") == "US"
    assert actors.group_for("US") == "US"
    assert actors.group_for("us") is None
    assert actors.group_for("Us") is None
    assert actors.group_for("un") is None
    assert actors.group_for("UN") == "UN"
    assert actors.group_for("taliban") == "Taliban"  # ordinary names are case-insensitive


def test_generic_terms_are_separate_and_weaker() -> None:
    actors = default_actors()
    insurgents = actors.generic_for("insurgents")
    assert insurgents is not None and insurgents.group == "Taliban"
    assert 0 < insurgents.confidence < 1
    assert actors.group_for("insurgents") is None
    assert actors.group_for("militants") is None


def test_patterns_are_well_formed() -> None:
    actors = default_actors()
    patterns = actors.entity_ruler_patterns()
    assert patterns
    assert {p["label"] for p in patterns} == {ACTOR_LABEL}
    assert {p["id"] for p in patterns} <= set(EXPECTED_GROUPS)
    assert [{"ORTH": "US"}, {"LOWER": "troops"}] in [p["pattern"] for p in patterns]
    assert [{"LOWER": "us"}] not in [p["pattern"] for p in patterns]
    generic = actors.entity_ruler_patterns(include_generic=True)
    assert any(
        p["label"] == GENERIC_ACTOR_LABEL and p["pattern"] == [{"LOWER": "insurgents"}]
        for p in generic
    )


def test_entity_ruler_tags_a_sentence(ruler_nlp: spacy.language.Language) -> None:
    doc = ruler_nlp(
        "A spokesman for the Taleban said US troops and Afghan commandos clashed "
        "with ISIS-K near the border, while UNAMA urged restraint."
    )
    tagged = [(ent.text, ent.label_, ent.ent_id_) for ent in doc.ents]
    assert tagged == [
        ("Taleban", ACTOR_LABEL, "Taliban"),
        ("US troops", ACTOR_LABEL, "US"),
        ("Afghan commandos", ACTOR_LABEL, "Afghan forces"),
        ("ISIS-K", ACTOR_LABEL, "ISIS-K"),
        ("UNAMA", ACTOR_LABEL, "UN"),
    ]


def test_entity_ruler_ignores_pronoun_us(ruler_nlp: spacy.language.Language) -> None:
    doc = ruler_nlp("The shopkeeper told us that the road to the un-named village was closed.")
    assert list(doc.ents) == []
    doc = ruler_nlp("TALIBAN TALKS: the Pentagon and Nato allies met Mullah Baradar.")
    assert [(e.text, e.ent_id_) for e in doc.ents] == [
        ("TALIBAN", "Taliban"),
        ("Pentagon", "US"),
        ("Nato allies", "NATO"),
        ("Mullah Baradar", "Taliban"),
    ]


def test_phrase_patterns_tag_the_same_entities_as_token_patterns() -> None:
    """The fast phrase-pattern ruler (used by extract.py) agrees with the token one."""
    sentence = (
        "US troops and NATO allies left as Afghan commandos and the Taleban clashed; "
        "UNAMA and the Pentagon said the Haqqani Network was involved."
    )

    def tagged(phrases: bool) -> list[tuple[str, str]]:
        nlp = spacy.blank("en")
        ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
        ruler.add_patterns(default_actors().entity_ruler_patterns(nlp=nlp, phrases=phrases))
        return [(e.text, e.ent_id_) for e in nlp(sentence).ents]

    assert tagged(phrases=True) == tagged(phrases=False)
    assert ("Haqqani Network", "Taliban") in tagged(phrases=True)
