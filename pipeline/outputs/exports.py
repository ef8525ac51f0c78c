"""Exports: the district-control state as GeoJSON with its evidence, and the events as
an ACLED-shaped CSV (ACLED's column names where a column has an equivalent)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pipeline.control import ControlChange, ControlMap
from pipeline.outputs.maps import BOUNDARIES

# ACLED's columns we can fill, in ACLED's order; `notes` holds the evidence sentence.
ACLED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "country",
    "iso",
    "admin1",
    "admin2",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "timestamp",
)
# our categories in ACLED's event types (the closest; "Strategic developments" otherwise)
ACLED_TYPES = {
    "territory_captured": ("Battles", "Non-state actor overtakes territory"),
    "territory_retaken": ("Battles", "Government regains territory"),
    "attack": ("Violence against civilians", "Attack"),
    "withdrawal": ("Strategic developments", "Headquarters or base established"),
    "talks_meeting": ("Strategic developments", "Agreement"),
    "agreement": ("Strategic developments", "Agreement"),
}


def control_geojson(state: ControlMap, evidence: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection of the 399 districts with their state and its evidence."""
    data = json.loads((BOUNDARIES / "afghanistan_districts.geojson").read_text("utf-8"))
    features = []
    for feature in data["features"]:
        props = feature["properties"]
        district = state.states.get(props["adm2_pcode"])
        change = district.change if district else None
        features.append(
            {
                "type": "Feature",
                "geometry": feature["geometry"],
                "properties": {
                    "district_code": props["adm2_pcode"],
                    "district": props["adm2_en"],
                    "province": props["adm1_en"],
                    "status": district.status if district else "unknown",
                    "since": district.since.isoformat() if district and district.since else None,
                    "national": bool(district and district.national),
                    "confidence": change.confidence if change else None,
                    "independent_outlets": change.independent_outlets if change else None,
                    "evidence": _evidence(change, evidence),
                },
            }
        )
    return {"type": "FeatureCollection", "at": state.at.isoformat(), "features": features}


def _evidence(
    change: ControlChange | None, evidence: Mapping[int, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    if change is None:
        return []
    return [
        {
            "sentence": evidence[i]["evidence"],
            "title": evidence[i]["title"],
            "url": evidence[i]["url"],
        }
        for i in change.event_ids[:5]
        if i in evidence
    ]


def evidence_ids(changes: Iterable[Sequence[ControlChange]]) -> set[int]:
    return {i for found in changes for change in found for i in change.event_ids[:5]}


def acled_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """Events as ACLED-shaped CSV rows (one per stored event of an original article)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ACLED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(acled_row(row))
    return out.getvalue()


def acled_row(row: Mapping[str, Any]) -> dict[str, Any]:
    day = row["event_date"] or (row["published_at"] or row["created_at"]).date().isoformat()
    event_type, sub_type = ACLED_TYPES.get(row["category"], ("Strategic developments", "Other"))
    precision = 3 if row["district_code"] else 2 if row["province_code"] else 3
    return {
        "event_id_cnty": f"AFG-NEWS-{row['id']}",
        "event_date": day,
        "year": day[:4],
        "time_precision": 1 if row["event_date"] else 2,
        "event_type": event_type,
        "sub_event_type": sub_type,
        "actor1": row["actor"],
        "actor2": row["target"] or "",
        "country": "Afghanistan",
        "iso": 4,
        "admin1": row["province"] or "",
        "admin2": row["district"] or "",
        "location": row["location_name"] or "",
        "latitude": row["lat"] if row["lat"] is not None else "",
        "longitude": row["lon"] if row["lon"] is not None else "",
        "geo_precision": precision if row["location_name"] else "",
        "source": row["url"] or "",
        "notes": row["evidence"],
        "timestamp": int(row["created_at"].timestamp()) if row["created_at"] else "",
    }
