from __future__ import annotations

import gzip
import random
import time
import zlib

import pytest

from pipeline.models import FetchResult
from pipeline.parse import (
    InflatesTooLarge,
    html_to_text,
    maybe_gunzip,
    parse_feed,
    strip_controls,
)

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


# -- gzip sniffing honours the byte cap ----------------------------------------------------


def _gzip_bomb(inflated: int, random_per_block: int = 780, block: int = 38 * 1024) -> bytes:
    """About 1.3 MB of gzip that inflates to `inflated` bytes (random runs between zeros)."""
    rng = random.Random(7)
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    parts = [
        packer.compress(rng.randbytes(random_per_block) + bytes(block - random_per_block))
        for _ in range(inflated // block)
    ]
    return b"".join([*parts, packer.flush()])


def test_gzip_bomb_is_refused_quickly_without_inflating_it() -> None:
    bomb = _gzip_bomb(50 * 1024 * 1024)
    assert 1_000_000 < len(bomb) < 1_600_000
    started = time.monotonic()
    parsed = parse_feed(FetchResult(url="u", status=200, body=bomb))
    assert time.monotonic() - started < 1.0
    assert parsed.entries == [] and parsed.bozo
    assert parsed.bozo_reason == (
        "compressed body inflates past the 10485760-byte cap (HTTP_MAX_BYTES)"
    )


def test_gzip_within_the_cap_is_parsed_and_the_cap_is_configurable() -> None:
    packed = gzip.compress(RSS)
    result = FetchResult(url="https://example.org/feed.xml", status=200, body=packed)
    assert len(parse_feed(result, max_bytes=len(RSS)).entries) == 1
    refused = parse_feed(result, max_bytes=len(RSS) - 1)
    assert refused.entries == [] and refused.bozo
    assert refused.bozo_reason == (
        f"compressed body inflates past the {len(RSS) - 1}-byte cap (HTTP_MAX_BYTES)"
    )


def test_maybe_gunzip_raises_past_the_cap_only() -> None:
    assert maybe_gunzip(gzip.compress(b"x" * 2048), max_bytes=2048) == b"x" * 2048
    with pytest.raises(InflatesTooLarge):
        maybe_gunzip(gzip.compress(b"x" * 2049), max_bytes=2048)
    assert maybe_gunzip(b"x" * 5000, max_bytes=2048) == b"x" * 5000  # not gzip: untouched


# -- hygiene: control characters and unsafe links ------------------------------------------


def _items(*items: str) -> FetchResult:
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        + "".join(f"<item>{item}</item>" for item in items)
        + "</channel></rss>"
    ).encode("utf-8")
    return FetchResult(
        url="https://example.org/feed.xml",
        status=200,
        body=body,
        headers={"content-type": "application/rss+xml"},
        final_url="https://example.org/feed.xml",
    )


def test_control_characters_are_removed_from_title_text_guid_and_link() -> None:
    dirty = _items(
        "<title>Ka\x00bul\x07 falls\x1b\x7f\x90\ufffe</title>"
        "<link>https://example.org/a\x00b\x01</link>"
        '<guid isPermaLink="false">g\x00-1\x08</guid>'
        "<description>one\x00 two\uffff tab\there</description>"
    )
    [entry] = parse_feed(dirty).entries
    assert entry.title == "Kabul falls"
    assert entry.text == "one two tab here"  # a tab is whitespace, not garbage
    assert entry.guid == "g-1"
    assert entry.url == "https://example.org/ab"
    clean = _items(
        "<title>Kabul – falls «now»</title><link>https://example.org/é</link>"
        '<guid isPermaLink="false">g-1</guid><description>a\nb</description>'
    )
    [kept] = parse_feed(clean).entries
    assert kept.title == "Kabul – falls «now»" and kept.guid == "g-1"
    assert kept.text == "a\nb" and kept.url == "https://example.org/é"


def test_strip_controls_keeps_newlines_and_tabs_and_drops_surrogates() -> None:
    assert strip_controls("a\x00b\x1fc\x7fd\x85e\x9ff") == "abcdef"
    assert (
        strip_controls("lone \ud800 and \udfff surrogates\ufffe\uffff") == "lone  and  surrogates"
    )
    assert strip_controls("line\nnext\tcell ü € 😀") == "line\nnext\tcell ü € 😀"
    assert html_to_text("<p>a\x00b</p><p>c\ud83d</p>") == "ab\nc"


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java&#9;script:alert(1)",
        "data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://example.org/a",
    ],
)
def test_non_http_links_become_none_and_the_guid_stays(link: str) -> None:
    result = _items(
        f'<title>t</title><link>{link}</link><guid isPermaLink="false">g-7</guid>'
        "<description>d</description>"
    )
    [entry] = parse_feed(result).entries
    assert entry.url is None and entry.guid == "g-7"


@pytest.mark.parametrize(
    ("link", "url"),
    [
        ("/news/1", "https://example.org/news/1"),
        ("news/2?x=1", "https://example.org/news/2?x=1"),
        ("//cdn.example.org/3", "https://cdn.example.org/3"),
        ("http://other.example/4", "http://other.example/4"),
        ("HTTPS://example.org/5", "https://example.org/5"),
    ],
)
def test_http_links_are_resolved_and_kept(link: str, url: str) -> None:
    result = _items(f"<title>t</title><link>{link}</link><description>d</description>")
    [entry] = parse_feed(result).entries
    assert entry.url == url
