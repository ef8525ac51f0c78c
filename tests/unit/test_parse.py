from __future__ import annotations

import gzip

from pipeline.models import FetchResult
from pipeline.parse import html_to_text, maybe_gunzip, parse_feed

RSS = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<link>https://example.org/</link>
<item><title>First &amp; foremost</title><link>/news/1</link><guid>g1</guid>
<description>&lt;p&gt;One.&lt;/p&gt;&lt;p&gt;Two &amp;amp; three.&lt;/p&gt;</description>
<pubDate>Tue, 22 Jun 2021 08:00:00 GMT</pubDate></item>
<item><title></title><description></description></item>
</channel></rss>"""


def test_entries_get_text_absolute_links_and_dates() -> None:
    result = FetchResult(
        url="https://example.org/feed.xml",
        status=200,
        body=RSS,
        headers={"content-type": "application/rss+xml"},
        final_url="https://example.org/feed.xml",
    )
    parsed = parse_feed(result)
    assert parsed.skipped == 1
    [entry] = parsed.entries
    assert entry.url == "https://example.org/news/1"
    assert entry.title == "First & foremost"
    assert entry.text == "One.\nTwo & three."
    assert (
        entry.published is not None and entry.published.isoformat() == "2021-06-22T08:00:00+00:00"
    )


def test_gzip_bytes_without_header_are_decompressed() -> None:
    assert maybe_gunzip(gzip.compress(RSS)) == RSS
    assert maybe_gunzip(b"plain") == b"plain"


def test_truncated_document_is_bozo_not_an_exception() -> None:
    parsed = parse_feed(FetchResult(url="u", status=200, body=RSS[:200]))
    assert parsed.bozo and parsed.bozo_reason


def test_html_to_text_drops_scripts_and_keeps_paragraphs() -> None:
    assert html_to_text("<p>a <b>b</b></p><script>x()</script><div>c</div>") == "a b\nc"
