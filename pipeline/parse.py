"""Turn feed bytes into plain-text entries.

feedparser copes with most real-world breakage (bad encodings, undefined entities,
truncated XML) and flags it with `bozo`; we keep whatever entries it recovers and
record why the document was malformed.
"""

from __future__ import annotations

import calendar
import gzip
import html
import zlib
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import feedparser

from pipeline.models import Entry, FetchResult, ParsedFeed

MAX_TEXT_CHARS = 200_000
MAX_GUNZIP_BYTES = 50 * 1024 * 1024
BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "blockquote",
    "section",
    "article",
    "figure",
    "figcaption",
    "hr",
    "pre",
    "table",
}
SKIP_TAGS = {"script", "style", "noscript", "iframe"}
# Headers feedparser uses to pick the charset and resolve relative links; we drop
# Content-Encoding because httpx has already decoded the body.
PASSED_HEADERS = ("content-type", "content-location", "content-language")


class _TextExtractor(HTMLParser):
    """HTML to text that keeps paragraph breaks, so sentences do not run together."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in SKIP_TAGS:
            self.skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS and self.skipping:
            self.skipping -= 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment with one paragraph per line."""
    if "<" not in markup and "&" not in markup:
        return _tidy(markup)
    extractor = _TextExtractor()
    try:
        extractor.feed(markup)
        extractor.close()
    except Exception:
        return _tidy(html.unescape(markup))
    return _tidy("".join(extractor.parts))


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def maybe_gunzip(body: bytes) -> bytes:
    """Some servers send gzip bytes without Content-Encoding: sniff the magic number."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    try:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = decompressor.decompress(body, MAX_GUNZIP_BYTES)
        return data if data else body
    except (zlib.error, gzip.BadGzipFile):
        return body


def parse_feed(result: FetchResult) -> ParsedFeed:
    """Parse a fetched document; never raises (a parser crash becomes a bozo reason)."""
    body = maybe_gunzip(result.body or b"")
    headers = {k: v for k, v in result.headers.items() if k in PASSED_HEADERS}
    if headers:
        headers.setdefault("content-location", result.final_url or result.url)
    try:
        document = feedparser.parse(body, response_headers=headers or None)
    except Exception as exc:
        return ParsedFeed(entries=[], bozo=True, bozo_reason=f"parser crashed: {exc!r}"[:500])
    base = result.final_url or result.url
    entries: list[Entry] = []
    skipped = 0
    for raw in document.entries:
        entry = _to_entry(raw, base, result.url)
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    reason = None
    if document.get("bozo"):
        reason = (
            f"{type(document.get('bozo_exception')).__name__}: {document.get('bozo_exception')}"
        )
    return ParsedFeed(
        entries=entries, bozo=bool(document.get("bozo")), bozo_reason=reason, skipped=skipped
    )


def _to_entry(raw: Any, base: str, feed_url: str) -> Entry | None:
    title = html_to_text(raw.get("title", "") or "")
    text = _entry_text(raw)
    if not text and not title:
        return None
    link = raw.get("link") or ""
    guid = raw.get("id") or raw.get("guid") or None
    if not link and guid and str(guid).startswith(("http://", "https://")):
        link = guid
    url = urljoin(base, link) if link and not base.startswith(("/", "file:")) else link or None
    return Entry(
        url=url,
        title=title[:1000],
        text=(text or title)[:MAX_TEXT_CHARS],
        guid=str(guid) if guid else None,
        published=_published(raw),
        feed_url=feed_url,
    )


def _entry_text(raw: Any) -> str:
    """The longest body the entry carries: full content if present, else the summary."""
    candidates = [c.get("value", "") for c in raw.get("content", []) or []]
    candidates.append(raw.get("summary", "") or "")
    best = max(candidates, key=len)
    return html_to_text(best[: MAX_TEXT_CHARS * 4])


def _published(raw: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = raw.get(key)
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None
