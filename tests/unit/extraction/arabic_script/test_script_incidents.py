"""One district's fall reported in English and in Dari joins one incident."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pipeline.extraction import default_extractor
from pipeline.incidents import KnownIncident, assign_incidents, slot_of


def _fall(text: str, published: datetime) -> object:
    events = default_extractor().extract(text, published)
    return next(e for e in events if e.category == "territory_captured" and e.location)


def _assign(event, known, key, day):  # type: ignore[no-untyped-def]
    """The incident a Dari outlet's event joins (a window of three days)."""
    return assign_incidents(
        [event],
        [known],
        article_key=key,
        outlet="dari.example",
        independent=True,
        published=day,
        now=day,
        window_days=3,
    )


def test_an_english_and_a_dari_report_of_one_fall_share_an_incident() -> None:
    day = datetime(2021, 7, 6, 9, tzinfo=UTC)
    english = _fall("The Taliban captured Nahrin district in Baghlan province on Monday.", day)
    dari = _fall("ولسوالی نهرین ولایت بغلان امروز به دست طالبان سقوط کرد.", day)
    assert slot_of(english) == slot_of(dari) is not None
    known = KnownIncident(
        7,
        "incident:en",
        slot_of(english),
        date(2021, 7, 5),
        date(2021, 7, 5),
        1,
        frozenset({"english.example"}),
    )
    [assignment] = _assign(dari, known, "https://dari.example/1", day)
    assert assignment.incident_id == 7 and assignment.outlets_after == 2
    # the same words about another district stay apart
    other = _fall("ولسوالی دوشی ولایت بغلان امروز به دست طالبان سقوط کرد.", day)
    [apart] = _assign(other, known, "https://dari.example/2", day)
    assert apart.is_new
