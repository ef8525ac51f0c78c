from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from pipeline import dedupe
from pipeline.settings import ConfigError
from tests.support.texts import short_item_without_sampled_hashes

ORIGINAL = (
    "Officials in the northern province said on Monday that fighting had spread to three "
    "villages near the provincial capital overnight. Residents described hearing heavy gunfire "
    "until dawn and said many families had fled toward the river crossing. A spokesman for the "
    "provincial police said reinforcements had arrived by helicopter before sunrise. Aid groups "
    "warned that food stocks in the area would last for only a few more days. The governor "
    "promised that roads to the city would reopen within a week."
)


@dataclass
class Known:
    id: int
    label: str
    text: str


class MemoryHistory:
    """An in-memory stand-in for the Store's lookups, for pure decision tests."""

    def __init__(self, *known: Known) -> None:
        self.known = list(known)

    def find_by_url(self, canonical_url: str) -> Known | None:
        return next((k for k in self.known if k.label == canonical_url), None)

    def find_by_hash(self, content_hash: str) -> Known | None:
        return next(
            (k for k in self.known if dedupe.Fingerprint.of(k.text).content_hash == content_hash),
            None,
        )

    def shingle_candidates(self, sample, limit=5):  # type: ignore[no-untyped-def]
        return self.known[:limit]


def test_canonical_url_strips_tracking_www_amp_and_fragment() -> None:
    a = dedupe.canonical_url("http://www.Example.org/news/story/amp/?utm_source=rss&id=7#top")
    b = dedupe.canonical_url("https://example.org/news/story?id=7&gclid=abc")
    assert a == b == "https://example.org/news/story?id=7"


def test_canonical_url_keeps_meaningful_query() -> None:
    assert dedupe.canonical_url("https://e.org/a?id=1") != dedupe.canonical_url(
        "https://e.org/a?id=2"
    )


def test_normalise_folds_nbsp_quotes_dashes_and_drops_boilerplate() -> None:
    text = "Leave a Reply\nThe \u201cdistrict\u201d\u00a0fell \u2014 officials said\nSource link"
    assert dedupe.normalise_text(text) == 'the "district" fell - officials said'


def test_truncated_copy_is_a_duplicate_of_the_longer_original() -> None:
    history = MemoryHistory(Known(1, "seed-a.txt", ORIGINAL))
    teaser = ". ".join(ORIGINAL.split(". ")[:3])
    decision = dedupe.decide(dedupe.Fingerprint.of(teaser), None, history)
    assert decision.status == "duplicate"
    assert decision.of_label == "seed-a.txt"
    assert decision.detail["containment_new_in_known"] == 1.0
    assert decision.detail["containment_known_in_new"] < 0.7


def test_copy_wrapped_in_boilerplate_is_found_in_the_other_direction() -> None:
    history = MemoryHistory(Known(1, "seed-a.txt", ORIGINAL))
    wrapper = " ".join(
        f"Partner bulletin item {n} covers markets, weather and sport." for n in range(40)
    )
    wrapped = wrapper + " " + ORIGINAL + " " + wrapper.replace("Partner", "Other")
    decision = dedupe.decide(dedupe.Fingerprint.of(wrapped), None, history)
    assert decision.status == "duplicate"
    assert decision.detail["containment_known_in_new"] == 1.0
    assert decision.detail["containment_new_in_known"] < 0.5


def test_unrelated_story_on_same_topic_is_new() -> None:
    history = MemoryHistory(Known(1, "seed-a.txt", ORIGINAL))
    other = (
        "Officials in the southern province said on Tuesday that a convoy carrying medicine had "
        "reached the capital after two weeks on the road. Drivers said checkpoints slowed them "
        "but nobody was hurt, and doctors began handing out supplies the same afternoon."
    )
    decision = dedupe.decide(dedupe.Fingerprint.of(other), None, history)
    assert decision.status == "new"
    assert decision.score < dedupe.config().near_duplicate_at


def test_same_url_wins_before_text() -> None:
    history = MemoryHistory(Known(3, "https://example.org/a", "different words entirely here"))
    decision = dedupe.decide(dedupe.Fingerprint.of(ORIGINAL), "https://example.org/a", history)
    assert (decision.status, decision.method, decision.of_article_id) == ("duplicate", "url", 3)


def test_explanation_names_seed_and_sentences() -> None:
    history = MemoryHistory(Known(1, "002_x.txt", ORIGINAL))
    decision = dedupe.decide(
        dedupe.Fingerprint.of(". ".join(ORIGINAL.split(". ")[:2])), None, history
    )
    line = dedupe.explain(decision)
    assert line.startswith("copy of seed 002_x.txt: 100% of 5-word phrases shared")
    assert "sentences identical" in line


def test_sample_is_stable_and_a_fraction() -> None:
    shingles = dedupe.shingle_set(dedupe.normalise_text(ORIGINAL))
    sampled = dedupe.sample(shingles)
    assert sampled == dedupe.sample(set(shingles))
    assert 0 < len(sampled) < len(shingles)
    assert all(h % dedupe.config().sample_modulus == 0 for h in sampled)


def _report(n_sentences: int, topic: str) -> str:
    """A long text of distinct sentences (our own words), so it has many sampled hashes."""
    return " ".join(
        f"The {topic} envoy said convoy {n} reached checkpoint {n * 7} near village {n * 3} "
        f"after crossing bridge {n * 11} at dawn."
        for n in range(n_sentences)
    )


def _with_probe_modulus(monkeypatch, modulus: int) -> None:  # type: ignore[no-untyped-def]
    thinned = replace(dedupe.config(), probe_modulus=modulus)
    monkeypatch.setattr(dedupe, "config", lambda: thinned)


def test_probe_is_the_whole_sample_by_default() -> None:
    fingerprint = dedupe.Fingerprint.of(_report(40, "northern"))
    assert dedupe.probe_hashes(fingerprint) == fingerprint.index_sample


def test_probe_modulus_thins_the_lookups_to_indexed_hashes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fingerprint = dedupe.Fingerprint.of(_report(60, "northern"))
    _with_probe_modulus(monkeypatch, 16)
    probe = dedupe.probe_hashes(fingerprint)
    assert len(probe) >= dedupe.MIN_PROBES
    assert set(probe) < set(fingerprint.index_sample)
    assert all(h % 16 == 0 for h in probe)


def test_short_text_keeps_its_whole_sample_as_probe(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fingerprint = dedupe.Fingerprint.of(ORIGINAL)
    _with_probe_modulus(monkeypatch, 64)
    assert len([h for h in fingerprint.index_sample if h % 64 == 0]) < dedupe.MIN_PROBES
    assert dedupe.probe_hashes(fingerprint) == fingerprint.index_sample


def test_probe_modulus_must_be_a_multiple_of_the_sample_modulus(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "dedupe.yaml"
    for probe in (12, 4, 0):
        path.write_text(f"version: 1\nsample_modulus: 8\nprobe_modulus: {probe}\n", "utf-8")
        with pytest.raises(ConfigError, match="probe_modulus"):
            dedupe.DedupeConfig.load(path)
    path.write_text("version: 1\nsample_modulus: 8\nprobe_modulus: 16\n", encoding="utf-8")
    assert dedupe.DedupeConfig.load(path).probe_modulus == 16


def test_short_text_is_indexed_in_full_long_text_by_sample() -> None:
    short = dedupe.Fingerprint.of(short_item_without_sampled_hashes())
    assert short.index_sample == sorted(short.shingles)
    long = dedupe.Fingerprint.of(_report(40, "northern"))
    assert long.index_sample == dedupe.sample(long.shingles)
    assert len(long.index_sample) >= dedupe.MIN_PROBES
