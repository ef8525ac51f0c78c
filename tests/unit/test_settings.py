from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.settings import (
    ConfigError,
    default_database_url,
    load_feeds,
    load_settings,
    redact_url,
)


def test_defaults_are_the_embedded_setup() -> None:
    settings = load_settings({})
    assert settings.database_url == default_database_url()
    assert settings.is_embedded
    assert settings.alert_sink == "console"


def test_token_selects_slack_and_is_never_in_redacted_output() -> None:
    settings = load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-secret-1", "DATABASE_URL": "postgresql+psycopg://u:pw@h/db"}
    )
    assert settings.alert_sink == "slack"
    shown = str(settings.redacted())
    assert "xoxb-secret-1" not in shown and "pw@" not in shown


def test_redact_url() -> None:
    assert (
        redact_url("postgresql://news:s3cret@db:5432/news") == "postgresql://news:***@db:5432/news"
    )
    assert redact_url("sqlite:///var/x.db") == "sqlite:///var/x.db"


def test_bad_number_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="HTTP_READ_TIMEOUT"):
        load_settings({"HTTP_READ_TIMEOUT": "soon"})


def test_feeds_yaml_relative_paths_and_errors(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    good = config / "feeds.yaml"
    good.write_text("feeds:\n  - url: ../demo/a.xml\n    name: A\n  - https://example.org/rss\n")
    feeds = load_feeds(good)
    assert feeds[0].url == str((tmp_path / "demo" / "a.xml").resolve())
    assert feeds[1].url == "https://example.org/rss"
    bad = config / "bad.yaml"
    bad.write_text("feeds:\n  - url: x\n    colour: red\n")
    with pytest.raises(ConfigError, match="unknown field"):
        load_feeds(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_feeds(config / "missing.yaml")


def test_shipped_feeds_file_loads() -> None:
    feeds = load_feeds(load_settings({}).feeds_file)
    assert feeds and all(Path(f.url).exists() for f in feeds)
