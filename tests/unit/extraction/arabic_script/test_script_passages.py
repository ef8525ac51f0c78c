"""Regression on 264 passages written for this project without sight of the lexicons
(tests/data/arabic_script_*.jsonl, six rounds: Dari, Iranian
Persian, Pashto and Urdu, falls and hard negatives in each): every district-fallen
decision and every territory location holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.alerts.rules import load_rules
from pipeline.evaluate import TERRITORY, GoldPassage, load_events_gold, location_hit
from pipeline.extraction import default_extractor
from pipeline.settings import load_settings

DATA = Path(__file__).parents[3] / "data"
PASSAGES = [
    passage
    for name in (
        "arabic_script_blind.jsonl",
        "arabic_script_heldout.jsonl",
        "arabic_script_fresh.jsonl",
        "arabic_script_fresh4.jsonl",
        "arabic_script_fresh5.jsonl",
        "arabic_script_fresh6.jsonl",
    )
    for passage in load_events_gold(DATA / name)
]


@pytest.fixture(scope="module")
def fallen():  # type: ignore[no-untyped-def]
    rules = load_rules(load_settings({}).alerts_file)
    return next(r for r in rules if r.id == "district-fallen")


@pytest.mark.parametrize("passage", PASSAGES, ids=[p.id for p in PASSAGES])
def test_alert_and_places_of_each_passage(passage: GoldPassage, fallen) -> None:  # type: ignore[no-untyped-def]
    events = default_extractor().extract(passage.text, None)
    assert any(fallen.matches(e, 1) for e in events) is passage.alert, passage.id
    for gold in passage.events:
        if gold.category in TERRITORY and gold.location:
            same = [e for e in events if e.category == gold.category]
            assert any(location_hit(gold.location, e) for e in same), (gold.location, same)
