"""Event taxonomy: categories, finer types and their PLOVER / CAMEO / ACLED equivalents.

``config/taxonomy.yaml`` is validated on load, so a typo fails loudly naming the file,
category and type instead of silently dropping a mapping. Types come in two forms:
names listed in the file (``district_captured``) and extract.py's
``"<category>:<trigger lemma>"`` (``attack:kidnap``), which ``resolve`` maps to a
listed type through ``extract_triggers`` when one matches.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.models import CATEGORIES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TAXONOMY_PATH = PROJECT_ROOT / "config" / "taxonomy.yaml"
SUPPORTED_VERSION = 1
SCHEMES = ("plover", "cameo", "acled")

PLOVER_TYPES = frozenset(
    {
        "AGREE",
        "CONSULT",
        "SUPPORT",
        "CONCEDE",
        "COOPERATE",
        "AID",
        "RETREAT",
        "REQUEST",
        "ACCUSE",
        "REJECT",
        "THREATEN",
        "PROTEST",
        "SANCTION",
        "MOBILIZE",
        "COERCE",
        "ASSAULT",
    }
)
ACLED_TYPES: dict[str, frozenset[str]] = {
    "Battles": frozenset(
        {"Armed clash", "Government regains territory", "Non-state actor overtakes territory"}
    ),
    "Explosions/Remote violence": frozenset(
        {
            "Chemical weapon",
            "Air/drone strike",
            "Suicide bomb",
            "Shelling/artillery/missile attack",
            "Remote explosive/landmine/IED",
            "Grenade",
        }
    ),
    "Violence against civilians": frozenset(
        {"Sexual violence", "Attack", "Abduction/forced disappearance"}
    ),
    "Protests": frozenset(
        {"Peaceful protest", "Protest with intervention", "Excessive force against protesters"}
    ),
    "Riots": frozenset({"Violent demonstration", "Mob violence"}),
    "Strategic developments": frozenset(
        {
            "Agreement",
            "Arrests",
            "Change to group/activity",
            "Disrupted weapons use",
            "Headquarters or base established",
            "Looting/property destruction",
            "Non-violent transfer of territory",
            "Other",
        }
    ),
}
_PLOVER = re.compile(r"^(?P<type>[A-Z]+)(?::(?P<mode>[a-z][a-z-]*))?$")
_CAMEO = re.compile(r"^\d{2,4}$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_KEYS = frozenset({"version", "categories"})
_CATEGORY_KEYS = frozenset({"description", "types", "extract_triggers", *SCHEMES})
_TYPE_KEYS = frozenset({"definition", "extract_triggers", *SCHEMES})

Codes = tuple[str, ...]


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be read or does not validate."""


@dataclass(frozen=True)
class EventType:
    """A finer event type with its definition and equivalents."""

    name: str
    category: str
    definition: str
    plover: Codes
    cameo: Codes
    acled: Codes
    extract_triggers: tuple[str, ...] = ()

    def equivalents(self) -> dict[str, Codes]:
        return {"plover": self.plover, "cameo": self.cameo, "acled": self.acled}


@dataclass(frozen=True)
class Category:
    """A coarse category (one of ``pipeline.models.CATEGORIES``) and its types."""

    name: str
    description: str
    plover: Codes
    cameo: Codes
    acled: Codes
    types: tuple[str, ...] = field(default_factory=tuple)
    # triggers whose type is decided by something else (territory: the kind of place)
    extract_triggers: tuple[str, ...] = ()

    def equivalents(self) -> dict[str, Codes]:
        return {"plover": self.plover, "cameo": self.cameo, "acled": self.acled}


class Taxonomy:
    """Validated categories and types with lookups by type name."""

    def __init__(
        self,
        version: int,
        categories: Iterable[Category],
        types: Iterable[EventType],
        source: str = "<memory>",
    ) -> None:
        self.version = version
        self.source = source
        self.categories: dict[str, Category] = {c.name: c for c in categories}
        self.types: dict[str, EventType] = {t.name: t for t in types}
        self._triggers: dict[tuple[str, str], str] = {
            (t.category, trigger): t.name
            for t in self.types.values()
            for trigger in t.extract_triggers
        }

    def triggers(self) -> list[tuple[str, str, str | None]]:
        """Every extract trigger (a lemma or a lemma phrase) with its category and, where
        the trigger decides it, its type: what the extractor looks for in text."""
        found: list[tuple[str, str, str | None]] = [
            (trigger, category.name, None)
            for category in self.categories.values()
            for trigger in category.extract_triggers
        ]
        found += [(t, c, name) for (c, t), name in self._triggers.items()]
        return found

    # ----- loading

    @classmethod
    def load(cls, path: Path | str | None = None) -> Taxonomy:
        """Read and validate a YAML file (default ``config/taxonomy.yaml``)."""
        path = Path(path) if path is not None else DEFAULT_TAXONOMY_PATH
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise TaxonomyError(f"{path}: cannot read taxonomy: {exc}") from exc
        try:
            data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
        except yaml.YAMLError as exc:
            raise TaxonomyError(f"{path}: invalid YAML: {exc}") from exc
        return cls.from_mapping(data, source=str(path))

    @classmethod
    def from_mapping(cls, data: Any, source: str = "<memory>") -> Taxonomy:
        """Validate already-parsed YAML; errors name the source, category and type."""
        return _Validator(source).build(data)

    # ----- queries

    def resolve(self, type_name: str) -> EventType | None:
        """The listed type a name means: itself, or via ``extract_triggers`` for
        ``"<category>:<lemma>"``; None for a bare category or an unmapped lemma."""
        if type_name in self.types:
            return self.types[type_name]
        if type_name in self.categories:
            return None
        category, lemma = self._split(type_name)
        name = self._triggers.get((category, lemma))
        return self.types[name] if name else None

    def category_of(self, type_name: str) -> str:
        """The category of a listed type or of an ``"<category>:<lemma>"`` type (a
        category name is its own category); KeyError for anything else."""
        if type_name in self.types:
            return self.types[type_name].category
        if type_name in self.categories:
            return type_name
        category, _ = self._split(type_name)
        return category

    def equivalents(self, name: str) -> dict[str, Codes]:
        """``{"plover": ..., "cameo": ..., "acled": ...}`` for a type or category.

        A type name wins over a category of the same name (their codes agree in the
        shipped file). An ``"<category>:<lemma>"`` type with no mapped lemma gets its
        category's codes. Each value is a tuple of codes, empty when there is none.
        """
        event_type = self.resolve(name)
        if event_type is not None:
            return event_type.equivalents()
        if name in self.categories:
            return self.categories[name].equivalents()
        return self.categories[self.category_of(name)].equivalents()

    def types_of(self, category: str) -> list[str]:
        """Type names of a category in file order."""
        if category not in self.categories:
            raise KeyError(f"unknown category {category!r} in {self.source}")
        return list(self.categories[category].types)

    def _split(self, type_name: str) -> tuple[str, str]:
        category, sep, lemma = type_name.partition(":")
        if sep and category in self.categories and lemma:
            return category, lemma
        raise KeyError(
            f"unknown event type {type_name!r}: neither a type of {self.source} "
            "nor '<category>:<lemma>' with a known category"
        )


@functools.lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    """The project taxonomy, loaded once per process."""
    return Taxonomy.load()


# --------------------------------------------------------------------------
# loading and validation


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe loader that rejects duplicate mapping keys (plain PyYAML keeps the last)."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


class _Validator:
    """Turns parsed YAML into a Taxonomy, with located error messages."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(
        self, problem: str, category: str | None = None, type_name: str | None = None
    ) -> TaxonomyError:
        where = [self.source]
        if category is not None:
            where.append(f"category {category!r}")
        if type_name is not None:
            where.append(f"type {type_name!r}")
        return TaxonomyError(f"{', '.join(where)}: {problem}")

    def build(self, data: Any) -> Taxonomy:
        if not isinstance(data, dict):
            raise self.fail("top level must be a mapping with 'version' and 'categories'")
        _check_keys(data, _TOP_KEYS, self.fail)
        version = data.get("version")
        if version != SUPPORTED_VERSION:
            raise self.fail(f"unsupported version {version!r} (expected {SUPPORTED_VERSION})")
        raw = data.get("categories")
        if not isinstance(raw, dict) or not raw:
            raise self.fail("'categories' must be a non-empty mapping")
        unknown = [c for c in raw if c not in CATEGORIES]
        if unknown:
            raise self.fail(
                f"unknown categories {unknown} (pipeline.models.CATEGORIES: {list(CATEGORIES)})"
            )
        missing = [c for c in CATEGORIES if c not in raw]
        if missing:
            raise self.fail(f"missing categories {missing}")
        categories: list[Category] = []
        types: dict[str, EventType] = {}
        for name, body in raw.items():
            category, category_types = self.category(name, body, types)
            categories.append(category)
            for event_type in category_types:
                types[event_type.name] = event_type
        return Taxonomy(version, categories, types.values(), source=self.source)

    def category(
        self, name: str, body: Any, seen: Mapping[str, EventType]
    ) -> tuple[Category, list[EventType]]:
        def fail(problem: str) -> TaxonomyError:
            return self.fail(problem, name)

        if not isinstance(body, dict):
            raise fail("must be a mapping with 'description', codes and 'types'")
        _check_keys(body, _CATEGORY_KEYS, fail)
        description = _text(body.get("description"), "description", fail)
        codes = {scheme: self.codes(scheme, body.get(scheme), name) for scheme in SCHEMES}
        raw_types = body.get("types")
        if not isinstance(raw_types, dict) or not raw_types:
            raise fail("'types' must be a non-empty mapping of type name to definition")
        event_types: list[EventType] = []
        triggers: dict[str, str] = {
            t: "the category" for t in _triggers(body.get("extract_triggers"), fail)
        }
        for type_name, type_body in raw_types.items():
            if not isinstance(type_name, str) or not _NAME.match(type_name):
                raise fail(f"type name {type_name!r} must be lower_snake_case")
            if type_name in seen:
                raise self.fail(
                    f"duplicate type name (already in category {seen[type_name].category!r})",
                    name,
                    type_name,
                )
            event_type = self.event_type(name, type_name, type_body, codes)
            for trigger in event_type.extract_triggers:
                if trigger in triggers:
                    raise self.fail(
                        f"extract trigger {trigger!r} is also listed under {triggers[trigger]!r}",
                        name,
                        type_name,
                    )
                triggers[trigger] = type_name
            event_types.append(event_type)
        category = Category(
            name=name,
            description=description,
            plover=codes["plover"],
            cameo=codes["cameo"],
            acled=codes["acled"],
            types=tuple(t.name for t in event_types),
            extract_triggers=tuple(t for t, where in triggers.items() if where == "the category"),
        )
        return category, event_types

    def event_type(
        self, category: str, name: str, body: Any, inherited: Mapping[str, Codes]
    ) -> EventType:
        def fail(problem: str) -> TaxonomyError:
            return self.fail(problem, category, name)

        if not isinstance(body, dict):
            raise fail("must be a mapping with at least 'definition'")
        _check_keys(body, _TYPE_KEYS, fail)
        definition = _text(body.get("definition"), "definition", fail)
        codes = {
            scheme: self.codes(scheme, body[scheme], category, name)
            if scheme in body
            else inherited[scheme]
            for scheme in SCHEMES
        }
        raw_triggers = _triggers(body.get("extract_triggers"), fail)
        return EventType(
            name=name,
            category=category,
            definition=definition,
            plover=codes["plover"],
            cameo=codes["cameo"],
            acled=codes["acled"],
            extract_triggers=tuple(raw_triggers),
        )

    def codes(self, scheme: str, raw: Any, category: str, type_name: str | None = None) -> Codes:
        """A code or list of codes, checked against the scheme's format."""

        def fail(problem: str) -> TaxonomyError:
            return self.fail(f"{scheme}: {problem}", category, type_name)

        if raw is None:
            return ()
        values = raw if isinstance(raw, list) else [raw]
        checked: list[str] = []
        for value in values:
            if isinstance(value, int) and not isinstance(value, bool) and scheme == "cameo":
                raise fail(f'code {value} must be a quoted string (e.g. "0{value}" or "{value}")')
            if not isinstance(value, str) or not value.strip():
                raise fail(f"{value!r} is not a code")
            _CHECKS[scheme](value, fail)
            if value in checked:
                raise fail(f"code {value!r} listed twice")
            checked.append(value)
        return tuple(checked)


def _check_plover(value: str, fail: Callable[[str], TaxonomyError]) -> None:
    match = _PLOVER.match(value)
    if match is None or match["type"] not in PLOVER_TYPES:
        raise fail(
            f"{value!r} is not a PLOVER event type[:mode] (types: {', '.join(sorted(PLOVER_TYPES))})"
        )


def _check_cameo(value: str, fail: Callable[[str], TaxonomyError]) -> None:
    if not _CAMEO.match(value):
        raise fail(f"{value!r} is not a CAMEO code (2-4 digits, quoted)")


def _check_acled(value: str, fail: Callable[[str], TaxonomyError]) -> None:
    event_type, sep, sub_event = value.partition(": ")
    if event_type not in ACLED_TYPES:
        raise fail(f"{value!r}: unknown ACLED event type (known: {', '.join(ACLED_TYPES)})")
    if sep and sub_event not in ACLED_TYPES[event_type]:
        raise fail(
            f"{value!r}: unknown ACLED sub-event type of {event_type!r} "
            f"(known: {', '.join(sorted(ACLED_TYPES[event_type]))})"
        )


_CHECKS: dict[str, Callable[[str, Callable[[str], TaxonomyError]], None]] = {
    "plover": _check_plover,
    "cameo": _check_cameo,
    "acled": _check_acled,
}


def _check_keys(
    data: Mapping[str, Any], allowed: frozenset[str], fail: Callable[[str], TaxonomyError]
) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise fail(f"unknown keys {unknown} (allowed: {sorted(allowed)})")


def _triggers(raw: Any, fail: Callable[[str], TaxonomyError]) -> list[str]:
    """Lower-case lemmas or lemma phrases ("pull out"), single spaces between words."""
    raw = raw or []
    if not isinstance(raw, list) or not all(
        isinstance(t, str) and t and t == t.lower() and t == " ".join(t.split()) for t in raw
    ):
        raise fail("'extract_triggers' must be a list of lower-case lemmas or lemma phrases")
    return list(raw)


def _text(value: Any, key: str, fail: Callable[[str], TaxonomyError]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(f"'{key}' must be a non-empty string")
    return " ".join(value.split())


__all__ = [
    "DEFAULT_TAXONOMY_PATH",
    "Category",
    "EventType",
    "Taxonomy",
    "TaxonomyError",
    "default_taxonomy",
]
