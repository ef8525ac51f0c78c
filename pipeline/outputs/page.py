"""What the analyst page in the Airflow UI shows, as JSON-ready dicts.

The page (news_airflow.web) is a thin HTTP layer over these functions: the district
map on a day, one district's timeline with its evidence and the alerts on it, the
latest control changes, the latest incidents and the alert queue with analysts'
feedback and running mutes. Everything is read from the store; nothing is written.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import func, select

from pipeline.alerts.feedback import muted_pairs
from pipeline.control import STATUSES, ControlChange, state_at
from pipeline.outputs.maps import BOUNDARIES, LABELS, changed_between
from pipeline.places import default_gazetteer
from pipeline.schema import alerts, articles, incident_events, incidents
from pipeline.store import Store, as_utc, utcnow

NATIONAL_TEXT = "Taliban control nationwide since 15 August 2021 (Kabul taken)"


class NotFound(LookupError):
    """No such district (the page answers 404)."""


@cache
def _district_features() -> tuple[dict[str, Any], ...]:
    data = json.loads((BOUNDARIES / "afghanistan_districts.geojson").read_text("utf-8"))
    return tuple(data["features"])


def default_day(changes: Mapping[str, Sequence[ControlChange]], today: date) -> date:
    """The day the page opens on: the latest change (as `make run`'s map), else today."""
    days = [c.valid_from for found in changes.values() for c in found]
    return min(max(days), today) if days else today


def map_data(store: Store, at: date | None = None) -> dict[str, Any]:
    """A FeatureCollection of the districts with their state on `at`, counts by state,
    and the national banner after 15 August 2021."""
    changes = store.control_changes()
    day = at or default_day(changes, utcnow().date())
    features = _district_features()
    state = state_at(changes, [f["properties"]["adm2_pcode"] for f in features], day)
    recent = changed_between(changes, date.fromordinal(day.toordinal() - 1), day)
    counts = Counter(s.status for s in state.states.values())
    out = []
    for feature in features:
        props = feature["properties"]
        district = state.states[props["adm2_pcode"]]
        change = district.change
        out.append(
            {
                "type": "Feature",
                "geometry": feature["geometry"],
                "properties": {
                    "code": props["adm2_pcode"],
                    "district": props["adm2_en"],
                    "province": props["adm1_en"],
                    "status": district.status,
                    "since": district.since.isoformat() if district.since else None,
                    "confidence": change.confidence if change else None,
                    "outlets": change.independent_outlets if change else 0,
                    "changed_recently": props["adm2_pcode"] in recent,
                },
            }
        )
    national = (
        {"status": "taliban", "since": "2021-08-15", "text": NATIONAL_TEXT}
        if state.national
        else None
    )
    return {
        "type": "FeatureCollection",
        "at": day.isoformat(),
        "national": national,
        "counts": {status: counts.get(status, 0) for status in STATUSES},
        "features": out,
    }


def district_data(store: Store, code: str) -> dict[str, Any]:
    """One district: its current state, every change with its evidence sentences and
    links (oldest first), and the alerts on it with their feedback."""
    district = default_gazetteer().districts.get(code)
    if district is None:
        raise NotFound(f"no district with P-code {code!r}")
    timeline = store.control_changes([code]).get(code, [])
    evidence = store.evidence(i for change in timeline for i in change.event_ids)
    status = timeline[-1].status if timeline else "unknown"
    return {
        "code": code,
        "district": district.name,
        "province": district.province_name,
        "status": status,
        "status_label": LABELS[status],
        "timeline": [_change(change, evidence) for change in timeline],
        "alerts": alert_rows(store, district_code=code, limit=50),
    }


def _change(change: ControlChange, evidence: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "status": change.status,
        "status_label": LABELS[change.status],
        "valid_from": change.valid_from.isoformat(),
        "confidence": change.confidence,
        "independent_outlets": change.independent_outlets,
        "basis": change.basis,
        "incident_id": change.incident_id,
        "evidence": [
            {
                "event_id": event_id,
                "sentence": evidence[event_id]["evidence"],
                "event_date": evidence[event_id]["event_date"],
                "title": evidence[event_id]["title"],
                "url": evidence[event_id]["url"],
            }
            for event_id in change.event_ids
            if event_id in evidence
        ],
    }


def latest_changes(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    """The newest control changes across districts, each with the state before it."""
    gazetteer = default_gazetteer().districts
    rows = []
    for code, found in store.control_changes().items():
        for index, change in enumerate(found):
            before = found[index - 1].status if index else "unknown"
            rows.append((change, before, gazetteer.get(code)))
    rows.sort(key=lambda r: (r[0].valid_from, r[0].district_code), reverse=True)
    return [
        {
            "code": change.district_code,
            "district": district.name if district else change.district_code,
            "province": district.province_name if district else None,
            "status": change.status,
            "previous": before,
            "valid_from": change.valid_from.isoformat(),
            "confidence": change.confidence,
            "independent_outlets": change.independent_outlets,
            "basis": change.basis,
        }
        for change, before, district in rows[:limit]
    ]


def incident_rows(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    """The newest incidents, each with its first report's title and link."""
    first_article = (
        select(func.min(incident_events.c.article_id))
        .where(incident_events.c.incident_id == incidents.c.id)
        .scalar_subquery()
    )
    query = (
        select(incidents, articles.c.title, articles.c.url)
        .select_from(incidents)
        .outerjoin(articles, articles.c.id == first_article)
        .order_by(incidents.c.id.desc())
        .limit(limit)
    )
    with store.reading() as conn:
        found = [dict(row) for row in conn.execute(query).mappings()]
    return [
        {
            "id": row["id"],
            "category": row["category"],
            "category_label": row["category"].replace("_", " "),
            "place": row["place_name"] if row["place_level"] != "none" else None,
            "first_day": _iso(row["first_day"]),
            "last_day": _iso(row["last_day"]),
            "reports": row["n_reports"],
            "outlets": row["n_independent_outlets"],
            "title": row["title"],
            "url": row["url"],
        }
        for row in found
    ]


def alert_rows(
    store: Store, *, district_code: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """The newest alerts (not thread replies), with their header and feedback."""
    query = select(alerts).where(alerts.c.thread_of.is_(None))
    if district_code is not None:
        query = query.where(alerts.c.district_code == district_code)
    query = query.order_by(alerts.c.id.desc()).limit(limit)
    with store.reading() as conn:
        found = [dict(row) for row in conn.execute(query).mappings()]
    feedback = _by_key(store.feedback(row["idempotency_key"] for row in found))
    return [_alert(row, feedback.get(row["idempotency_key"], [])) for row in found]


def _alert(row: Mapping[str, Any], feedback: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "key": row["idempotency_key"],
        "rule_id": row["rule_id"],
        "status": row["status"],
        "note": row["last_error"] if row["status"] == "muted" else None,
        "header": header_text(json.loads(row["payload"])),
        "place": _place(row["district_code"]),
        "created_at": _iso(row["created_at"]),
        "feedback": [
            {
                "action": f["action"],
                "user": f["user_name"] or f["user_id"],
                "at": _iso(f["created_at"]),
                "muted_until": _iso(f["muted_until"]),
            }
            for f in feedback
        ],
    }


def header_text(payload: Mapping[str, Any]) -> str:
    """The alert's header as plain text (severity words, no emoji codes)."""
    from pipeline.alerts.delivery import EMOJI_CODE

    for block in payload.get("blocks", []):
        if block.get("type") == "header":
            return EMOJI_CODE.sub("", str(block["text"]["text"])).strip()
    return str(payload.get("text", ""))[:150]


def mute_rows(store: Store) -> list[dict[str, Any]]:
    """The mutes running now, one per rule and district."""
    return [
        {
            "rule_id": rule_id,
            "district_code": code,
            "place": _place(code),
            "until": _iso(row["muted_until"]),
            "user": row["user_name"] or row["user_id"],
        }
        for (rule_id, code), row in sorted(muted_pairs(store.running_mutes(), utcnow()).items())
    ]


def _by_key(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["alert_key"], []).append(row)
    return grouped


def _place(code: str | None) -> str | None:
    district = default_gazetteer().districts.get(code) if code else None
    return f"{district.name}, {district.province_name}" if district else None


def _iso(value: date | datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return (as_utc(value) if isinstance(value, datetime) else value).isoformat()
