"""Recognise copies of known articles: by URL, by exact text, by shingle containment,
and rewrites by an ordered sentence alignment.

Syndicated copies are cut short or wrapped in other sites' boilerplate, so we measure
*containment* of word 5-grams in both directions rather than resemblance. Rewrites
(paraphrases, summaries, spun copies) share few 5-grams but keep the original's facts in
its order, sentence after sentence, which independent reports of the same event do not:
candidates below the containment threshold are aligned sentence by sentence (see the
README for the figures that set the thresholds).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pipeline.models import DuplicateDecision
from pipeline.settings import PROJECT_ROOT, ConfigError, read_yaml_mapping

DEDUPE_CONFIG = PROJECT_ROOT / "config" / "dedupe.yaml"


@dataclass(frozen=True)
class DedupeConfig:
    """Thresholds and normalisation rules from config/dedupe.yaml."""

    duplicate_at: float = 0.5
    near_duplicate_at: float = 0.35
    shingle_size: int = 5
    sample_modulus: int = 8
    probe_modulus: int = 8
    candidates: int = 5
    rewrite_at: float = 0.5
    rewrite_sentence_match: float = 0.5
    rewrite_min_sentences: int = 3
    boilerplate: re.Pattern[str] = re.compile(r"^$")

    @classmethod
    def load(cls, path: Path = DEDUPE_CONFIG) -> DedupeConfig:
        """Read and check dedupe.yaml (schema: pipeline.settings.DedupeFile)."""
        from pipeline.settings import DedupeFile, validate_item

        data: DedupeFile = validate_item(DedupeFile, read_yaml_mapping(path), str(path))
        lines = data.boilerplate_lines or []
        try:
            pattern = re.compile("^(" + "|".join(f"(?:{p})" for p in lines) + ")$", re.I)
        except re.error as exc:
            raise ConfigError(
                f"{path}: boilerplate_lines: bad boilerplate pattern: {exc} "
                "(expected regular expressions)"
            ) from None
        config = cls(
            duplicate_at=data.duplicate_at,
            near_duplicate_at=data.near_duplicate_at,
            shingle_size=data.shingle_size,
            sample_modulus=data.sample_modulus,
            probe_modulus=data.probe_modulus or data.sample_modulus,
            candidates=data.candidates,
            rewrite_at=data.rewrite_at,
            rewrite_sentence_match=data.rewrite_sentence_match,
            rewrite_min_sentences=data.rewrite_min_sentences,
            boilerplate=pattern if lines else re.compile(r"(?!x)x"),
        )
        if not config.near_duplicate_at <= config.duplicate_at:
            raise ConfigError(
                f"{path}: near_duplicate_at: expected at most duplicate_at "
                f"({config.duplicate_at}), got {config.near_duplicate_at} "
                "(need 0 < near_duplicate_at <= duplicate_at <= 1)"
            )
        modulus, probe = config.sample_modulus, config.probe_modulus
        if probe < modulus or probe % modulus:
            raise ConfigError(
                f"{path}: probe_modulus: expected a multiple of sample_modulus ({modulus}), "
                f"got {probe}"
            )
        return config


@lru_cache(maxsize=1)
def config() -> DedupeConfig:
    return DedupeConfig.load()


TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|gclid|dclid|fbclid|msclkid|mc_cid|mc_eid|cmpid|ocid|icid|ito|ref|ref_src|"
    r"referrer|source|src|traffic_source|rss|feed|_ga|igshid|smid|partner|CMP)$",
    re.IGNORECASE,
)
QUOTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "–": "-",
        "—": "-",
        "‒": "-",
        "―": "-",
        "‐": "-",
        "‑": "-",
        "−": "-",
    }
)
WORD = re.compile(r"\w+")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def canonical_url(url: str) -> str:
    """A comparison key for a URL: no tracking parameters, fragment, www., AMP or port."""
    try:
        from courlan import normalize_url

        url = normalize_url(url, strict=False)
    except Exception:
        url = url.strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("amp.")
    port = parts.port
    if port and (parts.scheme, port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{port}"
    path = re.sub(r"/amp/?$|/amp(?=/)", "", parts.path) or "/"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not TRACKING_PARAMS.match(k) and k.lower() != "amp"
    ]
    scheme = "https" if parts.scheme in ("http", "https") else parts.scheme
    return urlunsplit((scheme, host, path.rstrip("/") or "/", urlencode(sorted(query)), ""))


def normalise_text(text: str) -> str:
    """NFKC, unified quotes and dashes, lower case, boilerplate lines dropped."""
    text = unicodedata.normalize("NFKC", text).translate(QUOTES)
    lines = (" ".join(line.split()) for line in text.splitlines())
    boilerplate = config().boilerplate
    kept = (line for line in lines if line and not boilerplate.match(line))
    return "\n".join(kept).lower()


def content_hash(normalised: str) -> str:
    return hashlib.sha256(" ".join(WORD.findall(normalised)).encode()).hexdigest()


def _hash64(phrase: str) -> int:
    """A signed 64-bit hash, so it fits Postgres BIGINT."""
    return int.from_bytes(
        hashlib.blake2b(phrase.encode(), digest_size=8).digest(), "big", signed=True
    )


def shingle_set(normalised: str, size: int | None = None) -> set[int]:
    """Hashes of every run of `size` consecutive words (the whole text if shorter)."""
    size = size or config().shingle_size
    words = WORD.findall(normalised)
    if not words:
        return set()
    if len(words) < size:
        return {_hash64(" ".join(words))}
    return {_hash64(" ".join(words[i : i + size])) for i in range(len(words) - size + 1)}


def sample(hashes: Iterable[int], modulus: int | None = None) -> list[int]:
    """Broder's mod-m sample: the same shingles are kept for every document."""
    modulus = modulus or config().sample_modulus
    return sorted(h for h in hashes if h % modulus == 0)


MIN_PROBES = 8  # fewer sampled hashes than this: index or probe the whole sample/text


@dataclass(frozen=True)
class Fingerprint:
    """Everything dedupe needs about a text, computed once."""

    normalised: str
    content_hash: str
    shingles: frozenset[int]

    @classmethod
    def of(cls, text: str) -> Fingerprint:
        normalised = normalise_text(text)
        return cls(normalised, content_hash(normalised), frozenset(shingle_set(normalised)))

    @cached_property
    def sentences(self) -> tuple[Sentence, ...]:
        """Sentences with their content stems (built only when a rewrite check needs them)."""
        return split_sentences(self.normalised)

    @property
    def index_sample(self) -> list[int]:
        """The hashes stored in (and looked up from) the index.

        A short text (a headline-only feed item) keeps all of its shingles: its mod-m
        sample may be empty, and two short copies of one item would never meet."""
        sampled = sample(self.shingles)
        return sampled if len(sampled) >= MIN_PROBES else sorted(self.shingles)


def probe_hashes(fingerprint: Fingerprint) -> list[int]:
    """The index entries a new text looks up: its sample, thinned to `probe_modulus`.

    Every thinned hash is also in the index, so an original wholly inside the new text
    still matches on all of its own thinned hashes; fewer lookups mean fewer index pages
    to read. A short text keeps its whole sample (at least MIN_PROBES lookups)."""
    indexed = fingerprint.index_sample
    thinned = [h for h in indexed if h % config().probe_modulus == 0]
    return thinned if len(thinned) >= MIN_PROBES else indexed


class KnownArticleLike(Protocol):
    id: int
    label: str
    text: str


class History(Protocol):
    """What dedupe asks of storage (the Store implements it)."""

    def find_by_url(self, canonical_url: str) -> KnownArticleLike | None: ...

    def find_by_hash(self, content_hash: str) -> KnownArticleLike | None: ...

    def shingle_candidates(
        self, sample: Iterable[int], limit: int = ...
    ) -> Sequence[KnownArticleLike]: ...


def decide(fingerprint: Fingerprint, url_key: str | None, history: History) -> DuplicateDecision:
    """Classify a new text against everything stored, cheapest test first."""
    if url_key:
        same_url = history.find_by_url(url_key)
        if same_url is not None:
            return DuplicateDecision("duplicate", same_url.id, same_url.label, 1.0, "url")
    same_text = history.find_by_hash(fingerprint.content_hash)
    if same_text is not None:
        return DuplicateDecision("duplicate", same_text.id, same_text.label, 1.0, "content_hash")
    best: DuplicateDecision | None = None
    candidates = history.shingle_candidates(probe_hashes(fingerprint), limit=config().candidates)
    for known in candidates:
        scored = compare(fingerprint, known)
        if best is None or scored.score > best.score:
            best = scored
    if best is not None and best.score >= config().near_duplicate_at:
        return best
    rewrite = best_rewrite(fingerprint, candidates)
    if rewrite is not None:
        return rewrite
    score = best.score if best else 0.0
    return DuplicateDecision("new", score=score, method="containment" if best else "none")


@lru_cache(maxsize=256)
def _known_fingerprint(text: str) -> Fingerprint:
    """Stored texts are compared again and again (seeds, popular stories): shingle once."""
    return Fingerprint.of(text)


def clear_caches() -> None:
    """Forget shingled stored texts (benchmarks time the uncached work)."""
    _known_fingerprint.cache_clear()


def compare(fingerprint: Fingerprint, known: KnownArticleLike) -> DuplicateDecision:
    """Exact containment both ways on full shingle sets, with an explanation."""
    known_print = _known_fingerprint(known.text)
    shared = len(fingerprint.shingles & known_print.shingles)
    new_in_known = shared / len(fingerprint.shingles) if fingerprint.shingles else 0.0
    known_in_new = shared / len(known_print.shingles) if known_print.shingles else 0.0
    score = max(new_in_known, known_in_new)
    status = (
        "duplicate"
        if score >= config().duplicate_at
        else "near_duplicate"
        if score >= config().near_duplicate_at
        else "new"
    )
    same, total = shared_sentences(fingerprint.normalised, known_print.normalised)
    detail = {
        "containment_new_in_known": round(new_in_known, 4),
        "containment_known_in_new": round(known_in_new, 4),
        "shared_shingles": shared,
        "shared_sentences": same,
        "sentences": total,
    }
    return DuplicateDecision(status, known.id, known.label, score, "containment", detail)


# --- rewrites: an ordered sentence alignment ------------------------------------------
STEM_LENGTH = 5  # "captured", "capture", "captures" -> "captu": inflection without a model
SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'\)]*\s+|\n+")
MIN_STEMS = 4  # shorter sentences (datelines, bylines, "Source: x") are not compared


@dataclass(frozen=True)
class Sentence:
    text: str
    stems: frozenset[str]


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def split_sentences(normalised: str) -> tuple[Sentence, ...]:
    """Sentences of a normalised text with at least MIN_STEMS content-word stems."""
    stop = _stop_words()
    found = []
    for part in SENTENCE_BREAK.split(normalised):
        words = WORD.findall(part or "")
        stems = frozenset(w[:STEM_LENGTH] for w in words if len(w) > 1 and w not in stop)
        if len(stems) >= MIN_STEMS:
            found.append(Sentence(part.strip(), stems))
    return tuple(found)


def sentence_match(a: Sentence, b: Sentence) -> float:
    """Share of the smaller sentence's stems found in the other (a merged or cut sentence
    still matches the one it came from)."""
    return len(a.stems & b.stems) / min(len(a.stems), len(b.stems))


def align_sentences(
    shorter: Sequence[Sentence], longer: Sequence[Sentence], match_at: float
) -> list[tuple[int, int]]:
    """The most sentence pairs (i in shorter, j in longer) that match at >= match_at with
    both indexes increasing: a longest common subsequence under a similarity test."""
    rows, cols = len(shorter), len(longer)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            table[i][j] = max(table[i - 1][j], table[i][j - 1])
            if sentence_match(shorter[i - 1], longer[j - 1]) >= match_at:
                table[i][j] = max(table[i][j], table[i - 1][j - 1] + 1)
    pairs = []
    i, j = rows, cols
    while i and j:
        if table[i][j] == table[i - 1][j]:
            i -= 1
        elif table[i][j] == table[i][j - 1]:
            j -= 1
        else:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
    return pairs[::-1]


def rewrite_of(fingerprint: Fingerprint, known: KnownArticleLike) -> DuplicateDecision:
    """How much of the shorter text follows the other sentence by sentence, in order."""
    cfg = config()
    new, old = fingerprint.sentences, _known_fingerprint(known.text).sentences
    new_is_shorter = len(new) <= len(old)
    shorter, longer = (new, old) if new_is_shorter else (old, new)
    pairs = align_sentences(shorter, longer, cfg.rewrite_sentence_match) if shorter else []
    share = len(pairs) / len(shorter) if shorter else 0.0
    found = share >= cfg.rewrite_at and len(pairs) >= cfg.rewrite_min_sentences
    aligned = [
        (shorter[i].text[:160], longer[j].text[:160])
        if new_is_shorter
        else (longer[j].text[:160], shorter[i].text[:160])
        for i, j in pairs[:5]
    ]
    detail = {
        "aligned_sentences": len(pairs),
        "sentences": len(shorter),
        "shorter": "new" if new_is_shorter else "known",
        "aligned": aligned,  # (new sentence, known sentence), the first five
    }
    status = "near_duplicate" if found else "new"
    return DuplicateDecision(status, known.id, known.label, round(share, 4), "rewrite", detail)


def best_rewrite(
    fingerprint: Fingerprint, candidates: Sequence[KnownArticleLike]
) -> DuplicateDecision | None:
    """The candidate this text is a rewrite of, if any (the highest aligned share)."""
    best = None
    for known in candidates:
        scored = rewrite_of(fingerprint, known)
        if scored.status != "new" and (best is None or scored.score > best.score):
            best = scored
    return best


def shared_sentences(new: str, known: str) -> tuple[int, int]:
    """How many sentences of the new text also stand, word for word, in the known one."""

    def split(text: str) -> list[str]:
        return [" ".join(WORD.findall(s)) for s in SENTENCE_END.split(text.replace("\n", " "))]

    new_sentences = [s for s in split(new) if len(s.split()) >= 4]
    known_sentences = set(split(known))
    return sum(s in known_sentences for s in new_sentences), len(new_sentences)


def explain(decision: DuplicateDecision) -> str:
    """One line an analyst understands, e.g. for `status` and suppressed alerts."""
    if not decision.is_copy:
        return "new"
    kind = "copy" if decision.status == "duplicate" else "near-copy"
    target = (
        f"seed {decision.of_label}"
        if decision.of_label and "://" not in decision.of_label
        else decision.of_label
    )
    if decision.method == "url":
        return f"{kind} of {target}: same URL"
    if decision.method == "content_hash":
        return f"{kind} of {target}: identical text"
    if decision.method == "rewrite":
        detail = decision.detail
        return (
            f"rewrite of {target}: {detail['aligned_sentences']} of {detail['sentences']} "
            f"sentences of the {'new' if detail['shorter'] == 'new' else 'known'} text follow "
            "the other's in order"
        )
    detail = decision.detail
    line = f"{kind} of {target}: {decision.score:.0%} of 5-word phrases shared"
    if detail.get("sentences"):
        line += f"; {detail['shared_sentences']} of {detail['sentences']} sentences identical"
    return line
