"""`evaluate stories` runs labelled reports through the pipeline and scores the pairs."""

from __future__ import annotations

import argparse
import json

from pipeline.evaluate_stories import cmd_evaluate_stories
from pipeline.resources import Resources

LABELS = """
version: 1
same_event:
  - - "Taliban fighters captured the centre of Andar district in Ghazni province on Monday after a night of clashes, police said."
    - "Andar district in Ghazni fell to the Taliban on Monday as security forces pulled back to the provincial capital, officials said."
different_events:
  - - "Taliban fighters captured the centre of Andar district in Ghazni province on Monday after a night of clashes, police said."
    - "Afghan forces retook the centre of Andar district in Ghazni province on Monday after a night of clashes, police said."
"""


def test_same_event_pairs_join_and_different_events_stay_apart(
    make_settings, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    labels = tmp_path / "labels.yaml"
    labels.write_text(LABELS)
    args = argparse.Namespace(
        gold=str(labels), shared=str(tmp_path), dedupe=None, rewrites=None, json=True
    )
    with Resources.offline(make_settings(f"sqlite:///{tmp_path / 'e.sqlite3'}")) as resources:
        assert cmd_evaluate_stories(args, resources) == 0
    figures = json.loads(capsys.readouterr().out)["incidents"]
    assert (figures["pairs"], figures["same_pairs"]) == (2, 1)
    assert (figures["tp"], figures["fp"], figures["fn"]) == (1, 0, 0)
