"""The command line as a user runs it: a subprocess, the shipped config, an SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.settings import PROJECT_ROOT

COMMANDS = [
    "run",
    "seed",
    "migrate",
    "status",
    "deliver",
    "analyze",
    "feeds",
    "alerts",
    "alerts preview",
    "alerts release",
    "alerts mark-sent",
    "quarantine",
    "quarantine retry",
    "control",
    "control rebuild",
    "control show",
    "control map",
    "control export",
    "export events",
]


def _cli(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=PROJECT_ROOT,
        env={**clean, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = _cli(*command.split(), "--help", env={})
    assert result.returncode == 0 and "usage: python -m pipeline" in result.stdout


def test_demo_run_shows_duplicates_and_a_district_alert(sqlite_env: dict[str, str]) -> None:
    result = _cli("run", env=sqlite_env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "seed corpus: 5 articles loaded" in out
    assert "feeds: 3 fetched, 0 failed" in out
    assert "copy of seed 002_edead836a7bcae60.txt" in out
    assert "copy of seed 003_d1853a0dcd3f26d0.txt" in out
    assert "ALERT [#afghanistan-alerts] CRITICAL · District fallen to the Taliban" in out
    # two outlets report Imam Sahib's fall in their own words: one alert, one thread reply
    assert out.count("District fallen to the Taliban: Imam Sahib district") == 1
    assert out.count("Confirmed by 2 independent outlets. New report:") == 1
    assert "<!channel>" not in out.replace("&lt;!channel&gt;", "")

    again = _cli("run", "--json", env=sqlite_env)
    totals = json.loads(again.stdout)["totals"]
    assert totals["new"] == 0 and totals["alerts"] == 0


def test_seed_is_idempotent_and_status_reports(sqlite_env: dict[str, str]) -> None:
    first = _cli("seed", env=sqlite_env)
    second = _cli("seed", env=sqlite_env)
    assert "5 loaded now, 5 in the database" in first.stdout
    assert "0 loaded now, 5 in the database" in second.stdout
    status = json.loads(_cli("status", "--json", env=sqlite_env).stdout)
    assert status["counts"]["seeds"] == 5 and status["counts"]["articles"] == 5


def test_analyze_json_contract(sqlite_env: dict[str, str], tmp_path: Path) -> None:
    seed_text = (PROJECT_ROOT / "data/seed_corpus/002_edead836a7bcae60.txt").read_text()
    lines = [
        {
            "id": "fall",
            "text": "Taliban fighters overran the Shirin Tagab district headquarters "
            "in Faryab province on Friday, officials said.",
            "published": "2021-07-10",
        },
        {"id": "copy", "text": seed_text, "url": "https://mirror.example.net/x?utm_source=a"},
        {"id": "sport", "text": "Prices fell at the market and the school district closed early."},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines))
    result = _cli("analyze", "--json", str(path), env=sqlite_env)
    assert result.returncode == 0, result.stderr
    fall, copy, sport = (json.loads(line) for line in result.stdout.splitlines())
    assert [fall["id"], copy["id"], sport["id"]] == ["fall", "copy", "sport"]
    assert fall["duplicate"] == {
        "status": "new",
        "of": None,
        "score": fall["duplicate"]["score"],
        "method": fall["duplicate"]["method"],
    }
    [event] = [e for e in fall["events"] if e["category"] == "territory_captured"]
    assert event["actor"] == "Taliban"
    assert event["location"]["district"] == "Shirin Tagab"
    assert event["location"]["province"] == "Faryab"
    assert event["incident"]["new"] and event["incident"]["id"] is None
    assert (event["incident"]["n_reports"], event["incident"]["n_independent_outlets"]) == (1, 1)
    assert fall["alerts"] == [
        {"rule": "district-fallen", "evidence": event["evidence"], "suppressed": None}
    ]
    assert copy["duplicate"]["status"] == "duplicate"
    assert copy["duplicate"]["of"] == "002_edead836a7bcae60.txt"
    assert all(a["suppressed"] for a in copy["alerts"])
    assert sport["events"] == [] and sport["alerts"] == []


def test_analyze_reads_stdin_and_reports_bad_json(sqlite_env: dict[str, str]) -> None:
    ok = _cli("analyze", "--json", "-", env=sqlite_env, stdin="Nothing happened today.")
    assert json.loads(ok.stdout)["id"] == "stdin"
    bad = _cli("analyze", "-", env=sqlite_env, stdin='{"text": ')
    assert bad.returncode == 2 and "not valid JSON" in bad.stderr


def test_bad_alert_rules_give_a_clear_error(sqlite_env: dict[str, str], tmp_path: Path) -> None:
    rules = tmp_path / "alerts.yaml"
    rules.write_text("rules:\n  - id: x\n    match: {category: attack}\n    colour: red\n")
    result = _cli("run", "--quiet", env={**sqlite_env, "ALERTS_FILE": str(rules)})
    assert result.returncode == 2
    assert "rule #1 (x): unknown field 'colour'" in result.stderr


def test_alerts_preview_prints_payloads_and_stores_nothing(sqlite_env: dict[str, str]) -> None:
    article = {
        "id": "p1",
        "title": "Yawan <@U1> <!channel>",
        "url": "https://e.org/p1",
        "text": "Taliban fighters captured the Yawan district centre in Badakhshan "
        "province on Saturday, officials said.",
    }
    result = _cli("alerts", "preview", "--json", "-", env=sqlite_env, stdin=json.dumps(article))
    assert result.returncode == 0, result.stderr
    [payload] = [json.loads(line) for line in result.stdout.splitlines()]
    assert payload["channel"] == "#afghanistan-alerts"
    assert payload["blocks"][0]["text"]["text"].startswith(
        ":red_circle: CRITICAL · District fallen to the Taliban: Yawan"
    )
    assert "<@U1>" not in result.stdout and "&lt;@U1&gt;" in result.stdout
    status = json.loads(_cli("status", "--json", env=sqlite_env).stdout)
    assert status["counts"]["articles"] == 5 and status["counts"]["alerts"] == {}


def test_offline_demo_run_prints_alerts_even_with_a_slack_token(
    sqlite_env: dict[str, str], slack_server
) -> None:  # type: ignore[no-untyped-def]
    env = {
        **sqlite_env,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_BASE_URL": slack_server.base_url,
    }
    result = _cli("--offline", "run", env=env)
    assert result.returncode == 0, result.stderr
    assert "alerts to: console (offline)" in result.stdout
    assert "delivered 9" in result.stdout and slack_server.messages == []
    # each control change rides on the event alert that caused it: no second message
    assert "Control: Shirin Tagab district, Faryab province now taliban control" in result.stdout
    assert "District control changed" not in result.stdout


def test_offline_refuses_a_postgres_database_in_one_line() -> None:
    env = {"DATABASE_URL": "postgresql+psycopg://news:hunter2@127.0.0.1:5432/news"}
    result = _cli("--offline", "status", env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("configuration error: offline resources use SQLite")
    assert "hunter2" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_control_map_geojson_and_acled_csv_after_the_demo(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    import csv
    import io

    run = _cli("run", env=sqlite_env)
    assert "district control map on 2021-07-14 (latest change):" in run.stdout
    shown = _cli("control", "show", "--at", "2021-07-20", "--json", env=sqlite_env)
    counts = json.loads(shown.stdout)["counts"]
    assert counts["taliban"] >= 3 and counts["government"] == 1
    out = tmp_path / "map.png"
    drawn = _cli("control", "map", "--at", "2021-07-20", "--out", str(out), env=sqlite_env)
    assert drawn.returncode == 0 and out.read_bytes().startswith(b"\x89PNG")
    exported = _cli("control", "export", "--geojson", "--at", "2021-07-20", env=sqlite_env)
    geojson = json.loads(exported.stdout)["features"]
    features = {f["properties"]["district"]: f["properties"] for f in geojson}
    assert len(geojson) == 399 and features["Imam Sahib"]["status"] == "taliban"
    [first] = features["Dahana-e-Ghori"]["evidence"]
    assert first["url"].startswith("https://frontiermonitor.example.net/") and first["sentence"]
    table = list(
        csv.DictReader(io.StringIO(_cli("export", "events", "--csv", env=sqlite_env).stdout))
    )
    assert table and {"event_date", "actor1", "admin1", "admin2", "notes"} <= set(table[0])
    assert any(r["sub_event_type"] == "Non-state actor overtakes territory" for r in table)
    bad = _cli("control", "show", "--at", "last week", env=sqlite_env)
    assert bad.returncode == 2 and "expected a date as YYYY-MM-DD" in bad.stderr
