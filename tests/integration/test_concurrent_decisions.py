"""Two processes storing copies of one story at once: exactly one of them alerts.

The race is made wide on purpose: the first writer is slowed down between deciding
and committing. Without the dedupe lock the second writer decides in that gap that the
story is new and queues a second top-level alert.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from pipeline.alerts import load_rules
from pipeline.cycle import analyze, store_analysis
from pipeline.extraction import RuleExtractor
from pipeline.models import Entry
from pipeline.store import Store
from tests.faults.harness import near_copy, story


def _entry(item: dict[str, str]) -> Entry:
    return Entry(url=item["link"], title=item["title"], text=item["description"], guid=item["guid"])


class SlowInsertStore(Store):
    """A store whose article insert takes a second: the decision gap made visible."""

    def insert_article(self, conn: Any, **values: Any) -> int | None:
        article_id = super().insert_article(conn, **values)
        time.sleep(1.0)
        return article_id


def test_copies_stored_at_once_alert_once(database_url: str, make_settings) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(database_url)
    rules = load_rules(settings.alerts_file)
    Store.from_url(database_url).engine.dispose()
    items = [story(3), near_copy(3, "outlet-b.example")]
    # analysed before either is stored: both look new, as in two feeds processed at once
    reader = Store.from_url(database_url, migrate_schema=False)
    extractor = RuleExtractor(settings.spacy_model)
    analyses = [analyze(_entry(item), reader, rules, extractor) for item in items]
    assert [a.decision.status for a in analyses] == ["new", "new"]
    results: list[tuple[int | None, int, Any]] = []

    def write(index: int) -> None:
        store = SlowInsertStore.from_url(database_url, migrate_schema=False)
        try:
            time.sleep(0.2 * index)  # the second starts while the first is inside
            results.append(store_analysis(store, analyses[index], feed_id=None, rules=rules))
        finally:
            store.engine.dispose()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    decisions = sorted(result[2].decision.status for result in results)
    assert decisions == ["near_duplicate", "new"]
    rows = [row for result in results for row in result[2].plan.rows]
    top_level = [row for row in rows if row.thread_of is None]
    assert [row.rule_id for row in top_level] == ["district-fallen"]
    assert len([row for row in rows if row.thread_of]) == 1  # the copy replies in its thread
    reader.engine.dispose()
