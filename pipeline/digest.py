"""Daily digest: what happened in the last 24 hours, as counts, top events and a chart.

Analysts would rather look than read, so the Slack digest carries a PNG bar chart
(matplotlib, uploaded with files_upload_v2 into the digest's thread).
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from pipeline.alerts.messages import _cut, escape
from pipeline.resources import Resources
from pipeline.schema import articles, events, incident_events, incidents
from pipeline.settings import PROJECT_ROOT
from pipeline.store import Store, utcnow

# The order analysts read in: territory first, talk last.
CATEGORY_RANK = (
    "territory_captured",
    "territory_retaken",
    "attack",
    "withdrawal",
    "agreement",
    "talks_meeting",
    "sanction_aid",
    "statement_accusation",
    "other",
)
TOP_EVENTS = 8


@dataclass
class Digest:
    since: datetime
    until: datetime
    by_category: Counter[str] = field(default_factory=Counter)
    by_actor: Counter[str] = field(default_factory=Counter)
    by_province: Counter[str] = field(default_factory=Counter)
    without_place: int = 0  # events naming no province: listed apart, never an "unknown" bar
    top: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_category.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "events": self.total,
            "by_category": dict(self.by_category),
            "by_actor": dict(self.by_actor),
            "by_province": dict(self.by_province),
            "without_place": self.without_place,
            "top": self.top,
        }


def build_digest(store: Store, now: datetime | None = None, hours: int = 24) -> Digest:
    """Incidents that happened in the window (by event date: the event's own date, else
    its article's), each counted and listed once however many outlets reported it
    (events that join no incident count one by one); copies are left out."""
    until = now or utcnow()
    digest = Digest(since=until - timedelta(hours=hours), until=until)
    first_day, last_day = digest.since.date().isoformat(), until.date().isoformat()
    dated = events.c.event_date.is_not(None) & events.c.event_date.between(first_day, last_day)
    undated = events.c.event_date.is_(None) & (
        func.coalesce(articles.c.published_at, events.c.created_at).between(digest.since, until)
    )
    query = (
        select(
            events.c.id.label("event_id"),
            incident_events.c.incident_id,
            incidents.c.n_reports,
            incidents.c.n_independent_outlets,
            events.c.category,
            events.c.type,
            events.c.actor,
            events.c.province,
            events.c.district,
            events.c.realis,
            events.c.evidence,
            articles.c.title,
            articles.c.url,
        )
        .join(articles, articles.c.id == events.c.article_id)
        .outerjoin(incident_events, incident_events.c.event_id == events.c.id)
        .outerjoin(incidents, incidents.c.id == incident_events.c.incident_id)
        .where(dated | undated)
        .where((articles.c.source == "feed") & (articles.c.dup_status == "new"))
        .order_by(events.c.id)
    )
    with store.engine.connect() as conn:
        rows = _one_per_incident(dict(r) for r in conn.execute(query).mappings())
    for row in rows:
        digest.by_category[row["category"]] += 1
        digest.by_actor[row["actor"]] += 1
        if row["province"]:
            digest.by_province[row["province"]] += 1
        else:
            digest.without_place += 1
    actual = [r for r in rows if r["realis"] == "actual"]
    actual.sort(
        key=lambda r: (
            CATEGORY_RANK.index(r["category"])
            if r["category"] in CATEGORY_RANK
            else len(CATEGORY_RANK)
        )
    )
    digest.top = actual[:TOP_EVENTS]
    return digest


def _one_per_incident(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first report of each incident (and every event that joins none)."""
    seen: set[int] = set()
    kept = []
    for row in rows:
        incident = row["incident_id"]
        if incident is not None and incident in seen:
            continue
        if incident is not None:
            seen.add(incident)
        kept.append(row)
    return kept


def render_chart(digest: Digest) -> bytes:
    """A PNG with events by category and by province."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    for axis, counts, title in (
        (left, digest.by_category, "Events by category"),
        (right, digest.by_province, "Events by province"),
    ):
        items = counts.most_common(10)[::-1]
        axis.barh([k for k, _ in items] or ["none"], [v for _, v in items] or [0], color="#b03a2e")
        axis.set_title(title)
        axis.xaxis.get_major_locator().set_params(integer=True)
    figure.suptitle(
        f"Afghanistan security events, {digest.since:%d %b %H:%M} to {digest.until:%d %b %H:%M} UTC"
    )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def _reports(row: dict[str, Any]) -> str:
    """ ", 3 reports from 2 outlets" for an incident reported more than once."""
    reports = row.get("n_reports") or 1
    if reports <= 1:
        return ""
    outlets = row.get("n_independent_outlets") or 1
    return f", {reports} reports from {outlets} outlet{'s' if outlets != 1 else ''}"


def digest_message(digest: Digest, channel: str) -> dict[str, Any]:
    """chat.postMessage arguments for the digest; feed text escaped like every alert."""
    from slack_sdk.models.blocks import HeaderBlock, MarkdownTextObject, SectionBlock

    def line(counter: Counter[str]) -> str:
        return ", ".join(f"{escape(k)} {v}" for k, v in counter.most_common(8)) or "none"

    counts = (
        f"*{digest.total} events*\n*By category:* {line(digest.by_category)}\n"
        f"*By actor:* {line(digest.by_actor)}\n*By province:* {line(digest.by_province)}"
        + (f"\n*Without a place:* {digest.without_place}" if digest.without_place else "")
    )
    tops = [
        f"• *{escape(r['category'])}* ({escape(r['actor'])}"
        f"{', ' + escape(r['district'] or r['province']) if r['province'] else ''}"
        f"{_reports(r)}): "
        + (
            f"<{escape(r['url'])}|{escape(_cut(r['title'], 120))}>"
            if r["url"]
            else escape(_cut(r["title"], 120))
        )
        for r in digest.top
    ]
    blocks = [
        HeaderBlock(text="Daily digest: Afghanistan security news"),
        SectionBlock(text=MarkdownTextObject(text=_cut(counts, 3000))),
        SectionBlock(
            text=MarkdownTextObject(text=_cut("*Top events*\n" + ("\n".join(tops) or "none"), 3000))
        ),
    ]
    return {
        "channel": channel,
        "text": f"Daily digest: {digest.total} events in 24 hours",
        "blocks": [b.to_dict() for b in blocks],
    }


def post_digest(resources: Resources, now: datetime | None = None) -> dict[str, Any]:
    """Post the digest (Slack: message, then the chart and the district-control map in
    its thread; console: text and PNG files). Nothing is posted when nothing happened."""
    from pipeline.alerts import ConsoleSink, Outgoing, SlackSink
    from pipeline.outputs.maps import control_map_png

    settings, sink = resources.settings, resources.sink
    digest = build_digest(resources.store, now)
    result: dict[str, Any] = {**digest.to_dict(), "sink": sink.name, "posted": False}
    if not digest.total:
        return result
    payload = digest_message(digest, settings.slack_channel)
    pictures = {
        "chart": (render_chart(digest), "Events in the last 24 hours"),
        "map": (
            control_map_png(resources.store.control_changes(), digest.until.date()),
            f"District control on {digest.until:%d %B %Y}",
        ),
    }
    key = f"digest:{digest.until:%Y-%m-%d}"
    posted = sink.send(Outgoing(key, settings.slack_channel, payload))
    result["posted"] = True
    for name, (png, title) in pictures.items():
        if isinstance(sink, SlackSink) and posted.channel_id:
            sink.client.files_upload_v2(
                channel=posted.channel_id,
                thread_ts=posted.ts,
                file=png,
                filename=f"digest-{name}.png",
                title=title,
            )
            result[name] = "uploaded"
        elif isinstance(sink, ConsoleSink):
            path = PROJECT_ROOT / "var" / f"digest-{name}-{digest.until:%Y-%m-%d}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(png)
            result[name] = str(path)
            sink.write(f"{name}: {path}")
    return result
