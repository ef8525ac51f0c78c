"""Plain data passed between stages: no database, HTTP or spaCy objects in here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

CATEGORIES = (
    "territory_captured",
    "territory_retaken",
    "attack",
    "withdrawal",
    "talks_meeting",
    "agreement",
    "statement_accusation",
    "sanction_aid",
    "other",
)
ACTORS = (
    "Taliban",
    "Afghan government",
    "Afghan forces",
    "US",
    "NATO",
    "al-Qaeda",
    "ISIS-K",
    "other",
)
REALIS = ("actual", "announced", "hypothetical", "negated")
CLAIM_STATUS = ("reported", "claimed", "denied", "disputed")


@dataclass(frozen=True)
class Entry:
    """One article as read from a feed, a seed file or an analyze input."""

    url: str | None
    title: str
    text: str
    guid: str | None = None
    published: datetime | None = None
    feed_url: str | None = None
    canonical_url: str | None = None  # the page's rel=canonical, when full text was fetched


@dataclass
class FetchResult:
    """What one feed request produced; `error` is set when the feed failed."""

    url: str
    status: int | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    error: str | None = None
    final_url: str | None = None
    permanent_redirect: bool = False
    gone: bool = False
    # seconds the server asked us to wait (Retry-After on 429/503), clamped to 0..86400
    retry_after: float | None = None

    @property
    def body_hash(self) -> str | None:
        """SHA-256 of the body: a server that ignores validators and sends the same
        bytes again is recognised without parsing them."""
        import hashlib

        return hashlib.sha256(self.body).hexdigest() if self.body is not None else None


@dataclass
class ParsedFeed:
    """Entries of one feed plus what the parser said about the document."""

    entries: list[Entry]
    bozo: bool = False
    bozo_reason: str | None = None
    skipped: int = 0


@dataclass(frozen=True)
class DuplicateDecision:
    """Whether an article is new, and if not, what it copies and how we know."""

    status: str  # new | duplicate | near_duplicate
    of_article_id: int | None = None
    of_label: str | None = None
    score: float = 0.0
    method: str = "none"
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def is_copy(self) -> bool:
        return self.status != "new"

    def contract(self) -> dict[str, Any]:
        """The `duplicate` object of the analyze --json contract."""
        return {
            "status": self.status,
            "of": self.of_label,
            "score": round(self.score, 4),
            "method": self.method,
        }


@dataclass(frozen=True)
class Location:
    name: str
    district: str | None = None
    province: str | None = None
    district_code: str | None = None
    province_code: str | None = None
    lat: float | None = None
    lon: float | None = None

    def contract(self) -> dict[str, Any]:
        return {"name": self.name, "district": self.district, "province": self.province}


@dataclass(frozen=True)
class Event:
    """One event found in one sentence of an article."""

    category: str
    type: str
    actor: str
    target: str | None
    realis: str
    claim_status: str
    evidence: str
    evidence_start: int
    evidence_end: int
    trigger: str
    location: Location | None = None
    event_date: str | None = None
    sentence_index: int = 0
    # lemmas of the evidence sentence, for keyword-phrase rules (not stored, not emitted)
    lemmas: tuple[str, ...] = field(default=(), compare=False, repr=False)
    # territory events: who holds the place at the end of the passage (taliban, government,
    # contested, claimed_by_taliban, other); decides the district-fallen alert
    control: str | None = None

    def contract(self) -> dict[str, Any]:
        """The event object of the analyze --json contract (extra keys allowed)."""
        return {
            "category": self.category,
            "type": self.type,
            "actor": self.actor,
            "target": self.target,
            "location": self.location.contract() if self.location else None,
            "realis": self.realis,
            "claim_status": self.claim_status,
            "evidence": self.evidence,
            "evidence_span": [self.evidence_start, self.evidence_end],
            "trigger": self.trigger,
            "event_date": self.event_date,
            "control": self.control,
        }


@dataclass(frozen=True)
class AlertMatch:
    """A rule that fired on an event of an article (before delivery)."""

    rule_id: str
    severity: str
    channel: str
    event_index: int
    evidence: str
    title: str
    suppressed: str | None = None
    mention_here: bool = False  # the rule asks for an @here in the channel

    def contract(self) -> dict[str, Any]:
        return {"rule": self.rule_id, "evidence": self.evidence, "suppressed": self.suppressed}


@dataclass
class FeedReport:
    """What happened to one feed during a cycle, for summaries and task return values."""

    url: str
    label: str
    ok: bool = True
    # 304, or a 200 whose body is byte for byte the last one stored (not parsed again)
    not_modified: bool = False
    error: str | None = None
    # False when retrying soon cannot help (malformed feed, 4xx): fail fast
    retryable: bool = True
    entries: int = 0
    new: int = 0
    duplicates: int = 0
    known: int = 0
    events: int = 0
    alerts: int = 0
    quarantined: int = 0  # entries that failed and are kept for another try
    duplicate_notes: list[str] = field(default_factory=list)
    # entries analysed this run by language code (pipeline.language); "unknown" if unsure
    languages: dict[str, int] = field(default_factory=dict)
    # ok | failing | disabled | deferred (Retry-After); `change` is set when the health
    # moved this time (failing, recovered, disabled): operators hear about changes only
    health: str = "ok"
    change: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One line for logs: what the poll found, or why it did not."""
        if not self.ok or self.health != "ok":
            return f"{self.health}: {self.error}"
        if self.not_modified:
            return "not modified"
        line = (
            f"{self.entries} entries: {self.new} new, {self.duplicates} duplicates, "
            f"{self.known} already stored, {self.events} events, {self.alerts} alerts"
        )
        return line + (f" ({self.error})" if self.error else "")
