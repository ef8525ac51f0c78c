"""Configuration checked by pydantic: environment variables, feeds.yaml and dedupe.yaml.

Each class of mistake has a positive case next to the negative ones, and every message is
one line naming the file or variable, the item, the field and what is expected."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pipeline import dedupe
from pipeline.settings import ConfigError, FeedConfig, Settings, load_feeds, load_settings


def _error(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    message = str(info.value)
    assert "\n" not in message
    return message


# -- environment ----------------------------------------------------------------------------


def test_negative_timeout_names_the_variable_and_what_is_expected() -> None:
    assert _error({"HTTP_READ_TIMEOUT": "-5"}) == (
        "HTTP_READ_TIMEOUT: expected a number of seconds greater than 0, got '-5'"
    )
    assert load_settings({"HTTP_READ_TIMEOUT": "5"}).http_read_timeout == 5.0


@pytest.mark.parametrize(
    "name", ["HTTP_CONNECT_TIMEOUT", "HTTP_READ_TIMEOUT", "HTTP_TOTAL_TIMEOUT", "SLACK_TIMEOUT"]
)
@pytest.mark.parametrize("value", ["0", "-0.1", "ten", "1s", "nan", "-inf"])
def test_timeouts_must_be_positive_numbers(name: str, value: str) -> None:
    message = _error({name: value})
    assert message.startswith(f"{name}: expected a number of seconds greater than 0")
    assert repr(value) in message


@pytest.mark.parametrize(
    "name", ["HTTP_CONNECT_TIMEOUT", "HTTP_READ_TIMEOUT", "HTTP_TOTAL_TIMEOUT", "SLACK_TIMEOUT"]
)
def test_timeouts_take_whole_and_decimal_seconds(name: str) -> None:
    attribute = name.lower()
    assert getattr(load_settings({name: "0.25"}), attribute) == 0.25
    assert getattr(load_settings({name: "7"}), attribute) == 7.0


@pytest.mark.parametrize(
    "name", ["FEED_DISABLE_AFTER_FAILURES", "ALERT_MAX_ATTEMPTS", "SCHEDULE_MINUTES"]
)
def test_counts_are_whole_numbers_of_at_least_one(name: str) -> None:
    for bad in ("0", "-3", "1.5", "many"):
        assert _error({name: bad}).startswith(f"{name}: expected a whole number >= 1, got ")
    assert getattr(load_settings({name: "1"}), name.lower()) == 1
    assert getattr(load_settings({name: " 12 "}), name.lower()) == 12


def test_http_max_bytes_has_a_floor_of_1024() -> None:
    for bad in ("1023", "0", "-1", "10MB", "1e7"):
        assert _error({"HTTP_MAX_BYTES": bad}).startswith(
            "HTTP_MAX_BYTES: expected a whole number >= 1024"
        )
    assert load_settings({"HTTP_MAX_BYTES": "1024"}).http_max_bytes == 1024


def test_cidr_lists_are_parsed_and_a_bad_item_is_named() -> None:
    message = _error({"FETCH_ALLOW_NETWORKS": "10.0.0.0/8, intranet"})
    assert message.startswith("FETCH_ALLOW_NETWORKS: 'intranet' is not a CIDR network")
    assert "expected comma-separated CIDRs" in message
    assert "'300.1.1.1/32'" in _error({"FETCH_ALLOW_NETWORKS": "300.1.1.1/32"})
    settings = load_settings({"FETCH_ALLOW_NETWORKS": "10.1.2.3/8,::1"})
    assert settings.fetch_allow_networks == ("10.0.0.0/8", "::1/128")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://news:Pa55word!@db:notaport/news",
        "postgresql://news:Pa55word!@db:70000/news",
        "mysql://news:Pa55word!@db/news",
        "postgresql://db:port/news?password=Pa55word!",
        "nonsense://news:Pa55word!@",
    ],
)
def test_bad_database_url_never_shows_its_password(url: str) -> None:
    message = _error({"DATABASE_URL": url, "HTTP_READ_TIMEOUT": "-1"})
    assert message.startswith("DATABASE_URL ")
    assert "Pa55word" not in message and "***" in message
    assert "HTTP_READ_TIMEOUT" in message  # every wrong variable, on the same line


def test_good_database_url_is_kept_as_given() -> None:
    url = "postgresql+psycopg://news:Pa55word!@db:5432/news"
    assert load_settings({"DATABASE_URL": url}).database_url == url
    assert load_settings({"DATABASE_URL": "  "}).is_embedded  # blank means unset


def test_several_wrong_variables_are_reported_together_on_one_line() -> None:
    message = _error({"SCHEDULE_MINUTES": "0", "SLACK_TIMEOUT": "x", "HTTP_MAX_BYTES": "12"})
    assert message.count("; ") == 2
    for name in ("SCHEDULE_MINUTES", "SLACK_TIMEOUT", "HTTP_MAX_BYTES"):
        assert name in message


def test_slack_ops_channel_is_optional() -> None:
    assert load_settings({}).slack_ops_channel is None
    assert load_settings({"SLACK_OPS_CHANNEL": ""}).slack_ops_channel is None
    assert load_settings({"SLACK_OPS_CHANNEL": " #news-ops "}).slack_ops_channel == "#news-ops"


def test_settings_is_still_a_frozen_dataclass_callers_can_build() -> None:
    settings = Settings(
        database_url="sqlite://", feeds_file=Path("f"), alerts_file=Path("a"), seed_dir=Path("s")
    )
    assert settings.slack_ops_channel is None and settings.http_read_timeout == 20.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.http_read_timeout = 1.0  # type: ignore[misc]
    paths = load_settings({"FEEDS_FILE": "~/feeds.yaml", "SEED_DIR": "seeds"})
    assert paths.feeds_file == Path("~/feeds.yaml").expanduser() and paths.seed_dir == Path("seeds")


def test_secrets_are_passed_through_and_never_validated_into_messages() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_WEBHOOK_URL": "https://hooks/x"})
    assert settings.slack_bot_token == "xoxb-1" and settings.slack_webhook_url == "https://hooks/x"
    message = _error({"SLACK_BOT_TOKEN": "xoxb-secret", "SCHEDULE_MINUTES": "0"})
    assert "xoxb-secret" not in message


# -- feeds.yaml -----------------------------------------------------------------------------


def _feeds(tmp_path: Path, body: str) -> list[FeedConfig]:
    path = tmp_path / "feeds.yaml"
    path.write_text(body, encoding="utf-8")
    return load_feeds(path)


def _feeds_error(tmp_path: Path, body: str) -> str:
    with pytest.raises(ConfigError) as info:
        _feeds(tmp_path, body)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(tmp_path / "feeds.yaml"))
    return message


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("true", True),
        ("false", False),
        ("yes", True),
        ("no", False),
        ("True", True),
        ("off", False),
    ],
)
def test_full_text_takes_yaml_booleans(tmp_path: Path, written: str, value: bool) -> None:
    [feed] = _feeds(tmp_path, f"feeds:\n  - url: https://e.org/rss\n    full_text: {written}\n")
    assert feed.full_text is value


@pytest.mark.parametrize("written", ['"no"', "'false'", '"true"', "'yes'", '"0"', "1", "0"])
def test_full_text_as_a_string_or_number_is_an_error(tmp_path: Path, written: str) -> None:
    message = _feeds_error(
        tmp_path, f"feeds:\n  - url: https://e.org/rss\n    full_text: {written}\n"
    )
    assert (
        "feed #1 (https://e.org/rss): full_text: expected true or false, written without "
        "quotes, got " in message
    )


def test_quoted_no_is_never_read_as_true(tmp_path: Path) -> None:
    message = _feeds_error(tmp_path, 'feeds:\n  - url: https://e.org/rss\n    full_text: "no"\n')
    assert message.endswith("got the quoted string 'no'")


def test_unknown_field_suggests_the_closest_known_one(tmp_path: Path) -> None:
    body = (
        "feeds:\n  - https://a.org/rss\n  - url: https://b.org/rss\n"
        "  - name: C\n    urll: https://c.org/rss\n"
    )
    message = _feeds_error(tmp_path, body)
    assert message == (
        f"{tmp_path / 'feeds.yaml'}: feed #3 (C): unknown field 'urll' — did you mean 'url'?"
    )  # and not also "missing 'url'": the typo says it
    message = _feeds_error(tmp_path, "feeds:\n  - url: https://e.org/rss\n    fulltext: true\n")
    assert message.endswith(
        "feed #1 (https://e.org/rss): unknown field 'fulltext' — did you mean 'full_text'?"
    )
    message = _feeds_error(tmp_path, "feeds:\n  - url: https://e.org/rss\n    colour: red\n")
    assert "unknown field 'colour' (known: url, name, full_text)" in message


def test_missing_url_says_what_is_expected(tmp_path: Path) -> None:
    message = _feeds_error(tmp_path, "feeds:\n  - name: Wire\n")
    assert message.endswith(
        "feed #1 (Wire): missing 'url': expected an http(s) URL, a file:// URL or a file path"
    )
    assert "missing 'url'" in _feeds_error(tmp_path, "feeds:\n  - {}\n")
    assert "url: expected" in _feeds_error(tmp_path, "feeds:\n  - url: ''\n")


@pytest.mark.parametrize("url", ["ftp://e.org/rss", "gopher://e.org", "https://", "http:///x"])
def test_url_must_be_http_file_or_a_path(tmp_path: Path, url: str) -> None:
    message = _feeds_error(tmp_path, f"feeds:\n  - url: '{url}'\n")
    assert "feed #1" in message and ": url: " in message
    assert "expected an http(s) URL, a file:// URL or a file path" in message


def test_good_urls_next_to_the_bad_ones(tmp_path: Path) -> None:
    feeds = _feeds(
        tmp_path,
        "feeds:\n  - HTTPS://E.org/rss\n  - url: file:///srv/feed.xml\n"
        "  - url: ' local.xml '\n    name: 2021\n  - url: /abs/feed.xml\n",
    )
    assert [f.url for f in feeds] == [
        "HTTPS://E.org/rss",
        "file:///srv/feed.xml",
        str((tmp_path / "local.xml").resolve()),
        "/abs/feed.xml",
    ]
    assert feeds[2].name == "2021" and feeds[0].name == "" and not feeds[0].full_text


def test_feed_that_is_not_a_mapping_or_a_url(tmp_path: Path) -> None:
    message = _feeds_error(tmp_path, "feeds:\n  - [a, b]\n")
    assert message.endswith(
        "feed #1: expected a mapping with 'url' (and 'name', 'full_text') or a URL, got ['a', 'b']"
    )


def test_misspelt_top_level_key(tmp_path: Path) -> None:
    message = _feeds_error(tmp_path, "feed:\n  - url: https://e.org/rss\n")
    assert message.endswith("expected a top-level 'feeds:' list — did you mean 'feeds'?")


# -- dedupe.yaml ----------------------------------------------------------------------------


def _dedupe_error(tmp_path: Path, body: str) -> str:
    path = tmp_path / "dedupe.yaml"
    path.write_text("version: 1\n" + body, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        dedupe.DedupeConfig.load(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message


def _dedupe(tmp_path: Path, body: str) -> dedupe.DedupeConfig:
    path = tmp_path / "dedupe.yaml"
    path.write_text("version: 1\n" + body, encoding="utf-8")
    return dedupe.DedupeConfig.load(path)


def test_shipped_dedupe_file_loads() -> None:
    config = dedupe.DedupeConfig.load()
    assert config.duplicate_at == 0.5 and config.probe_modulus == 8
    assert config.boilerplate.match("Advertisement")


def test_dedupe_unknown_field_suggests(tmp_path: Path) -> None:
    message = _dedupe_error(tmp_path, "shingle_sise: 4\n")
    assert message.endswith("unknown field 'shingle_sise' — did you mean 'shingle_size'?")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("duplicate_at: 0\n", "duplicate_at: expected a number above 0 and at most 1, got 0"),
        ("duplicate_at: 1.5\n", "duplicate_at: expected a number above 0 and at most 1, got 1.5"),
        (
            "duplicate_at: '0.5'\n",
            "duplicate_at: expected a number above 0 and at most 1, got '0.5'",
        ),
        ("near_duplicate_at: -0.1\n", "near_duplicate_at: expected a number above 0"),
        ("shingle_size: 0\n", "shingle_size: expected a whole number >= 1, got 0"),
        ("shingle_size: true\n", "shingle_size: expected a whole number >= 1, got true"),
        ("candidates: 2.5\n", "candidates: expected a whole number >= 1, got 2.5"),
        ("sample_modulus: -8\n", "sample_modulus: expected a whole number >= 1, got -8"),
        ("boilerplate_lines: advert\n", "boilerplate_lines: expected a list of regular"),
        ("boilerplate_lines: ['(']\n", "boilerplate_lines: bad boilerplate pattern"),
        ("near_duplicate_at: 0.6\n", "near_duplicate_at: expected at most duplicate_at (0.5)"),
    ],
)
def test_dedupe_values(tmp_path: Path, body: str, expected: str) -> None:
    assert expected in _dedupe_error(tmp_path, body)


def test_dedupe_good_values_next_to_the_bad_ones(tmp_path: Path) -> None:
    config = _dedupe(
        tmp_path,
        "duplicate_at: 1\nnear_duplicate_at: 0.2\nshingle_size: 1\ncandidates: 1\n"
        "sample_modulus: 4\nboilerplate_lines: ['advert']\n",
    )
    assert (config.duplicate_at, config.near_duplicate_at, config.shingle_size) == (1.0, 0.2, 1)
    assert config.probe_modulus == 4  # defaults to sample_modulus
    assert config.boilerplate.match("ADVERT")
