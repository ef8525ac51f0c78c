"""`reprocess` plans alerts with the same function as a cycle: no second alert."""

from __future__ import annotations

from sqlalchemy import delete

from pipeline.cycle import run_cycle
from pipeline.maintenance import reprocess
from pipeline.resources import Resources
from pipeline.schema import alerts
from pipeline.settings import FeedConfig
from tests.conftest import write_rss
from tests.integration.test_cycle import FALL


def test_reprocess_replaces_events_and_never_alerts_twice(
    database_url, make_settings, feed_server
) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(database_url)
    write_rss(feed_server.root / "wire.xml", [FALL])
    with Resources.live(settings) as resources:
        first = run_cycle(resources, feeds=[FeedConfig(url=feed_server.url("/wire.xml"))])
        assert first.totals()["alerts"] == 1
        again = reprocess(resources, since_days=36500)
        assert again == {"articles": 1, "events": first.totals()["events"], "alerts_queued": 0}
        # an alert missing from the outbox (e.g. a rule added later) is queued once
        with resources.store.transaction() as conn:
            conn.execute(delete(alerts))
        assert reprocess(resources, since_days=36500)["alerts_queued"] == 1
        assert reprocess(resources, since_days=36500)["alerts_queued"] == 0
