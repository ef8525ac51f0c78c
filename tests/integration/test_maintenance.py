"""`reprocess` plans alerts with the same function as a cycle: no second alert."""

from __future__ import annotations

from sqlalchemy import delete

from pipeline.cycle import run_cycle
from pipeline.maintenance import reprocess
from pipeline.schema import alerts
from pipeline.settings import FeedConfig
from pipeline.store import Store
from tests.conftest import write_rss
from tests.integration.test_cycle import FALL


def test_reprocess_replaces_events_and_never_alerts_twice(
    database_url, make_settings, feed_server
) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(database_url)
    write_rss(feed_server.root / "wire.xml", [FALL])
    first = run_cycle(settings, feeds=[FeedConfig(url=feed_server.url("/wire.xml"))])
    assert first.totals()["alerts"] == 1
    again = reprocess(settings, since_days=36500)
    assert again == {"articles": 1, "events": first.totals()["events"], "alerts_queued": 0}
    # an alert missing from the outbox (e.g. a rule added later) is queued once
    store = Store.from_url(database_url, migrate_schema=False)
    with store.transaction() as conn:
        conn.execute(delete(alerts))
    store.engine.dispose()
    assert reprocess(settings, since_days=36500)["alerts_queued"] == 1
    assert reprocess(settings, since_days=36500)["alerts_queued"] == 0
