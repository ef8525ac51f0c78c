"""Fetch feed documents over HTTP (or from local files for the offline demo).

feedparser has no timeouts, so we fetch with httpx and hand it the bytes. Every
failure becomes a `FetchResult.error` string: one broken feed never stops the others.

Article pages are different: their URLs come from feeds, i.e. from strangers, so
`fetch_article` only talks to public addresses (no SSRF into the intranet or the cloud
metadata service) and follows redirects itself to check every hop.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import threading
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

import httpx

from pipeline.domains import same_site
from pipeline.models import FetchResult
from pipeline.settings import USER_AGENT, Settings

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"
)
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_AFTER_STATUSES = frozenset({429, 503})
MAX_RETRY_AFTER = 86400.0
PAGE_SCHEMES = ("http", "https")
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# httpcore trace events whose return value is a freshly connected socket stream
CONNECT_EVENTS = ("connection.connect_tcp.complete", "connection.connect_unix_socket.complete")


class ResponseTooLarge(Exception):
    """The server sent more bytes than the configured cap."""


class DeadlineExceeded(Exception):
    """The whole request took longer than its deadline."""


class PageError(Exception):
    """An article page could not be had; the message says why."""


class Refused(PageError):
    """An article URL points where we must not connect (scheme, address)."""


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


class Deadline:
    """One wall-clock budget for a whole request: connect, headers, body and redirects.

    httpx's timeouts bound each socket operation, so a server that trickles a byte every
    few seconds never trips them. Here a timer thread shuts the connection's socket down
    at the deadline (httpx then sees the peer hang up) and the body loop checks the clock.
    The socket comes from httpcore's `trace` extension when the connection is made, so
    requests under a deadline send `Connection: close`: a pooled, already-open
    connection would not be traced. Name resolution inside connect is not interruptible.
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._ends = None if seconds is None else time.monotonic() + seconds
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._fired = False
        self._timer: threading.Timer | None = None

    @property
    def message(self) -> str:
        return f"timeout: no complete response within {self.seconds:g} s"

    @property
    def expired(self) -> bool:
        return self._fired or (self._ends is not None and time.monotonic() >= self._ends)

    def check(self) -> None:
        if self.expired:
            raise DeadlineExceeded(self.message)

    def timeout(self, client: httpx.Client) -> httpx.Timeout:
        """The client's timeouts, none longer than the time that is left."""
        base = client.timeout
        if self._ends is None:
            return base
        left = self._ends - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded(self.message)
        return httpx.Timeout(
            connect=_shorter(base.connect, left),
            read=_shorter(base.read, left),
            write=_shorter(base.write, left),
            pool=_shorter(base.pool, left),
        )

    def extensions(self) -> dict[str, Any]:
        return {} if self._ends is None else {"trace": self._trace}

    def headers(self) -> dict[str, str]:
        return {} if self._ends is None else {"Connection": "close"}

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        stream = info.get("return_value") if event in CONNECT_EVENTS else None
        sock = stream.get_extra_info("socket") if stream is not None else None
        if not isinstance(sock, socket.socket):
            return
        try:
            handle = sock.dup()  # TLS wrapping detaches `sock`; a dup stays valid
        except OSError:
            return
        with self._lock:
            self._sockets.append(handle)
            if self._fired:
                _shutdown(handle)

    def _fire(self) -> None:
        with self._lock:
            self._fired = True
            for handle in self._sockets:
                _shutdown(handle)

    def __enter__(self) -> Deadline:
        if self._ends is not None:
            self._timer = threading.Timer(max(0.0, self._ends - time.monotonic()), self._fire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            for handle in self._sockets:
                handle.close()
            self._sockets.clear()


def _shorter(value: float | None, limit: float) -> float:
    return limit if value is None else min(value, limit)


def _shutdown(handle: socket.socket) -> None:
    """Wake a thread blocked reading this connection: it sees end-of-stream at once."""
    with contextlib.suppress(OSError):
        handle.shutdown(socket.SHUT_RDWR)


# Everything a fetch may raise on bad input or a bad peer; turned into error strings.
FETCH_ERRORS = (
    httpx.HTTPError,
    httpx.InvalidURL,
    httpx.StreamError,
    ResponseTooLarge,
    DeadlineExceeded,
    PageError,
    OSError,
    ValueError,
)


def describe_error(exc: BaseException, deadline: Deadline, limit: int = 500) -> str:
    """A short reason for a failed request; a blown deadline wins over its symptoms."""
    if deadline.expired or isinstance(exc, DeadlineExceeded):
        return deadline.message
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout: {type(exc).__name__}"
    if isinstance(exc, ResponseTooLarge | PageError):
        return str(exc)[:limit]
    return f"{type(exc).__name__}: {exc}"[:limit]


def fetch_feed(
    url: str,
    client: httpx.Client,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = 10 * 1024 * 1024,
    deadline: float | None = None,
) -> FetchResult:
    """Fetch one feed; conditional GET when validators are known; never raises.

    `deadline` (seconds, e.g. HTTP_TOTAL_TIMEOUT) bounds the whole request, so a server
    that trickles bytes cannot hold a cycle; None keeps only httpx's per-read timeouts.
    """
    if is_local(url):
        return read_local_feed(url, max_bytes)
    budget = Deadline(deadline)
    headers = {**budget.headers(), **conditional_headers(etag, last_modified)}
    try:
        with budget:
            return _get(url, client, headers, max_bytes, budget)
    except FETCH_ERRORS as exc:
        return FetchResult(url=url, error=describe_error(exc, budget))


def _get(
    url: str, client: httpx.Client, headers: dict[str, str], max_bytes: int, budget: Deadline
) -> FetchResult:
    options: dict[str, Any] = {"timeout": budget.timeout(client), "extensions": budget.extensions()}
    with client.stream("GET", url, headers=headers, **options) as response:
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
            if response.status_code in RETRY_AFTER_STATUSES:
                result.retry_after = parse_retry_after(response.headers.get("retry-after"))
            return result
        result.body = _read_capped(response, max_bytes, budget)
        return result


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or an HTTP date).

    Clamped to 0..86400 so that a wrong clock or a hostile server cannot park a feed
    for years; unparseable values give None.
    """
    value = (value or "").strip()
    if not value:
        return None
    if re.fullmatch(r"[0-9]+", value):
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _read_capped(response: httpx.Response, max_bytes: int, budget: Deadline | None = None) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(f"response too large: {declared} bytes > cap {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        if budget is not None:
            budget.check()
        size += len(chunk)
        if size > max_bytes:
            raise ResponseTooLarge(f"response too large: more than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from a feed's last validators (also used by the
    feed watcher in the triggerer)."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def local_path(url: str) -> Path:
    """The file behind a file:// URL or a plain path."""
    return Path(unquote(urlparse(url).path)) if url.startswith("file://") else Path(url)


def read_local_feed(url: str, max_bytes: int) -> FetchResult:
    """file:// URLs and plain paths, used by the bundled offline demo."""
    path = local_path(url)
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


def fetch_article(
    url: str,
    client: httpx.Client,
    max_bytes: int = 5 * 1024 * 1024,
    *,
    allow_networks: Iterable[str] = (),
    deadline: float | None = None,
) -> ArticlePage:
    """Fetch an entry's page and extract its main text with trafilatura; never raises.

    Only public addresses are contacted, plus `allow_networks` (CIDRs, e.g.
    FETCH_ALLOW_NETWORKS for intranet sources). rel=canonical is kept only when it
    stays on the registrable domain of `url`: a page must not re-address itself as
    another outlet's article.
    """
    budget = Deadline(deadline)
    try:
        networks = parse_networks(allow_networks)
        with budget:
            body, final_url = _fetch_page(url, client, max_bytes, networks, budget)
    except FETCH_ERRORS as exc:
        return ArticlePage(None, None, describe_error(exc, budget, 300))
    html = body.decode("utf-8", errors="replace")
    canonical = canonical_link(html, final_url)
    if canonical is not None and not _own_canonical(canonical, url):
        canonical = None
    return ArticlePage(extract_text(html, final_url), canonical)


@dataclass(frozen=True)
class _Target:
    """Where one request really goes: the checked IP, with the original Host and SNI."""

    url: httpx.URL
    ip: str
    host_header: str
    sni_hostname: str | None


def _fetch_page(
    url: str,
    client: httpx.Client,
    max_bytes: int,
    networks: tuple[IPNetwork, ...],
    budget: Deadline,
) -> tuple[bytes, str]:
    """Body and final URL of a page, following at most MAX_REDIRECTS checked redirects."""
    current = httpx.URL(url)
    contacted: set[str] = set()
    try:
        for _ in range(MAX_REDIRECTS + 1):
            target = resolve_target(current, networks)
            contacted.add(target.ip)
            with _open(client, target, budget) as response:
                location = response.headers.get("location")
                if response.status_code in REDIRECT_STATUSES and location:
                    current = current.join(location)
                    continue
                if response.status_code >= 400:
                    raise PageError(f"HTTP {response.status_code}")
                return _read_capped(response, max_bytes, budget), str(current)
    finally:
        _forget_cookies(client, contacted)
    raise PageError(f"too many redirects (more than {MAX_REDIRECTS})")


def _open(
    client: httpx.Client, target: _Target, budget: Deadline
) -> AbstractContextManager[httpx.Response]:
    """Stream a GET to the checked IP, never letting httpx resolve or redirect by itself.

    `Connection: close` keeps IP-addressed connections out of the pool, where one made
    for another host name's SNI could otherwise be reused.
    """
    headers = {"Accept": "text/html,*/*;q=0.5", "Host": target.host_header, "Connection": "close"}
    extensions = budget.extensions()
    if target.sni_hostname:
        extensions["sni_hostname"] = target.sni_hostname
    return client.stream(
        "GET",
        target.url,
        headers=headers,
        follow_redirects=False,
        timeout=budget.timeout(client),
        extensions=extensions,
    )


def _forget_cookies(client: httpx.Client, hosts: set[str]) -> None:
    """Cookies stored under a bare IP would be sent to every site sharing that IP."""
    names = hosts | {f"[{host}]" for host in hosts} | {f"{host}.local" for host in hosts}
    jar = client.cookies.jar
    for cookie in list(jar):
        if cookie.domain.lstrip(".") in names:
            jar.clear(cookie.domain, cookie.path, cookie.name)


def resolve_target(url: httpx.URL, networks: tuple[IPNetwork, ...] = ()) -> _Target:
    """Check scheme and address of a URL once, and pin the request to that address."""
    if url.scheme not in PAGE_SCHEMES:
        raise Refused(f"refused: scheme {url.scheme!r}")
    host = url.raw_host.decode("ascii")
    if not host:
        raise Refused("refused: no host in URL")
    ip = pick_address(host, url.port or (443 if url.scheme == "https" else 80), networks)
    return _Target(
        url=url.copy_with(host=ip),
        ip=ip,
        host_header=url.netloc.decode("ascii"),
        sni_hostname=host if url.scheme == "https" else None,
    )


def pick_address(host: str, port: int, networks: tuple[IPNetwork, ...] = ()) -> str:
    """Resolve `host` once and return the first address we may connect to (IPv4 first).

    Connecting to exactly this address, rather than letting the HTTP client resolve the
    name again, is what defeats DNS rebinding.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise PageError(f"cannot resolve {host}: {exc}") from None
    addresses = sorted(dict.fromkeys(str(info[4][0]) for info in infos), key=lambda a: ":" in a)
    reasons: list[str] = []
    for address in addresses:
        reason = address_refusal(address, networks)
        if reason is None:
            return connect_address(address)
        reasons.append(reason)
    raise Refused(f"refused: {reasons[0]}" if reasons else f"refused: no address for {host}")


def connect_address(address: str) -> str:
    """The address to dial: an IPv4-mapped IPv6 address is dialled as plain IPv4."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def parse_networks(cidrs: Iterable[str | IPNetwork]) -> tuple[IPNetwork, ...]:
    """CIDR strings (or networks) as networks; a bare address means that one host."""
    networks: list[IPNetwork] = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr, strict=False))
        except ValueError:
            raise PageError(f"refused: allow_networks entry {cidr!r} is not a CIDR") from None
    return tuple(networks)


def address_refusal(address: str, networks: Iterable[IPNetwork] = ()) -> str | None:
    """Why we must not connect to `address` (None when we may).

    Only global unicast addresses pass, unless inside one of `networks`. IPv6 forms that
    carry an IPv4 address (IPv4-mapped, 6to4, NAT64) are judged by that IPv4 address.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"{address!r} is not an IP address"
    allowed = tuple(networks)
    if _inside(ip, allowed):
        return None
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        kind = None if _inside(embedded, allowed) else _address_kind(embedded)
        shown = f"::ffff:{embedded}" if ip.version == 6 and ip.ipv4_mapped else str(ip)
        return f"{shown} is {kind} address (it embeds {embedded})" if kind else None
    kind = _address_kind(ip)
    return f"{ip} is {kind} address" if kind else None


def _inside(ip: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(ip.version == net.version and ip in net for net in networks)


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _address_kind(ip: IPAddress) -> str | None:
    """'a private' and the like for addresses that are not global unicast, else None."""
    checks = (
        (ip.is_unspecified, "an unspecified"),
        (ip.is_loopback, "a loopback"),
        (ip.is_link_local, "a link-local"),
        (ip.is_multicast, "a multicast"),
        (ip.is_reserved, "a reserved"),
        (ip.is_private, "a private"),
        (not ip.is_global, "a non-global"),
    )
    return next((kind for hit, kind in checks if hit), None)


def _own_canonical(canonical: str, asked: str) -> bool:
    """A canonical URL counts only on the registrable domain of the URL we asked for."""
    return canonical.startswith(("http://", "https://")) and same_site(canonical, asked)


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
