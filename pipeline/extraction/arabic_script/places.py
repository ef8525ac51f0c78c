"""Afghan place names in Arabic script: the gazetteer's Dari columns plus the spellings
of data/gazetteer/spellings_arabic_script.yaml, looked up on folded words.

Two keys per name. The exact key is the folded name without spaces ("خانآباد" and
"خان آباد" are one name) and with a final ه/ی made one letter (Dari ازره, Pashto ازرې).
The skeleton keeps the consonants only, with letters that sound alike made one
(ق/ک, ط/ت, ذ ض ظ/ز, ث ص/س): Urdu خواجہ عماری and Dari خواجه عمری share one. Skeletons
are tried only where the text says a place stands (next to "district", in a list of
places), and only inside the provinces the passage names when it names any.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pipeline.extraction.arabic_script.fold import fold_word
from pipeline.places import DEFAULT_GAZETTEER_DIR, DISTRICTS_FILE, PROVINCES_FILE
from pipeline.settings import ConfigError, read_yaml_mapping

SPELLINGS_FILE = "spellings_arabic_script.yaml"
SPELLINGS_VERSION = 1
LANGUAGES = frozenset({"fa", "ps", "ur"})
PlaceKind = Literal["province", "district", "city"]
VOWEL_LETTERS = frozenset("اویهعء")
SOUND_FOLDS = str.maketrans({"ق": "ک", "ط": "ت", "ذ": "ز", "ض": "ز", "ظ": "ز", "ث": "س", "ص": "س"})
MIN_SKELETON = 3  # consonants a skeleton needs before it may stand for a name
WEAK_LETTERS = 4  # a district name this short is also a common word: it needs place context


@dataclass(frozen=True)
class NameTarget:
    """What a name can stand for: a province, a district, or a capital city (a district)."""

    kind: PlaceKind
    pcode: str
    province_pcode: str


@functools.lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    """The exact key: folded, spaces removed, a final ه/ی made one letter."""
    key = fold_word(text).replace(" ", "")
    if len(key) >= 3 and key[-1] in "هی":
        key = key[:-1] + "ه"
    return key


@functools.lru_cache(maxsize=65536)
def skeleton(text: str) -> str:
    """The consonant skeleton: the first letter kept, vowel letters dropped after it,
    letters that sound alike made one."""
    key = fold_word(text).replace(" ", "").translate(SOUND_FOLDS)
    return key[:1] + "".join(c for c in key[1:] if c not in VOWEL_LETTERS)


@dataclass(frozen=True)
class SpellingEntry:
    pcode: str
    names: tuple[str, ...]
    languages: tuple[str, ...]
    source: str
    capital: bool = False


def load_spellings(path: Path) -> list[SpellingEntry]:
    """The project's Arabic-script spellings; a wrong key or shape names the file."""
    data = read_yaml_mapping(path)
    if data.get("version") != SPELLINGS_VERSION:
        raise ConfigError(f"{path}: expected version: {SPELLINGS_VERSION}")
    entries = []
    for number, item in enumerate(data.get("entries") or [], start=1):
        where = f"{path}: entries[{number}]"
        if not isinstance(item, dict) or not {"pcode", "names", "source"} <= item.keys():
            raise ConfigError(f"{where}: needs pcode, names and source")
        languages = tuple(item.get("languages") or ())
        if not set(languages) <= LANGUAGES:
            raise ConfigError(f"{where}: languages must be among {sorted(LANGUAGES)}")
        entries.append(
            SpellingEntry(
                pcode=str(item["pcode"]),
                names=tuple(str(n) for n in item["names"]),
                languages=languages,
                source=str(item["source"]),
                capital=bool(item.get("capital", False)),
            )
        )
    return entries


class ScriptGazetteer:
    """Arabic-script names of the 34 provinces and 399 districts."""

    def __init__(self) -> None:
        self.exact: dict[str, set[NameTarget]] = {}
        self.skeletons: dict[str, set[NameTarget]] = {}
        self.max_words = 1
        self.centres: set[str] = set()
        self.english_names: dict[str, str] = {}  # district P-code: the CSV's English name
        # the first word of a longer district name ("Nawa" of Nawa-e-Barakzaiy): a name
        # the press shortens, read only inside a province the text names
        self.first_words: dict[str, set[NameTarget]] = {}

    def add(self, name: str, target: NameTarget) -> None:
        if not fold_word(name):
            return
        self.max_words = max(self.max_words, len(fold_word(name).split()))
        self.exact.setdefault(name_key(name), set()).add(target)
        words = fold_word(name).split()
        if target.kind == "district" and len(words) > 1:
            self.first_words.setdefault(name_key(words[0]), set()).add(target)
        if len(skeleton(name)) >= MIN_SKELETON:
            self.skeletons.setdefault(skeleton(name), set()).add(target)

    @classmethod
    def load(cls, directory: Path | None = None) -> ScriptGazetteer:
        folder = directory or DEFAULT_GAZETTEER_DIR
        gazetteer = cls()
        for row in _rows(folder / PROVINCES_FILE):
            target = NameTarget("province", row["province_pcode"], row["province_pcode"])
            for name in _split(row.get("province_name_dari", "")):
                gazetteer.add(name, target)
        for row in _rows(folder / DISTRICTS_FILE):
            target = NameTarget("district", row["district_pcode"], row["province_pcode"])
            gazetteer.english_names[row["district_pcode"]] = row["district_name"]
            if row.get("is_provincial_centre") == "yes":
                gazetteer.centres.add(row["district_pcode"])
            for name in _split(row.get("district_name_dari", "")):
                gazetteer.add(name, target)
        for entry in load_spellings(folder / SPELLINGS_FILE):
            kind: PlaceKind = (
                "province" if len(entry.pcode) == 4 else "city" if entry.capital else "district"
            )
            target = NameTarget(kind, entry.pcode, entry.pcode[:4])
            for name in entry.names:
                gazetteer.add(name, target)
        return gazetteer

    def lookup(self, words: Iterable[str]) -> set[NameTarget]:
        """Targets of a name; a prothetic alef before s+consonant is optional (اسپین
        بولدک and سپین بولدک are one name)."""
        key = name_key(" ".join(words))
        found = self.exact.get(key, set())
        if not found and len(key) > 4 and key.startswith("اس") and key[2] not in VOWEL_LETTERS:
            found = self.exact.get(key[1:], set())
        return found

    def lookup_skeleton(self, words: Iterable[str], provinces: set[str]) -> set[NameTarget]:
        """Districts sounding like the words, inside `provinces` when any are given."""
        found = {
            t for t in self.skeletons.get(skeleton(" ".join(words)), set()) if t.kind != "province"
        }
        if provinces:
            found = {t for t in found if t.province_pcode in provinces}
        return found if len({t.pcode for t in found}) == 1 else set()

    def lookup_shortened(self, words: Iterable[str], provinces: set[str]) -> set[NameTarget]:
        """A district named by the first word of its name, inside `provinces`."""
        found = {
            t
            for t in self.first_words.get(name_key(" ".join(words)), set())
            if t.province_pcode in provinces
        }
        return found if len({t.pcode for t in found}) == 1 else set()

    def is_weak(self, words: Iterable[str]) -> bool:
        """A short district name (جرم, دره, مقر) is also a word: it needs place context."""
        return len(name_key(" ".join(words))) <= WEAK_LETTERS


def _rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _split(value: str) -> list[str]:
    """The names of a `|` list (a name with brackets gives a note, not a name); "دند و
    پتان" is also written "دند پتان"."""
    names = [n.strip() for n in value.split("|") if n.strip() and "(" not in n]
    return names + [n.replace(" و ", " ") for n in names if " و " in n]


@functools.cache
def default_script_gazetteer() -> ScriptGazetteer:
    return ScriptGazetteer.load()
