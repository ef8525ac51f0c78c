"""The 40 real-world feeds of ../shared/feeds, served over HTTP with their quirks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.cycle import process_feed
from pipeline.settings import FeedConfig
from tests.conftest import SHARED

FEEDS = SHARED / "feeds" / "files"
MANIFEST = SHARED / "feeds" / "manifest.json"
GZ = "quirk_gzip_invalid_chars_nshipster.xml.gz"

pytestmark = pytest.mark.skipif(not FEEDS.is_dir(), reason="../shared/feeds not present")


def _manifest() -> dict[str, dict]:
    return {r["file"]: r for r in json.loads(MANIFEST.read_text())}


def _expected_entries() -> dict[str, int]:
    return {name: r["items_feedparser_6_0_14"] for name, r in _manifest().items()}


@pytest.fixture
def real_feeds(feed_server):  # type: ignore[no-untyped-def]
    for path in FEEDS.iterdir():
        shutil.copy(path, feed_server.root / path.name)
    feed_server.serve_gzip(f"/{GZ}", GZ)
    feed_server.route("/plain-gzip.xml", file=GZ)  # raw gzip bytes, no Content-Encoding
    latin = "quirk_iso8859-1_declared_jn_pt.xml"
    feed_server.route(
        "/wrong-charset.xml", file=latin, headers={"Content-Type": "application/xml; charset=utf-8"}
    )
    return feed_server


def test_every_real_feed_is_fetched_parsed_and_stored(
    real_feeds, make_settings, tmp_path: Path
) -> None:
    from pipeline.resources import Resources

    settings = make_settings(f"sqlite:///{tmp_path / 'feeds.sqlite3'}")
    expected = _expected_entries()
    names = [*sorted(expected), "plain-gzip.xml", "wrong-charset.xml"]
    reports = {}
    with Resources.live(settings) as resources:
        for name in names:
            feed = FeedConfig(url=real_feeds.url(f"/{name}"), name=name)
            reports[name] = process_feed(resources, feed)
        store = resources.store
    for name, count in expected.items():
        report = reports[name]
        if count == 0 and _manifest()[name]["bozo_6_0_14"]:
            assert not report.ok and "no usable entries" in (report.error or ""), name
        elif count == 0:  # well-formed but empty: recorded, not a failure
            assert report.ok and report.error == "feed is empty (no entries)", name
        else:
            assert report.ok, (name, report.error)
            assert report.new + report.duplicates + report.known >= 1, name
    assert reports[GZ].entries == 25
    assert reports["plain-gzip.xml"].entries == 25
    assert reports["wrong-charset.xml"].entries == 40
    rows = {row["url"].rsplit("/", 1)[-1]: row for row in store.list_feeds()}
    assert rows["quirk_truncated_server_error_reuters_mostread.xml"]["last_error"]
    assert rows[GZ]["last_error"] is None
    stored = store.counts()["articles"]
    assert stored > 900
    # world, business and tech news in which no district fell: not one alert may be raised
    raised = {name: r.alerts for name, r in reports.items() if r.alerts}
    assert raised == {}, raised
    # Urdu is read now: the Urdu feeds are not flagged. Their 13 entries naming the
    # Taliban or Afghanistan are about Pakistan-US relations, Pakistani Taliban talks,
    # cricket and refugees: one statement is extracted, no fall, no alert
    urdu = ("bbc_urdu_rss2_2018.xml", "bbc_urdu_atom_2014.xml", "voa_urdu_rss2_2014.xml")
    for name in urdu:
        report = reports[name]
        assert max(report.languages, key=report.languages.get) == "ur", report.languages
        assert "not read yet" not in (report.error or ""), name
        assert json.loads(rows[name]["languages"])["ur"] == report.languages["ur"]
    assert sum(reports[name].events for name in urdu) >= 1
    # a feed in a language the extractor does not read says so instead of a silent "ok"
    for name in ("heise_online_rss090_rdf.xml", "quirk_default_ns_suspilne_ukrnet.xml"):
        assert "not read yet" in (reports[name].error or ""), name  # German, Ukrainian
    english = [n for n, r in reports.items() if set(r.languages) == {"en"}]
    assert len(english) >= 20
    assert not [n for n in english if "not read yet" in (reports[n].error or "")]
