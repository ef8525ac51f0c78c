"""Actor dictionary: who is who in Afghanistan security news, and when.

``config/actors.yaml`` maps names, spellings and titles to the actor groups
used by the evaluation sets (Taliban, Afghan government, US, ...).  Entries
carry validity dates because the same words change sides: Ghani speaks for
the Afghan government only until 2021-08-15, and from 2021-08-16 "the Afghan
government" is the Taliban.  This module validates the file (so a typo fails
loudly at start-up, not as a silent miss), answers name lookups, and builds
spaCy EntityRuler patterns.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokenizer import Tokenizer

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ACTORS_PATH = PROJECT_ROOT / "config" / "actors.yaml"
SUPPORTED_VERSION = 1
ACTOR_LABEL = "ACTOR"
GENERIC_ACTOR_LABEL = "ACTOR_GENERIC"
KINDS = frozenset({"person", "organisation", "title"})

_TOP_KEYS = frozenset({"version", "groups", "generic_terms"})
_GROUP_KEYS = frozenset({"id", "description", "entries"})
_ENTRY_KEYS = frozenset({"name", "aliases", "kind", "valid_from", "valid_to", "role"})
_GENERIC_KEYS = frozenset({"term", "group", "confidence", "note"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# All-caps tokens this short are acronyms ("US", "UN", "ANA", "ISI", "NATO"):
# they must match case-sensitively, or "told us" and French "un" would match.
_ACRONYM_MAX_LETTERS = 5
_APOSTROPHES = "'’‘`ʼ"
_POSSESSIVE = re.compile(r"['’‘`ʼ]s\b")


@dataclass(frozen=True)
class ActorEntry:
    """One person, organisation or title that speaks for a group."""

    group: str
    name: str
    aliases: tuple[str, ...]
    kind: str | None
    valid_from: date | None
    valid_to: date | None
    role: str | None

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name followed by its aliases."""
        return (self.name, *self.aliases)

    def valid_on(self, on: date) -> bool:
        """Whether the entry speaks for its group on ``on`` (both ends inclusive)."""
        if self.valid_from is not None and on < self.valid_from:
            return False
        return self.valid_to is None or on <= self.valid_to


@dataclass(frozen=True)
class GenericTerm:
    """A common word that usually means one group; weaker evidence than a name."""

    term: str
    group: str
    confidence: float
    note: str | None = None


class _NoTimestampLoader(yaml.SafeLoader):
    """Safe loader that keeps dates as text, so bad dates get our error message."""


_NoTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class ActorDictionary:
    """Validated actor groups with date-aware name lookup."""

    def __init__(
        self,
        version: int,
        groups: Mapping[str, str],
        entries: Sequence[ActorEntry],
        generic_terms: Sequence[GenericTerm] = (),
        source: str = "<memory>",
    ) -> None:
        self.version = version
        self.descriptions = dict(groups)
        self.entries = tuple(entries)
        self.generic_terms = tuple(generic_terms)
        self.source = source
        self._exact: dict[tuple[str, ...], list[ActorEntry]] = defaultdict(list)
        self._folded: dict[tuple[str, ...], list[ActorEntry]] = defaultdict(list)
        self._generic: dict[tuple[str, ...], GenericTerm] = {}
        self._generic_folded: dict[tuple[str, ...], GenericTerm] = {}
        self._index()

    # ----- loading

    @classmethod
    def load(cls, path: Path | str | None = None) -> ActorDictionary:
        """Read and validate a YAML file (default ``config/actors.yaml``)."""
        path = Path(path) if path is not None else DEFAULT_ACTORS_PATH
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"{path}: cannot read actor dictionary: {exc}") from exc
        try:
            data = yaml.load(text, Loader=_NoTimestampLoader)  # a SafeLoader subclass
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: invalid YAML: {exc}") from exc
        return cls.from_mapping(data, source=str(path))

    @classmethod
    def from_mapping(cls, data: Any, source: str = "<memory>") -> ActorDictionary:
        """Validate already-parsed YAML; errors name the file, group and entry."""
        return _Validator(source).build(data)

    def _index(self) -> None:
        for entry in _by_priority(self.entries):
            for name in entry.names:
                key = _lookup_key(name)
                self._exact[key].append(entry)
                if not _has_acronym(key):
                    self._folded[key].append(entry)
        for term in self.generic_terms:
            key = _lookup_key(term.term)
            self._generic.setdefault(key, term)
            if not _has_acronym(key):
                self._generic_folded.setdefault(key, term)

    # ----- queries

    def groups(self) -> list[str]:
        """Group ids in file order."""
        return list(self.descriptions)

    def entries_for(self, group: str) -> list[ActorEntry]:
        return [e for e in self.entries if e.group == group]

    def entry_for(self, name: str, on: date | None = None) -> ActorEntry | None:
        """The entry a name refers to on a date.

        With a date, only entries valid that day count and the most recently
        started wins ("Afghan government" on 2022-01-01 is the Taliban).  Without
        a date, validity is ignored and the earliest sense wins.
        """
        candidates = self._candidates(name)
        if on is None:
            return candidates[0] if candidates else None
        day = on.date() if isinstance(on, datetime) else on
        valid = [e for e in candidates if e.valid_on(day)]
        if not valid:
            return None
        return max(valid, key=lambda e: e.valid_from or date.min)

    def group_for(self, name: str, on: date | None = None) -> str | None:
        """Group id for a name or alias (see ``entry_for`` for the date rule)."""
        entry = self.entry_for(name, on)
        return entry.group if entry else None

    def generic_for(self, term: str) -> GenericTerm | None:
        """The group a generic word ("insurgents") usually means, with its confidence."""
        key = _lookup_key(term)
        return self._generic.get(key) or self._generic_folded.get(_fold_key(key))

    def _candidates(self, name: str) -> list[ActorEntry]:
        key = _lookup_key(name)
        return self._exact.get(key) or self._folded.get(_fold_key(key)) or []

    # ----- spaCy

    def entity_ruler_patterns(
        self, include_generic: bool = False, nlp: Language | None = None, phrases: bool = False
    ) -> list[dict[str, Any]]:
        """EntityRuler token patterns: label ``ACTOR``, ``id`` = group id.

        Tokens are matched on LOWER, except short all-caps acronyms, matched on
        ORTH.  A name shared by several groups (e.g. "Afghan government" before
        and after August 2021) gets one pattern with its earliest group; resolve
        the date-correct group with ``group_for(ent.text, on=article_date)``.
        Generic words get label ``ACTOR_GENERIC`` when ``include_generic``.
        With ``phrases``, names without acronyms become phrase (string) patterns, for a
        ruler configured with ``phrase_matcher_attr="LOWER"``.
        """
        tokenizer = nlp.tokenizer if nlp is not None else _blank_tokenizer()
        patterns: list[dict[str, Any]] = []
        seen: set[str] = set()
        named = [(n, e.group) for e in _by_priority(self.entries) for n in e.names]
        labelled = [(ACTOR_LABEL, n, g) for n, g in named]
        if include_generic:
            labelled += [(GENERIC_ACTOR_LABEL, t.term, t.group) for t in self.generic_terms]
        for label, text, group in labelled:
            pattern = [_token_pattern(tok.text) for tok in tokenizer(text)]
            signature = json.dumps(pattern, sort_keys=True)
            if signature in seen:
                continue
            seen.add(signature)
            if phrases and all("LOWER" in token for token in pattern):
                # a phrase pattern: ~70x faster in a ruler built with phrase_matcher_attr=LOWER
                patterns.append({"label": label, "pattern": text, "id": group})
            else:
                patterns.append({"label": label, "pattern": pattern, "id": group})
        return patterns


# --------------------------------------------------------------------------
# validation


class _Validator:
    """Turns parsed YAML into an ActorDictionary, with located error messages."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, problem: str, group: str | None = None, entry: str | None = None) -> ValueError:
        where = [self.source]
        if group is not None:
            where.append(f"group {group!r}")
        if entry is not None:
            where.append(f"entry {entry}")
        return ValueError(f"{', '.join(where)}: {problem}")

    def build(self, data: Any) -> ActorDictionary:
        if not isinstance(data, dict):
            raise self.fail("top level must be a mapping with 'version' and 'groups'")
        _check_keys(data, _TOP_KEYS, lambda p: self.fail(p))
        version = data.get("version")
        if version != SUPPORTED_VERSION:
            raise self.fail(f"unsupported version {version!r} (expected {SUPPORTED_VERSION})")
        groups, entries = self.groups(data.get("groups"))
        terms = self.generic_terms(data.get("generic_terms") or [], groups)
        return ActorDictionary(version, groups, entries, terms, source=self.source)

    def groups(self, raw: Any) -> tuple[dict[str, str], list[ActorEntry]]:
        if not isinstance(raw, list) or not raw:
            raise self.fail("'groups' must be a non-empty list")
        descriptions: dict[str, str] = {}
        entries: list[ActorEntry] = []
        for position, group in enumerate(raw, start=1):
            if not isinstance(group, dict):
                raise self.fail(f"group #{position} must be a mapping")
            gid = group.get("id")
            if not isinstance(gid, str) or not gid.strip():
                raise self.fail(f"group #{position} has no 'id'")
            if gid in descriptions:
                raise self.fail("duplicate group id", gid)
            _check_keys(group, _GROUP_KEYS, lambda p, gid=gid: self.fail(p, gid))
            descriptions[gid] = str(group.get("description") or "")
            raw_entries = group.get("entries")
            if not isinstance(raw_entries, list) or not raw_entries:
                raise self.fail("'entries' must be a non-empty list", gid)
            entries += [self.entry(gid, i, e) for i, e in enumerate(raw_entries, start=1)]
        return descriptions, entries

    def entry(self, gid: str, position: int, raw: Any) -> ActorEntry:
        label = f"#{position}"
        if not isinstance(raw, dict):
            raise self.fail("must be a mapping", gid, label)
        name = raw.get("name")
        if isinstance(name, str) and name.strip():
            label = f"{name!r}"
        _check_keys(raw, _ENTRY_KEYS, lambda p: self.fail(p, gid, label))
        if not isinstance(name, str) or not name.strip():
            raise self.fail("missing 'name'", gid, label)
        aliases = raw.get("aliases") or []
        if not isinstance(aliases, list) or not all(
            isinstance(a, str) and a.strip() for a in aliases
        ):
            raise self.fail("'aliases' must be a list of non-empty strings", gid, label)
        kind = raw.get("kind")
        if kind is not None and kind not in KINDS:
            raise self.fail(f"kind {kind!r} is not one of {sorted(KINDS)}", gid, label)
        valid_from = self.date(raw.get("valid_from"), "valid_from", gid, label)
        valid_to = self.date(raw.get("valid_to"), "valid_to", gid, label)
        if valid_from and valid_to and valid_from > valid_to:
            raise self.fail("valid_from is after valid_to", gid, label)
        role = raw.get("role")
        if role is not None and not isinstance(role, str):
            raise self.fail("'role' must be text", gid, label)
        return ActorEntry(
            gid, name.strip(), tuple(a.strip() for a in aliases), kind, valid_from, valid_to, role
        )

    def date(self, value: Any, field: str, gid: str, label: str) -> date | None:
        if value is None:
            return None
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.fail(f"{field} {value!r} is not an ISO date (YYYY-MM-DD)", gid, label)

    def generic_terms(self, raw: Any, groups: Mapping[str, str]) -> list[GenericTerm]:
        if not isinstance(raw, list):
            raise self.fail("'generic_terms' must be a list")
        return [self.generic_term(i, item, groups) for i, item in enumerate(raw, start=1)]

    def generic_term(self, position: int, raw: Any, groups: Mapping[str, str]) -> GenericTerm:
        if not isinstance(raw, dict):
            raise self.fail(f"generic term #{position} must be a mapping")
        term = raw.get("term")
        label = f"generic term {term!r}" if isinstance(term, str) else f"generic term #{position}"
        _check_keys(raw, _GENERIC_KEYS, lambda p: self.fail(f"{label}: {p}"))
        group = raw.get("group")
        if not isinstance(term, str) or not term.strip():
            raise self.fail(f"{label}: missing 'term'")
        if group not in groups:
            raise self.fail(f"{label}: unknown group {group!r}", None)
        confidence = raw.get("confidence")
        if isinstance(confidence, bool) or not isinstance(confidence, int | float):
            raise self.fail(f"{label}: 'confidence' must be a number", group)
        if not 0 < confidence <= 1:
            raise self.fail(f"{label}: 'confidence' must be in (0, 1]", group)
        note = raw.get("note")
        return GenericTerm(term.strip(), group, float(confidence), note)


def _check_keys(raw: Mapping[str, Any], allowed: frozenset[str], fail: Any) -> None:
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        raise fail(f"unknown key(s) {', '.join(map(repr, unknown))}; allowed: {sorted(allowed)}")


# --------------------------------------------------------------------------
# name keys and patterns


def _by_priority(entries: Sequence[ActorEntry]) -> list[ActorEntry]:
    """Earliest sense first (stable, so file order breaks ties)."""
    return sorted(entries, key=lambda e: e.valid_from or date.min)


def _is_acronym(token: str) -> bool:
    letters = token.replace(".", "")
    return letters.isalpha() and letters.isupper() and len(letters) <= _ACRONYM_MAX_LETTERS


def _lookup_key(name: str) -> tuple[str, ...]:
    """Comparable form of a name: "the U.S.-led coalition's" -> ("US", "led", "coalition").

    Diacritics, dots, hyphens and apostrophes are ignored; acronym tokens keep
    their case, every other token is lower-cased.
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _POSSESSIVE.sub("", text)
    text = "".join(ch for ch in text if ch not in _APOSTROPHES)
    words = [w.replace(".", "") for w in re.findall(r"[^\W_]+(?:\.[^\W_]+)*\.?", text)]
    if words and words[0].casefold() == "the":
        words = words[1:]
    return tuple(w if _is_acronym(w) else w.casefold() for w in words)


def _fold_key(key: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w.casefold() for w in key)


def _has_acronym(key: tuple[str, ...]) -> bool:
    return any(w != w.casefold() for w in key)


def _token_pattern(token: str) -> dict[str, str]:
    if _is_acronym(token):
        return {"ORTH": token}
    return {"LOWER": token.lower()}


@functools.cache
def _blank_tokenizer() -> Tokenizer:
    """English tokenizer, same rules as the project's spaCy model."""
    import spacy  # local import: lookups and validation do not need spaCy

    return spacy.blank("en").tokenizer


@functools.lru_cache(maxsize=1)
def default_actors() -> ActorDictionary:
    """The project actor dictionary, loaded and validated once per process."""
    return ActorDictionary.load()


__all__ = [
    "ACTOR_LABEL",
    "DEFAULT_ACTORS_PATH",
    "GENERIC_ACTOR_LABEL",
    "ActorDictionary",
    "ActorEntry",
    "GenericTerm",
    "default_actors",
]
