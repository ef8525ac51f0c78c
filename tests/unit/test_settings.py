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


# -- DATABASE_URL ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///var/x.db",
        "sqlite://",
        "sqlite+pysqlite:///:memory:",
        "postgresql://news@db/news",
        "postgresql+psycopg://news:s3cret@db:5432/news?sslmode=require",
        "postgresql+psycopg2://db/news",
    ],
)
def test_supported_database_urls_load(url: str) -> None:
    assert load_settings({"DATABASE_URL": url}).database_url == url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("not a url", "not a url"),
        ("postgresql+psycopg://news:s3cret@db:notaport/news", "news:***@db:notaport"),
        ("postgresql://news:s3cret@db:99999/news", "news:***@db:99999"),
        ("postgresql://news:s3cret?x@db:bad/news", "news:***@db:bad"),
    ],
)
def test_malformed_database_url_is_refused_without_its_password(url: str, shown: str) -> None:
    with pytest.raises(ConfigError, match=r"^DATABASE_URL is not a valid database URL \(") as info:
        load_settings({"DATABASE_URL": url})
    assert shown in str(info.value) and "s3cret" not in str(info.value)


@pytest.mark.parametrize("url", ["mysql://u:s3cret@h/db", "postgres://u:s3cret@h/db", "oracle://h"])
def test_unsupported_database_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="only sqlite and postgresql") as info:
        load_settings({"DATABASE_URL": url})
    assert "s3cret" not in str(info.value)


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("postgresql://:s3cret@db/news", "postgresql://:***@db/news"),
        ("postgresql://news@db/news?password=s3cret", "postgresql://news@db/news?password=***"),
        (
            "postgresql://db/news?sslmode=require&PassWord=s3cret&x=1",
            "postgresql://db/news?sslmode=require&PassWord=***&x=1",
        ),
        ("postgresql://db/news?PWD=s3cret", "postgresql://db/news?PWD=***"),
        ("postgresql://db/news?pass=s3cret", "postgresql://db/news?pass=***"),
        (
            "postgresql://u:a@b@db/news?sslpassword=s3cret;sslmode=verify-full",
            "postgresql://u:***@db/news?sslpassword=***;sslmode=verify-full",
        ),
        ("postgresql://u:p/w?x@db/news", "postgresql://u:***@db/news"),
    ],
)
def test_redact_url_masks_passwords_everywhere(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://news@db/news",
        "postgresql://db/news?passfile=/etc/pgpass&application_name=pass",
        "postgresql://db/news?compass=north",
        "sqlite:///var/password=x.db",
    ],
)
def test_redact_url_leaves_urls_without_passwords_alone(url: str) -> None:
    assert redact_url(url) == url


# -- numbers and networks -------------------------------------------------------------------


def test_new_settings_defaults() -> None:
    settings = load_settings({})
    assert settings.http_total_timeout == 30.0
    assert settings.fetch_allow_networks == ()


def test_new_settings_from_the_environment() -> None:
    settings = load_settings(
        {
            "HTTP_TOTAL_TIMEOUT": "12.5",
            "FETCH_ALLOW_NETWORKS": " 10.0.0.0/8, 192.168.1.7 ,fd00::/8,",
            "HTTP_CONNECT_TIMEOUT": "0.5",
            "HTTP_MAX_BYTES": "1024",
            "SCHEDULE_MINUTES": "1",
        }
    )
    assert settings.http_total_timeout == 12.5
    assert settings.fetch_allow_networks == ("10.0.0.0/8", "192.168.1.7/32", "fd00::/8")
    assert settings.http_connect_timeout == 0.5
    assert settings.http_max_bytes == 1024 and settings.schedule_minutes == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HTTP_TOTAL_TIMEOUT", "soon"),
        ("HTTP_TOTAL_TIMEOUT", "0"),
        ("HTTP_TOTAL_TIMEOUT", "-1"),
        ("HTTP_TOTAL_TIMEOUT", "nan"),
        ("HTTP_TOTAL_TIMEOUT", "inf"),
        ("HTTP_CONNECT_TIMEOUT", "0"),
        ("HTTP_READ_TIMEOUT", "-2.5"),
        ("HTTP_MAX_BYTES", "1023"),
        ("HTTP_MAX_BYTES", "10MB"),
        ("HTTP_MAX_BYTES", "1e7"),
        ("FEED_DISABLE_AFTER_FAILURES", "0"),
        ("ALERT_MAX_ATTEMPTS", "-1"),
        ("ALERT_MAX_ATTEMPTS", "2.5"),
        ("SCHEDULE_MINUTES", "0"),
        ("FETCH_ALLOW_NETWORKS", "10.0.0.0/8,intranet"),
        ("FETCH_ALLOW_NETWORKS", "10.0.0.0/33"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name}"):
        load_settings({name: value})


@pytest.mark.parametrize(
    ("name", "value", "attribute", "expected"),
    [
        ("HTTP_TOTAL_TIMEOUT", "0.1", "http_total_timeout", 0.1),
        ("HTTP_READ_TIMEOUT", " 3 ", "http_read_timeout", 3.0),
        ("HTTP_MAX_BYTES", "2048", "http_max_bytes", 2048),
        ("FEED_DISABLE_AFTER_FAILURES", "1", "feed_disable_after_failures", 1),
        ("ALERT_MAX_ATTEMPTS", "1", "alert_max_attempts", 1),
        ("SCHEDULE_MINUTES", "", "schedule_minutes", 5),
        ("FETCH_ALLOW_NETWORKS", "", "fetch_allow_networks", ()),
    ],
)
def test_good_values_next_to_the_bad_ones(
    name: str, value: str, attribute: str, expected: object
) -> None:
    assert getattr(load_settings({name: value}), attribute) == expected
