"""The extractor's words: triggers from config/taxonomy.yaml, frames and cues from
data/lexicon/<language>.yaml. Both are data so analysts can extend them without code;
a mistake fails at load time naming the file and key."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.taxonomy import Taxonomy, default_taxonomy

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_LEXICON_PATH = PROJECT_ROOT / "data" / "lexicon" / "en.yaml"
SUPPORTED_VERSION = 1
FRAMES = (
    "territory",
    "control",
    "place_subject",
    "loss",
    "expel",
    "state",
    "entry",
    "departure",
    "movement",
    "release",
    "speech",
)
WORD_LISTS = (
    "prisoner_nouns",
    "settlement_nouns",
    "district_nouns",
    "city_nouns",
    "capital_nouns",
    "base_nouns",
    "crossing_nouns",
    "minor_place_nouns",
    "near_prepositions",
    "country_nouns",
    "military_nouns",
    "person_nouns",
    "negators",
    "modals",
    "conditional_marks",
    "purpose_marks",
    "hypothetical_governors",
    "announced_governors",
    "future_auxiliaries",
    "attempt_words",
    "repelled_words",
    "claim_verbs",
    "deny_verbs",
    "confirm_verbs",
    "unofficial_sources",
    "government_hold",
    "support_verbs",
    "reference_prepositions",
    "reference_verbs",
    "definite_determiners",
    "actor_pronouns",
    "group_nouns",
    "place_pronouns",
    "accusation_verbs",
    "captive_nouns",
    "suffer_verbs",
    "cessation_verbs",
    "falsity_words",
    "weapon_nouns",
    "reference_heads",
    "defender_nouns",
    "party_nouns",
    "commitment_nouns",
    "abstract_nouns",
)
POS_TAGS = frozenset({"VERB", "NOUN", "PROPN", "ADJ", "AUX"})
DEFAULT_POS = frozenset({"VERB", "NOUN"})


class LexiconError(ValueError):
    """A lexicon file that cannot be read or does not validate."""


@dataclass(frozen=True)
class Trigger:
    """A trigger word or phrase: its category, type (None: decided by the place) and frame."""

    lemmas: tuple[str, ...]
    category: str
    type: str | None
    frame: str
    pos: frozenset[str]


@dataclass(frozen=True)
class Lexicon:
    """Validated triggers and cue words of one language."""

    triggers: tuple[Trigger, ...]
    words: dict[str, frozenset[str]]
    source: str
    parse_as: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> frozenset[str]:
        words = self.__dict__.get("words", {})
        if name in words:
            return words[name]
        raise AttributeError(name)

    @functools.cached_property
    def by_head(self) -> dict[str, tuple[Trigger, ...]]:
        """Triggers by their first lemma, longest phrase first."""
        index: dict[str, list[Trigger]] = {}
        for trigger in self.triggers:
            index.setdefault(trigger.lemmas[0], []).append(trigger)
        return {k: tuple(sorted(v, key=lambda t: -len(t.lemmas))) for k, v in index.items()}

    @functools.cached_property
    def lemma_of_form(self) -> dict[str, str]:
        """Irregular forms the tagger may leave unlemmatised ("fallen" as an adjective)."""
        return {form: lemma for lemma, forms in IRREGULAR.items() for form in forms}

    @functools.cached_property
    def trigger_forms(self) -> frozenset[str]:
        """Inflected forms of each trigger's most telling word, a cheap sentence gate: for
        "set fire" the word "fire", not "set", which stands in most sentences."""
        forms: set[str] = set()
        for trigger in self.triggers:
            words = trigger.lemmas
            telling = (
                [w for w in words if w not in COMMON_WORDS]
                or [w for w in words if w not in PARTICLES and w not in SKIP_LEMMAS]
                or [words[-1]]
            )
            forms |= word_forms(telling[0])
        return frozenset(forms - GATE_SKIPS)


# words too common to open the sentence gate on their own (a phrase gates on its other word)
COMMON_WORDS = frozenset(
    {
        "have",
        "get",
        "go",
        "set",
        "take",
        "make",
        "give",
        "come",
        "put",
        "run",
        "keep",
        "out",
        "back",
        "off",
        "up",
        "down",
        "over",
        "into",
        "in",
        "on",
        "way",
        "move",
        "walk",
        "pass",
        "lay",
    }
)
PARTICLES = frozenset({"in", "on", "out", "off", "up", "down", "over", "into", "back", "way"})
SKIP_LEMMAS = frozenset({"have", "go", "set", "run", "pass"})
# forms of one-word triggers that are nearly always another sense ("going to", "runs")
GATE_SKIPS = frozenset(
    {
        "go",
        "goes",
        "going",
        "run",
        "runs",
        "have",
        "has",
        "had",
        "set",
        "sets",
        "pass",
        "passes",
        "passing",
    }
)


def word_forms(lemma: str) -> set[str]:
    """Regular English inflections of a lemma (over-generating is fine for a gate)."""
    forms = {lemma, lemma + "s", lemma + "es", lemma + "ed", lemma + "d", lemma + "ing"}
    if lemma.endswith("e"):
        forms |= {lemma[:-1] + "ing"}
    if lemma.endswith("y"):
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
    if len(lemma) > 2 and lemma[-1] not in "aeiouwy" and lemma[-2] in "aeiou":
        forms |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}
    return forms | IRREGULAR.get(lemma, set())


IRREGULAR: dict[str, set[str]] = {
    "fall": {"fell", "fallen"},
    "take": {"took", "taken"},
    "overrun": {"overran"},
    "seize": {"seized"},
    "retake": {"retook", "retaken"},
    "win": {"won"},
    "drive": {"drove", "driven"},
    "hold": {"held"},
    "lose": {"lost"},
    "flee": {"fled"},
    "leave": {"left"},
    "fly": {"flew", "flown"},
    "strike": {"struck", "stricken"},
    "fight": {"fought"},
    "go": {"went", "gone"},
    "blow": {"blew", "blown"},
    "give": {"gave", "given"},
    "sit": {"sat"},
    "meet": {"met"},
    "shell": {"shelled"},
    "free": {"freed"},
    "have": {"had", "has"},
    "get": {"got", "gotten"},
    "set": {"set"},
    "shoot": {"shot"},
    "grab": {"grabbed"},
    "lay": {"laid"},
    "sweep": {"swept"},
    "overwhelm": {"overwhelmed"},
    "run": {"ran"},
}


def _fail(source: str, problem: str) -> LexiconError:
    return LexiconError(f"{source}: {problem}")


def _word_list(source: str, key: str, raw: Any) -> frozenset[str]:
    if not isinstance(raw, list) or not all(isinstance(w, str) and w.strip() for w in raw):
        raise _fail(source, f"'{key}' must be a list of words")
    return frozenset(str(w).strip().lower() for w in raw)


def load_lexicon(path: Path | None = None, taxonomy: Taxonomy | None = None) -> Lexicon:
    """Read and validate a lexicon file against the taxonomy's triggers."""
    path = path or DEFAULT_LEXICON_PATH
    source = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise _fail(source, f"cannot read lexicon: {exc}") from exc
    if not isinstance(data, dict):
        raise _fail(source, "top level must be a mapping")
    allowed = {"version", "pos", "frames", "parse_as", *WORD_LISTS}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _fail(source, f"unknown keys {unknown} (allowed: {sorted(allowed)})")
    if data.get("version") != SUPPORTED_VERSION:
        raise _fail(source, f"unsupported version {data.get('version')!r}")
    missing = [k for k in WORD_LISTS if k not in data]
    if missing:
        raise _fail(source, f"missing word lists {missing}")
    words = {key: _word_list(source, key, data[key]) for key in WORD_LISTS}
    taxonomy = taxonomy or default_taxonomy()
    known = {phrase for phrase, _, _ in taxonomy.triggers()}
    frames = _frames(source, data.get("frames") or {}, known)
    pos = _pos(source, data.get("pos") or {}, known)
    triggers = tuple(
        Trigger(
            lemmas=tuple(phrase.split()),
            category=category,
            type=type_name,
            frame=frames.get(phrase, "event"),
            pos=pos.get(phrase, DEFAULT_POS),
        )
        for phrase, category, type_name in taxonomy.triggers()
    )
    return Lexicon(
        triggers=triggers,
        words=words,
        source=source,
        parse_as=_parse_as(source, data.get("parse_as") or {}),
    )


def _parse_as(source: str, raw: Any) -> dict[str, str]:
    """Words the small parser misreads, each with a common word of the same length and
    part of speech to parse instead (offsets stay the same)."""
    if not isinstance(raw, dict):
        raise _fail(source, "'parse_as' must map a word to a word of the same length")
    for word, stand_in in raw.items():
        if (
            not isinstance(word, str)
            or not isinstance(stand_in, str)
            or (len(word) != len(stand_in))
        ):
            raise _fail(source, f"parse_as.{word}: needs a stand-in of the same length")
    return {str(k).lower(): str(v).lower() for k, v in raw.items()}


def _frames(source: str, raw: Any, known: set[str]) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise _fail(source, "'frames' must map a frame name to a list of triggers")
    frames: dict[str, str] = {}
    for frame, phrases in raw.items():
        if frame not in FRAMES:
            raise _fail(source, f"frames: unknown frame {frame!r} (known: {list(FRAMES)})")
        for phrase in _word_list(source, f"frames.{frame}", phrases):
            if phrase not in known:
                raise _fail(
                    source,
                    f"frames.{frame}: {phrase!r} is not an extract trigger of the taxonomy",
                )
            frames[phrase] = frame
    return frames


def _pos(source: str, raw: Any, known: set[str]) -> dict[str, frozenset[str]]:
    if not isinstance(raw, dict):
        raise _fail(source, "'pos' must map a trigger to a list of parts of speech")
    pos: dict[str, frozenset[str]] = {}
    for phrase, tags in raw.items():
        if phrase not in known:
            raise _fail(source, f"pos: {phrase!r} is not an extract trigger of the taxonomy")
        if not isinstance(tags, list) or not set(tags) <= POS_TAGS:
            raise _fail(source, f"pos.{phrase}: parts of speech must be among {sorted(POS_TAGS)}")
        pos[phrase] = frozenset(tags)
    return pos


@functools.lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The project's English lexicon, loaded once per process."""
    return load_lexicon()
