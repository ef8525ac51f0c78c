"""Event-driven start of news_monitor: a triggerer-side watcher of the configured feeds.

`FeedChangeTrigger` runs in the Airflow triggerer (through an `AssetWatcher` on the
`news_feeds_changed` asset, see news_common.py). Every `interval` seconds it asks each
http(s) feed whether it changed with a conditional GET (If-None-Match / If-Modified-Since
from the last response it saw) and stats each local feed file (mtime, size). When a
feed's bytes changed it yields one `TriggerEvent`; Airflow turns that into an asset
event, which starts a news_monitor run within seconds.

Deliberately cheap: no feed parsing and no database. The first look at a feed only
records its baseline; an error (timeout, HTTP 5xx, missing file) is logged and the feed
keeps its last baseline, so a failing feed never kills the trigger. The baseline lives in
memory: after a triggerer restart the first poll records it again and a change made while
the triggerer was down is picked up by news_monitor's timer instead.

FEED_WATCH_SECONDS (default 15) and FEEDS_FILE are read where the DAG files are parsed
(the dag-processor) and become the trigger's serialized kwargs; changing them replaces the
trigger. The feeds file itself is read in the triggerer, and again whenever it changes.

The triggerer imports this module as ``news_airflow.triggers`` (the classpath in
`serialize()`), so the project folder must be on the triggerer's PYTHONPATH (in the
image: ``PYTHONPATH=/opt/airflow/project:/opt/airflow/dags``); without it the triggerer
logs "Trigger failed to load code" and only the timer starts news_monitor.

Polite: a feed that fails is asked again only after a growing pause (the interval times
2, 4, 8 ... up to 15 minutes), and a 429/503 with Retry-After is not asked before that
time. Requests reuse the pipeline's fetch helpers (validators, local files, Retry-After).

Fast under faults: each feed is checked on its own (at most PARALLEL_REQUESTS at once)
and an event is yielded as soon as one check sees new bytes, not at the end of a round,
so a feed that trickles until its timeout delays nobody else's event.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

CLASSPATH = "news_airflow.triggers.FeedChangeTrigger"
MAX_BACKOFF_SECONDS = 900.0
DEFAULT_INTERVAL_SECONDS = 15.0
MIN_INTERVAL_SECONDS = 1.0
INTERVAL_ENV = "FEED_WATCH_SECONDS"
FEEDS_FILE_VARIABLE = "news_feeds_file"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
MAX_BYTES = 10 * 1024 * 1024
PARALLEL_REQUESTS = 8
VARIABLE_TIMEOUT = 30.0
# Publishers (and tests) can tell the watcher's requests from the fetch tasks' requests.
WATCH_USER_AGENT_SUFFIX = "feed-watch"


def watch_interval(env: dict[str, str] | None = None) -> float:
    """Seconds between two polls: FEED_WATCH_SECONDS, default 15 (at least 1)."""
    raw = (os.environ if env is None else env).get(INTERVAL_ENV) or ""
    try:
        value = float(raw) if raw.strip() else DEFAULT_INTERVAL_SECONDS
    except ValueError:
        value = DEFAULT_INTERVAL_SECONDS
    return max(MIN_INTERVAL_SECONDS, value)


@dataclass
class FeedState:
    """What the trigger last saw of one feed; `signature` is None until a baseline exists;
    `not_before` (monotonic seconds) holds back a failing or rate-limited feed."""

    signature: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    not_before: float = 0.0


class FeedChangeTrigger(BaseEventTrigger):
    """Yield an event whenever one of the configured feeds changed (its bytes, not its items).

    :param feeds_file: the feeds YAML; None resolves it when the trigger starts, like the
        tasks do: Airflow Variable ``news_feeds_file``, else FEEDS_FILE, else the default.
    :param interval: seconds between polls (default: FEED_WATCH_SECONDS, else 15).
    """

    def __init__(self, feeds_file: str | None = None, interval: float | None = None) -> None:
        super().__init__()
        self.feeds_file = str(feeds_file) if feeds_file else None
        self.interval = float(interval) if interval is not None else watch_interval()
        self._states: dict[str, FeedState] = {}
        self._feeds: list[str] = []
        self._feeds_source: Path | None = None
        self._feeds_stamp: tuple[int, int] | None = None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        # Plain data only: it is stored (and hashed) as the watcher's identity.
        return CLASSPATH, {"feeds_file": self.feeds_file, "interval": self.interval}

    # -- the loop ---------------------------------------------------------------------------

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Start a check of every feed each interval (a feed still being checked is not
        asked again) and yield an event as soon as a check finds new bytes: a slow or
        trickling feed, cut off by its timeout, never holds back another feed's event."""
        interval = max(MIN_INTERVAL_SECONDS, self.interval)
        await self.prepare()
        self.log.info("watching the feeds of %s every %.1fs", self._feeds_source, interval)
        semaphore = asyncio.Semaphore(PARALLEL_REQUESTS)
        checking: dict[str, asyncio.Task[bool]] = {}
        async with self.client() as client:
            try:
                while True:
                    tick = time.monotonic() + interval
                    self._start_checks(checking, client, semaphore)
                    while (left := tick - time.monotonic()) > 0:
                        changed = await self._finished_changes(checking, left)
                        if changed:
                            self.log.info("feeds changed: %s", ", ".join(changed))
                            yield TriggerEvent({"changed": changed, "detected_at": time.time()})
            finally:
                for task in checking.values():
                    task.cancel()
                await asyncio.gather(*checking.values(), return_exceptions=True)

    def _start_checks(
        self, checking: dict[str, asyncio.Task[bool]], client: Any, semaphore: asyncio.Semaphore
    ) -> None:
        try:
            self._reload_feeds()
        except Exception:  # never let a bad feeds file end the watch
            self.log.exception("cannot reload the feeds file; keeping the last list")
        for url in self._feeds:
            if url not in checking:
                checking[url] = asyncio.create_task(self._guarded_check(url, client, semaphore))

    async def _finished_changes(
        self, checking: dict[str, asyncio.Task[bool]], timeout: float
    ) -> list[str]:
        """Wait up to `timeout` for checks to finish; the URLs of those that saw a change."""
        if not checking:
            await asyncio.sleep(timeout)
            return []
        await asyncio.wait(checking.values(), timeout=timeout, return_when="FIRST_COMPLETED")
        done = [url for url, task in checking.items() if task.done()]
        return [url for url in done if checking.pop(url).result()]

    async def _guarded_check(self, url: str, client: Any, semaphore: asyncio.Semaphore) -> bool:
        async with semaphore:
            try:
                return await self._check(url, client)
            except Exception:  # one feed's surprise must not end the watch
                self.log.exception("feed %s: check failed", url)
                return False

    async def prepare(self) -> None:
        """Find the feeds file (Variable, then the serialized path, then the environment)."""
        self._feeds_source = await self._resolve_feeds_file()

    def client(self) -> Any:
        """An httpx.AsyncClient with short timeouts, for `poll_once`."""
        import httpx

        from pipeline.fetch import ACCEPT
        from pipeline.settings import USER_AGENT

        read = min(READ_TIMEOUT, max(self.interval, 2.0))
        return httpx.AsyncClient(
            timeout=httpx.Timeout(read, connect=CONNECT_TIMEOUT),
            headers={"User-Agent": f"{USER_AGENT} {WATCH_USER_AGENT_SUFFIX}", "Accept": ACCEPT},
            follow_redirects=True,
            max_redirects=5,
        )

    async def poll_once(self, client: Any) -> list[str]:
        """Look at every feed once; the URLs whose bytes changed since the last look."""
        self._reload_feeds()
        semaphore = asyncio.Semaphore(PARALLEL_REQUESTS)

        async def check(url: str) -> str | None:
            async with semaphore:
                return url if await self._check(url, client) else None

        results = await asyncio.gather(*(check(url) for url in self._feeds))
        return [url for url in results if url]

    # -- feeds file ---------------------------------------------------------------------------

    async def _resolve_feeds_file(self) -> Path:
        variable = await self._feeds_file_variable()
        if variable:
            return Path(variable).expanduser()
        if self.feeds_file:
            return Path(self.feeds_file).expanduser()
        from pipeline.settings import load_settings

        return load_settings().feeds_file

    async def _feeds_file_variable(self) -> str | None:
        """The `news_feeds_file` Airflow Variable, as the tasks see it (None when unset).

        A sync SDK call run in a thread, as the triggerer allows; the first call can take
        seconds while the triggerer's API client warms up. Only done once, at start.
        """
        started = time.monotonic()
        try:
            from airflow.sdk import Variable

            value = await asyncio.wait_for(
                asyncio.to_thread(Variable.get, FEEDS_FILE_VARIABLE, default=None),
                timeout=VARIABLE_TIMEOUT,
            )
        except Exception as exc:
            self.log.warning(
                "cannot read Variable %s (%s); using the configured feeds file",
                FEEDS_FILE_VARIABLE,
                _describe(exc),
            )
            return None
        self.log.info(
            "Variable %s %s (looked up in %.1fs)",
            FEEDS_FILE_VARIABLE,
            "is set" if value else "is not set",
            time.monotonic() - started,
        )
        return str(value) if value else None

    def _reload_feeds(self) -> None:
        """(Re)read the feed list when the feeds file changed; keep the old list on errors."""
        from pipeline.settings import load_feeds

        source = self._feeds_source
        if source is None:
            return
        try:
            stat = source.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            if stamp == self._feeds_stamp:
                return
            feeds = [feed.url for feed in load_feeds(source)]
        except Exception as exc:
            if self._feeds_stamp is not None or not self._feeds:
                self.log.warning("cannot read feeds file %s: %s", source, exc)
            self._feeds_stamp = None
            return
        self._feeds_stamp = stamp
        if feeds != self._feeds:
            self.log.info("watching %d feeds from %s", len(feeds), source)
        self._feeds = feeds
        self._states = {url: self._states.get(url, FeedState()) for url in feeds}

    # -- one feed -----------------------------------------------------------------------------

    async def _check(self, url: str, client: Any) -> bool:
        from pipeline.fetch import is_local, local_path

        state = self._states.setdefault(url, FeedState())
        if time.monotonic() < state.not_before:
            return False
        try:
            if is_local(url):
                signature = _file_signature(local_path(url))
            else:
                signature = await asyncio.wait_for(
                    self._fetch_signature(url, client, state), timeout=3 * READ_TIMEOUT
                )
        except Exception as exc:
            state.failures += 1
            pause = min(MAX_BACKOFF_SECONDS, self.interval * 2**state.failures)
            wait = max(pause, getattr(exc, "retry_after", None) or 0.0)
            state.not_before = time.monotonic() + wait
            if state.failures == 1 or state.failures % 20 == 0:
                self.log.warning(
                    "feed %s: %s (%d failures in a row)", url, _describe(exc), state.failures
                )
            return False
        if state.failures:
            self.log.info("feed %s answers again after %d failures", url, state.failures)
            state.failures = 0
        if signature is None:  # 304 Not Modified
            return False
        previous, state.signature = state.signature, signature
        if previous is None:
            self.log.info("feed %s: baseline recorded", url)
            return False
        return previous != signature

    async def _fetch_signature(self, url: str, client: Any, state: FeedState) -> str | None:
        """SHA-256 of the body, or None for 304; validators are kept for the next request."""
        from pipeline.fetch import conditional_headers, parse_retry_after

        headers = {}
        if state.signature is not None:
            headers = conditional_headers(state.etag, state.last_modified)
        async with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return None
            if response.status_code >= 400:
                retry_after = None
                if response.status_code in (429, 503):
                    retry_after = parse_retry_after(response.headers.get("retry-after"))
                raise FeedUnavailable(f"HTTP {response.status_code}", retry_after)
            digest = hashlib.sha256()
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise FeedUnavailable(f"more than {MAX_BYTES} bytes")
                digest.update(chunk)
            state.etag = response.headers.get("etag")
            state.last_modified = response.headers.get("last-modified")
            return digest.hexdigest()


class FeedUnavailable(Exception):
    """The feed answered, but not with a usable document (`retry_after`: seconds the
    server asked us to wait)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _file_signature(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_mtime_ns}:{stat.st_size}"


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__
