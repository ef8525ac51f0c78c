"""Turn feed bytes into plain-text entries.

feedparser copes with most real-world breakage (bad encodings, undefined entities,
truncated XML) and flags it with `bozo`; we keep whatever entries it recovers and
record why the document was malformed.
"""

from __future__ import annotations

import calendar
import gzip
import html
import re
import zlib
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from pipeline.models import Entry, FetchResult, ParsedFeed

MAX_TEXT_CHARS = 200_000
DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # the HTTP_MAX_BYTES default
# C0 controls but tab and newline, DEL, C1 controls, lone surrogates and the two
# non-characters U+FFFE/U+FFFF: Postgres rejects NUL in text, the rest is garbage.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
LINK_SCHEMES = ("http", "https")
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


def strip_controls(text: str) -> str:
    """Drop control characters, lone surrogates and U+FFFE/U+FFFF; keep tabs and newlines."""
    return CONTROL_CHARS.sub("", text)


def _tidy(text: str) -> str:
    text = strip_controls(text.replace("\r", "\n"))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


class InflatesTooLarge(ValueError):
    """A gzip body would inflate past the byte cap (a decompression bomb or just too big)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"compressed body inflates past the {max_bytes}-byte cap (HTTP_MAX_BYTES)")


def maybe_gunzip(body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Some servers send gzip bytes without Content-Encoding: sniff the magic number.

    Inflates at most one byte past `max_bytes` (to tell "exactly at" from "past" the
    cap) and raises InflatesTooLarge past it, so a small bomb cannot fill the memory.
    """
    if not body.startswith(b"\x1f\x8b"):
        return body
    try:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = decompressor.decompress(body, max_bytes + 1)
    except (zlib.error, gzip.BadGzipFile):
        return body
    if len(data) > max_bytes:
        raise InflatesTooLarge(max_bytes)
    return data if data else body


def parse_feed(result: FetchResult, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedFeed:
    """Parse a fetched document; never raises (a parser crash becomes a bozo reason)."""
    try:
        body = maybe_gunzip(result.body or b"", max_bytes=max_bytes)
    except InflatesTooLarge as exc:
        return ParsedFeed(entries=[], bozo=True, bozo_reason=str(exc))
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
    link = strip_controls(str(raw.get("link") or ""))
    guid = strip_controls(str(raw.get("id") or raw.get("guid") or "")) or None
    if not link and guid and guid.startswith(("http://", "https://")):
        link = guid
    return Entry(
        url=_entry_url(link, base),
        title=title[:1000],
        text=(text or title)[:MAX_TEXT_CHARS],
        guid=guid,
        published=_published(raw),
        feed_url=feed_url,
    )


def _entry_url(link: str, base: str) -> str | None:
    """The absolute http(s) URL of an item link; javascript:, data:, file: and such give None.

    Tabs, newlines and surrounding spaces are dropped first, as browsers do, so that
    "java\tscript:" cannot pass for a relative link.
    """
    link = re.sub("[\t\n\r]", "", link).strip()
    if not link:
        return None
    url = urljoin(base, link) if not base.startswith(("/", "file:")) else link
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in LINK_SCHEMES else None


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
