from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.alerts import build_message, escape, load_rules, match_rules
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
        "lemmas": ("the", "taliban", "take", "the", "district", "and", "its", "market"),
        "control": "taliban",
    }
    values.update(changes)
    return Event(**values)  # type: ignore[arg-type]


def test_shipped_rules_load_and_district_rule_matches_only_real_falls() -> None:
    rules = load_rules(load_settings({}).alerts_file)
    assert "district-fallen" in {r.id for r in rules}
    found = [_event(realis="negated"), _event(actor="Afghan forces"), _event()]
    [match] = [m for m in match_rules(rules, found, "#c") if m.rule_id == "district-fallen"]
    assert match.event_index == 2 and match.channel == "#c"
    for settled in (
        _event(claim_status="denied", realis="negated"),
        _event(control="government"),  # retaken later in the same report
        _event(control="contested"),  # a claim denied later
        _event(type="base_captured"),
    ):  # a base is not a district
        assert not [
            m for m in match_rules(rules, [settled], "#c") if m.rule_id == "district-fallen"
        ], settled
    [contested] = [m for m in match_rules(rules, [_event(control="contested")], "#c")]
    assert contested.rule_id == "district-contested"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("rules: []\n", "non-empty 'rules:'"),
        ("rules:\n  - match: {category: attack}\n", "missing 'id'"),
        ("rules:\n  - id: a\n    severity: huge\n    match: {category: attack}\n", "severity"),
        ("rules:\n  - id: a\n    match: {colour: red}\n", "unknown match field"),
        ("rules:\n  - id: a\n", "missing 'match'"),
        ("rules:\n  - {id: a, match: {actor: US}}\n  - {id: a, match: {actor: US}}\n", "unique"),
        ("rules:\n  - {id: a, reply_to: b, match: {actor: US}}\n", "reply_to names no rule"),
        ("rules:\n  - {id: a, min_outlets: 0, match: {actor: US}}\n", "min_outlets"),
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
    message = build_message(match, _event(), title="<@U1> title", url="https://e.org/a?b=1&c=2")
    assert "channel" not in message  # chosen at delivery time
    header, what, evidence, context = message["blocks"]
    assert header["type"] == "header"
    assert header["text"]["text"] == (
        ":red_circle: CRITICAL · District fallen: Yawan district, Badakhshan province"
    )
    assert "*took*" in evidence["text"]["text"]
    assert "&lt;!channel&gt;" in evidence["text"]["text"]
    assert "<!channel>" not in str(message)
    assert "<https://e.org/a?b=1&amp;c=2|&lt;@U1&gt; title>" in context["elements"][0]["text"]
    assert "Taliban" in what["text"]["text"]
    assert message["text"].startswith("District fallen: Yawan district")


def test_labels_are_plain_words_and_a_multi_line_quote_stays_one_quote() -> None:
    from pipeline.alerts.messages import plain_label, quote

    assert plain_label("district_captured") == "district captured"
    assert plain_label("agreement:peace_accord") == "agreement (peace accord)"
    assert quote("Headline\n\nFirst paragraph.") == "> Headline\n>\n> First paragraph."
    match = AlertMatch("district-fallen", "critical", "#c", 0, "", "District fallen")
    event = _event(evidence="Yawan falls\nThe Taliban took the district on Sunday.")
    _, what, evidence, _ = build_message(match, event, title="t", url=None)["blocks"]
    assert evidence["text"]["text"].splitlines()[1].startswith("> The Taliban *took*")
    assert "*Status:* happened; reported" in what["text"]["text"]
    assert "actual" not in what["text"]["text"] and "_" not in what["text"]["text"]


def test_severity_is_shown_and_here_is_mentioned_only_when_the_rule_asks() -> None:
    medium = AlertMatch("talks", "medium", "#c", 0, "", "Talks")
    quiet = build_message(medium, _event(), title="t", url=None)
    assert quiet["blocks"][0]["text"]["text"].startswith(":large_yellow_circle: Medium · ")
    assert "<!here>" not in str(quiet)
    loud = AlertMatch("district-fallen", "critical", "#c", 0, "", "Fallen", mention_here=True)
    message = build_message(loud, _event(), title="t", url=None)
    assert message["text"].startswith("<!here> ")
    assert message["blocks"][0]["text"]["text"] == "<!here>"


def test_long_fields_are_cut_to_slack_limits() -> None:
    match = AlertMatch("r", "low", "#c", 0, "", "x" * 400)
    message = build_message(match, _event(evidence="y" * 5000), title="t", url=None)
    assert len(message["blocks"][0]["text"]["text"]) <= 150
    assert len(message["blocks"][2]["text"]["text"]) <= 3000  # the quote
    assert len(message["text"]) <= 3000


def _phrase_rule(tmp_path: Path, phrases: str) -> object:
    path = tmp_path / "alerts.yaml"
    path.write_text("rules:\n  - id: fallen\n    phrases:\n" + phrases)
    [rule] = load_rules(path)
    return rule


def test_phrases_are_lemma_aware_with_synonyms_and_a_window(tmp_path: Path) -> None:
    rule = _phrase_rule(
        tmp_path,
        "      window: 6\n      any: [[district, fall]]\n      synonyms: {fall: [fall, overrun]}\n",
    )

    def lemmas(text: str) -> tuple[str, ...]:
        return tuple(text.lower().split())

    hit = _event(lemmas=lemmas("fifty district have fall to the taliban"))
    reversed_order = _event(lemmas=lemmas("the fall of panjwai district was confirm"))
    synonym = _event(lemmas=lemmas("taliban overrun the district headquarters"))
    too_far = _event(lemmas=lemmas("the district council met . prices later fall sharply again"))
    other = _event(lemmas=lemmas("school district reopen this autumn"))
    assert [rule.matches(e) for e in (hit, reversed_order, synonym, too_far, other)] == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_ordered_phrases_keep_their_order(tmp_path: Path) -> None:
    rule = _phrase_rule(tmp_path, "      ordered: true\n      any: [[fall, to, taliban]]\n")
    assert rule.matches(_event(lemmas=("city", "fall", "to", "the", "taliban")))
    assert not rule.matches(_event(lemmas=("taliban", "fall", "back", "to", "base")))


@pytest.mark.parametrize(
    ("phrases", "message"),
    [
        ("      any: district fall\n", "list of word lists"),
        ("      any: [[district]]\n      window: 1\n", "window"),
        ("      any: [[district]]\n      synonyms: {district: town}\n", "synonyms"),
        ("      any: [[district]]\n      colour: red\n", "unknown phrases field"),
    ],
)
def test_bad_phrases_are_reported(tmp_path: Path, phrases: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _phrase_rule(tmp_path, phrases)


def test_min_outlets(tmp_path: Path) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text("rules:\n  - id: x\n    min_outlets: 2\n    match: {category: attack}\n")
    [rule] = load_rules(path)
    event = _event(category="attack")
    assert not rule.matches(event, outlets=1) and rule.matches(event, outlets=2)


def test_everyone_and_here_are_escaped_in_messages() -> None:
    match = AlertMatch("r", "low", "#c", 0, "", "Rule")
    message = build_message(
        match,
        _event(evidence="<!everyone> <!here> <@U0ABC> <https://evil.example|bank>"),
        title="<!everyone>",
        url=None,
    )
    text = str(message)
    for raw in ("<!everyone>", "<!here>", "<@U0ABC>", "<https://evil.example|bank>"):
        assert raw not in text


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "https://e.org/a|fake label",
    ],
)
def test_only_http_links_become_link_targets(url: str) -> None:
    match = AlertMatch("r", "low", "", 0, "", "Rule")
    message = build_message(match, _event(), title="A report", url=url)
    context = message["blocks"][3]["elements"][0]["text"]
    assert context.startswith("Source: A report ·")
    assert "<" not in context.split("·")[0]


def test_an_http_link_next_to_them_is_kept() -> None:
    match = AlertMatch("r", "low", "", 0, "", "Rule")
    message = build_message(match, _event(), title="A report", url="https://e.org/x")
    assert "<https://e.org/x|A report>" in message["blocks"][3]["elements"][0]["text"]


# -- pydantic validation: unknown fields, booleans, ranges ---------------------------------


def _rules_error(tmp_path: Path, body: str) -> str:
    path = tmp_path / "alerts.yaml"
    path.write_text(body)
    with pytest.raises(ConfigError) as info:
        load_rules(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("severty: high", "rule #1 (a): unknown field 'severty' — did you mean 'severity'?"),
        (
            "match: {categroy: attack}",
            "rule #1 (a): unknown match field 'categroy' — did you mean 'category'?",
        ),
        ("colour: red", "rule #1 (a): unknown field 'colour' (known: id, title, "),
    ],
)
def test_unknown_rule_fields_suggest_the_closest(tmp_path: Path, rule: str, expected: str) -> None:
    body = f"rules:\n  - id: a\n    match: {{actor: US}}\n    {rule}\n"
    if rule.startswith("match"):
        body = f"rules:\n  - id: a\n    {rule}\n"
    assert expected in _rules_error(tmp_path, body)


def test_unknown_phrases_field_suggests(tmp_path: Path) -> None:
    message = _rules_error(
        tmp_path, "rules:\n  - id: p\n    phrases: {any: [[district, fall]], windw: 4}\n"
    )
    assert message.endswith("rule #1 (p): unknown phrases field 'windw' — did you mean 'window'?")


@pytest.mark.parametrize("written", ['"yes"', "'true'", '"no"', "1"])
def test_ordered_must_be_a_yaml_boolean(tmp_path: Path, written: str) -> None:
    message = _rules_error(
        tmp_path, f"rules:\n  - id: p\n    phrases: {{any: [[fall]], ordered: {written}}}\n"
    )
    assert "rule #1 (p): phrases.ordered: expected true or false, written without quotes" in message


@pytest.mark.parametrize(("written", "value"), [("yes", True), ("false", False), ("no", False)])
def test_ordered_yaml_booleans_are_fine(tmp_path: Path, written: str, value: bool) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text(f"rules:\n  - id: p\n    phrases: {{any: [[fall]], ordered: {written}}}\n")
    [rule] = load_rules(path)
    assert rule.phrases is not None and rule.phrases.ordered is value


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("0", False),
        ("-1", False),
        ("'2'", False),
        ("1.5", False),
        ("true", False),
        ("1", True),
        ("3", True),
    ],
)
def test_min_outlets_range(tmp_path: Path, value: str, accepted: bool) -> None:
    body = f"rules:\n  - id: m\n    min_outlets: {value}\n    match: {{actor: US}}\n"
    if accepted:
        path = tmp_path / "alerts.yaml"
        path.write_text(body)
        assert load_rules(path)[0].min_outlets == int(value)
    else:
        assert "rule #1 (m): min_outlets: expected a whole number >= 1, got " in _rules_error(
            tmp_path, body
        )


@pytest.mark.parametrize(
    ("value", "accepted"), [("1", False), ("0", False), ("'4'", False), ("2", True)]
)
def test_window_range(tmp_path: Path, value: str, accepted: bool) -> None:
    body = f"rules:\n  - id: w\n    phrases: {{any: [[fall]], window: {value}}}\n"
    if accepted:
        path = tmp_path / "alerts.yaml"
        path.write_text(body)
        [rule] = load_rules(path)
        assert rule.phrases is not None and rule.phrases.window == 2
    else:
        assert "rule #1 (w): phrases.window: expected a whole number >= 2, got " in _rules_error(
            tmp_path, body
        )


def test_severity_is_one_of_four(tmp_path: Path) -> None:
    message = _rules_error(
        tmp_path, "rules:\n  - id: s\n    severity: urgent\n    match: {actor: US}\n"
    )
    assert message.endswith(
        "rule #1 (s): severity: expected one of low, medium, high, critical, got 'urgent'"
    )
    path = tmp_path / "ok.yaml"
    path.write_text(
        "rules:\n  - id: s\n    severity: low\n    match: {actor: US}\n"
        "  - id: t\n    match: {actor: US}\n"
    )
    assert [r.severity for r in load_rules(path)] == ["low", "medium"]


def test_messages_name_the_file_rule_and_field(tmp_path: Path) -> None:
    body = (
        "rules:\n  - id: first\n    match: {actor: US}\n"
        "  - id: second\n    match: {actor: [US, NATO]}\n    min_outlets: 0\n"
    )
    message = _rules_error(tmp_path, body)
    assert message == (
        f"{tmp_path / 'alerts.yaml'}: rule #2 (second): min_outlets: expected a whole number "
        ">= 1, got 0"
    )


def test_match_values_are_normalised_to_tuples(tmp_path: Path) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text("rules:\n  - id: n\n    match: {actor: US, realis: [actual, announced]}\n")
    [rule] = load_rules(path)
    assert rule.match == {"actor": ("US",), "realis": ("actual", "announced")}
    assert rule.title == "n" and rule.description == "" and rule.channel is None


def test_misspelt_rules_key_and_reply_to_suggest(tmp_path: Path) -> None:
    assert "did you mean 'rules'" in _rules_error(tmp_path, "rule:\n  - id: a\n")
    message = _rules_error(
        tmp_path,
        "rules:\n  - {id: fallen, match: {actor: US}}\n"
        "  - {id: b, reply_to: falen, match: {actor: US}}\n",
    )
    assert message.endswith("rule 'b': reply_to names no rule: 'falen' — did you mean 'fallen'?")


def test_mention_here_must_be_a_yaml_boolean(tmp_path: Path) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text("rules:\n  - id: r\n    mention_here: 'yes'\n    match: {category: attack}\n")
    with pytest.raises(ConfigError, match="mention_here"):
        load_rules(path)
    path.write_text("rules:\n  - id: r\n    mention_here: true\n    match: {category: attack}\n")
    assert load_rules(path)[0].mention_here


def test_the_console_shows_the_severity_without_slack_emoji_codes() -> None:
    from pipeline.alerts import ConsoleSink, Outgoing

    match = AlertMatch("district-fallen", "critical", "#c", 0, "", "District fallen")
    printed: list[str] = []
    payload = build_message(match, _event(), title="t", url=None)
    ConsoleSink(printed.append).send(Outgoing("k", "#desk", payload))
    assert printed[0].startswith("ALERT [#desk] CRITICAL · District fallen: Yawan district")
    assert ":red_circle:" not in printed[0] and "10:30" in _plain_time()


def _plain_time() -> str:
    from pipeline.alerts.delivery import _plain

    return _plain("at 10:30 local time")
