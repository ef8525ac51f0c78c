"""Fetch feed documents over HTTP (or from local files for the offline demo).

feedparser has no timeouts, so we fetch with httpx and hand it the bytes. Every
failure becomes a `FetchResult.error` string: one broken feed never stops the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import httpx

from pipeline.models import FetchResult
from pipeline.settings import USER_AGENT, Settings

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"
)


class ResponseTooLarge(Exception):
    """The server sent more bytes than the configured cap."""


def make_client(settings: Settings) -> httpx.Client:
    """One client per cycle: connection reuse, timeouts, a User-Agent, gzip decoding."""
    timeout = httpx.Timeout(settings.http_read_timeout, connect=settings.http_connect_timeout)
    return httpx.Client(
        timeout=timeout,
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
        follow_redirects=True,
        max_redirects=5,
    )


def is_local(url: str) -> bool:
    return url.startswith("file://") or "://" not in url


def fetch_feed(
    url: str,
    client: httpx.Client,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = 10 * 1024 * 1024,
) -> FetchResult:
    """Fetch one feed; conditional GET when validators are known; never raises."""
    if is_local(url):
        return read_local_feed(url, max_bytes)
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        return _get(url, client, headers, max_bytes)
    except httpx.TimeoutException as exc:
        return FetchResult(url=url, error=f"timeout: {type(exc).__name__}")
    except ResponseTooLarge as exc:
        return FetchResult(url=url, error=str(exc))
    except httpx.HTTPError as exc:
        return FetchResult(url=url, error=f"{type(exc).__name__}: {exc}"[:500])


def _get(url: str, client: httpx.Client, headers: dict[str, str], max_bytes: int) -> FetchResult:
    with client.stream("GET", url, headers=headers) as response:
        result = FetchResult(
            url=url,
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            final_url=str(response.url),
            permanent_redirect=any(r.status_code in (301, 308) for r in response.history),
        )
        if response.status_code == 304:
            result.not_modified = True
            return result
        if response.status_code >= 400:
            result.gone = response.status_code == 410
            result.error = f"HTTP {response.status_code} {response.reason_phrase}".strip()
            return result
        result.body = _read_capped(response, max_bytes)
        return result


def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(f"response too large: {declared} bytes > cap {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ResponseTooLarge(f"response too large: more than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def read_local_feed(url: str, max_bytes: int) -> FetchResult:
    """file:// URLs and plain paths, used by the bundled offline demo."""
    path = Path(unquote(urlparse(url).path)) if url.startswith("file://") else Path(url)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return FetchResult(url=url, error=f"file too large: {size} bytes > cap {max_bytes}")
        return FetchResult(url=url, status=200, body=path.read_bytes(), final_url=url)
    except OSError as exc:
        return FetchResult(url=url, error=f"cannot read {path}: {exc.strerror or exc}")


CANONICAL_LINK = re.compile(r"<link\b[^>]*\brel=[\"']?canonical[\"']?[^>]*>", re.IGNORECASE)
HREF = re.compile(r"\bhref=[\"']([^\"']+)[\"']", re.IGNORECASE)


@dataclass(frozen=True)
class ArticlePage:
    """Full text and the page's own idea of its URL (rel=canonical), when fetched."""

    text: str | None
    canonical_url: str | None
    error: str | None = None


def fetch_article(url: str, client: httpx.Client, max_bytes: int = 5 * 1024 * 1024) -> ArticlePage:
    """Fetch an entry's page and extract its main text with trafilatura; never raises."""
    try:
        with client.stream("GET", url, headers={"Accept": "text/html,*/*;q=0.5"}) as response:
            if response.status_code >= 400:
                return ArticlePage(None, None, f"HTTP {response.status_code}")
            body = _read_capped(response, max_bytes)
            final_url = str(response.url)
    except (httpx.HTTPError, ResponseTooLarge) as exc:
        return ArticlePage(None, None, f"{type(exc).__name__}: {exc}"[:300])
    html = body.decode("utf-8", errors="replace")
    return ArticlePage(extract_text(html, final_url), canonical_link(html, final_url))


def extract_text(html: str, url: str | None = None) -> str | None:
    import trafilatura

    try:
        return trafilatura.extract(html, url=url, include_comments=False) or None
    except Exception:
        return None


def canonical_link(html: str, base: str) -> str | None:
    """The href of <link rel="canonical">, resolved against the page URL."""
    for tag in CANONICAL_LINK.findall(html[:200_000]):
        href = HREF.search(tag)
        if href:
            return urljoin(base, href.group(1).strip())
    return None
