"""Resolve Afghan place names in news text to districts and provinces.

The gazetteer (``data/gazetteer``) gives every district and province with its
P-code, coordinates and alternative spellings.  News writes the same place in
many ways ("Kunduz"/"Kondoz", "Mazar-i-Sharif"/"Mazar-e-Sharif", "Helmand's Nad
Ali district"), and many district names are also ordinary words or person
names, so matching is token based, capitalisation gated and context aware.
No spaCy is needed here: the extractor can call this on raw sentences.
"""

from __future__ import annotations

import csv
import functools
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

PlaceKind = Literal["district", "province", "city"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GAZETTEER_DIR = PROJECT_ROOT / "data" / "gazetteer"
PROVINCES_FILE = "afghanistan_provinces.csv"
DISTRICTS_FILE = "afghanistan_districts.csv"

# AGCHO spellings that English-language news almost never uses; reported names
# follow the press so that locations read like the evaluation sets.
_NEWS_SPELLING = {
    "Hilmand": "Helmand",
    "Hirat": "Herat",
    "Panjsher": "Panjshir",
    "Paktya": "Paktia",
}

# Common English news spellings missing from the sources, by province P-code.
_EXTRA_PROVINCE_NAMES: dict[str, tuple[str, ...]] = {
    "AF04": ("Maydan Wardak", "Wardag"),
    "AF08": ("Panjshir", "Panjsher"),
    "AF10": ("Bamiyan", "Bamian"),
    "AF13": ("Paktia",),
    "AF15": ("Konar",),
    "AF16": ("Nooristan",),
    "AF17": ("Badakshan",),
    "AF19": ("Kondoz", "Konduz", "Qunduz", "Kundoz"),
    "AF22": ("Sari Pul", "Saripul", "Sar-i Pul", "Sar-e Pol"),
    "AF24": ("Daikundi", "Daikondi", "Day Kundi"),
    "AF25": ("Oruzgan", "Urozgan", "Orozgan"),
    "AF26": ("Zabol",),
    "AF27": ("Qandahar",),
    "AF28": ("Jowzjan", "Jauzjan", "Jozjan"),
    "AF29": ("Fariab",),
    "AF34": ("Nimruz",),
}

# Provincial capitals as the press spells them, by province P-code.
_EXTRA_CAPITAL_NAMES: dict[str, tuple[str, ...]] = {
    "AF12": ("Sharana",),
    "AF23": ("Chaghcharan", "Chakhcharan"),
    "AF25": ("Tarin Kowt", "Tarin Kot", "Tirin Kot", "Tarinkot"),
    "AF29": ("Maimana", "Meymaneh"),
    "AF31": ("Qala-i-Naw", "Qala-e-Now", "Qalai Naw"),
}

# District spellings seen in news but absent from the sources.
_EXTRA_DISTRICT_NAMES: dict[str, tuple[str, ...]] = {
    "AF0103": ("Char Asyab", "Chahar Asiab"),
    "AF0610": ("Haska Mena", "Haska Mina"),
    "AF1303": ("Zormat",),
    "AF1815": ("Daraq", "Dar Qad"),
    "AF2705": ("Zhari",),
    "AF2711": ("Spin Buldak",),
    "AF2713": ("Mianeshin", "Mian Nishin"),
    "AF3003": ("Nawa", "Nawa-i-Barakzayi", "Nawa Barakzai"),
    "AF3007": ("Now Zad",),
}

# Towns, border crossings and ports that name their district in news.
_EXTRA_TOWN_NAMES: dict[str, tuple[str, ...]] = {
    "AF0617": ("Torkham",),
    "AF2116": ("Hairatan", "Hayratan"),
    "AF3213": ("Islam Qala", "Islam Qalah"),
}

# Stoplist.  These district names (or alternative spellings) are also English
# words ("Washer", "Burka", "Registan"), languages ("Farsi"), tribes and family
# names that appear as person names in Afghan news ("Kakar", "Zadran",
# "Shinwari", "Tanai", "Mangal"), given names ("Qaisar", "Maruf", "Mohammad
# Agha", "Ali Sher"), common nouns in Dari/Urdu ("Shahrak" = township, "Shuhada"
# = martyrs, "Guzara", "Mizan", "Shamal" = north) or big places elsewhere
# ("Ghaziabad", "Ahmadabad", "Panjab", "Gomal").  They only count as places
# when "district" follows.  "Bar", "Khan", "Center"/"Centre", "Markaz" and
# "Sharak" occur in this gazetteer only inside longer names ("Bar Kunar",
# "Sharak-e-Hayratan") but are listed so that a future alias cannot make them
# match on their own.  In addition every district-only name of four letters or
# fewer ("Kot", "Reg", "Chak", "Dara", "Kang", "Nawa") needs "district": such
# short tokens collide with too many words, names and abbreviations.
_NEEDS_DISTRICT = (
    "Bar",
    "Khan",
    "Center",
    "Centre",
    "Markaz",
    "Sharak",
    "Washer",
    "Burka",
    "Burkah",
    "Borka",
    "Farsi",
    "Argo",
    "Chora",
    "Daman",
    "Mizan",
    "Mezan",
    "Guzara",
    "Guzera",
    "Registan",
    "Regestan",
    "Shuhada",
    "Shahrak",
    "Shamal",
    "Shemal",
    "Shamul",
    "Panjab",
    "Narang",
    "Giro",
    "Gero",
    "Kakar",
    "Mangal",
    "Zadran",
    "Shinwari",
    "Shenwari",
    "Tanai",
    "Dargai",
    "Yaqubi",
    "Sabari",
    "Qaisar",
    "Qaysar",
    "Qalandar",
    "Qalander",
    "Khadir",
    "Khader",
    "Andar",
    "Ander",
    "Maruf",
    "Maroof",
    "Marof",
    "Saghar",
    "Sayad",
    "Shaki",
    "Shiki",
    "Doshi",
    "Chawki",
    "Sherzad",
    "Khash",
    "Gomal",
    "Mamay",
    "Mai Mai",
    "Shiga",
    "Baral",
    "Ghaziabad",
    "Ghazi Abad",
    "Ahmadabad",
    "Ahmad Abad",
    "Ahmadaba",
    "Mohammad Agha",
    "Muhammad Agha",
    "Mohammadagha",
    "Muhammadagha",
    "Ali Sher",
    "Shaikh Ali",
    "Shekh Ali",
    "Shaykh Ali",
    "Dawlat Shah",
    "Dowlat Shah",
    "Sayed Karam",
    "Said Karam",
    "Sayyid Karam",
)
_SHORT_NAME_LIMIT = 4

# Place names that are also common personal names ("Mo Farah", "Farah Khan",
# "Sharan Singh").  They match only in a place-like context: after a
# preposition or compass word, after a comma (lists of places), or before
# "province", "city", "district" or "provincial".
_PERSON_LIKE = ("Farah", "Sharan")
_PLACE_WORDS_BEFORE = frozenset(
    {
        "in",
        "of",
        "from",
        "to",
        "near",
        "into",
        "across",
        "around",
        "at",
        "outside",
        "inside",
        "toward",
        "towards",
        "through",
        "via",
        "and",
        "or",
        "north",
        "south",
        "east",
        "west",
        "northern",
        "southern",
        "eastern",
        "western",
        "central",
        "northeastern",
        "northwestern",
        "southeastern",
        "southwestern",
    }
)
_PLACE_AFTER_RE = re.compile(r"\s+(?:provinces?|city|districts?|provincial)\b", re.IGNORECASE)
_WORD_BEFORE_RE = re.compile(r"(\w+)[^\w,]*$|(,)\s*$")

# Data artefacts that must never match ("Unknown" is listed as an alternative
# name of Washer district in one source).
_NEVER_MATCH = ("Unknown",)

# GeoNames exonyms of capitals that are English words or adjectives.
_BAD_CAPITAL_ALIASES = ("Kabuli", "Bust", "Bost", "Bist", "Fora", "Faro")
_MIN_CAPITAL_ALIAS_LEN = 5

# Kabul is overwhelmingly the city: "western Kabul" is a part of the city.
_CITY_FIRST_PROVINCES = frozenset({"AF01"})

_APOSTROPHES = frozenset("'’‘`´ʼʻʾʿ")
_TOKEN_CANON = {
    # izafe and "and" connectors: Pul-i-Khumri = Pul-e-Khumri, Tala-o-Barfak.
    "i": "e",
    "ye": "e",
    "o": "wa",
    "va": "wa",
    # Pashto/Dari elements with several romanisations.
    "kheil": "khel",
    "khail": "khel",
    "khawja": "khwaja",
    "khwajah": "khwaja",
    "khowja": "khwaja",
    "khuwaja": "khwaja",
    "qalah": "qala",
    "darah": "dara",
}
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
_IN_OF_RE = re.compile(
    rf"\s*,\s*|\s+(?:in|of)\s+(?:the\s+)?(?:{_DIR}\s+)?(?:province\s+of\s+)?", re.IGNORECASE
)
_POSSESSIVE_RE = re.compile(r"(\s+province)?['’]s\s+", re.IGNORECASE)
_CAPITAL_PHRASE_RE = re.compile(
    rf"(?:provincial\s+capital|capital\s+(?:city\s+)?)\s+of\s+(?:the\s+)?(?:{_DIR}\s+)?$",
    re.IGNORECASE,
)
_LOOKBEHIND_CHARS = 40


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
    """A surface match before resolution; patterns attach constraints to it."""

    start: int
    end: int
    key: tuple[str, ...]
    targets: tuple[_Target, ...]
    link: str | None = None
    force: PlaceKind | None = None
    linked_as_capital_of: bool = False


# --------------------------------------------------------------------------
# normalisation


def _fold(text: str) -> str:
    """Lower-case and strip diacritics so "Nāḏ ‘Alī" compares equal to "Nad Ali"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))
    return stripped.casefold().replace("ı", "i")


def _is_word_char(ch: str) -> bool:
    return ch not in _APOSTROPHES and (ch.isalnum() or unicodedata.category(ch).startswith("M"))


def _is_possessive(text: str, i: int) -> bool:
    """True for the apostrophe of "Helmand's" (kept apart from "Qal'ah")."""
    after = i + 2
    return text[i + 1] in "sS" and (after >= len(text) or not _is_word_char(text[after]))


def _norm_token(raw: str) -> str:
    folded = "".join(ch for ch in _fold(raw) if ch not in _APOSTROPHES)
    return _TOKEN_CANON.get(folded, folded)


def _tokenize(text: str) -> list[_Token]:
    """Split into word tokens with offsets; inner apostrophes join ("Qal'ah")."""
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        if not _is_word_char(text[i]):
            i += 1
            continue
        start = i
        while i < n:
            ch = text[i]
            inner_apostrophe = (
                ch in _APOSTROPHES
                and i + 1 < n
                and _is_word_char(text[i + 1])
                and not _is_possessive(text, i)
            )
            if _is_word_char(ch) or inner_apostrophe:
                i += 1
            else:
                break
        tokens.append(_Token(start, i, _norm_token(text[start:i])))
    return tokens


def name_key(name: str) -> tuple[str, ...]:
    """Comparison key of a name: folded, canonical tokens ("Pul-i-Khumri" -> pul e khumri)."""
    return tuple(tok.norm for tok in _tokenize(name))


def _split_names(value: str) -> list[str]:
    return [part.strip() for part in value.split("|") if part.strip()]


def _float(value: str) -> float | None:
    return float(value) if value.strip() else None


def _news_name(name: str) -> str:
    return _NEWS_SPELLING.get(name, name)


# --------------------------------------------------------------------------
# gazetteer


class Gazetteer:
    """Name index over provinces, districts, capitals and district towns."""

    def __init__(self, provinces: dict[str, Province], districts: dict[str, District]) -> None:
        self.provinces = provinces
        self.districts = districts
        self._index: dict[tuple[str, ...], list[_Target]] = defaultdict(list)
        self._weak: set[tuple[str, ...]] = set()
        self._city_coords: dict[str, tuple[float, float]] = {}
        self._never = {name_key(n) for n in _NEVER_MATCH}
        self._person_like = {name_key(n) for n in _PERSON_LIKE}
        self._max_len = 1

    # ----- loading

    @classmethod
    def load(cls, directory: Path | None = None) -> Gazetteer:
        """Read the two CSVs from ``directory`` (default: the project's data/gazetteer)."""
        directory = Path(directory) if directory is not None else DEFAULT_GAZETTEER_DIR
        province_rows = _read_csv(directory / PROVINCES_FILE)
        district_rows = _read_csv(directory / DISTRICTS_FILE)
        provinces = {row["province_pcode"]: _province_from_row(row) for row in province_rows}
        districts = {
            row["district_pcode"]: _district_from_row(row, provinces) for row in district_rows
        }
        gazetteer = cls(provinces, districts)
        gazetteer._build_index(province_rows, district_rows)
        return gazetteer

    def _add(self, name: str, target: _Target) -> None:
        key = name_key(name)
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

    def _index_district(self, row: dict[str, str]) -> None:
        pcode, prov = row["district_pcode"], row["province_pcode"]
        target = _Target("district", prov, pcode)
        names = [row["district_name"], *_split_names(row["alt_names"])]
        names += _split_names(row["match_keys"]) + list(_EXTRA_DISTRICT_NAMES.get(pcode, ()))
        names += _later_unit_names(row["contains_later_units"])
        for name in names:
            if name_key(name)[-1:] == ("city",):
                self._add(name, _Target("city", prov, pcode))
            else:
                self._add(name, target)

    def _index_province(self, row: dict[str, str], district_rows: list[dict[str, str]]) -> None:
        pcode = row["province_pcode"]
        names = [row["province_name"], _news_name(row["province_name"])]
        names += _split_names(row["alt_names"]) + _split_names(row["match_keys"])
        for name in names + list(_EXTRA_PROVINCE_NAMES.get(pcode, ())):
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
        names = [row["capital"], *_EXTRA_CAPITAL_NAMES.get(pcode, ())]
        same_name = name_key(row["capital"]) == name_key(row["capital_district_name"])
        district_key = name_key(row["capital_district_name"])
        for alias in _split_names(row["capital_alt_names"]):
            if _good_capital_alias(alias) and (same_name or name_key(alias) != district_key):
                names.append(alias)
        if same_name:  # the district *is* the city: all its spellings name the city too
            drow = next(d for d in district_rows if d["district_pcode"] == dcode)
            names += [drow["district_name"], *_split_names(drow["alt_names"])]
            names += _split_names(drow["match_keys"])
        for name in names:
            self._add(name, target)

    def _index_towns(self, row: dict[str, str], taken: set[tuple[str, ...]]) -> None:
        """Towns become "city" hits unless the name is also a district or province."""
        pcode, prov = row["district_pcode"], row["province_pcode"]
        towns = _parse_towns(row["towns_geonames_pop15k"])
        towns += _parse_towns(row["district_center_hint"])
        towns += [(name, None, None) for name in _EXTRA_TOWN_NAMES.get(pcode, ())]
        for name, lat, lon in towns:
            if name.startswith("Markaz-e") or name_key(name) in taken:
                continue
            self._add(name, _Target("city", prov, pcode, lat, lon))

    def _mark_weak(self) -> None:
        explicit = {name_key(n) for n in _NEEDS_DISTRICT}
        explicit |= {("".join(k),) for k in explicit if len(k) > 1}
        for key, targets in self._index.items():
            district_only = all(t.kind == "district" for t in targets)
            short = len(key) == 1 and len(key[0]) <= _SHORT_NAME_LIMIT
            if key in explicit or (short and district_only):
                self._weak.add(key)

    # ----- matching

    def find_places(self, text: str) -> list[PlaceMatch]:
        """All Afghan places named in ``text``, in order, with exact offsets."""
        hits = _select(self._candidates(text, _tokenize(text)))
        self._link(text, hits)
        self._capital_phrases(text, hits)
        mentions = _province_mentions(text, hits)
        return [self._resolve(text, hit, mentions) for hit in hits]

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
        for i in range(len(tokens)):
            for n in range(min(self._max_len, len(tokens) - i), 0, -1):
                window = tokens[i : i + n]
                key = tuple(t.norm for t in window)
                targets = self._index.get(key)
                if not targets:
                    continue
                start, end = window[0].start, window[-1].end
                if not text[start].isupper() or not _tight(text, window):
                    continue
                if key in self._weak and not _district_follows(text, end):
                    continue
                if key in self._person_like and not _place_context(text, start, end):
                    continue
                yield _Hit(start, end, key, tuple(targets))

    def _link(self, text: str, hits: list[_Hit]) -> None:
        """Apply "X district of Y", "Y's X district", "X, the capital of Y" patterns."""
        for a, b in itertools.pairwise(hits):
            between = text[a.end : b.start]
            if _DISTRICT_OF_RE.fullmatch(between):
                _apply_link(a, b, strong=True)
            elif _CAPITAL_OF_RE.fullmatch(between):
                _apply_link(a, b, strong=True)
                a.force = "city"
                b.linked_as_capital_of = True
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

    def _resolve(self, text: str, hit: _Hit, mentions: list[tuple[int, str]]) -> PlaceMatch:
        suffix = "city" if hit.key[-1] == "city" else _suffix(text, hit.end)
        targets = _narrow(hit, mentions, suffix)
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

    def _preference(self, target: _Target) -> tuple[bool, str]:
        """Provincial centres first, then gazetteer order (P-code)."""
        district = self.districts[target.district_code] if target.district_code else None
        return (not (district and district.is_provincial_centre), target.district_code or "")

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


def _place_context(text: str, start: int, end: int) -> bool:
    """Whether a person-like name ("Farah") stands where a place would."""
    if _PLACE_AFTER_RE.match(text, end) or _list_suffix(text, end):
        return True
    before = _WORD_BEFORE_RE.search(text[max(0, start - _LOOKBEHIND_CHARS) : start])
    if before is None:
        return False
    return before.group(2) == "," or before.group(1).lower() in _PLACE_WORDS_BEFORE


def _district_follows(text: str, end: int) -> bool:
    return _suffix(text, end) == "district" or _list_suffix(text, end) == "district"


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


def _province_mentions(text: str, hits: list[_Hit]) -> list[tuple[int, str]]:
    """(position, province code) of every hit that names exactly one province.

    "Khost" alone is ambiguous (a province, and a district in Baghlan), but
    "Khost province" is not.
    """
    mentions = []
    for hit in hits:
        codes = {t.province_code for t in hit.targets}
        if len(codes) > 1 and _suffix(text, hit.end) == "province":
            codes = {t.province_code for t in hit.targets if t.kind == "province"}
        if len(codes) == 1:
            mentions.append((hit.start, codes.pop()))
    return mentions


def _narrow(hit: _Hit, mentions: list[tuple[int, str]], suffix: str | None) -> list[_Target]:
    """Keep the targets in the linked province, else in the nearest mentioned one.

    A province name is not re-read as a same-named district of another
    province just because that province is mentioned, unless "district" follows.
    """
    targets = list(hit.targets)
    if hit.link is not None:
        return [t for t in targets if t.province_code == hit.link]
    codes = {t.province_code for t in targets}
    is_province_name = any(t.kind == "province" for t in targets)
    if len(codes) < 2 or (is_province_name and suffix != "district"):
        return targets
    distances = {
        code: min(abs(pos - hit.start) for pos, c in mentions if c == code and pos != hit.start)
        for code in codes
        if any(c == code and pos != hit.start for pos, c in mentions)
    }
    if not distances:
        return targets
    nearest = min(distances, key=lambda code: distances[code])
    return [t for t in targets if t.province_code == nearest]


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


def _province_from_row(row: dict[str, str]) -> Province:
    lat, lon = _coords(row)
    return Province(
        name=_news_name(row["province_name"]),
        pcode=row["province_pcode"],
        capital=_news_name(row["capital"]),
        lat=lat,
        lon=lon,
    )


def _district_from_row(row: dict[str, str], provinces: dict[str, Province]) -> District:
    lat, lon = _coords(row)
    return District(
        name=_news_name(row["district_name"]),
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


def _good_capital_alias(alias: str) -> bool:
    """GeoNames exonyms: skip qualifiers like "(district)" and short or English words."""
    if "(" in alias:
        return False
    key = name_key(alias)
    return key not in _bad_capital_keys() and len("".join(key)) >= _MIN_CAPITAL_ALIAS_LEN


@functools.cache
def _bad_capital_keys() -> frozenset[tuple[str, ...]]:
    return frozenset(name_key(n) for n in _BAD_CAPITAL_ALIASES)


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
    "District",
    "Gazetteer",
    "PlaceKind",
    "PlaceMatch",
    "Province",
    "best_location",
    "default_gazetteer",
    "find_places",
    "name_key",
]
