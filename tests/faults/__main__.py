"""`python -m tests.faults [NAME ...]`: run the fault scenarios and print the matrix."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from tests.faults.scenarios import SCENARIOS, run_scenario

HEADER = ("scenario", "served", "stored", "raised", "posted", "lost", "doubled", "s", "result")


def main(argv: list[str]) -> int:
    names = argv or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        print(f"unknown scenario(s): {unknown}; known: {list(SCENARIOS)}", file=sys.stderr)
        return 2
    rows: list[tuple[str, ...]] = []
    failures = 0
    for number, name in enumerate(names, start=1):
        print(f"[{number}/{len(names)}] {name}: {SCENARIOS[name].fault}", file=sys.stderr)
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="fault-") as workdir:
            try:
                outcome = run_scenario(SCENARIOS[name], Path(workdir))
            except Exception as exc:  # the matrix reports a failed scenario and goes on
                failures += 1
                seconds = f"{time.monotonic() - started:.0f}"
                rows.append((name, "-", "-", "-", "-", "-", "-", seconds, f"FAIL {exc!r}"[:90]))
                continue
        seconds = f"{time.monotonic() - started:.0f}"
        bad = outcome.lost or outcome.doubled
        failures += bool(bad)
        rows.append(
            (
                name,
                *(
                    str(v)
                    for v in (
                        outcome.served,
                        outcome.stored,
                        outcome.raised,
                        outcome.posted,
                        outcome.lost,
                        outcome.doubled,
                    )
                ),
                seconds,
                ("FAIL " if bad else "ok: ") + outcome.note,
            )
        )
    _print(rows)
    print(f"\n{len(rows) - failures} of {len(rows)} scenarios: 0 lost, 0 doubled")
    return 1 if failures else 0


def _print(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER) - 1)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(HEADER, [*widths, 0], strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in [*widths, 6]) + "|")
    for row in rows:
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)] + [row[-1]]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
