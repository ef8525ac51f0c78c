"""The district-control map: colours by state, outlines for recent changes, national."""

from __future__ import annotations

import io
from datetime import date

import numpy as np

from pipeline.control import ControlChange, state_at
from pipeline.outputs.maps import (
    COLOURS,
    changed_between,
    control_map_png,
    district_codes,
    render_control_map,
)


def _pixels(png: bytes, colour: str) -> int:
    from matplotlib import image

    picture = image.imread(io.BytesIO(png), format="png")[:, :, :3]
    target = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return int((np.abs(picture - target).max(axis=2) < 0.02).sum())


def _change(code: str, status: str, day: str) -> ControlChange:
    return ControlChange(code, status, date.fromisoformat(day), (1,), (1,), None, 1, 0.5)


def test_all_399_districts_are_drawn_and_a_fallen_one_is_red() -> None:
    assert len(district_codes()) == 399
    nothing = render_control_map(state_at({}, district_codes(), date(2021, 7, 1)))
    fallen = {"AF1905": [_change("AF1905", "taliban", "2021-06-22")]}
    one = render_control_map(state_at(fallen, district_codes(), date(2021, 7, 1)))
    assert nothing.startswith(b"\x89PNG") and one.startswith(b"\x89PNG")
    assert _pixels(nothing, COLOURS["taliban"]) < 600  # only the legend's swatch
    assert _pixels(one, COLOURS["taliban"]) > _pixels(nothing, COLOURS["taliban"]) + 100


def test_changes_of_the_last_day_are_outlined_and_older_ones_not() -> None:
    changes = {
        "AF1905": [_change("AF1905", "taliban", "2021-07-14")],
        "AF0902": [_change("AF0902", "government", "2021-07-10")],
    }
    assert changed_between(changes, date(2021, 7, 13), date(2021, 7, 14)) == {"AF1905"}
    assert control_map_png(changes, date(2021, 7, 14)).startswith(b"\x89PNG")


def test_after_15_august_2021_every_district_is_red() -> None:
    national = render_control_map(state_at({}, district_codes(), date(2021, 9, 1)))
    assert _pixels(national, COLOURS["taliban"]) > 20_000
    assert _pixels(national, COLOURS["unknown"]) < 600  # the legend
