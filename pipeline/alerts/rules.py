"""Alert rules: what analysts configure in config/alerts.yaml, and matching events to them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, field_validator, model_validator

from pipeline.models import AlertMatch, Event
from pipeline.settings import (
    YAML_BOOLEAN,
    ConfigError,
    StrictModel,
    closest,
    config_error,
    read_yaml_mapping,
    suggest,
    validate_item,
)

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
    "control_change",
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
class ControlChangeSpec:
    """Which district-control changes a rule posts: the new state is one of `to`, the
    change is at least `min_confidence` sure and backed by `min_outlets` outlets."""

    to: tuple[str, ...] = ("taliban", "claimed_by_taliban", "contested", "government")
    min_confidence: float = 0.0
    min_outlets: int = 1

    def wants(self, status: str, confidence: float, outlets: int) -> bool:
        return (
            status in self.to and confidence >= self.min_confidence and outlets >= self.min_outlets
        )


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
    mention_here: bool = False  # start the message with @here (critical rules, sparingly)
    # a rule on district-control changes (not on events): see ControlChangeSpec
    control_change: ControlChangeSpec | None = None

    def matches(self, event: Event, outlets: int = 1) -> bool:
        if self.control_change is not None or outlets < self.min_outlets:
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


Word = Annotated[str, Field(pattern=r"\S")]
PHRASES_ANY = "a list of word lists, e.g. [[district, fall], [fall, to, taliban]]"
A_VALUE_OR_LIST = "a value or a list of values"


class MatchBlock(StrictModel):
    """A rule's `match:`: event fields, each a value or a list of values (any of them)."""

    category: tuple[str | None, ...] = Field((), description=A_VALUE_OR_LIST)
    type: tuple[str | None, ...] = Field((), description=A_VALUE_OR_LIST)
    actor: tuple[str | None, ...] = Field((), description=A_VALUE_OR_LIST)
    target: tuple[str | None, ...] = Field((), description=A_VALUE_OR_LIST)
    realis: tuple[str | None, ...] = Field((), description=A_VALUE_OR_LIST)
    claim_status: tuple[str | None, ...] = Field((), description=A_VALUE_OR_LIST)
    province: tuple[str | None, ...] = Field((), description=A_VALUE_OR_LIST)
    district: tuple[str | None, ...] = Field((), description=A_VALUE_OR_LIST)
    control: tuple[str | None, ...] = Field((), description=A_VALUE_OR_LIST)

    @field_validator(*MATCH_FIELDS, mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return value if isinstance(value, list) else [value]


class PhrasesBlock(StrictModel):
    """A rule's `phrases:` (see PhraseSet)."""

    any: list[Annotated[list[Word], Field(min_length=1)]] = Field(
        min_length=1, description=PHRASES_ANY
    )
    synonyms: dict[str, list[str]] | None = Field(
        None, description="a mapping of a word to a list of words, e.g. {fall: [fall, overrun]}"
    )
    window: int = Field(8, strict=True, ge=2, description="a whole number >= 2")
    ordered: StrictBool = Field(False, description=YAML_BOOLEAN)


CONTROL_STATES = ("taliban", "claimed_by_taliban", "contested", "government", "unknown")


class ControlChangeBlock(StrictModel):
    """A rule's `control_change:` (see ControlChangeSpec)."""

    to: tuple[
        Literal["taliban", "claimed_by_taliban", "contested", "government", "unknown"], ...
    ] = Field(
        ("taliban", "claimed_by_taliban", "contested", "government"),
        description=f"a state or a list of states ({', '.join(CONTROL_STATES)})",
    )
    min_confidence: float = Field(0.0, ge=0, le=1, description="a number from 0 to 1")
    min_outlets: int = Field(1, strict=True, ge=1, description="a whole number >= 1")

    @field_validator("to", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return value if isinstance(value, list) else [value]


class RuleEntry(StrictModel):
    """One entry of alerts.yaml's `rules:` list."""

    id: str = Field(pattern=r"\S", description="the rule's id, a non-empty name")
    title: str | None = Field(None, description="text")
    description: str | None = Field(None, description="text")
    severity: Literal["low", "medium", "high", "critical"] = Field(
        "medium", description=f"one of {', '.join(SEVERITIES)}"
    )
    channel: str | None = Field(None, description="a Slack channel name or ID")
    match: MatchBlock | None = Field(
        None,
        description=f"a mapping of event fields ({', '.join(MATCH_FIELDS)}) to {A_VALUE_OR_LIST}",
    )
    phrases: PhrasesBlock | None = Field(
        None, description="a mapping with 'any' (and 'synonyms', 'window', 'ordered')"
    )
    min_outlets: int = Field(1, strict=True, ge=1, description="a whole number >= 1")
    reply_to: str | None = Field(None, description="another rule's id")
    mention_here: StrictBool = Field(False, description=YAML_BOOLEAN)
    control_change: ControlChangeBlock | None = Field(
        None, description="a mapping with 'to' (and 'min_confidence', 'min_outlets')"
    )

    @model_validator(mode="after")
    def _matches_something(self) -> RuleEntry:
        on_events = bool(self.match and self.match.model_fields_set) or self.phrases is not None
        if self.control_change is not None and on_events:
            raise config_error("'control_change' rules match no events: drop 'match'/'phrases'")
        if not on_events and self.control_change is None:
            raise config_error("missing 'match' mapping (or 'phrases', or 'control_change')")
        return self


def load_rules(path: Path) -> list[AlertRule]:
    """Read and validate alerts.yaml; every mistake names the rule and the field."""
    data = read_yaml_mapping(path)
    items = data.get("rules")
    if not isinstance(items, list) or not items:
        near = [k for k in data if k != "rules" and closest(str(k), ["rules"])]
        hint = f" — did you mean 'rules' (not {near[0]!r})?" if near else ""
        raise ConfigError(f"{path}: expected a non-empty 'rules:' list{hint}")
    rules = [_rule(path, index, item) for index, item in enumerate(items, start=1)]
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise ConfigError(f"{path}: rule ids must be unique, got {twice} more than once")
    for rule in rules:
        if rule.reply_to and rule.reply_to not in ids:
            raise ConfigError(
                f"{path}: rule '{rule.id}': reply_to names no rule: {rule.reply_to!r}"
                f"{suggest(rule.reply_to, ids)}"
            )
    return rules


def _rule_label(index: int, item: Any) -> str:
    """'rule #2 (district-fallen)': the number and, when it has one, the id."""
    if isinstance(item, dict) and isinstance(item.get("id"), str | int) and str(item["id"]).strip():
        return f"rule #{index} ({item['id']})"
    return f"rule #{index}"


def _phrases(block: PhrasesBlock) -> PhraseSet:
    return PhraseSet(
        phrases=tuple(tuple(w.lower() for w in p) for p in block.any),
        synonyms={
            k.lower(): frozenset({k.lower(), *(w.lower() for w in v)})
            for k, v in (block.synonyms or {}).items()
        },
        window=block.window,
        ordered=block.ordered,
    )


def _rule(path: Path, index: int, item: Any) -> AlertRule:
    where = f"{path}: {_rule_label(index, item)}"
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected a mapping with 'id' and 'match'")
    entry: RuleEntry = validate_item(RuleEntry, item, where)
    match = entry.match.model_dump(include=entry.match.model_fields_set) if entry.match else {}
    return AlertRule(
        id=entry.id,
        description=entry.description or "",
        severity=entry.severity,
        channel=entry.channel,
        title=entry.title or entry.id,
        match=match,
        phrases=_phrases(entry.phrases) if entry.phrases else None,
        min_outlets=entry.min_outlets,
        reply_to=entry.reply_to or None,
        mention_here=entry.mention_here,
        control_change=_control_change(entry.control_change),
    )


def _control_change(block: ControlChangeBlock | None) -> ControlChangeSpec | None:
    if block is None:
        return None
    return ControlChangeSpec(tuple(block.to), block.min_confidence, block.min_outlets)


def match_rules(
    rules: Sequence[AlertRule],
    found: Sequence[Event],
    default_channel: str,
    outlets: int | Sequence[int] = 1,
) -> list[AlertMatch]:
    """One match per rule and article: the first event that satisfies the rule.
    `outlets` is how many independent outlets report each event's incident so far (one
    figure for all events, or one per event)."""
    per_event = [outlets] * len(found) if isinstance(outlets, int) else list(outlets)
    matches: list[AlertMatch] = []
    for rule in rules:
        for index, event in enumerate(found):
            if rule.matches(event, per_event[index]):
                matches.append(
                    AlertMatch(
                        rule.id,
                        rule.severity,
                        rule.channel or default_channel,
                        index,
                        event.evidence,
                        rule.title,
                        mention_here=rule.mention_here,
                    )
                )
                break
    return matches
