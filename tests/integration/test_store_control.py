"""District control in the store: updated with each stored article, equal to a rebuild."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from pipeline.control import state_at
from pipeline.cycle import run_cycle
from pipeline.resources import Resources
from pipeline.schema import district_control_changes
from pipeline.settings import PROJECT_ROOT, load_feeds


def _rows(store):  # type: ignore[no-untyped-def]
    columns = [c for c in district_control_changes.c if c.name not in ("id", "created_at")]
    with store.engine.connect() as conn:
        rows = conn.execute(select(*columns).order_by(*columns[:5])).all()
    return [tuple(row) for row in rows]


def test_incremental_updates_equal_a_rebuild_from_scratch(database_url, make_settings) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(database_url)
    feeds = load_feeds(PROJECT_ROOT / "config" / "feeds.yaml")
    with Resources.live(settings) as resources:
        for feed in feeds:  # one feed at a time: each run refolds only what it touched
            run_cycle(resources, feeds=[feed])
        incremental = _rows(resources.store)
        result = resources.store.rebuild_control()
        rebuilt = _rows(resources.store)
        assert incremental == rebuilt and result["changes"] == len(rebuilt)
        changes = resources.store.control_changes()
        with resources.store.engine.connect() as conn:
            view = dict(
                conn.exec_driver_sql(
                    "SELECT district_code, status FROM district_control"
                ).fetchall()
            )
    # the demo's falls (Imam Sahib, Shirin Tagab, Khwaja Ghar) and its recapture
    assert view["AF1905"] == "taliban" and view["AF1809"] == "taliban"
    assert view["AF0902"] == "government"
    on_day = state_at(changes, view, date(2021, 7, 1)).states
    assert on_day["AF1905"].status == "taliban" and on_day["AF0902"].status == "unknown"


def test_reprocess_keeps_control_equal_to_a_rebuild(database_url, make_settings) -> None:  # type: ignore[no-untyped-def]
    from pipeline.maintenance import reprocess

    settings = make_settings(database_url)
    with Resources.live(settings) as resources:
        run_cycle(resources)
        reprocess(resources, since_days=36500)
        after_reprocess = _rows(resources.store)
        resources.store.rebuild_control()
        assert _rows(resources.store) == after_reprocess
