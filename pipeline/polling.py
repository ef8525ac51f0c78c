"""Polling many feeds at once: fetch in threads, store in the order fetches finish.

Fetching is waiting (DNS, TLS, a slow server); storing is CPU and one database. So the
fetches of one shard run in a small thread pool, at most one request at a time per host
(publishers are not hammered), and the calling thread parses, extracts and stores each
feed as soon as its fetch completes. A slow or trickling feed (cut off by its deadline)
delays only itself, and `on_report` runs after each feed, so alerts can be delivered
before the other feeds are done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from pipeline.models import FeedReport
from pipeline.resources import Resources
from pipeline.settings import FeedConfig

DEFAULT_WORKERS = 8


class HostGate:
    """At most `per_host` requests in flight to one host."""

    def __init__(self, per_host: int = 1) -> None:
        self.per_host = per_host
        self._lock = threading.Lock()
        self._gates: dict[str, threading.Semaphore] = {}

    @contextmanager
    def hold(self, url: str) -> Iterator[None]:
        host = (urlsplit(url).hostname or "local").lower()
        with self._lock:
            gate = self._gates.setdefault(host, threading.Semaphore(self.per_host))
        with gate:
            yield


def poll_feeds(
    resources: Resources,
    feeds: Sequence[FeedConfig],
    *,
    on_report: Callable[[FeedReport], None] = lambda report: None,
    progress: Callable[[str], None] | None = None,
    workers: int = DEFAULT_WORKERS,
) -> list[FeedReport]:
    """Poll every feed once; returns the reports in the order the feeds were given."""
    from pipeline.cycle import fetch_for, open_feed, store_fetched

    reports: dict[int, FeedReport] = {}
    gate = HostGate()
    store, client, settings = resources.store, resources.http, resources.settings

    def fetch(row: dict[str, Any], feed: FeedConfig) -> Any:
        with gate.hold(feed.url):
            return fetch_for(row, feed, client, settings)

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="fetch") as pool:
        pending: dict[Future[Any], tuple[int, dict[str, Any], FeedConfig]] = {}
        for index, feed in enumerate(feeds):
            row, skipped = open_feed(store, feed)
            if skipped is not None:
                reports[index] = skipped
                on_report(skipped)
                continue
            pending[pool.submit(fetch, row, feed)] = (index, row, feed)
        for done, future in enumerate(as_completed(pending), start=1):
            index, row, feed = pending[future]
            if progress:
                progress(f"[{done}/{len(pending)}] {feed.label}")
            report = store_fetched(resources, row, feed, future.result(), progress)
            reports[index] = report
            on_report(report)
    return [reports[index] for index in range(len(feeds))]
