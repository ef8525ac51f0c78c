"""Resolve Afghan place names in news text to districts and provinces.

The gazetteer (``data/gazetteer``) gives every district and province with its
P-code, coordinates and alternative spellings; ``spellings.yaml`` there adds
the news spellings and stoplists the project maintains.  News writes the same
place in many ways ("Kunduz"/"Kondoz", "Mazar-i-Sharif"/"Mazar-e-Sharif",
"Helmand's Nad Ali district"), and many district names are also ordinary words
or person names, so matching is token based, capitalisation gated and context
aware.  A text is resolved as a whole: a province named in any sentence settles
a district name shared by two provinces, and near spellings ("Worsaj" for
Warsaj) are accepted only where the context says a place is meant.  No spaCy
is needed here: the extractor calls this once on a whole passage.
"""

from __future__ import annotations

import csv
import functools
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

PlaceKind = Literal["district", "province", "city"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GAZETTEER_DIR = PROJECT_ROOT / "data" / "gazetteer"
PROVINCES_FILE = "afghanistan_provinces.csv"
DISTRICTS_FILE = "afghanistan_districts.csv"
SPELLINGS_FILE = "spellings.yaml"
SPELLINGS_VERSION = 1

# Every district-only name of four letters or fewer ("Kot", "Reg", "Chak",
# "Dara", "Kang", "Nawa") needs "district": such short tokens collide with too
# many words, names and abbreviations.
_SHORT_NAME_LIMIT = 4
_MIN_CAPITAL_ALIAS_LEN = 5

# Kabul is overwhelmingly the city: "western Kabul" is a part of the city.
_CITY_FIRST_PROVINCES = frozenset({"AF01"})

# Spelling-tolerant pass: names shorter than this are never matched loosely,
# a name of _LONG_NAME letters or more may differ by two units (one otherwise),
# a name unique in the country needs _UNIQUE_MIN_LETTERS when no province of
# it is named, and a near spelling spans at most _MAX_NAME_WORDS words.
_FUZZY_MIN_LETTERS = 5
_LONG_NAME = 9
_UNIQUE_MIN_LETTERS = 6
_MAX_NAME_WORDS = 4
_WEAK_LETTERS = frozenset("aiuywh")  # vowels and glides, after folding e->i, o->u
_LETTER_FOLDS = str.maketrans("eovq", "iuwk")
_CALENDAR_WORDS = frozenset(
    {
        *("january", "february", "march", "april", "may", "june", "july", "august"),
        *("september", "october", "november", "december", "monday", "tuesday"),
        *("wednesday", "thursday", "friday", "saturday", "sunday"),
    }
)
_LIST_WORDS = frozenset({"and", "or"})
# Endings of English word forms that no romanised Afghan place name shares.
_ENGLISH_ENDINGS = ("ing", "tion", "sion", "ment", "ness", "ship")

_APOSTROPHES = frozenset("'’‘`´ʼʻʾʿ")
# izafe and "and" connectors: Pul-i-Khumri = Pul-e-Khumri, Tala-o-Barfak.
_CONNECTOR_CANON = {"i": "e", "ye": "e", "o": "wa", "va": "wa"}
_CONNECTORS = frozenset({"e", "wa"})
_NAME_GAP_RE = re.compile(r"[ \t\-‐‑–'’‘`ʼʻ]*")

_DIR = r"(?:(?:north|south)(?:-?(?:east|west))?(?:ern)?|(?:east|west)(?:ern)?|central)"
_SUFFIX_RE = re.compile(
    r"\s+(districts?|provinces?|city|town|provincial\s+capital)\b", re.IGNORECASE
)
_LIST_SUFFIX_RE = re.compile(
    r"(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+)[A-Z][\w'’\-]*(?:[ ][A-Z][\w'’\-]*){0,3}){1,6}"
    r"\s+(districts|provinces)\b"
)
_DIRECTION_BEFORE_RE = re.compile(rf"\b{_DIR}\s+$", re.IGNORECASE)
_DISTRICT_OF_RE = re.compile(
    r"\s+districts?(?:\s+(?:centre|center|headquarters|hq|administrative\s+cent(?:re|er)))?"
    rf"\s*(?:,\s*|\s+(?:of|in)\s+)(?:the\s+)?(?:{_DIR}\s+)?",
    re.IGNORECASE,
)
_CAPITAL_OF_RE = re.compile(
    rf"\s*,\s*(?:the\s+)?(?:provincial\s+)?capital\s+(?:city\s+)?of\s+(?:the\s+)?(?:{_DIR}\s+)?",
    re.IGNORECASE,
)
# "Banu, the main town of Andarab", "X, the centre of Y district", "X, a town in Y".
_TOWN_ROLE = (
    r"(?:(?:main|central|chief|principal|administrative|district|provincial|market)\s+)?"
    r"(?:town|centre|center|capital(?:\s+city)?|headquarters|seat|bazaar)"
)
_TOWN_OF = rf"\s*,\s*(?:the|a)\s+{_TOWN_ROLE}\s+(?:of|in)\s+(?:the\s+)?(?:{_DIR}\s+)?"
_TOWN_OF_RE = re.compile(_TOWN_OF, re.IGNORECASE)
_TOWN_OF_TAIL_RE = re.compile(_TOWN_OF + "$", re.IGNORECASE)
_IN_RE = re.compile(r"\s+in\s+(?:the\s+)?", re.IGNORECASE)
# A short name ("Banu") admitted only if a town pattern ties it to a district.
_TOWN_CONTEXT_AFTER_RE = re.compile(
    rf"(?:{_TOWN_OF}|\s+in\s+(?:the\s+)?)(?=(?-i:[A-Z]))", re.IGNORECASE
)
_IN_OF_RE = re.compile(
    rf"\s*,\s*|\s+(?:in|of)\s+(?:the\s+)?(?:{_DIR}\s+)?(?:province\s+of\s+)?", re.IGNORECASE
)
_POSSESSIVE_RE = re.compile(r"(\s+province)?['’]s\s+", re.IGNORECASE)
_LIST_GAP_RE = re.compile(r"\s*,\s*(?:(?:and|or)\s+)?|\s+(?:and|or)\s+", re.IGNORECASE)
_CAPITAL_PHRASE_RE = re.compile(
    rf"(?:provincial\s+capital|capital\s+(?:city\s+)?)\s+of\s+(?:the\s+)?(?:{_DIR}\s+)?$",
    re.IGNORECASE,
)
_PLACE_AFTER_RE = re.compile(r"\s+(?:provinces?|city|districts?|provincial)\b", re.IGNORECASE)
_WORD_BEFORE_RE = re.compile(r"(\w+)[^\w,]*$|(,)\s*$")
_LOOKBEHIND_CHARS = 40
_TOWN_LOOKBEHIND_CHARS = 80


@dataclass(frozen=True)
class Province:
    """One of the 34 provinces (2018 boundaries), named as the press names it."""

    name: str
    pcode: str
    capital: str
    lat: float
    lon: float


@dataclass(frozen=True)
class District:
    """A district (admin-2 unit); the provincial centre holds the capital."""

    name: str
    pcode: str
    province_name: str
    province_pcode: str
    lat: float
    lon: float
    is_provincial_centre: bool


@dataclass(frozen=True)
class PlaceMatch:
    """A place found in text; ``raw == text[start:end]``."""

    raw: str
    start: int
    end: int
    kind: PlaceKind
    district: str | None
    district_code: str | None
    province: str | None
    province_code: str | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class Spellings:
    """The validated ``spellings.yaml``: names the project adds to the CSV sources.

    The file's comments say what each part means; an empty instance adds nothing.
    """

    display_names: Mapping[str, str] = field(default_factory=dict)
    province_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    capital_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    district_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    areas: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    town_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    token_variants: Mapping[str, str] = field(default_factory=dict)
    needs_district: tuple[str, ...] = ()
    person_like: tuple[str, ...] = ()
    place_context_words: tuple[str, ...] = ()
    never_match: tuple[str, ...] = ()
    bad_capital_aliases: tuple[str, ...] = ()
    not_fuzzy: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Target:
    """One thing a name can refer to; towns carry their own coordinates."""

    kind: PlaceKind
    province_code: str
    district_code: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    norm: str


@dataclass
class _Hit:
    """A surface match before resolution; patterns attach constraints to it.

    ``town_of``: the district hit a town pattern placed this name in ("Banu,
    the main town of Andarab"); the town follows that district's resolution.
    ``needs_anchor``: a short name admitted only because such a pattern
    follows; it is dropped unless the pattern ties it to a district
    (``anchored``).
    """

    start: int
    end: int
    key: tuple[str, ...]
    targets: tuple[_Target, ...]
    link: str | None = None
    force: PlaceKind | None = None
    linked_as_capital_of: bool = False
    needs_anchor: bool = False
    # a stoplisted name ("Qaisar", "Kakar") kept only inside a list of districts of its province
    needs_list: bool = False
    anchored: bool = False
    town_of: _Hit | None = None


@dataclass(frozen=True)
class _FuzzyName:
    """A gazetteer name as the spelling-tolerant pass sees it."""

    key: tuple[str, ...]
    form: str
    targets: tuple[_Target, ...]
    needs_district: bool = False


@dataclass(frozen=True)
class _FuzzyChoice:
    """What a near spelling resolved to, and on which evidence (see ``_fuzzy_choice``)."""

    key: tuple[str, ...]
    targets: tuple[_Target, ...]
    by_uniqueness: bool


# --------------------------------------------------------------------------
# spellings.yaml

_PROVINCE_CODED = ("province_names", "capital_names")
_DISTRICT_CODED = ("district_names", "areas", "town_names")
_STRING_MAPS = ("display_names", "token_variants")
_NAME_LISTS = (
    "needs_district",
    "person_like",
    "place_context_words",
    "never_match",
    "bad_capital_aliases",
    "not_fuzzy",
)
_SPELLING_KEYS = ("version", *_STRING_MAPS, *_PROVINCE_CODED, *_DISTRICT_CODED, *_NAME_LISTS)
_SINGLE_WORD_RE = re.compile(r"[^\W\d_]+")


def load_spellings(
    path: Path, province_codes: Collection[str], district_codes: Collection[str]
) -> Spellings:
    """Read and validate ``spellings.yaml`` so that a typo fails at start-up, not as a miss.

    Errors are ValueErrors naming the file and the key (and P-code) at fault.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read spellings file: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: invalid YAML: {exc}") from exc
    return _spellings_from_mapping(data, str(path), province_codes, district_codes)


def _spellings_from_mapping(
    data: Any, source: str, province_codes: Collection[str], district_codes: Collection[str]
) -> Spellings:
    if not isinstance(data, dict):
        raise ValueError(f"{source}: expected a mapping of sections at the top level")
    for key in data:
        if key not in _SPELLING_KEYS:
            raise ValueError(
                f"{source}: unknown key {key!r} (allowed: {', '.join(_SPELLING_KEYS)})"
            )
    if data.get("version") != SPELLINGS_VERSION:
        raise ValueError(
            f"{source}: version: expected {SPELLINGS_VERSION}, got {data.get('version')!r}"
        )
    sections: dict[str, Any] = {}
    for key in _PROVINCE_CODED:
        sections[key] = _coded_names(data.get(key), f"{source}: {key}", province_codes, "province")
    for key in _DISTRICT_CODED:
        sections[key] = _coded_names(data.get(key), f"{source}: {key}", district_codes, "district")
    for key in _STRING_MAPS:
        sections[key] = _string_map(data.get(key), f"{source}: {key}")
    for key in _NAME_LISTS:
        sections[key] = _names(data.get(key), f"{source}: {key}")
    _check_token_variants(sections["token_variants"], f"{source}: token_variants")
    return Spellings(**sections)


def _names(value: Any, where: str) -> tuple[str, ...]:
    """A list of non-empty strings (a missing or empty section is an empty list)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list of names, got {type(value).__name__}")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"{where}: expected a non-empty name, got {item!r} (quote it)")
    return tuple(item.strip() for item in value)


def _coded_names(
    value: Any, where: str, codes: Collection[str], level: str
) -> dict[str, tuple[str, ...]]:
    """P-code -> names; every P-code must exist in the gazetteer CSVs."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected a mapping of {level} P-codes to lists of names")
    result = {}
    for code, names in value.items():
        if code not in codes:
            raise ValueError(f"{where}: unknown {level} P-code {code!r}")
        result[code] = _names(names, f"{where}: {code}")
    return result


def _string_map(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected a mapping of names to names")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str) or not item.strip():
            raise ValueError(f"{where}: {key!r}: expected text on both sides (quote it)")
    return {key.strip(): item.strip() for key, item in value.items()}


def _check_token_variants(variants: Mapping[str, str], where: str) -> None:
    """Token variants apply to single lower-case words (they rewrite tokens, not phrases)."""
    for variant, canonical in variants.items():
        for word in (variant, canonical):
            if not _SINGLE_WORD_RE.fullmatch(word) or word != word.lower():
                raise ValueError(f"{where}: {variant!r}: {word!r} is not one lower-case word")


# --------------------------------------------------------------------------
# normalisation


def _fold(text: str) -> str:
    """Lower-case and strip diacritics so "Nāḏ ‘Alī" compares equal to "Nad Ali"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))
    return stripped.casefold().replace("ı", "i")


def _mark_ranges() -> str:
    """Combining marks as a regex class body (BMP and the variation selectors supplement).

    Decomposed diacritics ("a" + U+0304) belong to the word they sit on.
    """
    codes = [c for c in range(0x10000) if unicodedata.category(chr(c)).startswith("M")]
    codes += range(0xE0100, 0xE01F0)
    ranges: list[tuple[int, int]] = []
    for code in codes:
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in ranges)


_APOSTROPHE_CHARS = re.escape("".join(sorted(_APOSTROPHES)))
_APOSTROPHE_CLASS = f"[{_APOSTROPHE_CHARS}]"
# Letters and digits (some apostrophes, like U+02BC, are letters to Unicode) or marks.
_WORD_CHAR = rf"(?:[^\W_{_APOSTROPHE_CHARS}]|[{_mark_ranges()}])"
# A word, with inner apostrophes ("Qal'ah") but not a possessive "'s" ("Helmand's").
_TOKEN_RE = re.compile(
    rf"{_WORD_CHAR}+(?:{_APOSTROPHE_CLASS}(?![sS](?!{_WORD_CHAR})){_WORD_CHAR}+)*"
)


@functools.lru_cache(maxsize=65536)
def _fold_token(raw: str) -> str:
    """Folded token without apostrophes, connectors canonical (cached: news repeats words)."""
    folded = "".join(ch for ch in _fold(raw) if ch not in _APOSTROPHES)
    return _CONNECTOR_CANON.get(folded, folded)


def _tokenize(text: str, variants: Mapping[str, str]) -> list[_Token]:
    """Split into word tokens with offsets; inner apostrophes join ("Qal'ah")."""
    tokens = []
    for match in _TOKEN_RE.finditer(text):
        folded = _fold_token(match.group())
        tokens.append(_Token(match.start(), match.end(), variants.get(folded, folded)))
    return tokens


def name_key(name: str, variants: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Comparison key of a name: folded, canonical tokens ("Pul-i-Khumri" -> pul e khumri).

    ``variants`` are the token spellings of ``spellings.yaml`` (the gazetteer passes its own).
    """
    return tuple(tok.norm for tok in _tokenize(name, variants or {}))


@functools.lru_cache(maxsize=8192)
def _loose_token(norm: str) -> str:
    """One token with vowels and letter variants folded: o/u, e/i, v/w, q/k, final "ah"."""
    letters = "".join(ch for ch in norm if ch.isalpha()).translate(_LETTER_FOLDS)
    if len(letters) > 3 and letters[-1] == "h" and letters[-2] in "aiu":
        letters = letters[:-1]  # Qalah = Qala, Dahanah = Dahana
    return letters


@functools.lru_cache(maxsize=16384)
def _loose_form(norms: tuple[str, ...]) -> str:
    """Spelling-blind form of a name: connectors dropped, letters folded, doubles squeezed.

    "Surkh-o-Parsa" and "Surkh-e-Parsa" both give "surkhparsa", "Khan Chaharbagh"
    and "Khan-e Chahar Bagh" both "khanchaharbagh".
    """
    joined = "".join(_loose_token(n) for n in norms if n not in _CONNECTORS)
    return _squeeze(joined)


def _squeeze(text: str) -> str:
    return "".join(ch for i, ch in enumerate(text) if i == 0 or ch != text[i - 1])


def _skeleton(form: str) -> str:
    """The strong consonants of a loose form: equal for names differing only in vowels."""
    return _squeeze("".join(ch for ch in form if ch not in _WEAK_LETTERS))


def _deletions(text: str) -> set[str]:
    return {text[:i] + text[i + 1 :] for i in range(len(text))}


def _edit_limit(form: str) -> int:
    return 2 if len(form) >= _LONG_NAME else 1


def _letter_cost(ch: str) -> int:
    return 1 if ch in _WEAK_LETTERS else 2


def _substitution_cost(a: str, b: str) -> int:
    if a == b:
        return 0
    return 1 if a in _WEAK_LETTERS and b in _WEAK_LETTERS else 2


def _weighted_distance(a: str, b: str, limit: int) -> int:
    """Edit distance where vowels and the glides y, w, h cost 1 and other letters 2.

    Romanisations of one name mostly differ in vowels ("Worsaj"/"Warsaj"); a
    changed consonant ("Warsaw"/"Warsaj") usually means another word.  Returns
    ``limit + 1`` as soon as the distance must exceed ``limit``.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = [0]
    for ch in b:
        previous.append(previous[-1] + _letter_cost(ch))
    for ca in a:
        row = [previous[0] + _letter_cost(ca)]
        for j, cb in enumerate(b, 1):
            row.append(
                min(
                    previous[j] + _letter_cost(ca),
                    row[j - 1] + _letter_cost(cb),
                    previous[j - 1] + _substitution_cost(ca, cb),
                )
            )
        if min(row) > limit:
            return limit + 1
        previous = row
    return previous[-1]


def _split_names(value: str) -> list[str]:
    return [part.strip() for part in value.split("|") if part.strip()]


def _float(value: str) -> float | None:
    return float(value) if value.strip() else None


class _FuzzyIndex:
    """Near-spelling lookup over loose forms, blocked by consonant skeleton.

    A name within the allowed distance has the same skeleton (vowel edits only)
    or, for long names, a skeleton one consonant away; the one-letter deletions
    of long names' skeletons find the latter without scanning every name.
    Results are memoised per form: news repeats its capitalised words.
    """

    _MEMO_LIMIT = 50_000

    def __init__(self) -> None:
        self._by_skeleton: dict[str, list[_FuzzyName]] = defaultdict(list)
        self._long_by_skeleton: dict[str, list[_FuzzyName]] = defaultdict(list)
        self._long_by_deletion: dict[str, list[_FuzzyName]] = defaultdict(list)
        self._seen: set[tuple[str, tuple[_Target, ...]]] = set()
        self._memo: dict[str, list[tuple[int, _FuzzyName]]] = {}

    def add(self, name: _FuzzyName) -> None:
        if (name.form, name.targets) in self._seen:
            return
        self._seen.add((name.form, name.targets))
        skeleton = _skeleton(name.form)
        self._by_skeleton[skeleton].append(name)
        if _edit_limit(name.form) > 1:
            self._long_by_skeleton[skeleton].append(name)
            for deleted in _deletions(skeleton):
                self._long_by_deletion[deleted].append(name)

    def lookup(self, form: str) -> list[tuple[int, _FuzzyName]]:
        """(distance, name) for every name within its distance limit of ``form``."""
        found = self._memo.get(form)
        if found is None:
            found = self._search(form)
            if len(self._memo) < self._MEMO_LIMIT:
                self._memo[form] = found
        return found

    def _search(self, form: str) -> list[tuple[int, _FuzzyName]]:
        skeleton = _skeleton(form)
        pool = [*self._by_skeleton.get(skeleton, ()), *self._long_by_deletion.get(skeleton, ())]
        for deleted in _deletions(skeleton):
            pool += self._long_by_skeleton.get(deleted, ())
            pool += self._long_by_deletion.get(deleted, ())
        found: dict[int, tuple[int, _FuzzyName]] = {}
        for name in pool:
            if id(name) in found or _is_extension(form, name.form):
                continue
            limit = _edit_limit(name.form)
            distance = _weighted_distance(form, name.form, limit)
            if distance <= limit:
                found[id(name)] = (distance, name)
        return list(found.values())


def _is_extension(a: str, b: str) -> bool:
    """One form is the other plus letters: "Kandahari" is a demonym, not a spelling."""
    return a != b and (a.startswith(b) or b.startswith(a))


# --------------------------------------------------------------------------
# gazetteer


class Gazetteer:
    """Name index over provinces, districts, capitals and district towns."""

    def __init__(
        self,
        provinces: dict[str, Province],
        districts: dict[str, District],
        spellings: Spellings | None = None,
    ) -> None:
        self.provinces = provinces
        self.districts = districts
        self.spellings = spellings if spellings is not None else Spellings()
        self._variants = dict(self.spellings.token_variants)
        self._index: dict[tuple[str, ...], list[_Target]] = defaultdict(list)
        self._weak: set[tuple[str, ...]] = set()
        self._city_coords: dict[str, tuple[float, float]] = {}
        self._never = {self._key(n) for n in self.spellings.never_match}
        self._person_like = {self._key(n) for n in self.spellings.person_like}
        self._bad_capital_keys = {self._key(n) for n in self.spellings.bad_capital_aliases}
        self._place_words = frozenset(_fold(w) for w in self.spellings.place_context_words)
        stop = [*self.spellings.not_fuzzy, *_CALENDAR_WORDS]
        self._not_fuzzy = {_loose_form(self._key(n)) for n in stop}
        self._fuzzy = _FuzzyIndex()
        self._max_len = 1

    def _key(self, name: str) -> tuple[str, ...]:
        return name_key(name, self._variants)

    # ----- loading

    @classmethod
    def load(cls, directory: Path | None = None, spellings: Path | None = None) -> Gazetteer:
        """Read the two CSVs from ``directory`` (default: the project's data/gazetteer).

        ``spellings`` defaults to the directory's spellings.yaml, else the project's.
        """
        directory = Path(directory) if directory is not None else DEFAULT_GAZETTEER_DIR
        province_rows = _read_csv(directory / PROVINCES_FILE)
        district_rows = _read_csv(directory / DISTRICTS_FILE)
        if spellings is None:
            spellings = directory / SPELLINGS_FILE
            if not spellings.exists():
                spellings = DEFAULT_GAZETTEER_DIR / SPELLINGS_FILE
        words = load_spellings(
            Path(spellings),
            {row["province_pcode"] for row in province_rows},
            {row["district_pcode"] for row in district_rows},
        )
        display = words.display_names
        provinces = {
            row["province_pcode"]: _province_from_row(row, display) for row in province_rows
        }
        districts = {
            row["district_pcode"]: _district_from_row(row, provinces, display)
            for row in district_rows
        }
        gazetteer = cls(provinces, districts, words)
        gazetteer._build_index(province_rows, district_rows)
        return gazetteer

    def _add(self, name: str, target: _Target) -> None:
        key = self._key(name)
        if not key or key in self._never:
            return
        keys = [key]
        if len(key) > 1:
            keys.append(("".join(key),))  # "Lashkar Gah" also written "Lashkargah"
        for k in keys:
            if target not in self._index[k]:
                self._index[k].append(target)
            self._max_len = max(self._max_len, len(k))

    def _build_index(
        self, province_rows: list[dict[str, str]], district_rows: list[dict[str, str]]
    ) -> None:
        for row in district_rows:
            self._index_district(row)
        district_keys = set(self._index)
        for row in province_rows:
            self._index_province(row, district_rows)
        province_keys = {
            k for k, ts in self._index.items() if any(t.kind == "province" for t in ts)
        }
        for row in district_rows:
            self._index_towns(row, district_keys | province_keys)
        self._mark_weak()
        self._build_fuzzy()

    def _index_district(self, row: dict[str, str]) -> None:
        pcode, prov = row["district_pcode"], row["province_pcode"]
        target = _Target("district", prov, pcode)
        names = [row["district_name"], *_split_names(row["alt_names"])]
        names += _split_names(row["match_keys"])
        names += self.spellings.district_names.get(pcode, ())
        names += self.spellings.areas.get(pcode, ())
        names += _later_unit_names(row["contains_later_units"])
        for name in names:
            if self._key(name)[-1:] == ("city",):
                self._add(name, _Target("city", prov, pcode))
            else:
                self._add(name, target)

    def _index_province(self, row: dict[str, str], district_rows: list[dict[str, str]]) -> None:
        pcode = row["province_pcode"]
        names = [
            row["province_name"],
            _news_name(row["province_name"], self.spellings.display_names),
        ]
        names += _split_names(row["alt_names"]) + _split_names(row["match_keys"])
        for name in names + list(self.spellings.province_names.get(pcode, ())):
            self._add(name, _Target("province", pcode))
        self._index_capital(row, district_rows)

    def _index_capital(self, row: dict[str, str], district_rows: list[dict[str, str]]) -> None:
        pcode, dcode = row["province_pcode"], row["capital_district_pcode"]
        district = self.districts[dcode]
        lat, lon = _float(row["capital_lat"]), _float(row["capital_lon"])
        if lat is None or lon is None:  # 9 capitals lack coordinates: use the district's
            lat, lon = district.lat, district.lon
        self._city_coords[dcode] = (lat, lon)
        target = _Target("city", pcode, dcode, *self._city_coords[dcode])
        names = [row["capital"], *self.spellings.capital_names.get(pcode, ())]
        same_name = self._key(row["capital"]) == self._key(row["capital_district_name"])
        district_key = self._key(row["capital_district_name"])
        for alias in _split_names(row["capital_alt_names"]):
            if self._good_capital_alias(alias) and (same_name or self._key(alias) != district_key):
                names.append(alias)
        if same_name:  # the district *is* the city: all its spellings name the city too
            drow = next(d for d in district_rows if d["district_pcode"] == dcode)
            names += [drow["district_name"], *_split_names(drow["alt_names"])]
            names += _split_names(drow["match_keys"])
        for name in names:
            self._add(name, target)

    def _good_capital_alias(self, alias: str) -> bool:
        """GeoNames exonyms: skip qualifiers like "(district)" and short or English words."""
        if "(" in alias:
            return False
        key = self._key(alias)
        return key not in self._bad_capital_keys and len("".join(key)) >= _MIN_CAPITAL_ALIAS_LEN

    def _index_towns(self, row: dict[str, str], taken: set[tuple[str, ...]]) -> None:
        """Towns become "city" hits unless the name is also a district or province."""
        pcode, prov = row["district_pcode"], row["province_pcode"]
        towns = _parse_towns(row["towns_geonames_pop15k"])
        towns += _parse_towns(row["district_center_hint"])
        towns += [(name, None, None) for name in self.spellings.town_names.get(pcode, ())]
        for name, lat, lon in towns:
            if name.startswith("Markaz-e") or self._key(name) in taken:
                continue
            self._add(name, _Target("city", prov, pcode, lat, lon))

    def _mark_weak(self) -> None:
        explicit = {self._key(n) for n in self.spellings.needs_district}
        explicit |= {("".join(k),) for k in explicit if len(k) > 1}
        for key, targets in self._index.items():
            district_only = all(t.kind == "district" for t in targets)
            short = len(key) == 1 and len(key[0]) <= _SHORT_NAME_LIMIT
            if key in explicit or (short and district_only):
                self._weak.add(key)

    def _build_fuzzy(self) -> None:
        """Index district and town names for near spellings; stoplisted ones need "district"."""
        for key, targets in self._index.items():
            local = tuple(t for t in targets if t.kind != "province")
            form = _loose_form(key)
            if local and len(form) >= _FUZZY_MIN_LETTERS:
                typed_only = key in self._weak or key in self._person_like
                self._fuzzy.add(_FuzzyName(key, form, local, needs_district=typed_only))

    # ----- matching

    def find_places(self, text: str) -> list[PlaceMatch]:
        """All Afghan places named in ``text``, in order, with exact offsets.

        The text is resolved as a whole (pass a passage, not a sentence): a
        province named anywhere in it settles names shared by two provinces.
        """
        hits = self._hits(text)
        mentions = _province_mentions(text, hits)
        linked = _links_by_name(hits)
        resolved: dict[int, PlaceMatch] = {}
        for hit in sorted(hits, key=lambda h: h.town_of is not None):  # districts before towns
            if hit.town_of is not None:
                _follow_district(hit, resolved.get(id(hit.town_of)))
            resolved[id(hit)] = self._resolve(text, hit, mentions, linked)
        return [resolved[id(hit)] for hit in hits]

    def _hits(self, text: str) -> list[_Hit]:
        """Exact names, then near spellings and towns known by their district, linked."""
        tokens = _tokenize(text, self._variants)
        hits = _select(self._candidates(text, tokens))
        hits = self._with_near_spellings(text, tokens, hits)
        hits += self._unknown_towns(text, tokens, hits)
        hits.sort(key=lambda h: h.start)
        self._link(text, hits)
        hits = [h for h in hits if h.anchored or not h.needs_anchor or h.needs_list]
        hits = _listed_weak_names(text, hits)
        self._capital_phrases(text, hits)
        return hits

    def best_location(
        self, text: str, sentence_span: tuple[int, int] | None = None
    ) -> PlaceMatch | None:
        """Most specific place (district/city before province), first in text order.

        The whole text is resolved (a province named in another sentence still
        disambiguates a district), but only places inside ``sentence_span`` count.
        A dateline ("KABUL (AP) -", "Kabul, June 20:") says where the story was
        filed, not where it happened, so it is used only when nothing else is named.
        """
        places = self.find_places(text)
        if sentence_span is not None:
            lo, hi = sentence_span
            places = [p for p in places if p.start >= lo and p.end <= hi]
        if not places:
            return None
        return min(places, key=lambda p: (_is_dateline(text, p), p.kind == "province", p.start))

    def _candidates(self, text: str, tokens: list[_Token]) -> Iterator[_Hit]:
        for i, token in enumerate(tokens):
            if not text[token.start].isupper():
                continue  # names are capitalised: most words are skipped here
            for n in range(min(self._max_len, len(tokens) - i), 0, -1):
                window = tokens[i : i + n]
                key = tuple(t.norm for t in window)
                targets = self._index.get(key)
                if not targets:
                    continue
                start, end = window[0].start, window[-1].end
                if not _tight(text, window):
                    continue
                needs_anchor = needs_list = False
                if key in self._weak and not _district_follows(text, end):
                    needs_anchor = bool(_TOWN_CONTEXT_AFTER_RE.match(text, end))
                    needs_list = bool(
                        _LIST_NEIGHBOUR_RE.match(text, end)
                        or _LIST_BEFORE_RE.search(text[max(0, start - 6) : start])
                    )
                    if not (needs_anchor or needs_list):
                        continue
                if key in self._person_like and not self._place_context(text, start, end):
                    continue
                yield _Hit(
                    start,
                    end,
                    key,
                    tuple(targets),
                    needs_anchor=needs_anchor,
                    needs_list=needs_list,
                )

    def _place_context(self, text: str, start: int, end: int) -> bool:
        """Whether a person-like name ("Farah") stands where a place would."""
        if _PLACE_AFTER_RE.match(text, end) or _list_suffix(text, end):
            return True
        before = _WORD_BEFORE_RE.search(text[max(0, start - _LOOKBEHIND_CHARS) : start])
        if before is None:
            return False
        word = before.group(1)
        return before.group(2) == "," or _fold(word) in self._place_words | _LIST_WORDS

    # ----- spelling-tolerant pass

    def _with_near_spellings(self, text: str, tokens: list[_Token], hits: list[_Hit]) -> list[_Hit]:
        """Add near spellings of district and town names among capitalised words.

        Accepted only in a place context and, unless the name is unique in the
        country and "district" follows, inside a province the text names:
        precision first.  A near spelling may contain exact hits and then
        replaces them ("Bor Kunar" is a district, not the province Kunar).
        """
        owner = _token_owners(tokens, hits)
        found: list[_Hit] = []
        replaced: set[int] = set()
        resume = 0
        for i, token in enumerate(tokens):
            if i < resume or not _may_open_name(text, token):
                continue
            if i in owner and hits[owner[i]].start != token.start:
                continue  # inside an exact hit
            match = self._near_spelling_at(text, tokens, i, owner, hits)
            if match is not None:
                hit, resume, inside = match
                found.append(hit)
                replaced |= inside
        if not found:
            return hits
        return sorted(
            [h for k, h in enumerate(hits) if k not in replaced] + found, key=lambda h: h.start
        )

    def _near_spelling_at(
        self, text: str, tokens: list[_Token], i: int, owner: dict[int, int], hits: list[_Hit]
    ) -> tuple[_Hit, int, set[int]] | None:
        """The longest near spelling starting at token ``i``, the index after it, hits inside."""
        for j in range(_name_run_end(text, tokens, i), i - 1, -1):
            window = range(i, j + 1)
            if not text[tokens[j].start].isupper():
                continue  # a name ends on a capitalised word, not on a connector
            inside = {owner[k] for k in window if k in owner}
            if not _whole_hits(hits, inside, tokens[i].start, tokens[j].end):
                continue
            if all(k in owner or _is_connector(text, tokens[k]) for k in window):
                continue  # matched exactly already
            norms = tuple(tokens[k].norm for k in window)
            start, end = tokens[i].start, tokens[j].end
            others = [h for k, h in enumerate(hits) if k not in inside] if inside else hits
            choice = self._near_choice(norms, others, _district_follows(text, end))
            if choice is None:
                continue
            extends = _extends_hits(choice, [hits[k] for k in inside])
            if not extends and not self._fuzzy_accepted(text, start, end, others, choice):
                continue
            if _title_case(text, tokens, i, j, set(owner)):
                continue
            return _Hit(start, end, choice.key, choice.targets), j + 1, inside
        return None

    def _near_choice(
        self, norms: tuple[str, ...], others: list[_Hit], typed: bool
    ) -> _FuzzyChoice | None:
        """Look a window's loose form up and choose among the names it is near.

        ``typed``: "district" follows, which stoplisted names ("Farsi") require.
        """
        form = _loose_form(norms)
        if len(form) < _FUZZY_MIN_LETTERS or self._stopped(norms):
            return None
        if norms[-1].endswith(_ENGLISH_ENDINGS):
            return None  # "Firing", "Fearing": English word forms, not romanised names
        matches = [(d, n) for d, n in self._fuzzy.lookup(form) if typed or not n.needs_district]
        if not matches:
            return None
        letters = sum(len(n) for n in norms if n not in _CONNECTORS)
        return _fuzzy_choice(matches, _named_provinces(others), letters)

    def _stopped(self, norms: tuple[str, ...]) -> bool:
        """Every word is a given name, title, month or other stoplisted word."""
        return all(n in _CONNECTORS or _loose_form((n,)) in self._not_fuzzy for n in norms)

    def _fuzzy_accepted(
        self, text: str, start: int, end: int, hits: list[_Hit], choice: _FuzzyChoice
    ) -> bool:
        """Context gate; a name taken for being unique needs "district", "city" or "town".

        "in Oregon" is one vowel from Urgun (Paktika) and "Firing" folds to
        Fereng (Baghlan): with no province of theirs named, a preposition is
        not enough.
        """
        if choice.by_uniqueness:
            return _suffix(text, end) in ("district", "city") or _district_follows(text, end)
        return self._fuzzy_context(text, start, end, hits)

    def _fuzzy_context(self, text: str, start: int, end: int, hits: list[_Hit]) -> bool:
        """ "district"/"city"/"town" follows, a place word precedes, or it sits by a place."""
        if _suffix(text, end) in ("district", "city") or _list_suffix(text, end) == "district":
            return True
        before = _WORD_BEFORE_RE.search(text[max(0, start - _LOOKBEHIND_CHARS) : start])
        if before is not None and before.group(1) and _fold(before.group(1)) in self._place_words:
            return True
        return _next_to_place(text, start, end, hits)

    # ----- towns without an index entry

    def _unknown_towns(self, text: str, tokens: list[_Token], hits: list[_Hit]) -> list[_Hit]:
        """ "entered Tirgiran, the main town of Baharak": a town known only by its district.

        The name must follow a place word ("entered", "in") so that a
        sentence-initial word ("Later, the main town of ...") is never taken.
        """
        tails = [(hit, end) for hit in hits if (end := _town_tail(text, hit)) is not None]
        if not tails:
            return []
        covered = set(_token_owners(tokens, hits))
        ends = {tok.end: k for k, tok in enumerate(tokens)}
        found = []
        for hit, name_end in tails:
            last = ends.get(name_end)
            if last is None or last in covered or not text[tokens[last].start].isupper():
                continue
            first = _name_run_start(text, tokens, last, covered)
            if first is None or not self._town_context(text, tokens, first, last):
                continue
            targets = tuple(
                _Target("city", t.province_code, t.district_code)
                for t in hit.targets
                if t.kind == "district"
            )
            key = tuple(t.norm for t in tokens[first : last + 1])
            start, end = tokens[first].start, tokens[last].end
            found.append(_Hit(start, end, key, targets, force="city", town_of=hit, anchored=True))
        return found

    def _town_context(self, text: str, tokens: list[_Token], first: int, last: int) -> bool:
        norms = tuple(t.norm for t in tokens[first : last + 1])
        if any(_loose_form((n,)) in self._not_fuzzy for n in norms):
            return False
        start = tokens[first].start
        before = _WORD_BEFORE_RE.search(text[max(0, start - _LOOKBEHIND_CHARS) : start])
        return bool(before and before.group(1) and _fold(before.group(1)) in self._place_words)

    # ----- patterns

    def _link(self, text: str, hits: list[_Hit]) -> None:
        """Apply "X district of Y", "Y's X district", "X, the capital of Y", town patterns."""
        for a, b in itertools.pairwise(hits):
            between = text[a.end : b.start]
            if _DISTRICT_OF_RE.fullmatch(between):
                _apply_link(a, b, strong=True)
            elif _TOWN_OF_RE.fullmatch(between) and _district_like(text, b):
                _apply_town(a, b)
            elif _CAPITAL_OF_RE.fullmatch(between):
                _apply_link(a, b, strong=True)
                a.force = "city"
                b.linked_as_capital_of = True
            elif _TOWN_OF_RE.fullmatch(between):
                _apply_link(a, b, strong=True)
                a.force = "city"
            elif _town_in_district(text, a, b):
                _apply_town(a, b)
            elif _IN_OF_RE.fullmatch(between):
                _apply_link(a, b, strong=_suffix(text, b.end) == "province")
            elif possessive := _POSSESSIVE_RE.fullmatch(between):
                strong = bool(possessive.group(1)) or _suffix(text, b.end) == "district"
                _apply_link(b, a, strong=strong)

    def _capital_phrases(self, text: str, hits: list[_Hit]) -> None:
        """ "the provincial capital of Helmand", "the Helmand provincial capital" name the city.

        The match then spans the whole phrase, whose words identify the city.
        """
        for hit in hits:
            provinces = [t for t in hit.targets if t.kind == "province"]
            if hit.linked_as_capital_of or not provinces:
                continue
            capital = self._capital_target(provinces[0].province_code)
            window_start = max(0, hit.start - _LOOKBEHIND_CHARS)
            before = _CAPITAL_PHRASE_RE.search(text[window_start : hit.start])
            after = _SUFFIX_RE.match(text, hit.end)
            if capital is None:
                continue
            if before:
                hit.start = window_start + before.start()
            elif after and after.group(1).lower().startswith("provincial"):
                hit.end = after.end()
            else:
                continue
            hit.targets = (capital,)
            hit.force = "city"

    def _capital_target(self, province_code: str) -> _Target | None:
        for dcode, district in self.districts.items():
            if district.province_pcode == province_code and district.is_provincial_centre:
                return _Target("city", province_code, dcode, *self._city_coords[dcode])
        return None

    # ----- resolution

    def _resolve(
        self,
        text: str,
        hit: _Hit,
        mentions: list[tuple[int, str, int]],
        linked: _Links,
    ) -> PlaceMatch:
        suffix = "city" if hit.key[-1] == "city" else _suffix(text, hit.end)
        targets = _narrow(hit, mentions, linked, suffix)
        kind = self._choose_kind(text, hit, targets, suffix)
        target = self._pick(targets, kind)
        return self._to_match(text, hit, kind, target)

    def _choose_kind(
        self, text: str, hit: _Hit, targets: list[_Target], suffix: str | None
    ) -> PlaceKind:
        kinds = {t.kind for t in targets}
        local = kinds & {"district", "city"}
        if suffix == "district" and local:
            return "district"
        if "province" in kinds and (suffix == "province" or hit.force == "province"):
            return "province"
        if (suffix == "city" or hit.force == "city") and self._has_city(targets):
            return "city"
        if "province" in kinds:
            if "city" in kinds and not self._regional(text, hit, targets):
                return "city"
            return "province"
        return "city" if "city" in kinds else "district"

    def _has_city(self, targets: list[_Target]) -> bool:
        return any(t.kind == "city" or t.district_code in self._city_coords for t in targets)

    def _regional(self, text: str, hit: _Hit, targets: list[_Target]) -> bool:
        """ "southern Kandahar", "Kandahar and Helmand provinces" mean the province."""
        if _list_suffix(text, hit.end) == "province":
            return True
        if any(t.province_code in _CITY_FIRST_PROVINCES for t in targets):
            return False  # "western Kabul" is a part of the city
        before = text[max(0, hit.start - _LOOKBEHIND_CHARS) : hit.start]
        return bool(_DIRECTION_BEFORE_RE.search(before))

    def _pick(self, targets: list[_Target], kind: PlaceKind) -> _Target:
        if kind == "province":
            return next(t for t in targets if t.kind == "province")
        if kind == "district":
            pool = [t for t in targets if t.kind == "district"] or [
                _Target("district", t.province_code, t.district_code)
                for t in targets
                if t.district_code
            ]
        else:
            pool = [t for t in targets if t.kind == "city"] or [
                _Target("city", t.province_code, t.district_code)
                for t in targets
                if t.district_code in self._city_coords
            ]
        return min(pool, key=self._preference)

    def _preference(self, target: _Target) -> tuple[bool, str, bool]:
        """Provincial centres first, then gazetteer order (P-code), towns with coordinates."""
        district = self.districts[target.district_code] if target.district_code else None
        centre = bool(district and district.is_provincial_centre)
        return (not centre, target.district_code or "", target.lat is None)

    def _to_match(self, text: str, hit: _Hit, kind: PlaceKind, target: _Target) -> PlaceMatch:
        province = self.provinces[target.province_code]
        raw = text[hit.start : hit.end]
        if kind == "province":
            return PlaceMatch(
                raw,
                hit.start,
                hit.end,
                kind,
                None,
                None,
                province.name,
                province.pcode,
                province.lat,
                province.lon,
            )
        district = self.districts[target.district_code or ""]
        lat, lon = district.lat, district.lon
        if kind == "city":
            if target.lat is not None and target.lon is not None:
                lat, lon = target.lat, target.lon
            elif district.pcode in self._city_coords:
                lat, lon = self._city_coords[district.pcode]
        return PlaceMatch(
            raw,
            hit.start,
            hit.end,
            kind,
            district.name,
            district.pcode,
            province.name,
            province.pcode,
            lat,
            lon,
        )


# --------------------------------------------------------------------------
# helpers for matching


def _tight(text: str, window: list[_Token]) -> bool:
    """Tokens of one name are separated only by spaces, hyphens or apostrophes."""
    return all(_NAME_GAP_RE.fullmatch(text[a.end : b.start]) for a, b in itertools.pairwise(window))


def _select(hits: Iterable[_Hit]) -> list[_Hit]:
    """Longest match first, then leftmost; keep only non-overlapping hits."""
    chosen: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start - h.end, h.start)):
        if all(hit.end <= c.start or hit.start >= c.end for c in chosen):
            chosen.append(hit)
    return sorted(chosen, key=lambda h: h.start)


def _suffix(text: str, end: int) -> str | None:
    """The word right after a name: district / province / city (plural folded)."""
    match = _SUFFIX_RE.match(text, end)
    if not match:
        return None
    word = match.group(1).lower()
    word = "capital" if word.startswith("provincial") else word
    return {"districts": "district", "provinces": "province", "town": "city"}.get(word, word)


def _list_suffix(text: str, end: int) -> str | None:
    """ "Kandahar and Helmand provinces": a name inside a list typed at its end."""
    match = _LIST_SUFFIX_RE.match(text, end)
    if not match:
        return None
    return "district" if match.group(1) == "districts" else "province"


_DATELINE_TAIL_RE = re.compile(r"[ \t]*(?:,|\(|\[|:|—|–|-)")


def _is_dateline(text: str, place: PlaceMatch) -> bool:
    """A place opening a line and followed by a comma, bracket, colon or dash."""
    line_start = text.rfind("\n", 0, place.start) + 1
    opens_line = not text[line_start : place.start].strip()
    return opens_line and bool(_DATELINE_TAIL_RE.match(text, place.end))


_LIST_NEIGHBOUR_RE = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+)[A-Z]")
_LIST_BEFORE_RE = re.compile(r"(?:,|\band)\s*$")
_LIST_GAP_RE = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+)")


def _listed_weak_names(text: str, hits: list[_Hit]) -> list[_Hit]:
    """Keep a stoplisted name only where it stands in a list with a district of one of its
    provinces ("Qaisar, Pashtun Kot and Almar in Faryab"); a lone "Qaisar" is a person."""
    kept = [h for h in hits if not h.needs_list or h.anchored]
    pending = [h for h in hits if h.needs_list and not h.anchored]
    changed = True
    while pending and changed:
        changed = False
        for hit in list(pending):
            provinces = {t.province_code for t in hit.targets}
            for other in kept:
                lo, hi = (hit, other) if hit.start < other.start else (other, hit)
                if not _LIST_GAP_RE.fullmatch(text[lo.end : hi.start]):
                    continue
                if provinces & {t.province_code for t in other.targets if t.kind != "province"}:
                    kept.append(hit)
                    pending.remove(hit)
                    changed = True
                    break
    return sorted(kept, key=lambda h: h.start)


def _district_follows(text: str, end: int) -> bool:
    return _suffix(text, end) == "district" or _list_suffix(text, end) == "district"


def _names_province(hit: _Hit) -> bool:
    return any(t.kind == "province" for t in hit.targets)


def _district_like(text: str, hit: _Hit) -> bool:
    """A hit read as a district: a district name, unless it is also a province without "district"."""
    if not any(t.kind == "district" for t in hit.targets):
        return False
    return not _names_province(hit) or _suffix(text, hit.end) == "district"


def _town_tail(text: str, hit: _Hit) -> int | None:
    """End of the name before ", the main town of <hit>" when ``hit`` is a district."""
    window_start = max(0, hit.start - _TOWN_LOOKBEHIND_CHARS)
    tail = _TOWN_OF_TAIL_RE.search(text, window_start, hit.start)
    if tail is None or not _district_like(text, hit):
        return None
    return tail.start()


def _town_in_district(text: str, town: _Hit, district: _Hit) -> bool:
    """ "Banu in Andarab district": a place named inside the district that follows."""
    if not _IN_RE.fullmatch(text[town.end : district.start]):
        return False
    if _suffix(text, district.end) != "district" or not _district_like(text, district):
        return False
    codes = {t.district_code for t in district.targets if t.kind == "district"}
    return any(t.kind != "province" and t.district_code in codes for t in town.targets)


def _apply_link(place: _Hit, region: _Hit, *, strong: bool) -> None:
    """Tie ``place`` to the province named by ``region`` where the gazetteer agrees."""
    region_codes = [t.province_code for t in region.targets if t.kind == "province"]
    if not region_codes:
        return
    inside = [t for t in place.targets if t.kind != "province" and t.province_code in region_codes]
    if inside:
        place.link = inside[0].province_code
    if inside or strong:
        region.force = "province"


def _apply_town(town: _Hit, district: _Hit) -> None:
    """Make ``town`` a place (kind city) inside ``district`` where the gazetteer agrees.

    "Banu, the main town of Andarab": Banu is listed as a name of Andarab
    district, but here it is the town, and an ambiguous district name is
    settled by the town's district.
    """
    codes = {t.district_code for t in district.targets if t.kind == "district"}
    inside = [t for t in town.targets if t.kind != "province" and t.district_code in codes]
    if not inside:
        return
    town.targets = tuple(
        dict.fromkeys(
            _Target("city", t.province_code, t.district_code, t.lat, t.lon) for t in inside
        )
    )
    town.force = "city"
    town.town_of = district
    town.anchored = True
    kept = {t.district_code for t in inside}
    district.targets = tuple(t for t in district.targets if t.district_code in kept)


def _follow_district(town: _Hit, district: PlaceMatch | None) -> None:
    """Keep a town's targets in the district its pattern named, as that district resolved."""
    if district is None or district.district_code is None:
        return
    inside = [t for t in town.targets if t.district_code == district.district_code]
    if inside:
        town.targets = tuple(inside)
        town.link = district.province_code


def _may_open_name(text: str, token: _Token) -> bool:
    """A capitalised word that may open a name (not an all-capitals acronym or dateline)."""
    if not text[token.start].isupper():
        return False
    return token.end - token.start == 1 or not text[token.start : token.end].isupper()


def _is_connector(text: str, token: _Token) -> bool:
    return token.norm in _CONNECTORS and text[token.start].islower()


def _name_run_end(text: str, tokens: list[_Token], i: int) -> int:
    """Last token of a capitalised name starting at ``i`` ("Khan Chaharbagh", "Dand-e Ghori")."""
    last, words = i, 1
    while last + 1 < len(tokens):
        nxt = tokens[last + 1]
        if not _NAME_GAP_RE.fullmatch(text[tokens[last].end : nxt.start]):
            break
        connector = _is_connector(text, nxt)
        if not (connector or text[nxt.start].isupper()):
            break
        if not connector:
            if words == _MAX_NAME_WORDS:
                break
            words += 1
        last += 1
    return last


def _token_owners(tokens: list[_Token], hits: list[_Hit]) -> dict[int, int]:
    """Token index -> index of the hit that covers it (hits are sorted, not overlapping)."""
    owners: dict[int, int] = {}
    k = 0
    for t, token in enumerate(tokens):
        while k < len(hits) and hits[k].end <= token.start:
            k += 1
        if k < len(hits) and hits[k].start < token.end:
            owners[t] = k
    return owners


def _extends_hits(choice: _FuzzyChoice, inside: list[_Hit]) -> bool:
    """A near spelling that completes an exact hit's own place ("Mazar" in "Mazar-e-Sharef")."""
    codes = {t.district_code for t in choice.targets}
    return any(t.district_code in codes for hit in inside for t in hit.targets)


def _whole_hits(hits: list[_Hit], inside: set[int], start: int, end: int) -> bool:
    """A window may hold exact hits only whole, never cut one."""
    return all(start <= hits[k].start and hits[k].end <= end for k in inside)


def _name_run_start(text: str, tokens: list[_Token], last: int, covered: set[int]) -> int | None:
    """First token of the capitalised name ending at ``last`` (None if a hit is inside it)."""
    first, words = last, 1
    while first > 0:
        prev = tokens[first - 1]
        if not _NAME_GAP_RE.fullmatch(text[prev.end : tokens[first].start]):
            break
        connector = _is_connector(text, prev)
        if not (connector or text[prev.start].isupper()):
            break
        if not connector:
            if words == _MAX_NAME_WORDS:
                break
            words += 1
        if first - 1 in covered:
            return None
        first -= 1
    while _is_connector(text, tokens[first]):
        first += 1
    return first


def _fuzzy_choice(
    matches: list[tuple[int, _FuzzyName]], named: set[str], letters: int
) -> _FuzzyChoice | None:
    """The closest near spellings that a named province, or uniqueness, allows.

    A candidate in a province the text names wins; otherwise the name must be
    the only district it can be in the whole country and at least six letters.
    """
    inside = [(d, n) for d, n in matches if any(t.province_code in named for t in n.targets)]
    if inside:
        matches, keep = inside, named
    else:
        districts = {t.district_code for _, n in matches for t in n.targets}
        if len(districts) != 1 or letters < _UNIQUE_MIN_LETTERS:
            return None
        keep = {t.province_code for _, n in matches for t in n.targets}
    best = min(d for d, _ in matches)
    closest = [n for d, n in matches if d == best]
    targets = dict.fromkeys(t for n in closest for t in n.targets if t.province_code in keep)
    return _FuzzyChoice(closest[0].key, tuple(targets), by_uniqueness=not inside)


def _title_case(text: str, tokens: list[_Token], i: int, j: int, covered: set[int]) -> bool:
    """Headline capitalisation around tokens i..j: there a capital letter says nothing.

    Neighbours of four letters or more that are not places: three or more and all
    capitalised, or five or more with one exception.
    """
    near = [k for k in (*range(max(0, i - 4), i), *range(j + 1, j + 5)) if k < len(tokens)]
    words = [
        tokens[k]
        for k in near
        if k not in covered
        and len(tokens[k].norm) >= 4
        and text[tokens[k].start].isalpha()
        and tokens[k].norm not in _CALENDAR_WORDS
    ]
    lower = sum(not text[t.start].isupper() for t in words)
    return (len(words) >= 3 and lower == 0) or (len(words) >= 5 and lower <= 1)


def _next_to_place(text: str, start: int, end: int, hits: list[_Hit]) -> bool:
    """A list of places before it, "in/of <province>" after it, or "<province>'s" before it."""
    for hit in hits:
        if hit.end <= start:
            gap = text[hit.end : start]
            if _LIST_GAP_RE.fullmatch(gap):
                return True
            if _POSSESSIVE_RE.fullmatch(gap) and _names_province(hit):
                return True
        elif hit.start >= end and _IN_OF_RE.fullmatch(text[end : hit.start]):
            return _names_province(hit)
    return False


def _named_provinces(hits: list[_Hit]) -> set[str]:
    """Provinces the text names: by a province name, or by a city or town of it."""
    named: set[str] = set()
    for hit in hits:
        codes = {t.province_code for t in hit.targets if t.kind != "district"}
        if len(codes) == 1:
            named |= codes
    return named


def _province_mentions(text: str, hits: list[_Hit]) -> list[tuple[int, str, int]]:
    """(position, province code, tier) of every hit that points to exactly one province.

    Tier 0 names the province (or a city or town in it), tier 1 is a district
    of that province only.  "Khost" alone is ambiguous (a province, and a
    district in Baghlan), but "Khost province" is not.
    """
    mentions = []
    for hit in hits:
        codes = {t.province_code for t in hit.targets}
        if len(codes) > 1 and _suffix(text, hit.end) == "province":
            codes = {t.province_code for t in hit.targets if t.kind == "province"}
        if len(codes) == 1:
            tier = 0 if any(t.kind != "district" for t in hit.targets) else 1
            mentions.append((hit.start, codes.pop(), tier))
    return mentions


_Links = Mapping[frozenset[str | None], set[str]]


def _same_name(hit: _Hit) -> frozenset[str | None]:
    """The districts a name can be: equal for every spelling of one shared name."""
    return frozenset(t.district_code for t in hit.targets if t.kind != "province")


def _links_by_name(hits: list[_Hit]) -> dict[frozenset[str | None], set[str]]:
    """Provinces patterns tied each shared name to ("Arghandab district in Kandahar")."""
    linked: dict[frozenset[str | None], set[str]] = defaultdict(set)
    for hit in hits:
        if hit.link is not None:
            linked[_same_name(hit)].add(hit.link)
    return linked


def _narrow(
    hit: _Hit,
    mentions: list[tuple[int, str, int]],
    linked: _Links,
    suffix: str | None,
) -> list[_Target]:
    """Keep the targets in the province the text ties this name to.

    In order: the hit's own link; the province every link of the same name
    elsewhere in the text agrees on ("Arghandab district in Kandahar ...
    Arghandab's police"); the nearest province the text names; the nearest
    district of one province.  A province name is not re-read as a same-named
    district of another province just because that province is mentioned,
    unless "district" follows.
    """
    targets = list(hit.targets)
    if hit.link is not None:
        return [t for t in targets if t.province_code == hit.link]
    codes = {t.province_code for t in targets}
    is_province_name = any(t.kind == "province" for t in targets)
    if len(codes) < 2 or (is_province_name and suffix != "district"):
        return targets
    agreed = linked.get(_same_name(hit), set()) & codes
    if len(agreed) == 1:
        return [t for t in targets if t.province_code in agreed]
    for level in (0, 1):
        found = [(pos, code) for pos, code, tier in mentions if tier == level]
        nearest = _nearest_code(hit.start, found, codes)
        if nearest is not None:
            return [t for t in targets if t.province_code == nearest]
    return targets


def _nearest_code(position: int, found: list[tuple[int, str]], codes: set[str]) -> str | None:
    """The code among ``codes`` mentioned closest to ``position`` (not at it)."""
    candidates = [(abs(pos - position), code) for pos, code in found if code in codes]
    candidates = [(d, code) for d, code in candidates if d != 0]
    return min(candidates)[1] if candidates else None


# --------------------------------------------------------------------------
# CSV parsing


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _coords(row: dict[str, str]) -> tuple[float, float]:
    """Centroid, or a point inside the polygon where the centroid falls outside."""
    if row.get("centroid_inside_polygon", "yes") == "no" and row.get("inside_lat"):
        return float(row["inside_lat"]), float(row["inside_lon"])
    return float(row["lat"]), float(row["lon"])


def _news_name(name: str, display: Mapping[str, str]) -> str:
    return display.get(name, name)


def _province_from_row(row: dict[str, str], display: Mapping[str, str]) -> Province:
    lat, lon = _coords(row)
    return Province(
        name=_news_name(row["province_name"], display),
        pcode=row["province_pcode"],
        capital=_news_name(row["capital"], display),
        lat=lat,
        lon=lon,
    )


def _district_from_row(
    row: dict[str, str], provinces: dict[str, Province], display: Mapping[str, str]
) -> District:
    lat, lon = _coords(row)
    return District(
        name=_news_name(row["district_name"], display),
        pcode=row["district_pcode"],
        province_name=provinces[row["province_pcode"]].name,
        province_pcode=row["province_pcode"],
        lat=lat,
        lon=lon,
        is_provincial_centre=row["is_provincial_centre"] == "yes",
    )


def _later_unit_names(value: str) -> list[str]:
    """ "Marja/Marjah [IEC 2019 code 3014]" -> ["Marja", "Marjah"] (sub-areas news names)."""
    names: list[str] = []
    for unit in _split_names(value):
        names += [n.strip() for n in unit.split("[")[0].split("/") if n.strip()]
    return names


_TOWN_RE = re.compile(r"^(?P<name>[^(]+?)\s*\((?:(?P<lat>-?\d+\.\d+)\s+(?P<lon>-?\d+\.\d+))?")


def _parse_towns(value: str) -> list[tuple[str, float | None, float | None]]:
    """ "Gereshk (31.8209 64.5700; GeoNames 1141540)" -> ("Gereshk", 31.8209, 64.57)."""
    towns = []
    for part in _split_names(value):
        match = _TOWN_RE.match(part)
        if match:
            lat, lon = match.group("lat"), match.group("lon")
            towns.append(
                (match.group("name"), float(lat) if lat else None, float(lon) if lon else None)
            )
    return towns


# --------------------------------------------------------------------------
# module-level API


@functools.lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The project gazetteer, loaded once per process."""
    return Gazetteer.load()


def find_places(text: str) -> list[PlaceMatch]:
    """Places in ``text`` using the default gazetteer."""
    return default_gazetteer().find_places(text)


def best_location(text: str, sentence_span: tuple[int, int] | None = None) -> PlaceMatch | None:
    """Most specific place in ``text`` (or in ``sentence_span``) using the default gazetteer."""
    return default_gazetteer().best_location(text, sentence_span)


__all__ = [
    "DEFAULT_GAZETTEER_DIR",
    "SPELLINGS_FILE",
    "District",
    "Gazetteer",
    "PlaceKind",
    "PlaceMatch",
    "Province",
    "Spellings",
    "best_location",
    "default_gazetteer",
    "find_places",
    "load_spellings",
    "name_key",
]
