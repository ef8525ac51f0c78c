"""Alert rules: what analysts configure in config/alerts.yaml, and matching events to them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.models import AlertMatch, Event
from pipeline.settings import ConfigError, read_yaml_mapping

MATCH_FIELDS = (
    "category",
    "type",
    "actor",
    "target",
    "realis",
    "claim_status",
    "province",
    "district",
    "control",
)
RULE_FIELDS = {
    "id",
    "description",
    "severity",
    "channel",
    "title",
    "match",
    "phrases",
    "min_outlets",
    "reply_to",
}
SEVERITIES = ("low", "medium", "high", "critical")
# Slack errors that retrying cannot fix: the token or channel is wrong.


@dataclass(frozen=True)
class PhraseSet:
    """Lemma phrases with synonyms, found in order within a window of words.

    `[district, fall]` with `fall: [fall, overrun, capture]` matches "districts had
    fallen", "the district was overrun" and, as the order is free within the window,
    "the fall of Panjwai district"."""

    phrases: tuple[tuple[str, ...], ...]
    synonyms: dict[str, frozenset[str]] = field(default_factory=dict)
    window: int = 8
    ordered: bool = False

    def _slot(self, word: str) -> frozenset[str]:
        return self.synonyms.get(word, frozenset({word}))

    def find(self, lemmas: Sequence[str]) -> tuple[str, ...] | None:
        """The first phrase standing in the lemmas, or None."""
        lowered = [w.lower() for w in lemmas]
        for phrase in self.phrases:
            slots = [self._slot(word) for word in phrase]
            for start in range(len(lowered)):
                window = lowered[start : start + self.window]
                if window[0] in slots[0] and self._fits(slots, window):
                    return phrase
                if (
                    not self.ordered
                    and any(window[0] in slot for slot in slots)
                    and all(any(word in slot for word in window) for slot in slots)
                ):
                    return phrase
        return None

    def _fits(self, slots: list[frozenset[str]], window: Sequence[str]) -> bool:
        """All slots in order inside the window (the first one at its start)."""
        position = 1
        for slot in slots[1:]:
            position = next((i + 1 for i in range(position, len(window)) if window[i] in slot), -1)
            if position < 0:
                return False
        return True


@dataclass(frozen=True)
class AlertRule:
    id: str
    description: str
    severity: str
    channel: str | None
    title: str
    match: dict[str, tuple[str, ...]] = field(default_factory=dict)
    phrases: PhraseSet | None = None
    min_outlets: int = 1
    reply_to: str | None = None  # also reply in the thread of this rule's alert on the place

    def matches(self, event: Event, outlets: int = 1) -> bool:
        if outlets < self.min_outlets:
            return False
        for key, allowed in self.match.items():
            value = _event_value(event, key)
            if value not in allowed:
                return False
        return self.phrases is None or self.phrases.find(event.lemmas) is not None


def _event_value(event: Event, key: str) -> str | None:
    if key == "province":
        return event.location.province if event.location else None
    if key == "district":
        return event.location.district if event.location else None
    return getattr(event, key)


def load_rules(path: Path) -> list[AlertRule]:
    """Read and validate alerts.yaml; every mistake names the rule and the field."""
    data = read_yaml_mapping(path)
    items = data.get("rules")
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{path}: expected a non-empty 'rules:' list")
    rules = [_rule(path, index, item) for index, item in enumerate(items, start=1)]
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{path}: rule ids must be unique, got {ids}")
    for rule in rules:
        if rule.reply_to and rule.reply_to not in ids:
            raise ConfigError(f"{path}: rule '{rule.id}': reply_to names no rule: {rule.reply_to}")
    return rules


def _phrases(where: str, raw: Any) -> PhraseSet:
    """Validate a rule's `phrases` block: lists of words, synonyms, a window."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: 'phrases' must be a mapping with 'any' (and 'synonyms')")
    unknown = set(raw) - {"any", "synonyms", "window", "ordered"}
    if unknown:
        raise ConfigError(f"{where}: unknown phrases field(s) {sorted(unknown)}")
    phrases = raw.get("any")
    if (
        not isinstance(phrases, list)
        or not phrases
        or not all(
            isinstance(p, list) and p and all(isinstance(w, str) and w.strip() for w in p)
            for p in phrases
        )
    ):
        raise ConfigError(
            f"{where}: phrases.any must be a list of word lists, e.g. "
            "[[district, fall], [fall, to, taliban]]"
        )
    synonyms = raw.get("synonyms") or {}
    if not isinstance(synonyms, dict) or not all(
        isinstance(v, list) and all(isinstance(w, str) for w in v) for v in synonyms.values()
    ):
        raise ConfigError(f"{where}: phrases.synonyms must map a word to a list of words")
    window = raw.get("window", 8)
    if not isinstance(window, int) or window < 2:
        raise ConfigError(f"{where}: phrases.window must be a whole number >= 2")
    return PhraseSet(
        phrases=tuple(tuple(w.lower() for w in p) for p in phrases),
        synonyms={
            k.lower(): frozenset({k.lower(), *(w.lower() for w in v)}) for k, v in synonyms.items()
        },
        window=window,
        ordered=bool(raw.get("ordered", False)),
    )


def _rule(path: Path, index: int, item: Any) -> AlertRule:
    where = f"{path}: rule #{index}"
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected a mapping")
    unknown = set(item) - RULE_FIELDS
    if unknown:
        raise ConfigError(
            f"{where}: unknown field(s) {sorted(unknown)}; allowed {sorted(RULE_FIELDS)}"
        )
    if not item.get("id"):
        raise ConfigError(f"{where}: missing 'id'")
    where = f"{path}: rule '{item['id']}'"
    severity = item.get("severity", "medium")
    if severity not in SEVERITIES:
        raise ConfigError(f"{where}: severity must be one of {SEVERITIES}, got {severity!r}")
    match = item.get("match") or {}
    if not isinstance(match, dict) or not (match or item.get("phrases")):
        raise ConfigError(f"{where}: missing 'match' mapping (or 'phrases')")
    bad = set(match) - set(MATCH_FIELDS)
    if bad:
        raise ConfigError(f"{where}: unknown match field(s) {sorted(bad)}; allowed {MATCH_FIELDS}")
    normalised = {k: tuple(v if isinstance(v, list) else [v]) for k, v in match.items()}
    return AlertRule(
        id=str(item["id"]),
        description=str(item.get("description", "")),
        severity=severity,
        channel=item.get("channel"),
        title=str(item.get("title") or item["id"]),
        match=normalised,
        phrases=_phrases(where, item["phrases"]) if "phrases" in item else None,
        min_outlets=_min_outlets(where, item.get("min_outlets", 1)),
        reply_to=str(item["reply_to"]) if item.get("reply_to") else None,
    )


def _min_outlets(where: str, value: Any) -> int:
    if not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: min_outlets must be a whole number >= 1")
    return value


def match_rules(
    rules: Sequence[AlertRule], found: Sequence[Event], default_channel: str, outlets: int = 1
) -> list[AlertMatch]:
    """One match per rule and article: the first event that satisfies the rule.
    `outlets` is how many independent outlets report the story so far."""
    matches: list[AlertMatch] = []
    for rule in rules:
        for index, event in enumerate(found):
            if rule.matches(event, outlets):
                matches.append(
                    AlertMatch(
                        rule.id,
                        rule.severity,
                        rule.channel or default_channel,
                        index,
                        event.evidence,
                        rule.title,
                    )
                )
                break
    return matches
