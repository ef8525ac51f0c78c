"""Event taxonomy: the shipped file, its fit with models.py and the extractor, validation."""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from pipeline.extraction import passage
from pipeline.models import CATEGORIES
from pipeline.taxonomy import (
    DEFAULT_TAXONOMY_PATH,
    Taxonomy,
    TaxonomyError,
    default_taxonomy,
)

TERRITORY = ("territory_captured", "territory_retaken")
# the prefixes of the territory types pipeline.extraction.passage._type builds
TERRITORY_PREFIXES = (
    "provincial_capital",
    "district",
    "town",
    "base",
    "border_crossing",
    "territory",
)


def shipped() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "taxonomy.yaml"
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> tuple[Path, str]:
    """Write the shipped taxonomy with one change and return the path and load error."""
    data = shipped()
    change(data)
    path = write(tmp_path, data)
    with pytest.raises(TaxonomyError) as caught:
        Taxonomy.load(path)
    return path, str(caught.value)


def territory_types_of_extractor() -> set[str]:
    """Every type passage._type returns for a territory event, over every kind of theme
    noun and every kind of gazetteer place (a city in a provincial centre or not)."""
    gazetteer = SimpleNamespace(
        districts={
            "centre": SimpleNamespace(is_provincial_centre=True),
            "other": SimpleNamespace(is_provincial_centre=False),
        }
    )
    places = [
        None,
        SimpleNamespace(kind="province", district_code=None),
        SimpleNamespace(kind="district", district_code="other"),
        SimpleNamespace(kind="city", district_code="centre"),
        SimpleNamespace(kind="city", district_code="other"),
        SimpleNamespace(kind="city", district_code=None),
    ]
    kinds = [None, "capital", "district", "city", "base", "crossing", "province", "minor"]
    found = set()
    for category, kind, place in itertools.product(TERRITORY, kinds, places):
        draft = SimpleNamespace(
            category=category,
            kind=kind,
            place=place,
            mention=SimpleNamespace(attempted=False, type=None),
        )
        found.add(passage._type(draft, gazetteer))
    return found


# ----------------------------------------------------------------------- shipped file


def test_shipped_file_loads_and_is_cached() -> None:
    taxonomy = Taxonomy.load()
    assert taxonomy.version == 1
    assert taxonomy.source == str(DEFAULT_TAXONOMY_PATH)
    assert default_taxonomy() is default_taxonomy()
    assert all(t.definition for t in taxonomy.types.values())


def test_every_model_category_is_present_with_types() -> None:
    taxonomy = default_taxonomy()
    assert list(taxonomy.categories) == list(CATEGORIES)
    for category in CATEGORIES:
        assert taxonomy.categories[category].description
        assert taxonomy.types_of(category)
        for type_name in taxonomy.types_of(category):
            assert taxonomy.category_of(type_name) == category


def test_every_trigger_belongs_to_a_known_category() -> None:
    taxonomy = default_taxonomy()
    triggers = taxonomy.triggers()
    assert triggers
    for trigger, category, type_name in triggers:
        assert category in taxonomy.categories, (trigger, category)
        assert category in CATEGORIES, (trigger, category)
        if type_name is not None:
            assert taxonomy.category_of(type_name) == category, (trigger, type_name)


def test_territory_triggers_are_category_level() -> None:
    """The kind of place decides a territory type, so its triggers carry no type."""
    taxonomy = default_taxonomy()
    for category in TERRITORY:
        assert taxonomy.categories[category].extract_triggers, category
        for type_name in taxonomy.types_of(category):
            assert not taxonomy.types[type_name].extract_triggers, type_name
    for trigger, category, type_name in taxonomy.triggers():
        if category in TERRITORY:
            assert type_name is None, (trigger, category, type_name)
            assert taxonomy.resolve(f"{category}:{trigger}") is None


def test_other_triggers_resolve_to_a_listed_type() -> None:
    taxonomy = default_taxonomy()
    others = [t for t in taxonomy.triggers() if t[1] not in TERRITORY]
    assert others
    for category in CATEGORIES:
        if category not in TERRITORY:
            assert not taxonomy.categories[category].extract_triggers, category
    for trigger, category, type_name in others:
        assert type_name is not None, (trigger, category)
        assert type_name in taxonomy.types_of(category), (trigger, type_name)
        resolved = taxonomy.resolve(f"{category}:{trigger}")
        assert resolved is not None, (trigger, category)
        assert resolved.name == type_name
        assert taxonomy.category_of(f"{category}:{trigger}") == category
        assert set(taxonomy.equivalents(f"{category}:{trigger}")) == {"plover", "cameo", "acled"}


def test_every_territory_type_of_the_extractor_exists() -> None:
    taxonomy = default_taxonomy()
    expected = {
        f"{prefix}_{verb}" for prefix in TERRITORY_PREFIXES for verb in ("captured", "retaken")
    }
    for type_name in sorted(expected):
        assert type_name in taxonomy.types, type_name
        category = "territory_captured" if type_name.endswith("_captured") else "territory_retaken"
        assert taxonomy.category_of(type_name) == category, type_name
    produced = territory_types_of_extractor()
    assert produced <= expected, (
        f"passage._type builds types not listed here: {produced - expected}"
    )
    assert produced == expected, f"passage._type no longer builds {expected - produced}"


def test_multi_word_triggers_are_accepted() -> None:
    data = shipped()
    data["categories"]["withdrawal"]["types"]["troop_withdrawal"]["extract_triggers"] = [
        "withdraw",
        "pull out",
    ]
    data["categories"]["territory_captured"]["extract_triggers"] = ["fall", "take over"]
    taxonomy = Taxonomy.from_mapping(data)
    found = taxonomy.triggers()
    assert ("pull out", "withdrawal", "troop_withdrawal") in found
    assert ("take over", "territory_captured", None) in found
    assert taxonomy.resolve("withdrawal:pull out").name == "troop_withdrawal"  # type: ignore[union-attr]


def test_shipped_multi_word_trigger() -> None:
    assert ("pull out", "withdrawal", "troop_withdrawal") in default_taxonomy().triggers()


def _type_triggers(triggers: list[Any]) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        d["categories"]["withdrawal"]["types"]["troop_withdrawal"]["extract_triggers"] = triggers

    return change


def _category_triggers(triggers: list[Any]) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        d["categories"]["territory_captured"]["extract_triggers"] = triggers

    return change


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (
            _type_triggers(["withdraw", "Pull out"]),
            "category 'withdrawal', type 'troop_withdrawal'",
        ),
        (
            _type_triggers(["withdraw", "pull  out"]),
            "category 'withdrawal', type 'troop_withdrawal'",
        ),
        (_type_triggers([" pull out"]), "category 'withdrawal', type 'troop_withdrawal'"),
        (_type_triggers([""]), "category 'withdrawal', type 'troop_withdrawal'"),
        (_category_triggers(["fall", "TAKE OVER"]), "category 'territory_captured'"),
        (_category_triggers(["fall", "take  over"]), "category 'territory_captured'"),
    ],
)
def test_badly_written_triggers_are_rejected(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], where: str
) -> None:
    path, message = load_error(tmp_path, change)
    assert message.startswith(f"{path}, {where}: ")
    assert "'extract_triggers' must be a list of lower-case lemmas or lemma phrases" in message


@pytest.mark.parametrize(
    ("name", "plover", "cameo", "acled"),
    [
        (
            "district_captured",
            "COERCE:seize",
            "192",
            "Battles: Non-state actor overtakes territory",
        ),
        ("base_retaken", "COERCE:seize", "192", "Battles: Government regains territory"),
        (
            "attack:kidnapping",
            "ASSAULT:abduct",
            "181",
            "Violence against civilians: Abduction/forced disappearance",
        ),
        (
            "suicide_bombing",
            "ASSAULT:suicide-attack",
            "1831",
            "Explosions/Remote violence: Suicide bomb",
        ),
        ("ceasefire", "RETREAT:ceasefire", "0871", "Strategic developments: Agreement"),
        ("attack:kill", "ASSAULT", "190", "Violence against civilians: Attack"),
        # a lemma no type lists gets its category's codes
        ("attack:siege", "ASSAULT", "19", "Battles"),
        ("attack", "ASSAULT", "18", "Violence against civilians"),
    ],
)
def test_equivalents(name: str, plover: str, cameo: str, acled: str) -> None:
    found = default_taxonomy().equivalents(name)
    assert plover in found["plover"]
    assert cameo in found["cameo"]
    assert acled in found["acled"]


def test_types_without_own_codes_inherit_their_category() -> None:
    taxonomy = default_taxonomy()
    assert taxonomy.types["talks_held"].plover == ("CONSULT",)
    assert taxonomy.types["talks_held"].cameo == ("046",)
    assert taxonomy.equivalents("other") == {"plover": (), "cameo": (), "acled": ()}


def test_resolve_and_unknown_types() -> None:
    taxonomy = default_taxonomy()
    assert taxonomy.resolve("attack:drone strike").name == "drone_strike"  # type: ignore[union-attr]
    assert taxonomy.resolve("attack:drone") is None
    assert taxonomy.resolve("attack:siege") is None
    assert taxonomy.resolve("attack") is None
    for bad in ("nonsense", "war:attack", "attack:"):
        with pytest.raises(KeyError, match="unknown event type"):
            taxonomy.category_of(bad)
        with pytest.raises(KeyError):
            taxonomy.equivalents(bad)
    with pytest.raises(KeyError, match="unknown category"):
        taxonomy.types_of("war")


# ----------------------------------------------------------------------- validation


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["categories"].pop(key)


def _set_type(category: str, name: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        d["categories"][category]["types"][name][key] = value

    return change


def _duplicate_type(d: dict[str, Any]) -> None:
    d["categories"]["attack"]["types"]["ceasefire"] = {"definition": "again"}


def _unknown_category(d: dict[str, Any]) -> None:
    d["categories"]["war"] = copy.deepcopy(d["categories"]["other"])


def _no_types(d: dict[str, Any]) -> None:
    d["categories"]["other"]["types"] = {}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(version=2), "unsupported version 2"),
        (_drop("other"), "missing categories ['other']"),
        (_unknown_category, "unknown categories ['war']"),
        (_no_types, "category 'other': 'types' must be a non-empty mapping"),
        (
            _duplicate_type,
            "category 'agreement', type 'ceasefire': duplicate type name (already in category 'attack')",
        ),
        (
            _set_type("attack", "clash", "cameo", 193),
            "type 'clash': cameo: code 193 must be a quoted string",
        ),
        (
            _set_type("attack", "clash", "cameo", "19a"),
            "type 'clash': cameo: '19a' is not a CAMEO code",
        ),
        (
            _set_type("attack", "clash", "plover", "FIGHT"),
            "plover: 'FIGHT' is not a PLOVER event type",
        ),
        (
            _set_type("attack", "clash", "acled", "Battles: Skirmish"),
            "unknown ACLED sub-event type of 'Battles'",
        ),
        (_set_type("attack", "clash", "acled", "Fights"), "unknown ACLED event type"),
        (_set_type("attack", "clash", "definition", ""), "'definition' must be a non-empty string"),
        (_set_type("attack", "clash", "colour", "red"), "type 'clash': unknown keys ['colour']"),
        (_set_type("attack", "raid", "extract_triggers", ["clash"]), "extract trigger 'clash'"),
        (
            _set_type("attack", "raid", "extract_triggers", "raid"),
            "'extract_triggers' must be a list",
        ),
    ],
)
def test_validation_errors_name_file_and_key(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    path, error = load_error(tmp_path, change)
    assert error.startswith(f"{path}")
    assert message in error


def test_duplicate_yaml_keys_are_rejected(tmp_path: Path) -> None:
    text = DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8").replace(
        "      raid:\n", "      clash:\n", 1
    )
    path = write(tmp_path, text)
    with pytest.raises(TaxonomyError, match="duplicate key 'clash'"):
        Taxonomy.load(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 1\ncategories: [\n", "invalid YAML"),
        ("- just\n- a list\n", "top level must be a mapping"),
        ("version: 1\ncategories: {}\n", "'categories' must be a non-empty mapping"),
    ],
)
def test_malformed_files(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TaxonomyError, match=re.escape(message)):
        Taxonomy.load(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="cannot read taxonomy"):
        Taxonomy.load(tmp_path / "absent.yaml")
