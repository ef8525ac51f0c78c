from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.alert import build_message, escape, load_rules, match_rules
from pipeline.models import AlertMatch, Event, Location
from pipeline.settings import ConfigError, load_settings


def _event(**changes: object) -> Event:
    values: dict[str, object] = {
        "category": "territory_captured",
        "type": "district_captured",
        "actor": "Taliban",
        "target": "Afghan forces",
        "realis": "actual",
        "claim_status": "reported",
        "evidence": "The Taliban took the <!channel> district & its market.",
        "evidence_start": 0,
        "evidence_end": 52,
        "trigger": "took",
        "location": Location("Yawan", "Yawan", "Badakhshan"),
        "event_date": "2021-07-03",
    }
    values.update(changes)
    return Event(**values)  # type: ignore[arg-type]


def test_shipped_rules_load_and_district_rule_matches_only_real_falls() -> None:
    rules = load_rules(load_settings({}).alerts_file)
    assert "district-fallen" in {r.id for r in rules}
    found = [_event(realis="negated"), _event(actor="Afghan forces"), _event()]
    [match] = [m for m in match_rules(rules, found, "#c") if m.rule_id == "district-fallen"]
    assert match.event_index == 2 and match.channel == "#c"
    assert not [
        m
        for m in match_rules(rules, [_event(claim_status="denied")], "#c")
        if m.rule_id == "district-fallen"
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("rules: []\n", "non-empty 'rules:'"),
        ("rules:\n  - match: {category: attack}\n", "missing 'id'"),
        ("rules:\n  - id: a\n    severity: huge\n    match: {category: attack}\n", "severity"),
        ("rules:\n  - id: a\n    match: {colour: red}\n", "unknown match field"),
        ("rules:\n  - id: a\n", "missing 'match'"),
        ("rules:\n  - {id: a, match: {actor: US}}\n  - {id: a, match: {actor: US}}\n", "unique"),
    ],
)
def test_rule_validation_names_the_problem(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=message):
        load_rules(path)


def test_escape_neutralises_mentions_and_links() -> None:
    assert escape("<!channel> <@U123> <https://x|y> & co") == (
        "&lt;!channel&gt; &lt;@U123&gt; &lt;https://x|y&gt; &amp; co"
    )


def test_message_is_valid_block_kit_with_escaped_feed_text() -> None:
    match = AlertMatch("district-fallen", "critical", "#c", 0, "", "District fallen")
    message = build_message(
        match, _event(), title="<@U1> title", url="https://e.org/a?b=1&c=2", channel="#c"
    )
    assert message["channel"] == "#c"
    header, what, evidence, context = message["blocks"]
    assert header["type"] == "header"
    assert header["text"]["text"] == "District fallen: Yawan district, Badakhshan province"
    assert "*took*" in evidence["text"]["text"]
    assert "&lt;!channel&gt;" in evidence["text"]["text"]
    assert "<!channel>" not in str(message)
    assert "<https://e.org/a?b=1&amp;c=2|&lt;@U1&gt; title>" in context["elements"][0]["text"]
    assert "Taliban" in what["text"]["text"]
    assert message["text"].startswith("District fallen: Yawan district")


def test_long_fields_are_cut_to_slack_limits() -> None:
    match = AlertMatch("r", "low", "#c", 0, "", "x" * 400)
    message = build_message(match, _event(evidence="y" * 5000), title="t", url=None, channel="#c")
    assert len(message["blocks"][0]["text"]["text"]) <= 150
    assert len(message["blocks"][2]["text"]["text"]) <= 3000
    assert len(message["text"]) <= 3000
