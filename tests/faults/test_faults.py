"""Every fault scenario: no entry lost, no alert lost, no alert posted twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.scenarios import SCENARIOS, run_scenario


def _params() -> list[object]:
    return [
        pytest.param(name, marks=[pytest.mark.slow] if item.slow else [], id=name)
        for name, item in SCENARIOS.items()
    ]


@pytest.mark.parametrize("name", _params())
def test_fault_loses_nothing_and_posts_once(name: str, tmp_path: Path) -> None:
    outcome = run_scenario(SCENARIOS[name], tmp_path)
    assert outcome.stored == outcome.served, outcome
    assert outcome.posted == outcome.raised, outcome
    assert outcome.doubled == 0, outcome
