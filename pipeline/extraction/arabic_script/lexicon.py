"""The words of one Arabic-script language (data/lexicon/fa.yaml, ps.yaml, ur.yaml),
folded and compiled into phrases that match token sequences."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.extraction.arabic_script.fold import fold_word
from pipeline.extraction.lexicon import PROJECT_ROOT
from pipeline.settings import ConfigError, read_yaml_mapping

LEXICON_DIR = PROJECT_ROOT / "data" / "lexicon"
SUPPORTED_VERSION = 1
MAX_GAP = 7  # words "..." may stand for ("control of <a long place name> taken")
WORD_LISTS = (
    "district_words",
    "province_words",
    "city_words",
    "capital_words",
    "city_part_words",
    "person_words",
    "list_words",
    "common_words",
    "direction_words",
    "group_pronouns",
    "building_words",
    "count_words",
    "captor_before",
    "captor_after",
    "source_before",
    "source_after",
)
TRIGGERS = (
    "capture",
    "loss",
    "retake",
    "surrender",
    "hold",
    "attack",
    "withdrawal",
    "talks",
    "agreement",
    "accusation",
)
CUES = (
    "again",
    "claim",
    "deny",
    "repelled",
    "attempt",
    "hedge",
    "background_before",
    "background_after",
    "pluperfect_after",
    "other_senses",
    "other_subjects",
)
ACTOR_GROUPS = (
    "Taliban",
    "Afghan forces",
    "Afghan government",
    "Resistance",
    "US",
    "NATO",
    "ISIS-K",
    "al-Qaeda",
)


@dataclass(frozen=True)
class Word:
    text: str
    prefix: bool  # written with a final *: any word it starts

    def matches(self, token: str) -> bool:
        return token.startswith(self.text) if self.prefix else token == self.text


@dataclass(frozen=True)
class Phrase:
    """Parts of consecutive words; up to MAX_GAP words may stand between two parts."""

    source: str
    parts: tuple[tuple[Word, ...], ...]

    @property
    def size(self) -> int:
        return sum(len(p) for p in self.parts)

    def match_at(self, tokens: Sequence[str], start: int) -> int | None:
        """The end (exclusive) of a match starting at `start`, or None."""
        end = _part_at(self.parts[0], tokens, start)
        if end is None:
            return None
        for part in self.parts[1:]:
            for gap in range(MAX_GAP + 1):
                found = _part_at(part, tokens, end + gap)
                if found is not None:
                    end = found
                    break
            else:
                return None
        return end

    def find(self, tokens: Sequence[str]) -> list[tuple[int, int]]:
        """Every (start, end) where the phrase stands."""
        spans = []
        for start in range(len(tokens)):
            end = self.match_at(tokens, start)
            if end is not None:
                spans.append((start, end))
        return spans


PhraseIndex = tuple[dict[str, tuple[Phrase, ...]], tuple[Phrase, ...]]
_INDEXES: dict[int, tuple[tuple[Phrase, ...], PhraseIndex]] = {}


def _index(phrases: tuple[Phrase, ...]) -> PhraseIndex:
    """The phrases by their first word (those starting with `word*` apart), built once
    per lexicon list: a sentence is then read once, not once per phrase."""
    cached = _INDEXES.get(id(phrases))
    if cached is not None and cached[0] is phrases:
        return cached[1]
    exact: dict[str, list[Phrase]] = {}
    prefixed = []
    for phrase in phrases:
        first = phrase.parts[0][0]
        if first.prefix:
            prefixed.append(phrase)
        else:
            exact.setdefault(first.text, []).append(phrase)
    index = ({k: tuple(v) for k, v in exact.items()}, tuple(prefixed))
    _INDEXES[id(phrases)] = (phrases, index)
    return index


def find_all(phrases: tuple[Phrase, ...], tokens: Sequence[str]) -> list[tuple[int, int, Phrase]]:
    """Every (start, end, phrase) where one of the phrases stands."""
    exact, prefixed = _index(phrases)
    found = []
    for start, token in enumerate(tokens):
        candidates = exact.get(token, ())
        if prefixed:
            first = [p for p in prefixed if token.startswith(p.parts[0][0].text)]
            candidates = (*candidates, *first)
        for phrase in candidates:
            end = phrase.match_at(tokens, start)
            if end is not None:
                found.append((start, end, phrase))
    return found


def any_match(phrases: tuple[Phrase, ...], tokens: Sequence[str]) -> bool:
    return bool(find_all(phrases, tokens))


def _part_at(part: tuple[Word, ...], tokens: Sequence[str], start: int) -> int | None:
    if start + len(part) > len(tokens):
        return None
    if all(word.matches(tokens[start + i]) for i, word in enumerate(part)):
        return start + len(part)
    return None


def compile_phrase(text: str) -> Phrase:
    parts: list[tuple[Word, ...]] = []
    for chunk in str(text).split("..."):
        words = []
        for raw in chunk.split():
            prefix = raw.endswith("*")
            folded = fold_word(raw.rstrip("*"))
            words += [Word(w, False) for w in folded.split()[:-1]]
            words += [Word(folded.split()[-1], prefix)] if folded else []
        if words:
            parts.append(tuple(words))
    if not parts:
        raise ValueError(f"empty phrase {text!r}")
    return Phrase(str(text), tuple(parts))


@dataclass(frozen=True)
class ScriptLexicon:
    language: str
    spacy_language: str
    words: dict[str, tuple[Phrase, ...]]
    triggers: dict[str, tuple[Phrase, ...]]
    cues: dict[str, tuple[Phrase, ...]]
    actors: dict[str, tuple[Phrase, ...]]

    def single_words(self, name: str) -> frozenset[str]:
        """The one-word entries of a word list, for token tests (built once per list:
        the extractor asks for them in every sentence)."""
        return _single_words(self.words[name])


_SINGLE: dict[int, tuple[tuple[Phrase, ...], frozenset[str]]] = {}


def _single_words(phrases: tuple[Phrase, ...]) -> frozenset[str]:
    cached = _SINGLE.get(id(phrases))
    if cached is None or cached[0] is not phrases:
        words = frozenset(p.parts[0][0].text for p in phrases if p.size == 1)
        cached = _SINGLE[id(phrases)] = (phrases, words)
    return cached[1]


def _phrases(values: Any, where: str) -> tuple[Phrase, ...]:
    if not isinstance(values, list):
        raise ConfigError(f"{where}: expected a list of words or phrases")
    try:
        phrases = [compile_phrase(v) for v in values]
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return tuple(sorted(phrases, key=lambda p: -p.size))


def load_lexicon(path: Path) -> ScriptLexicon:
    """One language's lexicon; a missing section or a wrong shape names the file and key."""
    data = read_yaml_mapping(path)
    if data.get("version") != SUPPORTED_VERSION:
        raise ConfigError(f"{path}: expected version: {SUPPORTED_VERSION}")
    for key in ("language", "spacy_language", "actors", "triggers", "cues", *WORD_LISTS):
        if key not in data:
            raise ConfigError(f"{path}: missing key {key!r}")
    actors = data["actors"] or {}
    unknown = set(actors) - set(ACTOR_GROUPS)
    if unknown:
        raise ConfigError(f"{path}: actors: unknown group(s) {sorted(unknown)}")
    return ScriptLexicon(
        language=str(data["language"]),
        spacy_language=str(data["spacy_language"]),
        words={k: _phrases(data[k] or [], f"{path}: {k}") for k in WORD_LISTS},
        triggers={
            k: _phrases((data["triggers"] or {}).get(k) or [], f"{path}: triggers.{k}")
            for k in TRIGGERS
        },
        cues={k: _phrases((data["cues"] or {}).get(k) or [], f"{path}: cues.{k}") for k in CUES},
        actors={g: _phrases(actors[g] or [], f"{path}: actors.{g}") for g in actors},
    )


@functools.cache
def script_lexicon(language: str) -> ScriptLexicon:
    """The packaged lexicon of fa, ps or ur, loaded once per process."""
    return load_lexicon(LEXICON_DIR / f"{language}.yaml")
