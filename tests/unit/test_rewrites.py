"""Rewrite detection: an ordered sentence alignment, on sentences written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline import dedupe
from pipeline.dedupe import Fingerprint, align_sentences, explain, rewrite_of, split_sentences

REWRITES = Path(__file__).parents[1] / "data" / "rewrites.yaml"
SEEDS = Path(__file__).parents[2] / "data" / "seed_corpus"

ORIGINAL = (
    "Taliban fighters captured the Khanabad district centre in Kunduz province on Sunday. "
    "Local officials said government troops withdrew after three days of heavy clashes. "
    "The provincial governor's spokesman said reinforcements had been requested from Kabul. "
    "Residents reported that hundreds of families fled towards the provincial capital. "
    "A Taliban spokesman claimed the group had seized weapons and several armoured vehicles."
)
REWRITE = (
    "On Sunday the Taliban seized the centre of Khanabad district, Kunduz province. "
    "Government forces pulled out following three days of heavy fighting, local officials said. "
    "Reinforcements have been requested from Kabul, according to the governor's spokesman. "
    "Hundreds of families have fled toward the provincial capital, residents said. "
    "The Taliban claimed to have seized weapons and armoured vehicles."
)
# the same facts as REWRITE, sentence for sentence, but told in the opposite order
SHUFFLED = " ".join(reversed([s.strip() + "." for s in REWRITE.split(".") if s.strip()]))
# an independent report of the same event: same place and actors, other facts
INDEPENDENT = (
    "Fighting continued around Kunduz city on Monday as the Taliban pressed several districts. "
    "A hospital run by an aid group said it had treated forty wounded civilians overnight. "
    "The defence ministry said air strikes had killed dozens of insurgents near Khanabad. "
    "Traders said the main highway to Takhar had been closed since Saturday."
)


class _Known:
    def __init__(self, text: str, label: str = "original") -> None:
        self.id, self.label, self.text = 1, label, text


def test_sentences_keep_content_stems_and_drop_short_fragments() -> None:
    sentences = split_sentences(dedupe.normalise_text("By staff.\nTaliban fighters captured it."))
    assert [s.text for s in sentences] == []  # both under four content stems
    [one] = split_sentences(dedupe.normalise_text(ORIGINAL.split(". ")[0]))
    assert {"talib", "fight", "captu", "khana", "distr"} <= one.stems
    assert "the" not in one.stems and "on" not in one.stems


def test_alignment_keeps_the_order() -> None:
    a = split_sentences(dedupe.normalise_text(REWRITE))
    b = split_sentences(dedupe.normalise_text(ORIGINAL))
    assert align_sentences(a, b, 0.5) == [(i, i) for i in range(5)]
    reversed_b = tuple(reversed(b))
    assert len(align_sentences(a, reversed_b, 0.5)) == 1  # only one pair can stay in order


def test_a_rewrite_is_a_near_duplicate_with_its_aligned_sentences() -> None:
    decision = rewrite_of(Fingerprint.of(REWRITE), _Known(ORIGINAL))
    assert (decision.status, decision.method, decision.score) == ("near_duplicate", "rewrite", 1.0)
    first_new, first_known = decision.detail["aligned"][0]
    assert "khanabad" in first_new and "khanabad" in first_known
    assert explain(decision).startswith("rewrite of seed original: 5 of 5 sentences")


def test_the_same_facts_in_another_order_are_not_a_rewrite() -> None:
    assert rewrite_of(Fingerprint.of(SHUFFLED), _Known(ORIGINAL)).status == "new"


def test_an_independent_report_of_the_same_event_is_not_a_rewrite() -> None:
    decision = rewrite_of(Fingerprint.of(INDEPENDENT), _Known(ORIGINAL))
    assert decision.status == "new" and decision.score < 0.5


def test_two_matching_sentences_are_too_few_to_call_a_rewrite() -> None:
    two = ". ".join(REWRITE.split(". ")[:2]) + "."
    decision = rewrite_of(Fingerprint.of(two), _Known(ORIGINAL))
    assert decision.detail["aligned_sentences"] == 2 and decision.status == "new"


def _cases() -> list[tuple[str, str, str | None]]:
    data = yaml.safe_load(REWRITES.read_text(encoding="utf-8"))
    found = [(r["id"], r["text"], r["of"]) for r in data["rewrites"]]
    return found + [(n["id"], n["text"], None) for n in data["negatives"]]


@pytest.mark.parametrize(("name", "text", "of"), _cases(), ids=[c[0] for c in _cases()])
def test_constructed_rewrites_align_with_their_seed_and_negatives_with_none(
    name: str, text: str, of: str | None
) -> None:
    fingerprint = Fingerprint.of(text)
    seeds = {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
    decisions = {
        label: rewrite_of(fingerprint, _Known(body, label)) for label, body in seeds.items()
    }
    aligned = {label for label, d in decisions.items() if d.status == "near_duplicate"}
    assert aligned == ({of} if of else set()), {k: d.score for k, d in decisions.items()}
