"""Everything the pipeline talks to, built once per process and passed to the stages.

A stage never opens its own database, HTTP client or Slack client: the entry point (a CLI
command, an Airflow task body, a benchmark, a test) builds one `Resources` and hands it
down, and closes it when done. Each part is built on first use, so a cycle in which no
feed changed never loads the spaCy model, and a command that only reads the database
never opens an HTTP client.

Two versions:

* `Resources.live(settings)`: the configured database, the network (with the fetch
  guards of pipeline/fetch.py) and Slack, an incoming webhook or the console, as the
  settings say;
* `Resources.offline(settings)`: SQLite only, no network at all (only local feed files
  and `file://` URLs are read; any HTTP request fails with a clear error) and alerts
  printed to the console, whatever tokens the environment holds. `make run` works the
  same either way; `--offline` guarantees it.

Any part can be given explicitly (a test's store, a fault harness's sink).
"""

from __future__ import annotations

from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import httpx

from pipeline.settings import ConfigError, FeedConfig, Settings, load_feeds, redact_url

if TYPE_CHECKING:
    from pipeline.alerts import AlertRule, Router, Sink
    from pipeline.extraction import RuleExtractor
    from pipeline.store import Store


class OfflineTransport(httpx.BaseTransport):
    """Refuses every request: offline resources must never reach the network."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(
            f"offline: no network access ({request.url.host}); use a local feed file "
            "or run without --offline",
            request=request,
        )


class Resources:
    """The store, HTTP client, alert sink and router, extractor, alert rules and feeds of
    one process. Use as a context manager (or call `close`)."""

    def __init__(
        self,
        settings: Settings,
        *,
        offline: bool = False,
        migrate: bool = True,
        store: Store | None = None,
        http: httpx.Client | None = None,
        sink: Sink | None = None,
        extractor: RuleExtractor | None = None,
    ) -> None:
        if offline and not settings.database_url.startswith("sqlite"):
            raise ConfigError(
                f"offline resources use SQLite, but DATABASE_URL is "
                f"{redact_url(settings.database_url)}: unset it or drop --offline"
            )
        self.settings = settings
        self.is_offline = offline
        self.migrate = migrate
        self._owned: list[str] = []
        for name, given in (("store", store), ("http", http), ("sink", sink)):
            if given is not None:
                self.__dict__[name] = given  # a given part is used, never closed here
        if extractor is not None:
            self.__dict__["extractor"] = extractor

    @classmethod
    def live(cls, settings: Settings, *, migrate: bool = True, **parts: Any) -> Self:
        return cls(settings, offline=False, migrate=migrate, **parts)

    @classmethod
    def offline(cls, settings: Settings, *, migrate: bool = True, **parts: Any) -> Self:
        return cls(settings, offline=True, migrate=migrate, **parts)

    # --- the parts, each built on first use --------------------------------------------
    @cached_property
    def store(self) -> Store:
        from pipeline.store import Store

        store = Store.from_url(self.settings.database_url, migrate_schema=self.migrate)
        self._owned.append("store")  # only once it exists: a failed build leaves nothing
        return store

    @cached_property
    def http(self) -> httpx.Client:
        from pipeline.fetch import make_client

        if self.is_offline:
            client = httpx.Client(transport=OfflineTransport())
        else:
            client = make_client(self.settings)
        self._owned.append("http")
        return client

    @cached_property
    def sink(self) -> Sink:
        from pipeline.alerts import ConsoleSink, make_sink

        return ConsoleSink() if self.is_offline else make_sink(self.settings)

    @cached_property
    def rules(self) -> list[AlertRule]:
        from pipeline.alerts import load_rules

        return load_rules(self.settings.alerts_file)

    @cached_property
    def router(self) -> Router:
        from pipeline.alerts import Router

        return Router.for_rules(self.rules, self.settings.slack_channel)

    @cached_property
    def extractor(self) -> RuleExtractor:
        from pipeline.extraction import RuleExtractor

        return RuleExtractor(self.settings.spacy_model)

    @cached_property
    def feeds(self) -> list[FeedConfig]:
        return load_feeds(self.settings.feeds_file)

    def is_built(self, part: str) -> bool:
        """Whether a part exists yet (e.g. whether a run loaded the model at all)."""
        return part in self.__dict__

    # --- lifetime -------------------------------------------------------------------
    def close(self) -> None:
        """Close what this object opened (pooled connections, sockets)."""
        if "http" in self._owned and "http" in self.__dict__:
            self.__dict__["http"].close()
        if "store" in self._owned and "store" in self.__dict__:
            self.__dict__["store"].engine.dispose()
        for name in self._owned:
            self.__dict__.pop(name, None)
        self._owned.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
