"""`evaluate stories`: do reports of one event end up in one incident, and others apart?

The labelled groups (bench/story_labels.yaml) name which development texts report the
same event; our own pairs add same events told in other words and different events told
alike. Each unit is run through the real analyze-and-store path into a fresh SQLite
database (texts in date order, with their outlet's URL), and every pair of texts is
scored: predicted "same incident" when their events share an incident. Prints pairwise
precision and recall, and the dedupe figures with the rewrite check on.
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipeline.resources import Resources
from pipeline.settings import load_settings, read_yaml_mapping


@dataclass(frozen=True)
class Report:
    name: str
    group: str
    text: str
    url: str
    published: datetime | None


@dataclass
class Scored:
    pairs: list[tuple[str, str, bool, bool]] = field(default_factory=list)  # a, b, gold, got

    def add(self, a: str, b: str, gold: bool, predicted: bool) -> None:
        self.pairs.append((a, b, gold, predicted))

    def figures(self) -> dict[str, Any]:
        tp = sum(g and p for _, _, g, p in self.pairs)
        fp = sum(p and not g for _, _, g, p in self.pairs)
        fn = sum(g and not p for _, _, g, p in self.pairs)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        return {
            "pairs": len(self.pairs),
            "same_pairs": tp + fn,
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "wrongly_joined": [(a, b) for a, b, g, p in self.pairs if p and not g],
            "missed": [(a, b) for a, b, g, p in self.pairs if g and not p],
        }


def load_units(labels_path: Path, shared: Path) -> list[list[Report]]:
    """The dev texts as one unit, and each of our own pairs as a unit of its own."""
    from pipeline.evaluate import parse_dedupe_file

    labels = read_yaml_mapping(labels_path)
    dates = labels.get("published") or {}
    dev: list[Report] = []
    for group, paths in (labels.get("stories") or {}).items():
        day = dates.get(group)
        published = datetime.combine(_day(day), datetime.min.time(), UTC) if day else None
        for relative in paths:
            path = shared / relative
            if not path.is_file():
                raise FileNotFoundError(f"{labels_path}: {relative}: no such file under {shared}")
            if relative.startswith("dev/"):
                case = parse_dedupe_file(path)
                text, url = case.text, case.source
            else:
                text, url = path.read_text(encoding="utf-8"), f"https://seeds.example/{path.name}"
            dev.append(Report(relative, group, text, url, published))
    dev.sort(key=lambda r: (r.published or datetime.min.replace(tzinfo=UTC), r.name))
    units = [dev]
    for kind in ("same_event", "different_events"):
        for number, pair in enumerate(labels.get(kind) or [], start=1):
            reports = [
                Report(
                    f"{kind}-{number}{'ab'[i]}",
                    f"{kind}-{number}" if kind == "same_event" else f"{kind}-{number}{'ab'[i]}",
                    text,
                    f"https://outlet-{'ab'[i]}.example/{kind}/{number}",
                    None,
                )
                for i, text in enumerate(pair)
            ]
            units.append(reports)
    return units


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def incidents_of(reports: Sequence[Report], workdir: Path) -> dict[str, set[int]]:
    """Store the reports in order in a fresh database; the incidents of each."""
    from pipeline.cycle import analyze, store_analysis
    from pipeline.models import Entry

    empty_seeds = workdir / "no-seeds"
    empty_seeds.mkdir(exist_ok=True)
    database = workdir / f"stories-{len(list(workdir.glob('*.sqlite3')))}.sqlite3"
    settings = load_settings(
        {"DATABASE_URL": f"sqlite:///{database}", "SEED_DIR": str(empty_seeds)}
    )
    found: dict[str, set[int]] = {}
    with Resources.offline(settings) as resources:
        for report in reports:
            entry = Entry(url=report.url, title="", text=report.text, published=report.published)
            analysis = analyze(entry, resources.store, resources.rules, resources.extractor)
            article_id, _, _ = store_analysis(
                resources.store, analysis, feed_id=None, rules=resources.rules
            )
            rows = resources.store.incidents_of_article(article_id) if article_id else []
            found[report.name] = {row["id"] for row in rows}
    return found


def score(units: Sequence[Sequence[Report]], workdir: Path) -> Scored:
    scored = Scored()
    for unit in units:
        incidents = incidents_of(unit, workdir)
        for a, b in itertools.combinations(unit, 2):
            scored.add(
                a.name, b.name, a.group == b.group, bool(incidents[a.name] & incidents[b.name])
            )
    return scored


def cmd_evaluate_stories(args: argparse.Namespace, resources: Resources) -> int:
    """Pairwise same-incident precision and recall, then the dedupe figures."""
    units = load_units(Path(args.gold), Path(args.shared))
    with tempfile.TemporaryDirectory(prefix="evaluate-stories-") as tmp:
        figures = score(units, Path(tmp)).figures()
    dedupe_summary = _dedupe_figures(args, resources) if args.dedupe else None
    if args.json:
        print(json.dumps({"incidents": figures, "dedupe": dedupe_summary}))
        return 0
    print(
        f"same-incident pairs: {figures['same_pairs']} of {figures['pairs']}; "
        f"precision {figures['precision']:.3f} ({figures['tp']} right, {figures['fp']} wrongly "
        f"joined), recall {figures['recall']:.3f} ({figures['fn']} missed)"
    )
    for a, b in figures["wrongly_joined"]:
        print(f"  wrongly joined: {a} + {b}")
    for a, b in figures["missed"]:
        print(f"  missed: {a} + {b}")
    if dedupe_summary:
        print(
            f"dedupe with the rewrite check: copies found {dedupe_summary['copies_found']}/"
            f"{dedupe_summary['copies']} ({dedupe_summary['by_method']}), false matches "
            f"{dedupe_summary['false_matches']}/{dedupe_summary['negatives']}, alignment "
            f"highest negative {dedupe_summary['highest_negative_alignment']}, lowest copy "
            f"{dedupe_summary['lowest_copy_alignment']}"
        )
    return 0


def _dedupe_figures(args: argparse.Namespace, resources: Resources) -> dict[str, Any]:
    from pipeline.evaluate import (
        Analyzer,
        dedupe_row,
        findable_threshold,
        load_dedupe_gold,
        load_rewrite_cases,
        load_seed_texts,
        summarise_dedupe,
    )

    gold = Path(args.dedupe)
    cases = load_dedupe_gold(gold)
    if args.rewrites:
        cases += load_rewrite_cases(Path(args.rewrites))
    seeds = load_seed_texts([Path(resources.settings.seed_dir), gold.parent.parent / "seeds"])
    analyzer = Analyzer.open(resources)
    rows = [
        dedupe_row(c, analyzer.analyze(c.text, c.source or None, None).decision, seeds)
        for c in cases
    ]
    return summarise_dedupe(rows, findable_threshold())


def add_command(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "stories",
        help="score incident grouping on labelled groups of reports",
        description="Run labelled reports (bench/story_labels.yaml: groups of development "
        "texts that report one event, plus our own same-event and different-event pairs) "
        "through the pipeline into fresh SQLite databases and print pairwise precision and "
        "recall of 'same incident'; with --dedupe, also the duplicate figures with the "
        "rewrite check on.",
    )
    parser.add_argument("--gold", default="bench/story_labels.yaml", metavar="FILE.yaml")
    parser.add_argument("--shared", default="../shared", metavar="DIR", help="texts' root")
    parser.add_argument("--dedupe", metavar="DIR", help="a dedupe gold folder")
    parser.add_argument("--rewrites", metavar="FILE.yaml", help="our rewrites (with --dedupe)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=cmd_evaluate_stories)
