"""Event taxonomy: the shipped file, its fit with models.py and extract.py, validation."""

from __future__ import annotations

import copy
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline import extract
from pipeline.models import CATEGORIES
from pipeline.taxonomy import (
    DEFAULT_TAXONOMY_PATH,
    Taxonomy,
    TaxonomyError,
    default_taxonomy,
)


@dataclass(frozen=True)
class _Token:
    """Just enough of a spaCy token for extract._fine_type."""

    lower_: str
    lemma_: str = ""


def shipped() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "taxonomy.yaml"
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def territory_types_in_extract() -> set[str]:
    """Every territory type extract._fine_type can return: read from its source and
    checked by calling it on one-word sentences."""
    source = inspect.getsource(extract._fine_type)
    prefixes = set(re.findall(r'f"(\w+)_\{verb\}"', source))
    assert prefixes, "no territory types found in extract._fine_type"
    from_source = {f"{p}_{verb}" for p in prefixes for verb in ("captured", "retaken")}
    called = set()
    for category in ("territory_captured", "territory_retaken"):
        for word in [*extract.TERRITORY_NOUNS, "nothing"]:
            called.add(extract._fine_type(category, _Token(word), [_Token(word)]))
    assert called <= from_source
    return from_source


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


def test_every_territory_type_of_extract_exists() -> None:
    taxonomy = default_taxonomy()
    for type_name in sorted(territory_types_in_extract()):
        assert type_name in taxonomy.types, type_name
        expected = "territory_captured" if type_name.endswith("_captured") else "territory_retaken"
        assert taxonomy.category_of(type_name) == expected


def test_extract_lemma_types_map_to_their_category() -> None:
    taxonomy = default_taxonomy()
    for category, triggers in extract.TRIGGERS.items():
        for trigger in triggers:
            type_name = f"{category}:{trigger.split()[0].replace('-', '_')}"
            assert taxonomy.category_of(type_name) == category
            assert set(taxonomy.equivalents(type_name)) == {"plover", "cameo", "acled"}


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
            "attack:kidnap",
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
        ("attack:kill", "ASSAULT", "19", "Battles"),
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
    assert taxonomy.resolve("attack:drone").name == "drone_strike"  # type: ignore[union-attr]
    assert taxonomy.resolve("attack:massacre") is None
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
    data = shipped()
    change(data)
    path = write(tmp_path, data)
    with pytest.raises(TaxonomyError) as caught:
        Taxonomy.load(path)
    assert str(caught.value).startswith(f"{path}")
    assert message in str(caught.value)


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
