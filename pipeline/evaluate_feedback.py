"""`evaluate feedback`: analysts' Confirm / False alarm clicks as a labelled set.

Each judged alert becomes a passage in the events gold format (see
pipeline.alerts.feedback.labelled_set), written as JSONL so that `evaluate events
--gold FILE` scores the current extractor on what analysts said about past alerts. The
command also prints how often each rule was right by the analysts' account.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from pipeline.alerts.feedback import labelled_set, verdicts
from pipeline.resources import Resources
from pipeline.settings import PROJECT_ROOT

DEFAULT_OUT = PROJECT_ROOT / "var" / "feedback-gold.jsonl"


def feedback_report(resources: Resources) -> dict[str, Any]:
    """Verdicts per alert, precision per rule as judged, and the labelled passages."""
    store = resources.store
    labels = verdicts(store.feedback())
    judged = store.alerts_with_events(labels)
    records = labelled_set(labels, judged)
    by_rule: dict[str, Counter[str]] = {}
    for alert in judged:
        by_rule.setdefault(alert["rule_id"], Counter())[labels[alert["idempotency_key"]]] += 1
    rules = {
        rule: {
            "confirmed": counts["confirmed"],
            "false_alarm": counts["false_alarm"],
            "disputed": counts["disputed"],
            "precision": _share(counts["confirmed"], counts["confirmed"] + counts["false_alarm"]),
        }
        for rule, counts in sorted(by_rule.items())
    }
    return {"alerts_judged": len(labels), "by_rule": rules, "records": records}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def cmd_evaluate_feedback(args: Any, resources: Resources) -> int:
    report = feedback_report(resources)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in report["records"])
    out.write_text(text, encoding="utf-8")
    if args.json:
        print(json.dumps({k: v for k, v in report.items() if k != "records"} | {"out": str(out)}))
        return 0
    print(f"alerts judged by analysts: {report['alerts_judged']}")
    for rule, row in report["by_rule"].items():
        precision = "n/a" if row["precision"] is None else f"{row['precision']:.3f}"
        print(
            f"  {rule:<28} confirmed {row['confirmed']:>3}  false alarm {row['false_alarm']:>3}"
            f"  disputed {row['disputed']:>3}  precision as judged {precision}"
        )
    print(f"{len(report['records'])} labelled passages written to {out}")
    if report["records"]:
        print(f"score the extractor on them: python -m pipeline evaluate events --gold {out}")
    else:
        print("no Confirm or False alarm clicks yet", file=sys.stderr)
    return 0


def add_command(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "feedback",
        help="turn analysts' Confirm/False alarm clicks into a labelled set",
        description="Read the alert feedback stored from Slack's buttons, print precision "
        "per rule as judged by analysts, and write the judged alerts as an events gold "
        "JSONL file (confirmed: a gold event; false alarm: a forbidden pair) for "
        "`evaluate events --gold`.",
    )
    parser.add_argument("--out", default=str(DEFAULT_OUT), metavar="FILE.jsonl")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=cmd_evaluate_feedback)
