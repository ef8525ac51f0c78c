from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from pipeline import evaluate
from pipeline.models import DuplicateDecision, Event, Location
from pipeline.resources import Resources
from pipeline.settings import ConfigError, Settings, load_settings

SEED = (
    "Officials in the northern province said on Monday that fighting had spread to three "
    "villages near the provincial capital overnight. Residents described hearing heavy gunfire "
    "until dawn and said many families had fled toward the river crossing. A spokesman for the "
    "provincial police said reinforcements had arrived by helicopter before sunrise. Aid groups "
    "warned that food stocks in the area would last for only a few more days."
)
OTHER_STORY = (
    "The finance ministry published its quarterly budget report on Thursday. Revenue from "
    "customs duties rose slightly while spending on salaries stayed flat, the report said."
)
FALL = "Taliban fighters captured the Yawan district centre in Badakhshan province on Sunday."
PRICES = "Wheat prices fell sharply in Kabul markets this week, traders said."


def event(
    category: str, actor: str, location: Location | None = None, evidence: str = "x"
) -> Event:
    return Event(
        category=category,
        type=category,
        actor=actor,
        target=None,
        realis="actual",
        claim_status="reported",
        evidence=evidence,
        evidence_start=0,
        evidence_end=len(evidence),
        trigger="t",
        location=location,
    )


def gold_event(category: str, actor: str, location: str | None = None) -> evaluate.GoldEvent:
    return evaluate.GoldEvent(category, actor, None, location, f"{category} by {actor}")


def write_case(folder: Path, name: str, relation: str, text: str) -> Path:
    path = folder / name
    path.write_text(f"SOURCE: https://example.org/{name}\nRELATION: {relation}\n\n{text}\n")
    return path


# --- figures ---------------------------------------------------------------------
def test_prf_computes_precision_recall_f1() -> None:
    assert evaluate.prf(3, 1, 2) == {
        "tp": 3,
        "fp": 1,
        "fn": 2,
        "precision": 0.75,
        "recall": 0.6,
        "f1": 0.6667,
    }


def test_prf_is_zero_without_predictions_or_gold() -> None:
    scores = evaluate.prf(0, 0, 0)
    assert (scores["precision"], scores["recall"], scores["f1"]) == (0.0, 0.0, 0.0)


def test_label_scores_counts_each_label_once_per_passage() -> None:
    table = evaluate.label_scores(
        [{"attack", "withdrawal"}, {"attack"}], [{"attack"}, {"attack", "other"}], ["attack"]
    )
    assert table["per_label"]["attack"] == evaluate.prf(2, 0, 0)
    assert table["per_label"]["withdrawal"] == evaluate.prf(0, 0, 1)
    assert table["per_label"]["other"] == evaluate.prf(0, 1, 0)
    assert table["micro"] == evaluate.prf(2, 1, 1)


# --- locations -------------------------------------------------------------------
def test_place_names_strip_district_and_keep_bracketed_name() -> None:
    assert evaluate.place_names("Imam Sahib district, Kunduz") == ["imam sahib"]
    assert evaluate.place_names("Panjshir (provincial capital)") == ["panjshir"]
    assert evaluate.place_names("Wesh (Spin Boldak border crossing), Kandahar") == [
        "wesh",
        "spin boldak",
    ]


def test_location_hit_folds_case_and_diacritics() -> None:
    found = event("territory_captured", "Taliban", Location("Imām Ṣāḥib", None, "Kunduz"))
    assert evaluate.location_hit("Imam Sahib district, Kunduz", found)


def test_location_hit_accepts_district_or_province_field() -> None:
    found = event("territory_captured", "Taliban", Location("the centre", "Yawan", "Badakhshan"))
    assert evaluate.location_hit("Yawan district, Badakhshan", found)
    capital = event("territory_captured", "Taliban", Location("Bazarak", "Bazarak", "Panjshir"))
    assert evaluate.location_hit("Panjshir (provincial capital)", capital)


def test_location_hit_needs_whole_words_and_a_location() -> None:
    partial = event("territory_retaken", "Afghan forces", Location("Khanabad", "Khanabad"))
    assert not evaluate.location_hit("Khan district, Kunduz", partial)
    province_only = event("territory_retaken", "Afghan forces", Location("Baghlan"))
    assert not evaluate.location_hit("Banu district, Baghlan", province_only)
    assert not evaluate.location_hit("Yawan", event("territory_captured", "Taliban"))
    assert not evaluate.location_hit(None, partial)


# --- event scoring ---------------------------------------------------------------
def gold_and_predictions() -> tuple[list[evaluate.GoldPassage], list[evaluate.PassagePrediction]]:
    gold = [
        evaluate.GoldPassage(
            "p1",
            FALL,
            alert=True,
            events=(
                gold_event("territory_captured", "Taliban", "Yawan district, Badakhshan"),
                gold_event("withdrawal", "US"),
            ),
        ),
        evaluate.GoldPassage(
            "p2",
            "Army units retook the town.",
            events=(gold_event("territory_retaken", "Afghan forces", "Deh Yak district, Ghazni"),),
        ),
        evaluate.GoldPassage("p3", PRICES),
    ]
    predicted = [
        evaluate.PassagePrediction(
            "p1",
            (
                event("territory_captured", "Taliban", Location("Yawan", "Yawan", "Badakhshan")),
                event("attack", "Taliban", evidence="a guess"),
            ),
            alert=True,
            alert_evidence=FALL,
        ),
        evaluate.PassagePrediction(
            "p2", (event("territory_retaken", "Afghan forces", Location("Ghazni")),)
        ),
        evaluate.PassagePrediction("p3", alert=True, alert_evidence=PRICES),
    ]
    return gold, predicted


def test_score_events_pairs_categories_actors_location_and_alert() -> None:
    gold, predicted = gold_and_predictions()
    report = evaluate.score_events(gold, predicted)
    assert report["pairs"] == evaluate.prf(2, 1, 1)
    assert report["category"]["per_label"]["territory_captured"] == evaluate.prf(1, 0, 0)
    assert report["category"]["per_label"]["attack"] == evaluate.prf(0, 1, 0)
    assert report["category"]["micro"] == evaluate.prf(2, 1, 1)
    assert report["actor"]["per_label"]["US"] == evaluate.prf(0, 0, 1)
    assert report["location"] == {
        "gold_events": 2,
        "hits": 1,
        "accuracy": 0.5,
        "with_same_category_prediction": 2,
    }
    assert report["alert"] == evaluate.prf(1, 1, 0)


def test_score_events_splits_the_figures_by_language_when_the_gold_names_it() -> None:
    from dataclasses import replace

    gold, predicted = gold_and_predictions()
    assert evaluate.score_events(gold, predicted)["by_language"] == {}  # no `lang`: none
    tagged = [replace(gold[0], language="ps"), *(replace(g, language="ur") for g in gold[1:])]
    by_language = evaluate.score_events(tagged, predicted)["by_language"]
    assert sorted(by_language) == ["ps", "ur"]
    assert by_language["ps"]["alert"] == evaluate.prf(1, 0, 0)  # the fall, found
    assert by_language["ur"]["alert"] == evaluate.prf(0, 1, 0)  # prices "fell": a false alert
    assert by_language["ur"]["location"]["hits"] == 0 and by_language["ps"]["passages"] == 1
    parsed = evaluate.parse_gold_passage({"id": "m1", "text": "t", "lang": "fa-AF"}, "here")
    assert parsed.language == "fa-AF"


def test_score_events_lists_misses_with_ids_and_evidence() -> None:
    gold, predicted = gold_and_predictions()
    misses = evaluate.score_events(gold, predicted)["misses"]
    kinds = {(m["kind"], m["id"]) for m in misses}
    assert kinds == {("pair_fn", "p1"), ("pair_fp", "p1"), ("location", "p2"), ("alert_fp", "p3")}
    fp = next(m for m in misses if m["kind"] == "pair_fp")
    assert (fp["pair"], fp["evidence"]) == (["attack", "Taliban"], "a guess")
    location = next(m for m in misses if m["kind"] == "location")
    assert location["predicted"] == ["Ghazni"]


def test_score_events_treats_a_missing_prediction_as_empty() -> None:
    gold, _ = gold_and_predictions()
    report = evaluate.score_events(gold, [])
    assert report["pairs"] == evaluate.prf(0, 0, 3)
    assert report["alert"] == evaluate.prf(0, 0, 1)


def test_limit_misses_keeps_n_per_kind_and_the_totals() -> None:
    misses = [{"kind": "pair_fn", "id": str(i)} for i in range(5)] + [{"kind": "alert_fp"}]
    limited = evaluate.limit_misses(misses, 2)
    assert limited["pair_fn"]["total"] == 5
    assert [m["id"] for m in limited["pair_fn"]["shown"]] == ["0", "1"]
    assert limited["alert_fp"]["total"] == 1


def test_load_events_gold_reads_passages_and_rejects_bad_lines(tmp_path: Path) -> None:
    good = tmp_path / "gold.jsonl"
    row = {
        "id": "x1",
        "url": None,
        "date": "2021-07-04",
        "text": FALL,
        "alert_district_fallen": True,
        "events": [
            {"type": "territory_captured", "actor": "Taliban", "target": None, "location": None}
        ],
    }
    good.write_text(json.dumps(row) + "\n\n")
    [passage] = evaluate.load_events_gold(good)
    assert (passage.id, passage.alert, passage.events[0].category) == (
        "x1",
        True,
        "territory_captured",
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x2", "text": "t", "events": [{"actor": "US"}]}\n')
    with pytest.raises(ConfigError, match=r"bad\.jsonl:1"):
        evaluate.load_events_gold(bad)


# --- challenge checks ------------------------------------------------------------
def test_load_events_gold_reads_class_forbid_and_a_null_alert(tmp_path: Path) -> None:
    rows = [
        {
            "id": "c1",
            "class": "actor_confusion",
            "text": "Police said gunmen shot at a checkpoint.",
            "alert_district_fallen": None,
            "events": [{"type": "attack", "actor": "other", "target": None, "location": None}],
            "forbid": [{"type": "attack", "actor": "Taliban"}],
        },
        {"id": "old", "text": PRICES, "events": []},
    ]
    path = tmp_path / "challenge.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    challenge, old = evaluate.load_events_gold(path)
    assert (challenge.error_class, challenge.forbid, challenge.alert) == (
        "actor_confusion",
        (("attack", "Taliban"),),
        None,
    )
    assert (old.error_class, old.forbid, old.alert) == (None, (), False)
    path.write_text('{"id": "c2", "text": "t", "forbid": [{"type": "attack"}]}\n')
    with pytest.raises(ConfigError, match="forbid"):
        evaluate.load_events_gold(path)


def test_gold_province_is_the_text_after_the_comma() -> None:
    assert evaluate.gold_province("Yawan district, Badakhshan") == "Badakhshan"
    assert evaluate.gold_province("Herat") is None
    assert evaluate.gold_province(None) is None


def captured_in_yawan(**changes: Any) -> evaluate.GoldPassage:
    """A classed gold passage: Yawan taken, an alert, a retake forbidden."""
    base = evaluate.GoldPassage(
        "y1",
        FALL,
        alert=True,
        events=(gold_event("territory_captured", "Taliban", "Yawan district, Badakhshan"),),
        error_class="place_resolution",
        forbid=(("territory_retaken", "Afghan forces"),),
    )
    return dataclasses.replace(base, **changes)


def yawan_prediction(
    *extra: Event, province: str = "Badakhshan", alert: bool = True
) -> evaluate.PassagePrediction:
    found = event("territory_captured", "Taliban", Location("Yawan", "Yawan", province))
    return evaluate.PassagePrediction("y1", (found, *extra), alert=alert)


def test_passage_failures_is_empty_when_everything_matches() -> None:
    assert evaluate.passage_failures(captured_in_yawan(), yawan_prediction()) == []


def test_a_forbidden_pair_fails_an_item() -> None:
    forbidden = event("territory_retaken", "Afghan forces", Location("Yawan"))
    reasons = evaluate.passage_failures(captured_in_yawan(), yawan_prediction(forbidden))
    assert reasons == ["forbidden territory_retaken/Afghan forces"]


def test_a_wrong_province_fails_an_item() -> None:
    reasons = evaluate.passage_failures(captured_in_yawan(), yawan_prediction(province="Takhar"))
    assert reasons == ["territory_captured/Taliban at Yawan district, Badakhshan: province Takhar"]


def test_the_place_must_come_from_an_event_of_the_gold_actor() -> None:
    elsewhere = evaluate.PassagePrediction(
        "y1",
        (
            event("territory_captured", "Taliban", Location("Kabul", None, "Kabul")),
            event("territory_captured", "other", Location("Yawan", "Yawan", "Badakhshan")),
        ),
        alert=True,
    )
    reasons = evaluate.passage_failures(captured_in_yawan(), elsewhere)
    assert reasons == ["no territory_captured/Taliban at Yawan district, Badakhshan"]


def test_a_missing_pair_and_a_wrong_alert_fail_an_item() -> None:
    nothing = evaluate.PassagePrediction("y1", suppressed="denied")
    assert evaluate.passage_failures(captured_in_yawan(), nothing) == [
        "no alert (suppressed: denied)",
        "missing territory_captured/Taliban",
    ]
    calm = captured_in_yawan(alert=False)
    assert evaluate.passage_failures(calm, yawan_prediction()) == ["unexpected alert"]


def test_a_null_alert_is_ignored_by_the_check_and_the_alert_tally() -> None:
    unjudged = captured_in_yawan(alert=None)
    assert evaluate.passage_failures(unjudged, yawan_prediction(alert=True)) == []
    assert evaluate.passage_failures(unjudged, yawan_prediction(alert=False)) == []
    report = evaluate.score_events([unjudged], [yawan_prediction(alert=True)])
    assert report["alert"] == evaluate.prf(0, 0, 0)
    assert not [m for m in report["misses"] if m["kind"].startswith("alert")]


def test_challenge_results_count_passes_per_class_and_skip_unclassed() -> None:
    gold = [
        captured_in_yawan(id="a"),
        captured_in_yawan(id="b"),
        captured_in_yawan(id="c", error_class="actor_confusion"),
        captured_in_yawan(id="d", error_class=None),
    ]
    wrong = event("territory_retaken", "Afghan forces")
    preds = [
        evaluate.PassagePrediction("a", yawan_prediction().events, alert=True),
        evaluate.PassagePrediction("b", yawan_prediction(wrong).events, alert=True),
        evaluate.PassagePrediction("c", yawan_prediction().events, alert=True),
    ]
    results = evaluate.challenge_results(gold, [*preds, evaluate.PassagePrediction("d")])
    assert results["classes"] == {
        "actor_confusion": {"passed": 1, "total": 1, "failed": []},
        "place_resolution": {
            "passed": 1,
            "total": 2,
            "failed": [{"id": "b", "reasons": ["forbidden territory_retaken/Afghan forces"]}],
        },
    }
    assert (results["passed"], results["total"]) == (2, 3)
    report = evaluate.score_events(gold, preds)  # "d" has no prediction and no class
    assert (report["passed"], report["total"]) == (2, 3)


def test_province_results_count_gold_places_with_a_province() -> None:
    gold = evaluate.GoldPassage(
        "p",
        FALL,
        events=(
            gold_event("territory_captured", "Taliban", "Yawan district, Badakhshan"),
            gold_event("territory_retaken", "Afghan forces", "Deh Yak district, Ghazni"),
            gold_event("territory_captured", "Taliban", "Herat"),
            gold_event("attack", "Taliban", "Nad Ali district, Helmand"),
        ),
    )
    pred = evaluate.PassagePrediction(
        "p",
        (
            event("territory_captured", "other", Location("a village", None, "Badakhshan")),
            event("territory_retaken", "Afghan forces", Location("Deh Yak", None, "Ghor")),
            event("attack", "Taliban", Location("Nad Ali", None, "Helmand")),
        ),
    )
    assert evaluate.province_results(gold, pred) == (2, 1)
    report = evaluate.score_events([gold], [pred])
    assert report["provinces"] == {"gold_events": 2, "hits": 1, "accuracy": 0.5}


def test_print_events_shows_the_class_table_and_limited_failures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    gold = [captured_in_yawan(id="a"), captured_in_yawan(id="b"), captured_in_yawan(id="c")]
    preds = [
        evaluate.PassagePrediction("a", yawan_prediction().events, alert=True),
        evaluate.PassagePrediction("b"),
        evaluate.PassagePrediction("c"),
    ]
    report = evaluate.score_events(gold, preds)
    report["misses"] = evaluate.limit_misses(report["misses"], 0)
    evaluate.print_events(report, show_failures=1)
    out = capsys.readouterr().out
    assert "district-fallen alert: tp 1 fp 0 fn 2" in out
    assert "provinces of territory events: 1/3 = 0.333" in out
    assert "place_resolution                   1/3" in out
    assert "challenge passed: 1/3" in out
    assert "failing items (1 of 2):" in out
    assert "  b  [place_resolution] no alert; missing territory_captured/Taliban" in out
    assert "  c  [" not in out


def test_print_events_leaves_out_the_class_table_without_classes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    gold, predicted = gold_and_predictions()
    report = evaluate.score_events(gold, predicted)
    report["misses"] = evaluate.limit_misses(report["misses"], 5)
    evaluate.print_events(report)
    out = capsys.readouterr().out
    assert (report["classes"], report["passed"], report["total"]) == ({}, 0, 0)
    assert "provinces of territory events: 1/2 = 0.500" in out
    assert "passed" not in out


# --- dedupe gold -----------------------------------------------------------------
def test_parse_dedupe_file_reads_each_relation(tmp_path: Path) -> None:
    dup = evaluate.parse_dedupe_file(write_case(tmp_path, "d.txt", "duplicate-of s1.txt", SEED))
    near = evaluate.parse_dedupe_file(
        write_case(tmp_path, "n.txt", "near-duplicate-of s2.txt", SEED)
    )
    neg = evaluate.parse_dedupe_file(
        write_case(tmp_path, "g.txt", "related-not-duplicate", OTHER_STORY)
    )
    assert (dup.relation, dup.seed, dup.source) == (
        "duplicate",
        "s1.txt",
        "https://example.org/d.txt",
    )
    assert dup.text == SEED
    assert (near.relation, near.seed, near.is_copy) == ("near_duplicate", "s2.txt", True)
    assert (neg.relation, neg.seed, neg.is_copy) == ("negative", None, False)


def test_parse_dedupe_file_rejects_unknown_headers(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown relation"):
        evaluate.parse_dedupe_file(write_case(tmp_path, "x.txt", "same-as s1.txt", SEED))
    plain = tmp_path / "plain.txt"
    plain.write_text("just text\nand more\n\n")
    with pytest.raises(ConfigError, match="header"):
        evaluate.parse_dedupe_file(plain)


def test_containment_is_directional_for_a_truncated_copy() -> None:
    half = SEED[: SEED.index("A spokesman")]
    inside, outside = evaluate.containment(half, SEED)
    assert inside == 1.0
    assert 0.3 < outside < 0.7
    assert evaluate.containment(OTHER_STORY, SEED) == (0.0, 0.0)


def test_dedupe_verdicts() -> None:
    copy = evaluate.DedupeCase("d", "", "duplicate", "s1.txt", "t")
    negative = evaluate.DedupeCase("n", "", "negative", None, "t")
    assert evaluate.dedupe_verdict(copy, "near_duplicate", "s1.txt") == "OK"
    assert evaluate.dedupe_verdict(copy, "duplicate", "s2.txt") == "MISS"
    assert evaluate.dedupe_verdict(copy, "new", None) == "MISS"
    assert evaluate.dedupe_verdict(negative, "new", None) == "OK"
    assert evaluate.dedupe_verdict(negative, "near_duplicate", "s1.txt") == "FALSE-MATCH"


def test_summarise_dedupe_reports_recall_false_matches_margin_and_findable() -> None:
    seeds = {"s1.txt": SEED}
    cases = [
        (evaluate.DedupeCase("d1", "", "duplicate", "s1.txt", SEED[:300]), "duplicate", 1.0),
        (evaluate.DedupeCase("d2", "", "near_duplicate", "s1.txt", SEED), "new", 0.3),
        (evaluate.DedupeCase("n1", "", "negative", None, OTHER_STORY), "new", 0.12),
    ]
    rows = [
        evaluate.dedupe_row(
            case,
            DuplicateDecision(status, None, "s1.txt" if status != "new" else None, score),
            seeds,
        )
        for case, status, score in cases
    ]
    summary = evaluate.summarise_dedupe(rows, 0.35)
    assert (summary["copies_found"], summary["copies"], summary["copy_recall"]) == (1, 2, 0.5)
    assert (summary["false_matches"], summary["negatives"]) == (0, 1)
    assert (summary["highest_negative_score"], summary["lowest_copy_score"]) == (0.12, 0.3)
    assert summary["margin"] == 0.18
    assert summary["findable_copies"] == 2  # d2 is the seed itself: found directly, missed above
    assert summary["missed_files"] == ["d2"]
    assert rows[2].compared_seed == "s1.txt"


# --- wiring and end to end -------------------------------------------------------
def test_register_adds_evaluate_with_two_subcommands() -> None:
    parser = argparse.ArgumentParser()
    evaluate.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["evaluate", "events", "--gold", "g.jsonl", "--show-misses", "3"])
    assert (args.handler, args.show_misses, args.json) == (evaluate.cmd_evaluate_events, 3, False)
    args = parser.parse_args(["evaluate", "dedupe", "--gold", "dir", "--json"])
    assert (args.handler, args.json) == (evaluate.cmd_evaluate_dedupe, True)
    with pytest.raises(SystemExit):
        parser.parse_args(["evaluate"])


@pytest.fixture
def scratch_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch SQLite database and an empty seed folder."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'eval.sqlite3'}")
    monkeypatch.setenv("SEED_DIR", str(seeds))
    return seeds


def test_events_command_scores_a_tiny_gold_file(
    tmp_path: Path, scratch_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gold = tmp_path / "events.jsonl"
    rows = [
        {
            "id": "g1",
            "url": "https://example.org/fall",
            "date": "2021-07-05",
            "text": FALL,
            "alert_district_fallen": True,
            "events": [
                {
                    "type": "territory_captured",
                    "actor": "Taliban",
                    "target": None,
                    "location": "Yawan district, Badakhshan",
                    "evidence": FALL,
                }
            ],
        },
        {
            "id": "g2",
            "url": None,
            "date": None,
            "text": PRICES,
            "alert_district_fallen": False,
            "events": [],
        },
    ]
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows))

    assert evaluate.main(["events", "--gold", str(gold), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passages"] == 2
    assert report["alert"] == evaluate.prf(1, 0, 0)
    assert report["location"]["hits"] == report["location"]["gold_events"] == 1
    assert report["category"]["per_label"]["territory_captured"] == evaluate.prf(1, 0, 0)
    assert report["pairs"]["tp"] == 1 and report["pairs"]["fn"] == 0
    assert report["provinces"]["gold_events"] == 1
    assert (report["classes"], report["passed"], report["total"]) == ({}, 0, 0)

    args = argparse.Namespace(gold=str(gold), json=False, show_misses=5)
    with Resources.live(load_settings()) as resources:
        assert evaluate.cmd_evaluate_events(args, resources) == 0
    out = capsys.readouterr().out
    assert "district-fallen alert: tp 1 fp 0 fn 0  P 1.000  R 1.000  F1 1.000" in out
    assert "location of gold territory events: 1/1 = 1.000" in out
    assert _article_count(load_settings()) == 0  # gold passages are not stored


def _article_count(settings: Settings) -> int:
    from pipeline.store import Store

    store = Store.from_url(settings.database_url)
    try:
        return int(store.counts()["articles"])
    finally:
        store.engine.dispose()


def test_dedupe_command_finds_a_copy_and_keeps_a_negative_apart(
    tmp_path: Path, scratch_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (scratch_env / "s1.txt").write_text(SEED)
    gold = tmp_path / "dedupe"
    gold.mkdir()
    write_case(gold, "dup1.txt", "duplicate-of s1.txt", "Also read: more news\n" + SEED[:320])
    write_case(gold, "neg1.txt", "related-not-duplicate", OTHER_STORY)

    assert evaluate.main(["dedupe", "--gold", str(gold), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    summary = result["summary"]
    assert (summary["copies_found"], summary["copies"]) == (1, 1)
    assert (summary["false_matches"], summary["negatives"]) == (0, 1)
    dup = next(f for f in result["files"] if f["file"] == "dup1.txt")
    assert (dup["status"], dup["of"], dup["verdict"]) == ("duplicate", "s1.txt", "OK")
    assert dup["seed_containment"][0] >= 0.9

    args = argparse.Namespace(gold=str(gold), json=False, rewrites=None)
    with Resources.live(load_settings()) as resources:
        assert evaluate.cmd_evaluate_dedupe(args, resources) == 0
    out = capsys.readouterr().out
    assert "copy recall: 1/1 = 1.000" in out
    assert "false matches: 0/1 negatives" in out
    assert _article_count(load_settings()) == 1  # the seed only: gold texts are not stored


def test_province_spellings_compare_by_code() -> None:
    from pipeline.evaluate import province_hit
    from pipeline.models import Event, Location

    def at(province: str, code: str) -> Event:
        location = Location("Darzab", "Darzab", province, "AF2806", code)
        return Event(
            "territory_captured",
            "district_captured",
            "Taliban",
            None,
            "actual",
            "reported",
            "",
            0,
            0,
            "took",
            location,
        )

    assert province_hit("Jowzjan", at("Jawzjan", "AF28"))
    assert not province_hit("Faryab", at("Jawzjan", "AF28"))
