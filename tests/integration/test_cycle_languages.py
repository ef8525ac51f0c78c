"""Dari and Urdu reports through a whole cycle: stored with their language, alerted in
English with the original quoted, joined to the English report of the same fall, and
counted in district control."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from pipeline.cycle import run_cycle
from pipeline.digest import build_digest
from pipeline.resources import Resources
from pipeline.schema import articles, events
from pipeline.settings import FeedConfig
from tests.conftest import write_rss

ENGLISH = {
    "title": "District centre falls in the north",
    "link": "https://wire.example.org/2021/06/22/imam-sahib",
    "guid": "en-1",
    "pubDate": "Tue, 22 Jun 2021 08:00:00 GMT",
    "description": (
        "The Imam Sahib district centre in Kunduz province fell to the Taliban on Tuesday "
        "after two days of fighting, a provincial council member said."
    ),
}
DARI = {
    "title": "سقوط ولسوالی امام صاحب",
    "link": "https://dari.example.af/news/1001",
    "guid": "fa-1",
    "pubDate": "Tue, 22 Jun 2021 10:00:00 GMT",
    "description": (
        "مرکز ولسوالی امام صاحب ولایت کندز امروز پس از دو روز جنگ به دست طالبان سقوط کرد. "
        "یک عضو شورای ولایتی کندز این خبر را تایید کرد."
    ),
}
URDU = {
    "title": "قندوز کا ایک اور ضلع طالبان کے قبضے میں",
    "link": "https://urdu.example.pk/news/2002",
    "guid": "ur-1",
    "pubDate": "Tue, 22 Jun 2021 11:00:00 GMT",
    "description": (
        "افغان حکام کے مطابق طالبان نے صوبہ قندوز کے ضلع دشت ارچی پر بھی قبضہ کر لیا ہے "
        "اور سرکاری فورسز پیچھے ہٹ گئی ہیں۔"
    ),
}


def test_dari_and_urdu_falls_are_stored_alerted_in_english_and_counted(
    postgres_url, make_settings, feed_server, slack_server
) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(
        postgres_url,
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_BASE_URL=slack_server.base_url,
        SLACK_CHANNEL="C0ALERTS",
    )
    write_rss(feed_server.root / "mixed.xml", [ENGLISH, DARI, URDU])
    feeds = [FeedConfig(url=feed_server.url("/mixed.xml"), name="mixed")]
    with Resources.live(settings) as resources:
        result = run_cycle(resources, feeds=feeds)
        digest = build_digest(resources.store, now=datetime(2021, 6, 22, 23, tzinfo=UTC))
        with resources.store.engine.connect() as conn:
            stored = {
                row.guid.rsplit("/", 1)[-1]: row.language
                for row in conn.execute(select(articles.c.guid, articles.c.language))
            }
            fa_places = {
                row.district_code
                for row in conn.execute(
                    select(events.c.district_code)
                    .join(articles, articles.c.id == events.c.article_id)
                    .where(articles.c.guid.like("%fa-1"))
                )
            }
            control = dict(
                conn.exec_driver_sql(
                    "SELECT district_code, status FROM district_control"
                ).fetchall()
            )
    assert {k: stored[k] for k in ("en-1", "fa-1", "ur-1")} == {
        "en-1": "en",
        "fa-1": "fa",
        "ur-1": "ur",
    }
    assert "AF1905" in fa_places  # the Dari report was read, then joined the English one
    assert "not read yet" not in (result.feeds[0].error or "")
    # the digest counts each fall once: Imam Sahib (English and Dari, one incident) and
    # Dasht-e-Archi (Urdu)
    assert digest.by_category["territory_captured"] == 2
    assert digest.by_province["Kunduz"] >= 2
    # Imam Sahib and Dasht-e-Archi are both Taliban-held in the control state
    assert control["AF1905"] == "taliban" and control["AF1906"] == "taliban"
    falls = [m for m in slack_server.messages if "District fallen" in str(m.get("blocks", ""))]
    texts = [str(m["blocks"]) for m in falls]
    # one fall alert per district: the Dari report joins the English one's incident
    assert sum("Imam Sahib" in t for t in texts) == 1
    [urdu] = [t for t in texts if "Dasht-e-Archi" in t]
    assert "Kunduz" in urdu and "*Original (Urdu):*" in urdu and "دشت ارچی" in urdu
    assert all("xoxb-test-token" not in t for t in texts)
