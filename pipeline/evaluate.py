"""`evaluate dedupe|events`: score the pipeline against hand-labelled gold sets.

Both commands run the same `analyze` as `run` and `analyze` (nothing is stored), so the
figures describe what the pipeline does. The gold sets are read by path at run time
(see ../shared/dev/README.md for their formats); scoring is done by pure functions.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline import dedupe
from pipeline.models import ACTORS, CATEGORIES, Event
from pipeline.resources import Resources
from pipeline.settings import ConfigError, load_settings

ALERT_RULE = "district-fallen"
TERRITORY = ("territory_captured", "territory_retaken")
COPY_STATUSES = ("duplicate", "near_duplicate")
FINDABLE_AT = 0.35  # the near-duplicate threshold when config/dedupe.yaml gives none
DEFAULT_SHOW_MISSES = 20
GENERIC_PLACE_WORDS = frozenset(
    {"district", "province", "city", "provincial", "capital", "town", "centre", "center"}
    | {"border", "crossing"}
)
RELATION = re.compile(
    r"^(?:(?P<kind>duplicate|near-duplicate)-of\s+(?P<seed>\S+)|(?P<negative>related-not-duplicate))$"
)
PARENTHESIS = re.compile(r"\(([^)]*)\)")
NON_WORD = re.compile(r"[^\w]+")

Pair = tuple[str, str]


# --- figures --------------------------------------------------------------
def prf(tp: int, fp: int, fn: int) -> dict[str, Any]:
    """Counts with precision, recall and F1 (0.0 where a denominator is zero)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


@dataclass
class Tally:
    """True/false positive and false negative counts for one label."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add_sets(self, gold: set[Any], predicted: set[Any]) -> None:
        self.tp += len(gold & predicted)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)

    def scores(self) -> dict[str, Any]:
        return prf(self.tp, self.fp, self.fn)


def label_scores(
    gold_sets: Sequence[set[str]], predicted_sets: Sequence[set[str]], order: Sequence[str] = ()
) -> dict[str, Any]:
    """Per-label and micro P/R/F1 over passages, each passage counted as a set of labels."""
    labels = list(order) + sorted(set().union(*gold_sets, *predicted_sets) - set(order))
    per_label = {label: Tally() for label in labels}
    micro = Tally()
    for gold, predicted in zip(gold_sets, predicted_sets, strict=True):
        micro.add_sets(gold, predicted)
        for label in labels:
            per_label[label].add_sets(gold & {label}, predicted & {label})
    return {
        "per_label": {k: t.scores() for k, t in per_label.items() if t.tp + t.fp + t.fn},
        "micro": micro.scores(),
    }


# --- dedupe gold ------------------------------------------------------------
@dataclass(frozen=True)
class DedupeCase:
    """One dedupe gold file: its text and the seed it copies (None for a negative)."""

    name: str
    source: str
    relation: str  # duplicate | near_duplicate | negative
    seed: str | None
    text: str

    @property
    def is_copy(self) -> bool:
        return self.relation != "negative"


def parse_dedupe_file(path: Path) -> DedupeCase:
    """Read `SOURCE:` and `RELATION:` header lines, a blank line, then the text."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) < 3 or not lines[0].startswith("SOURCE:") or not lines[1].startswith("RELATION:"):
        raise ConfigError(f"{path}: expected 'SOURCE:' and 'RELATION:' header lines")
    match = RELATION.match(lines[1].removeprefix("RELATION:").strip())
    if match is None:
        raise ConfigError(f"{path}: unknown relation {lines[1]!r}")
    relation = (match["kind"] or "negative").replace("-", "_")
    return DedupeCase(
        name=path.name,
        source=lines[0].removeprefix("SOURCE:").strip(),
        relation=relation,
        seed=match["seed"],
        text="\n".join(lines[3:] if not lines[2].strip() else lines[2:]).strip(),
    )


def load_dedupe_gold(directory: Path) -> list[DedupeCase]:
    """Every file of a dedupe gold folder, in name order."""
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory}: not a directory")
    files = [p for p in sorted(directory.iterdir()) if p.is_file() and not p.name.startswith(".")]
    return [parse_dedupe_file(p) for p in files]


def load_rewrite_cases(path: Path) -> list[DedupeCase]:
    """Rewrites written for the project (tests/data/rewrites.yaml): `rewrites` are
    near-duplicates of the seed named in `of`, `negatives` are independent reports."""
    from pipeline.settings import read_yaml_mapping

    data = read_yaml_mapping(path)
    cases = [
        DedupeCase(
            f"{item['id']} ({item['kind']})",
            str(path),
            "near_duplicate",
            item["of"],
            item["text"].strip(),
        )
        for item in data.get("rewrites") or []
    ]
    cases += [
        DedupeCase(item["id"], str(path), "negative", None, item["text"].strip())
        for item in data.get("negatives") or []
    ]
    return cases


def alignment(text: str, other: str) -> float:
    """Share of the shorter text's sentences aligned in order with the other's."""
    decision = dedupe.rewrite_of(dedupe.Fingerprint.of(text), _Known(other))
    return decision.score


@dataclass(frozen=True)
class _Known:
    text: str
    id: int = 0
    label: str = ""


def containment(text: str, other: str) -> tuple[float, float]:
    """5-gram containment of `text` in `other` and of `other` in `text`."""
    a, b = dedupe.Fingerprint.of(text).shingles, dedupe.Fingerprint.of(other).shingles
    shared = len(a & b)
    return (shared / len(a) if a else 0.0, shared / len(b) if b else 0.0)


def dedupe_verdict(case: DedupeCase, status: str, of_label: str | None) -> str:
    """OK, MISS (a copy not tied to its seed) or FALSE-MATCH (a negative taken for a copy)."""
    predicted_copy = status in COPY_STATUSES
    if case.is_copy:
        return "OK" if predicted_copy and of_label == case.seed else "MISS"
    return "FALSE-MATCH" if predicted_copy else "OK"


@dataclass
class DedupeRow:
    """What the pipeline decided for one gold file, beside the gold relation."""

    file: str
    relation: str
    seed: str | None
    status: str
    of: str | None
    score: float
    method: str
    new_in_known: float | None
    known_in_new: float | None
    shared_sentences: int | None
    sentences: int | None
    verdict: str
    compared_seed: str | None = None  # the gold seed (copies) or the nearest seed (negatives)
    seed_containment: tuple[float, float] | None = None  # (file in seed, seed in file)
    seed_alignment: float | None = None  # ordered sentence alignment with the best seed

    @property
    def best_seed_containment(self) -> float | None:
        return max(self.seed_containment) if self.seed_containment else None


def compared_seed(
    case: DedupeCase, seeds: dict[str, str]
) -> tuple[str | None, tuple[float, float] | None]:
    """Direct containment against the gold seed of a copy, or the nearest seed of a negative."""
    names = list(seeds) if case.seed is None else [n for n in (case.seed,) if n in seeds]
    scored = [(name, containment(case.text, seeds[name])) for name in names]
    if not scored:
        return case.seed, None
    name, (inside, outside) = max(scored, key=lambda item: max(item[1]))
    return name, (round(inside, 4), round(outside, 4))


def best_alignment(case: DedupeCase, seeds: dict[str, str]) -> float | None:
    """Ordered sentence alignment with the gold seed of a copy, or the highest over all
    seeds for a negative (what the rewrite check would see at worst)."""
    names = list(seeds) if case.seed is None else [n for n in (case.seed,) if n in seeds]
    scores = [alignment(case.text, seeds[name]) for name in names]
    return round(max(scores), 4) if scores else None


def dedupe_row(case: DedupeCase, decision: Any, seeds: dict[str, str]) -> DedupeRow:
    """Combine a gold case, the pipeline's DuplicateDecision and the direct containment."""
    detail = decision.detail or {}
    seed_name, direct = compared_seed(case, seeds)
    return DedupeRow(
        file=case.name,
        relation=case.relation,
        seed=case.seed,
        status=decision.status,
        of=decision.of_label,
        score=round(decision.score, 4),
        method=decision.method,
        new_in_known=detail.get("containment_new_in_known"),
        known_in_new=detail.get("containment_known_in_new"),
        shared_sentences=detail.get("shared_sentences", detail.get("aligned_sentences")),
        sentences=detail.get("sentences"),
        verdict=dedupe_verdict(case, decision.status, decision.of_label),
        compared_seed=seed_name,
        seed_containment=direct,
        seed_alignment=best_alignment(case, seeds),
    )


def summarise_dedupe(rows: Sequence[DedupeRow], findable_at: float = FINDABLE_AT) -> dict[str, Any]:
    """Recall on copies, false matches on negatives, the score margin, findable copies."""
    copies = [r for r in rows if r.relation != "negative"]
    negatives = [r for r in rows if r.relation == "negative"]
    found = [r for r in copies if r.verdict == "OK"]
    false = [r for r in negatives if r.verdict == "FALSE-MATCH"]
    top_negative = max(negatives, key=lambda r: r.score, default=None)
    low_copy = min(copies, key=lambda r: r.score, default=None)
    findable = [r for r in copies if (r.best_seed_containment or 0.0) >= findable_at]
    return {
        "copies": len(copies),
        "copies_found": len(found),
        "copy_recall": round(len(found) / len(copies), 4) if copies else 0.0,
        "negatives": len(negatives),
        "false_matches": len(false),
        "false_match_files": [r.file for r in false],
        "highest_negative_score": top_negative.score if top_negative else None,
        "highest_negative_file": top_negative.file if top_negative else None,
        "lowest_copy_score": low_copy.score if low_copy else None,
        "lowest_copy_file": low_copy.file if low_copy else None,
        "margin": (
            round(low_copy.score - top_negative.score, 4) if low_copy and top_negative else None
        ),
        "findable_at": findable_at,
        "findable_copies": len(findable),
        "missed_files": [r.file for r in copies if r.verdict != "OK"],
        "rewrite_at": float(dedupe.config().rewrite_at),
        "highest_negative_alignment": max(
            (r.seed_alignment or 0.0 for r in negatives), default=None
        ),
        "lowest_copy_alignment": min((r.seed_alignment or 0.0 for r in copies), default=None),
        "by_method": dict(Counter(r.method for r in found)),
    }


def findable_threshold() -> float:
    """The containment at which dedupe calls a text a near-duplicate."""
    config = getattr(dedupe, "config", None)
    return float(config().near_duplicate_at) if callable(config) else FINDABLE_AT


def load_seed_texts(directories: Iterable[Path]) -> dict[str, str]:
    """Seed file name -> text; the first folder that has a name wins."""
    seeds: dict[str, str] = {}
    for folder in directories:
        for path in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
            seeds.setdefault(path.name, path.read_text(encoding="utf-8"))
    return seeds


# --- events gold ------------------------------------------------------------
@dataclass(frozen=True)
class GoldEvent:
    category: str
    actor: str
    target: str | None
    location: str | None
    evidence: str


@dataclass(frozen=True)
class GoldPassage:
    """One gold passage; `alert` None means the alert is not judged for it, and the
    challenge set adds an error `error_class` and (type, actor) pairs that must not appear."""

    id: str
    text: str
    url: str | None = None
    date: str | None = None
    alert: bool | None = False
    events: tuple[GoldEvent, ...] = ()
    error_class: str | None = None
    forbid: tuple[Pair, ...] = ()
    language: str | None = None  # the gold file's `lang` (e.g. fa-AF, ps), when it has one


@dataclass(frozen=True)
class PassagePrediction:
    """What the pipeline found in one passage."""

    id: str
    events: tuple[Event, ...] = ()
    alert: bool = False
    alert_evidence: str | None = None
    suppressed: str | None = None  # why a district-fallen match was suppressed


def _parse_forbid(value: Any, where: str) -> tuple[Pair, ...]:
    """The `forbid` list of a challenge passage as (type, actor) pairs."""
    try:
        return tuple((str(f["type"]), str(f["actor"])) for f in value or [])
    except (KeyError, TypeError) as exc:
        raise ConfigError(
            f"{where}: each forbid entry needs 'type' and 'actor' ({exc!r})"
        ) from None


def parse_gold_passage(obj: dict[str, Any], where: str) -> GoldPassage:
    """One events.jsonl or challenge.jsonl object as a GoldPassage."""
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or "id" not in obj:
        raise ConfigError(f"{where}: expected an object with 'id' and 'text'")
    try:
        events = tuple(
            GoldEvent(
                category=e["type"],
                actor=e["actor"],
                target=e.get("target"),
                location=e.get("location"),
                evidence=e.get("evidence") or "",
            )
            for e in obj.get("events") or []
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{where}: each event needs 'type' and 'actor' ({exc!r})") from None
    # an explicit null leaves the alert unjudged; a missing key reads as "no alert"
    alert = obj.get("alert_district_fallen", False)
    return GoldPassage(
        id=str(obj["id"]),
        text=obj["text"],
        url=obj.get("url"),
        date=obj.get("date"),
        alert=None if alert is None else bool(alert),
        events=events,
        error_class=obj.get("class"),
        forbid=_parse_forbid(obj.get("forbid"), where),
        language=obj.get("lang"),
    )


def load_events_gold(path: Path) -> list[GoldPassage]:
    """All passages of an events JSONL file."""
    passages = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        passages.append(parse_gold_passage(obj, f"{path}:{number}"))
    return passages


def fold(text: str) -> str:
    """Lower case, no diacritics, punctuation as single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))
    return " ".join(NON_WORD.sub(" ", bare.casefold().replace("_", " ")).split())


def _strip_generic(name: str) -> str:
    return " ".join(w for w in fold(name).split() if w not in GENERIC_PLACE_WORDS)


def place_names(gold_location: str) -> list[str]:
    """Folded names to look for: the text before the comma without "district" etc.,
    plus a name given in brackets ("Wesh (Spin Boldak border crossing)")."""
    head = gold_location.split(",", 1)[0]
    names = [_strip_generic(PARENTHESIS.sub(" ", head))]
    names += [_strip_generic(inner) for inner in PARENTHESIS.findall(head)]
    return [n for n in dict.fromkeys(names) if n]


def location_hit(gold_location: str | None, predicted: Event) -> bool:
    """True when the gold place name stands in the predicted location's name, district
    or province (whole words, case- and diacritic-insensitive)."""
    if not gold_location or predicted.location is None:
        return False
    loc = predicted.location
    fields = [f" {fold(v)} " for v in (loc.name, loc.district, loc.province) if v]
    return any(f" {name} " in f for name in place_names(gold_location) for f in fields)


def _location_label(event: Event) -> str:
    loc = event.location
    if loc is None:
        return "-"
    parts = [loc.name] + [p for p in (loc.district, loc.province) if p and p != loc.name]
    return " / ".join(parts)


COUNTED_REALIS = ("actual", "announced")


def gold_pairs(passage: GoldPassage) -> set[Pair]:
    return {(e.category, e.actor) for e in passage.events}


def predicted_pairs(prediction: PassagePrediction) -> set[Pair]:
    return {(e.category, e.actor) for e in prediction.events}


def _pair_misses(gold: GoldPassage, pred: PassagePrediction) -> list[dict[str, Any]]:
    wanted, got = gold_pairs(gold), predicted_pairs(pred)
    misses = [
        {"kind": "pair_fn", "id": gold.id, "pair": list(pair), "evidence": e.evidence}
        for pair in sorted(wanted - got)
        for e in [next(e for e in gold.events if (e.category, e.actor) == pair)]
    ]
    misses += [
        {
            "kind": "pair_fp",
            "id": gold.id,
            "pair": list(pair),
            "realis": e.realis,
            "evidence": e.evidence,
        }
        for pair in sorted(got - wanted)
        for e in [next(e for e in pred.events if (e.category, e.actor) == pair)]
    ]
    return misses


def _location_results(
    gold: GoldPassage, pred: PassagePrediction
) -> tuple[int, int, int, list[dict[str, Any]]]:
    """(gold territory events with a place, hits, with a same-category prediction, misses)."""
    total = hits = covered = 0
    misses: list[dict[str, Any]] = []
    for event in gold.events:
        if event.category not in TERRITORY or not event.location:
            continue
        total += 1
        same = [p for p in pred.events if p.category == event.category]
        covered += bool(same)
        if any(location_hit(event.location, p) for p in same):
            hits += 1
            continue
        misses.append(
            {
                "kind": "location",
                "id": gold.id,
                "category": event.category,
                "gold": event.location,
                "predicted": [_location_label(p) for p in same],
                "evidence": event.evidence,
            }
        )
    return total, hits, covered, misses


def _alert_miss(gold: GoldPassage, pred: PassagePrediction) -> dict[str, Any] | None:
    if gold.alert is None:
        return None
    if gold.alert and not pred.alert:
        evidence = next(
            (e.evidence for e in gold.events if e.category == "territory_captured" and e.evidence),
            gold.text,
        )
        miss = {"kind": "alert_fn", "id": gold.id, "evidence": evidence}
        return {**miss, "suppressed": pred.suppressed} if pred.suppressed else miss
    if pred.alert and not gold.alert:
        return {"kind": "alert_fp", "id": gold.id, "evidence": pred.alert_evidence or ""}
    return None


def gold_province(gold_location: str | None) -> str | None:
    """The province a gold location names after its comma ("Yawan district, Badakhshan"),
    so a right district name cannot hide a wrong province."""
    if not gold_location or "," not in gold_location:
        return None
    return gold_location.split(",", 1)[1].strip() or None


def province_hit(province: str, predicted: Event) -> bool:
    """True when the predicted location's province is the gold one: the same name folded,
    or the same P-code when the gazetteer knows the gold spelling ("Jowzjan", "Jawzjan")."""
    loc = predicted.location
    if loc is None or not loc.province:
        return False
    if fold(loc.province) == fold(province):
        return True
    code = province_code(province)
    return code is not None and code == loc.province_code


@lru_cache(maxsize=256)
def province_code(name: str) -> str | None:
    """The P-code of a province spelling, if the gazetteer reads it as exactly one province."""
    from pipeline.places import default_gazetteer

    found = [p for p in default_gazetteer().find_places(f"{name} province") if p.kind == "province"]
    codes = {p.province_code for p in found}
    return codes.pop() if len(codes) == 1 else None


def province_results(gold: GoldPassage, pred: PassagePrediction) -> tuple[int, int]:
    """(gold territory events whose location gives a province, those with a same-category
    predicted event in that province)."""
    total = hits = 0
    for event in gold.events:
        province = gold_province(event.location) if event.category in TERRITORY else None
        if province is None:
            continue
        total += 1
        same = (p for p in pred.events if p.category == event.category)
        hits += any(province_hit(province, p) for p in same)
    return total, hits


def _province_scores(
    gold: Sequence[GoldPassage], preds: Sequence[PassagePrediction]
) -> dict[str, Any]:
    results = [province_results(g, p) for g, p in zip(gold, preds, strict=True)]
    total, hits = sum(r[0] for r in results), sum(r[1] for r in results)
    return {
        "gold_events": total,
        "hits": hits,
        "accuracy": round(hits / total, 4) if total else 0.0,
    }


def _alert_failure(gold: GoldPassage, pred: PassagePrediction) -> list[str]:
    if gold.alert is None or gold.alert == pred.alert:
        return []
    if pred.alert:
        return ["unexpected alert"]
    return [f"no alert (suppressed: {pred.suppressed})" if pred.suppressed else "no alert"]


def _territory_failure(event: GoldEvent, pred: PassagePrediction) -> str | None:
    """Why no predicted event of the gold category and actor stands at the gold place."""
    label = f"{event.category}/{event.actor} at {event.location}"
    same = [
        p
        for p in pred.events
        if (p.category, p.actor) == (event.category, event.actor)
        and location_hit(event.location, p)
    ]
    if not same:
        return f"no {label}"
    province = gold_province(event.location)
    if province is None or any(province_hit(province, p) for p in same):
        return None
    found = ", ".join(sorted({p.location.province or "-" for p in same if p.location}))
    return f"{label}: province {found}"


def passage_failures(gold: GoldPassage, pred: PassagePrediction) -> list[str]:
    """Why a passage fails the challenge check (empty when it passes): a wrong alert, a
    missing gold pair, a territory event not at the gold place/province, a forbidden pair."""
    got = predicted_pairs(pred)
    reasons = _alert_failure(gold, pred)
    reasons += [f"missing {c}/{a}" for c, a in sorted(gold_pairs(gold) - got)]
    # a missing pair is reported once above, not again for its place
    territorial = (
        e
        for e in gold.events
        if e.category in TERRITORY and e.location and (e.category, e.actor) in got
    )
    reasons += [r for r in (_territory_failure(e, pred) for e in territorial) if r]
    reasons += [f"forbidden {c}/{a}" for c, a in dict.fromkeys(gold.forbid) if (c, a) in got]
    return reasons


def challenge_results(
    gold: Sequence[GoldPassage], preds: Sequence[PassagePrediction]
) -> dict[str, Any]:
    """Pass counts per error class (passages without a class are left out) and overall."""
    classes: dict[str, dict[str, Any]] = {}
    for g, p in zip(gold, preds, strict=True):
        if g.error_class is None:
            continue
        row = classes.setdefault(g.error_class, {"passed": 0, "total": 0, "failed": []})
        reasons = passage_failures(g, p)
        row["total"] += 1
        row["passed"] += not reasons
        row["failed"] += [{"id": g.id, "reasons": reasons}] if reasons else []
    return {
        "classes": dict(sorted(classes.items())),
        "passed": sum(c["passed"] for c in classes.values()),
        "total": sum(c["total"] for c in classes.values()),
    }


def score_events(
    gold: Sequence[GoldPassage], predicted: Sequence[PassagePrediction]
) -> dict[str, Any]:
    """All event figures, overall and (for a file whose passages name their `lang`)
    per language; predictions are matched to gold passages by id."""
    by_id = {p.id: p for p in predicted}
    preds = [by_id.get(g.id, PassagePrediction(g.id)) for g in gold]
    report = _score(gold, preds)
    report["by_language"] = {
        language: {
            key: part[key] for key in ("passages", "gold_events", "pairs", "location", "alert")
        }
        for language in sorted({g.language for g in gold if g.language})
        for part in [
            _score(
                [g for g in gold if g.language == language],
                [p for g, p in zip(gold, preds, strict=True) if g.language == language],
            )
        ]
    }
    return report


def _score(gold: Sequence[GoldPassage], preds: Sequence[PassagePrediction]) -> dict[str, Any]:
    location = [_location_results(g, p) for g, p in zip(gold, preds, strict=True)]
    alerts = Tally()
    for g, p in zip(gold, preds, strict=True):
        if g.alert is not None:  # an unjudged alert counts neither way
            alerts.add_sets({ALERT_RULE} if g.alert else set(), {ALERT_RULE} if p.alert else set())
    located = sum(r[0] for r in location)
    hits = sum(r[1] for r in location)
    misses: list[dict[str, Any]] = []
    for g, p, loc in zip(gold, preds, location, strict=True):
        misses += _pair_misses(g, p) + loc[3]
        alert_miss = _alert_miss(g, p)
        misses += [alert_miss] if alert_miss else []
    return {
        "passages": len(gold),
        "gold_events": sum(len(g.events) for g in gold),
        "predicted_events": sum(len(p.events) for p in preds),
        "category": label_scores(
            [{e.category for e in g.events} for g in gold],
            [{e.category for e in p.events} for p in preds],
            CATEGORIES,
        ),
        "actor": label_scores(
            [{e.actor for e in g.events} for g in gold],
            [{e.actor for e in p.events} for p in preds],
            ACTORS,
        ),
        "pairs": _pair_scores(gold, preds),
        "location": {
            "gold_events": located,
            "hits": hits,
            "accuracy": round(hits / located, 4) if located else 0.0,
            "with_same_category_prediction": sum(r[2] for r in location),
        },
        "alert": alerts.scores(),
        "provinces": _province_scores(gold, preds),
        **challenge_results(gold, preds),
        "misses": misses,
    }


def _pair_scores(gold: Sequence[GoldPassage], preds: Sequence[PassagePrediction]) -> dict[str, Any]:
    tally = Tally()
    for g, p in zip(gold, preds, strict=True):
        tally.add_sets(gold_pairs(g), predicted_pairs(p))
    return tally.scores()


def limit_misses(misses: Sequence[dict[str, Any]], per_kind: int) -> dict[str, Any]:
    """At most `per_kind` misses of each kind, with the full count of each."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for miss in misses:
        grouped.setdefault(miss["kind"], []).append(miss)
    return {
        kind: {"total": len(items), "shown": items[: max(per_kind, 0)]}
        for kind, items in grouped.items()
    }


# --- running the pipeline -----------------------------------------------------
def _published(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass
class Analyzer:
    """The pipeline's resources with the seed corpus loaded, for `analyze` on gold texts."""

    resources: Resources
    seeds_loaded: int = 0

    @classmethod
    def open(cls, resources: Resources) -> Analyzer:
        from pipeline.cycle import load_seeds

        return cls(resources, load_seeds(resources))

    def analyze(self, text: str, url: str | None, published: datetime | date | None) -> Any:
        """The pipeline's analysis of a text, without storing it."""
        from pipeline.cycle import analyze
        from pipeline.models import Entry

        if isinstance(published, date) and not isinstance(published, datetime):
            published = datetime.combine(published, datetime.min.time())
        entry = Entry(url=url, title="", text=text, published=published)
        res = self.resources
        return analyze(entry, res.store, res.rules, res.extractor)


@contextmanager
def scratch_resources(resources: Resources) -> Iterator[Resources]:
    """The same extractor and rules over an empty SQLite store with the seed corpus only:
    extraction is scored on the text alone, never against what this database already
    holds (a gold passage an operator stored would read as a copy, with no events)."""
    from dataclasses import replace

    with tempfile.TemporaryDirectory(prefix="evaluate-") as folder:
        url = f"sqlite:///{Path(folder) / 'evaluate.sqlite3'}"
        settings = replace(resources.settings, database_url=url)
        with Resources.offline(settings, extractor=resources.extractor) as scratch:
            yield scratch


def predict_passage(analyzer: Analyzer, passage: GoldPassage) -> PassagePrediction:
    """Run `analyze` on one gold passage and keep what the scoring needs."""
    analysis = analyzer.analyze(passage.text, passage.url, _published(passage.date))
    fallen = [m for m in analysis.matches if m.rule_id == ALERT_RULE]
    live = [m for m in fallen if not m.suppressed]
    return PassagePrediction(
        id=passage.id,
        # the gold sets code events that happened or were announced, not ones that
        # were only threatened, attempted or denied
        events=tuple(e for e in analysis.events if e.realis in COUNTED_REALIS),
        alert=bool(live),
        alert_evidence=live[0].evidence if live else None,
        suppressed=fallen[0].suppressed if fallen and not live else None,
    )


# --- commands -------------------------------------------------------------------
def cmd_evaluate_dedupe(args: argparse.Namespace, resources: Resources) -> int:
    """Decide every dedupe gold file against the stored corpus and print the figures."""
    settings = resources.settings
    gold_dir = Path(args.gold)
    cases = load_dedupe_gold(gold_dir)
    seed_dirs = [
        Path(settings.seed_dir),
        gold_dir.parent / "seeds",
        gold_dir.parent.parent / "seeds",
    ]
    seeds = load_seed_texts(seed_dirs)
    if args.rewrites:
        cases += load_rewrite_cases(args.rewrites)
    analyzer = Analyzer.open(resources)
    rows = []
    for case in cases:
        decision = analyzer.analyze(case.text, case.source or None, None).decision
        rows.append(dedupe_row(case, decision, seeds))
    summary = summarise_dedupe(rows, findable_threshold())
    if args.json:
        print(json.dumps({"files": [asdict(r) for r in rows], "summary": summary}))
    else:
        print_dedupe(rows, summary)
    return 0


def cmd_evaluate_events(args: argparse.Namespace, resources: Resources) -> int:
    """Extract events from every gold passage and print P/R/F1, location and alert figures,
    and per-class pass counts for a challenge file."""
    passages = load_events_gold(Path(args.gold))
    with scratch_resources(resources) as scratch:
        analyzer = Analyzer.open(scratch)
        warm = {p.language: p for p in reversed(passages)}  # one passage per language
        for passage in warm.values():  # models and tokenizers load once, not timed
            predict_passage(analyzer, passage)
        predictions, seconds = [], []
        for passage in passages:
            started = time.perf_counter()
            predictions.append(predict_passage(analyzer, passage))
            seconds.append(time.perf_counter() - started)
    report = score_events(passages, predictions)
    report["ms_per_passage"] = round(1000 * sum(seconds) / max(len(seconds), 1), 2)
    report["ms_median"] = round(1000 * statistics.median(seconds), 2) if seconds else 0.0
    report["misses"] = limit_misses(report["misses"], args.show_misses)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print_events(report, args.show_misses)
    return 0


# --- printing --------------------------------------------------------------------
def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_dedupe(rows: Sequence[DedupeRow], summary: dict[str, Any]) -> None:
    """Per-file table, direct containment of copies, then the summary lines."""
    print(
        f"{'file':<32} {'gold':<15} {'predicted':<15} {'of':<26} {'score':>6} "
        f"{'new>kn':>6} {'kn>new':>6} {'sents':>6}  verdict"
    )
    for r in rows:
        sents = f"{r.shared_sentences}/{r.sentences}" if r.sentences is not None else "-"
        print(
            f"{r.file:<32} {r.relation:<15} {r.status:<15} {r.of or '-':<26} {r.score:>6.3f} "
            f"{_num(r.new_in_known):>6} {_num(r.known_in_new):>6} {sents:>6}  {r.verdict}"
        )
    _print_seed_containment(rows, summary["findable_at"])
    _print_dedupe_summary(summary)


def _print_seed_containment(rows: Sequence[DedupeRow], findable_at: float) -> None:
    print(
        "\n5-gram containment computed directly against the gold seed (copies) or the "
        f"nearest seed (negatives); findable at >= {findable_at}:"
    )
    for r in sorted(rows, key=lambda row: row.relation == "negative"):
        if r.seed_containment is None:
            print(f"  {r.file:<32} seed {r.seed or '-'} not found")
            continue
        best = r.best_seed_containment or 0.0
        flag = "findable" if best >= findable_at else "NOT findable"
        if r.relation == "negative":
            flag = "would match" if best >= findable_at else "apart"
        print(
            f"  {r.file:<32} {r.compared_seed:<26} file-in-seed {r.seed_containment[0]:.3f}  "
            f"seed-in-file {r.seed_containment[1]:.3f}  best {best:.3f}  {flag}  "
            f"aligned {_num(r.seed_alignment)}"
        )


def _print_dedupe_summary(s: dict[str, Any]) -> None:
    print(
        f"\ncopy recall: {s['copies_found']}/{s['copies']} = {s['copy_recall']:.3f} "
        "(duplicate or near_duplicate of the right seed)"
    )
    false_files = f" {', '.join(s['false_match_files'])}" if s["false_match_files"] else ""
    print(f"false matches: {s['false_matches']}/{s['negatives']} negatives{false_files}")
    print(
        f"margin: highest negative score {_num(s['highest_negative_score'])} "
        f"({s['highest_negative_file']}), lowest copy score {_num(s['lowest_copy_score'])} "
        f"({s['lowest_copy_file']}), gap {_num(s['margin'])}"
    )
    print(
        f"findable copies (best direct containment >= {s['findable_at']}): "
        f"{s['findable_copies']}/{s['copies']}"
    )
    print(
        f"sentence alignment (rewrite check at >= {s['rewrite_at']}): highest negative "
        f"{_num(s['highest_negative_alignment'])}, lowest copy {_num(s['lowest_copy_alignment'])}"
        f"; copies found by method: {s['by_method']}"
    )


def _print_label_table(title: str, table: dict[str, Any]) -> None:
    print(f"\n{title:<22} {'tp':>4} {'fp':>4} {'fn':>4} {'prec':>6} {'rec':>6} {'f1':>6}")
    rows = [*table["per_label"].items(), ("micro", table["micro"])]
    for label, s in rows:
        print(
            f"{label:<22} {s['tp']:>4} {s['fp']:>4} {s['fn']:>4} "
            f"{s['precision']:>6.3f} {s['recall']:>6.3f} {s['f1']:>6.3f}"
        )


def _score_line(s: dict[str, Any]) -> str:
    return (
        f"tp {s['tp']} fp {s['fp']} fn {s['fn']}  P {s['precision']:.3f}  "
        f"R {s['recall']:.3f}  F1 {s['f1']:.3f}"
    )


def _miss_label(miss: dict[str, Any]) -> str:
    kind = miss["kind"]
    if kind == "location":
        return f"gold {miss['gold']!r}, predicted {miss['predicted'] or 'no such event'}"
    if kind == "alert_fn":
        reason = miss.get("suppressed")
        return f"no alert (suppressed: {reason})" if reason else "no alert"
    if kind == "alert_fp":
        return "alert raised"
    realis = f" (realis {miss['realis']})" if miss.get("realis", "actual") != "actual" else ""
    return " / ".join(miss["pair"]) + realis


def _print_miss(miss: dict[str, Any]) -> None:
    label = _miss_label(miss)
    print(f"  {miss['id']:<6} {label}")
    if miss["evidence"]:  # the challenge gold carries no evidence spans
        print(f"         {miss['evidence'][:200]}")


def _print_classes(report: dict[str, Any], show_failures: int) -> None:
    """Per-class pass table, the total, then up to `show_failures` failing items."""
    print(f"\n{'class':<32} passed/total")
    for name, row in report["classes"].items():
        print(f"{name:<32} {row['passed']:>3}/{row['total']}")
    print(f"challenge passed: {report['passed']}/{report['total']}")
    failed = [(name, f) for name, row in report["classes"].items() for f in row["failed"]]
    shown = failed[: max(show_failures, 0)]
    if shown:
        print(f"\nfailing items ({len(shown)} of {len(failed)}):")
    for name, item in shown:
        print(f"  {item['id']}  [{name}] {'; '.join(item['reasons'])}")


def _print_languages(by_language: dict[str, dict[str, Any]]) -> None:
    """One line per language: alert, (category, actor) pairs and territory locations."""
    print("\nby language:")
    print(
        f"  {'lang':<8} {'passages':>8}  {'alert P':>7} {'alert R':>7}  {'pairs F1':>8}  locations"
    )
    for language, part in by_language.items():
        alert, pairs, loc = part["alert"], part["pairs"], part["location"]
        print(
            f"  {language:<8} {part['passages']:>8}  {alert['precision']:>7.3f} "
            f"{alert['recall']:>7.3f}  {pairs['f1']:>8.3f}  {loc['hits']}/{loc['gold_events']}"
        )


def print_events(report: dict[str, Any], show_failures: int = DEFAULT_SHOW_MISSES) -> None:
    """Readable tables for the events report."""
    print(
        f"passages: {report['passages']}; gold events {report['gold_events']}; "
        f"predicted events {report['predicted_events']} (labels counted once per passage)"
    )
    _print_label_table("category", report["category"])
    _print_label_table("actor", report["actor"])
    print(f"\n(category, actor) pairs, micro: {_score_line(report['pairs'])}")
    loc = report["location"]
    print(
        f"location of gold territory events: {loc['hits']}/{loc['gold_events']} = "
        f"{loc['accuracy']:.3f} ({loc['with_same_category_prediction']} had a predicted "
        "event of the same category)"
    )
    print(f"district-fallen alert: {_score_line(report['alert'])}")
    prov = report["provinces"]
    print(
        f"provinces of territory events: {prov['hits']}/{prov['gold_events']} = "
        f"{prov['accuracy']:.3f} (a same-category predicted event in the gold province)"
    )
    if report.get("by_language"):
        _print_languages(report["by_language"])
    if "ms_per_passage" in report:
        print(
            f"cost per passage (analyze: dedupe, extract, plan): median "
            f"{report['ms_median']} ms, mean {report['ms_per_passage']} ms (the mean includes "
            "loading langid's model once, when a text's letters and words cannot tell it)"
        )
    if report["classes"]:
        _print_classes(report, show_failures)
    for kind, group in report["misses"].items():
        if group["shown"]:
            print(f"\n{kind} ({len(group['shown'])} of {group['total']}):")
            for miss in group["shown"]:
                _print_miss(miss)


# --- wiring ---------------------------------------------------------------------
def add_commands(subparsers: Any) -> None:
    """Add `dedupe` and `events` to an argparse subparsers object."""
    dedupe_cmd = subparsers.add_parser(
        "dedupe",
        help="score duplicate detection on a dedupe gold folder",
        description="Decide each gold file (SOURCE/RELATION header, blank line, text) against "
        "the configured database with its seed corpus loaded, without storing it; print "
        "per-file decisions, copy recall, false matches, the score margin and the direct "
        "5-gram containment of each copy in its gold seed.",
    )
    dedupe_cmd.add_argument("--gold", required=True, metavar="DIR", help="folder of gold files")
    dedupe_cmd.add_argument("--json", action="store_true", help="print one JSON object")
    dedupe_cmd.add_argument(
        "--rewrites",
        type=Path,
        metavar="FILE.yaml",
        help="also score the rewrites and negatives of this file (tests/data/rewrites.yaml)",
    )
    dedupe_cmd.set_defaults(handler=cmd_evaluate_dedupe)

    from pipeline.evaluate_stories import add_command as add_stories

    add_stories(subparsers)

    from pipeline.evaluate_feedback import add_command as add_feedback

    add_feedback(subparsers)

    events_cmd = subparsers.add_parser(
        "events",
        help="score event extraction and the district-fallen alert on an events gold file",
        description="Analyse each passage of an events JSONL gold file (nothing is stored) and "
        "print precision/recall/F1 by category, by actor and for (category, actor) pairs, "
        "location accuracy of territory events, district-fallen alert figures and misses; for "
        "a challenge file (passages with 'class' and 'forbid') also per-class pass counts.",
    )
    events_cmd.add_argument("--gold", required=True, metavar="FILE.jsonl", help="gold JSONL file")
    events_cmd.add_argument("--json", action="store_true", help="print one JSON object")
    events_cmd.add_argument(
        "--show-misses",
        type=int,
        default=DEFAULT_SHOW_MISSES,
        metavar="N",
        help=f"list at most N misses of each kind (default {DEFAULT_SHOW_MISSES})",
    )
    events_cmd.set_defaults(handler=cmd_evaluate_events)


def register(subparsers: Any) -> None:
    """Add `evaluate dedupe|events` to the CLI's subparsers (handlers take args, resources)."""
    parser = subparsers.add_parser(
        "evaluate",
        help="score the pipeline against gold sets",
        description="Score duplicate detection (dedupe) or event extraction and alerts "
        "(events) against hand-labelled gold sets; nothing is stored.",
    )
    add_commands(parser.add_subparsers(dest="evaluate_command", required=True, metavar="WHAT"))


def build_parser() -> argparse.ArgumentParser:
    """The standalone parser of `python -m pipeline.evaluate`."""
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.evaluate", description="Score the pipeline against gold sets."
    )
    add_commands(parser.add_subparsers(dest="evaluate_command", required=True, metavar="WHAT"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point: `python -m pipeline.evaluate dedupe|events ...`."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        with Resources.live(load_settings()) as resources:
            return int(args.handler(args, resources) or 0)
    except (ConfigError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
