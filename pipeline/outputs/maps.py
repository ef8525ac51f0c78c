"""The district-control choropleth: 399 district polygons coloured by state (matplotlib).

Drawn from the shipped OCHA polygons (data/gazetteer/boundaries, simplified for display):
one colour per state with a legend and counts, province borders on top, and the
districts whose state changed in the 24 hours before the map's date outlined in black.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from pipeline.control import ControlChange, ControlMap
from pipeline.settings import PROJECT_ROOT

BOUNDARIES = PROJECT_ROOT / "data" / "gazetteer" / "boundaries"
COLOURS = {
    "taliban": "#c0392b",
    "claimed_by_taliban": "#f1948a",
    "contested": "#f39c12",
    "government": "#2874a6",
    "unknown": "#e5e7e9",
}
LABELS = {
    "taliban": "Taliban control",
    "claimed_by_taliban": "Claimed by the Taliban",
    "contested": "Contested",
    "government": "Government control",
    "unknown": "No report",
}
Ring = Sequence[tuple[float, float]]


@lru_cache(maxsize=2)
def polygons(path: Path) -> dict[str, list[Ring]]:
    """Outer rings of each feature, by P-code (adm2 for districts, else adm1)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    rings: dict[str, list[Ring]] = {}
    for feature in data["features"]:
        props = feature["properties"]
        code = props.get("adm2_pcode") or props["adm1_pcode"]
        geometry = feature["geometry"]
        parts = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        rings[code] = [[tuple(point) for point in part[0]] for part in parts]
    return rings


def district_codes() -> list[str]:
    return sorted(polygons(BOUNDARIES / "afghanistan_districts.geojson"))


def changed_between(
    changes: dict[str, Sequence[ControlChange]], start: date, end: date
) -> set[str]:
    """Districts with a change whose day lies in (start, end]."""
    return {
        code
        for code, found in changes.items()
        if any(start < change.valid_from <= end for change in found)
    }


def render_control_map(
    state: ControlMap, outlined: Iterable[str] = (), title: str | None = None
) -> bytes:
    """A PNG of the districts coloured by state; `outlined` districts drawn in black."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    districts = polygons(BOUNDARIES / "afghanistan_districts.geojson")
    provinces = polygons(BOUNDARIES / "afghanistan_provinces.geojson")
    figure, axis = plt.subplots(figsize=(10, 7.5), dpi=100)
    shapes, colours = [], []
    for code, rings in districts.items():
        status = state.states[code].status if code in state.states else "unknown"
        for ring in rings:
            shapes.append(ring)
            colours.append(COLOURS.get(status, COLOURS["unknown"]))
    axis.add_collection(
        PolyCollection(shapes, facecolors=colours, edgecolors="#ffffff", linewidths=0.3)
    )
    axis.add_collection(
        PolyCollection(
            [ring for rings in provinces.values() for ring in rings],
            facecolors="none",
            edgecolors="#4d5656",
            linewidths=0.7,
        )
    )
    marked = [ring for code in sorted(set(outlined)) for ring in districts.get(code, [])]
    if marked:
        axis.add_collection(
            PolyCollection(marked, facecolors="none", edgecolors="#000000", linewidths=2.0)
        )
    axis.autoscale_view()
    axis.set_aspect("equal")
    axis.set_axis_off()
    counts = Counter(s.status for s in state.states.values())
    handles = [
        Patch(facecolor=COLOURS[s], edgecolor="#4d5656", label=f"{LABELS[s]} ({counts.get(s, 0)})")
        for s in COLOURS
    ]
    if marked:
        handles.append(
            Patch(
                facecolor="none", edgecolor="#000000", linewidth=2, label="Changed in the last 24 h"
            )
        )
    axis.legend(handles=handles, loc="lower left", fontsize=9, frameon=True)
    heading = title or f"District control on {state.at:%d %B %Y}"
    if state.national:
        heading += "\nnational: the Taliban took Kabul on 15 August 2021"
    axis.set_title(heading, fontsize=13)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def control_map_png(changes: dict[str, Sequence[ControlChange]], at: date) -> bytes:
    """The map on `at`, with the districts changed in the 24 hours before outlined."""
    from pipeline.control import state_at

    state = state_at(changes, district_codes(), at)
    return render_control_map(state, changed_between(changes, at - timedelta(days=1), at))
