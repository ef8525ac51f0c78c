"""Texts built for a property of their shingle hashes (our own words)."""

from __future__ import annotations

from pipeline import dedupe


def short_item_without_sampled_hashes() -> str:
    """A headline-length text none of whose 5-gram hashes falls in the mod-8 sample."""
    for n in range(1000):
        text = f"Officials in district {n} said convoy {n * 3} was hit near road {n * 7} on day {n % 9}."
        if not dedupe.sample(dedupe.Fingerprint.of(text).shingles):
            return text
    raise AssertionError("no short text without sampled hashes among 1000 tries")
