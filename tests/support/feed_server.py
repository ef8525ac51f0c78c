"""A loopback HTTP server that serves feed files, for tests that need real HTTP.

Fetch code is easiest to trust when it talks to a real socket: conditional GETs, gzip
decoding, timeouts and dropped connections all behave as they would against a publisher,
yet nothing leaves 127.0.0.1. The small ``BackgroundHTTPServer`` base is shared with
``tests.support.slack_server``.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import ipaddress
import socket
import socketserver
import struct
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Self
from urllib.parse import unquote, urlsplit

DEFAULT_CONTENT_TYPE = "application/xml"

# Clients in tests hang up on purpose (timeouts, drops); those write errors are not bugs.
_EXPECTED_SOCKET_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class HeaderDict(dict[str, str]):
    """A dict of request headers with case-insensitive keys (stored lower-cased).

    Clients differ in how they capitalise header names, so tests should not have to care.
    """

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        for key, value in items:
            self[key] = value

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key.lower(), value)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


class _LoopbackHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that binds fast, never blocks on close and stays quiet."""

    daemon_threads = True
    owner: BackgroundHTTPServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can stall in sandboxes.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Keep stderr clean; unexpected handler crashes are kept for the test to inspect.
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, _EXPECTED_SOCKET_ERRORS):
            self.owner.errors.append(error)


class QuietHandler(BaseHTTPRequestHandler):
    """Request handler base: no access log, plus helpers to answer or hang up."""

    server: _LoopbackHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request log line that BaseHTTPRequestHandler writes to stderr."""

    def read_body(self) -> bytes:
        """Read the request body so that hanging up afterwards is a clean EOF, not a reset."""
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send_bytes(
        self, status: int, body: bytes, headers: dict[str, str], *, head_only: bool = False
    ) -> None:
        """Write a complete response; 204/304 never carry a body."""
        bodiless = status in (204, 304) or 100 <= status < 200
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if not bodiless and not any(name.lower() == "content-length" for name in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and not bodiless and not head_only:
            self.wfile.write(body)

    def hang_up(self) -> None:
        """Close the connection without writing a single byte of response."""
        self.close_connection = True

    def refuse(self) -> None:
        """Abort the connection at once, before reading the body: the peer sees a reset.

        SO_LINGER 0 turns the close into an RST. The socket is really closed when the
        handler's read stream is released (right after this handler returns), so nothing
        is ever written on it.
        """
        self.close_connection = True
        with contextlib.suppress(OSError):
            linger = struct.pack("ii", 1, 0)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            self.connection.close()

    def response_head(self, status: int, headers: dict[str, str], length: int) -> bytes:
        """Status line and headers as ``send_bytes`` would write them, ending in CRLF CRLF."""
        bodiless = status in (204, 304) or 100 <= status < 200
        reason = self.responses.get(status, ("",))[0]
        lines = [
            f"{self.protocol_version} {status} {reason}".rstrip(),
            f"Server: {self.version_string()}",
            f"Date: {self.date_time_string()}",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        if not bodiless and not any(name.lower() == "content-length" for name in headers):
            lines.append(f"Content-Length: {length}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def send_truncated(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        """Promise the whole body in Content-Length, write only its first half, hang up."""
        head = self.response_head(status, {**headers, "Content-Length": str(len(body))}, 0)
        with contextlib.suppress(*_EXPECTED_SOCKET_ERRORS):
            self.wfile.write(head + body[: len(body) // 2])
            self.wfile.flush()
        self.close_connection = True

    def send_trickled(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str],
        *,
        rate: float,
        trickle_headers: bool = False,
        head_only: bool = False,
    ) -> None:
        """Write a response slowly: ``rate`` bytes per second, one byte per write.

        The head (status line + headers, with the full Content-Length) goes out at once
        unless ``trickle_headers``; the body always drips. Gives up quietly when the server
        is stopping or the client hangs up, and never keeps the connection open afterwards.
        """
        bodiless = status in (204, 304) or 100 <= status < 200
        head = self.response_head(status, headers, len(body))
        payload = b"" if bodiless or head_only else body
        self.close_connection = True
        with contextlib.suppress(*_EXPECTED_SOCKET_ERRORS):
            with contextlib.suppress(OSError):  # one-byte writes must not wait for Nagle
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if trickle_headers:
                if not self._drip(head, rate):
                    return
            else:
                self.wfile.write(head)
            self._drip(payload, rate)

    def _drip(self, data: bytes, rate: float) -> bool:
        """Write ``data`` one byte per ``1/rate`` seconds; False if the server is stopping."""
        gap = 1.0 / rate
        owner = self.server.owner
        for index in range(len(data)):
            if owner.wait_for_stop(gap):
                return False
            self.wfile.write(data[index : index + 1])
        return True


class BackgroundHTTPServer:
    """Runs a handler class on 127.0.0.1:<free port> in a daemon thread.

    Subclasses set ``handler_class``; handlers reach the owning object via
    ``self.server.owner``. ``host`` may name another loopback address (127.0.0.2, ...),
    e.g. to stand for another publisher's host; anything but loopback is refused.
    """

    handler_class: ClassVar[type[QuietHandler]] = QuietHandler

    def __init__(self, *, host: str = "127.0.0.1") -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"{host!r} is not a loopback address")
        self.host = host
        self.errors: list[BaseException] = []
        self._httpd: _LoopbackHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.RLock()

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT`` (or the ``host`` given) of the running server."""
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not running; call start() first")
        return f"http://{self.host}:{self._httpd.server_port}"

    @property
    def port(self) -> int:
        return int(self.origin.rsplit(":", 1)[1])

    def start(self) -> Self:
        """Bind a free port and serve in the background; a second call is a no-op."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _LoopbackHTTPServer((self.host, 0), self.handler_class)
        httpd.owner = self
        thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.02},  # short: stop() waits for one poll
            name=f"{type(self).__name__}-{httpd.server_port}",
            daemon=True,
        )
        thread.start()
        self._httpd, self._thread = httpd, thread
        return self

    def stop(self) -> None:
        """Stop serving and release the port; safe to call repeatedly."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._httpd = self._thread = None
        self._stopping.set()  # wakes handlers sleeping in a delayed route
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def wait_for_stop(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, returning True early (at once) if the server is stopping."""
        return self._stopping.wait(seconds)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass(frozen=True)
class Route:
    """A canned answer for one URL path; wins over files below the root."""

    body: bytes | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    file: str | None = None
    drop: bool = False
    trickle: float = 0.0  # bytes per second; 0 sends the response at once
    trickle_headers: bool = False  # drip the status line and headers too


def make_etag(data: bytes) -> str:
    """Strong validator: quoted SHA-1 of the exact bytes served."""
    return f'"{hashlib.sha1(data).hexdigest()}"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match uses weak comparison, so ``W/`` prefixes are ignored."""
    if if_none_match.strip() == "*":
        return True
    candidates = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    return etag in candidates


def not_modified(headers: HeaderDict, etag: str, mtime: float) -> bool:
    """RFC 9110: If-None-Match, when sent, decides alone; otherwise If-Modified-Since."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        return etag_matches(if_none_match, etag)
    if_modified_since = headers.get("If-Modified-Since")
    if not if_modified_since:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return since.timestamp() >= int(mtime)  # HTTP dates have one-second resolution


def merge_headers(base: dict[str, str], extra: dict[str, str]) -> dict[str, str]:
    """Overlay ``extra`` on ``base`` treating names case-insensitively."""
    merged = {name: value for name, value in base.items()}
    for name, value in extra.items():
        for existing in [key for key in merged if key.lower() == name.lower()]:
            del merged[existing]
        merged[name] = value
    return merged


class _FeedHandler(QuietHandler):
    server_version = "FeedTestServer/1.0"

    @property
    def feeds(self) -> FeedServer:
        owner = self.server.owner
        assert isinstance(owner, FeedServer)
        return owner

    def do_GET(self) -> None:
        self._serve(head_only=False)

    def do_HEAD(self) -> None:
        self._serve(head_only=True)

    def _serve(self, *, head_only: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        route = self.feeds.record_request(path, self.headers.items())
        if route is not None:
            self._serve_route(route, head_only=head_only)
        else:
            self._serve_file(path, head_only=head_only)

    def _serve_route(self, route: Route, *, head_only: bool) -> None:
        if route.delay > 0 and self.feeds.wait_for_stop(route.delay):
            self.hang_up()
            return
        if route.drop:
            self.hang_up()
            return
        body = route.body if route.body is not None else self.feeds.route_file_bytes(route)
        headers = merge_headers({"Content-Type": self.feeds.content_type}, route.headers)
        if route.trickle > 0:
            self.send_trickled(
                route.status,
                body,
                headers,
                rate=route.trickle,
                trickle_headers=route.trickle_headers,
                head_only=head_only,
            )
        else:
            self.send_bytes(route.status, body, headers, head_only=head_only)

    def _serve_file(self, path: str, *, head_only: bool) -> None:
        target = self.feeds.resolve(path)
        if target is None:
            plain = {"Content-Type": "text/plain; charset=utf-8"}
            self.send_bytes(404, b"not found\n", plain, head_only=head_only)
            return
        data = target.read_bytes()
        mtime = target.stat().st_mtime
        validators = {"ETag": make_etag(data), "Last-Modified": formatdate(mtime, usegmt=True)}
        if not_modified(HeaderDict(self.headers.items()), validators["ETag"], mtime):
            self.send_bytes(304, b"", validators, head_only=True)
            return
        headers = {"Content-Type": self.feeds.content_type, **validators}
        self.send_bytes(200, data, headers, head_only=head_only)


class FeedServer(BackgroundHTTPServer):
    """Serves files below ``root_dir`` plus per-path overrides (errors, delays, drops, gzip).

    Routes can also trickle a response byte by byte (``route(..., trickle=...)``).

    Use as ``with FeedServer(root) as srv: httpx.get(srv.url("/feed.xml"))``.
    """

    handler_class = _FeedHandler

    def __init__(
        self,
        root_dir: str | PathLike[str],
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__(host=host)
        self.root = Path(root_dir).resolve()
        self.content_type = content_type
        self.requests: collections.Counter[str] = collections.Counter()
        self.last_headers: dict[str, HeaderDict] = {}
        self._routes: dict[str, Route] = {}

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return self.origin

    def url(self, path: str) -> str:
        """Absolute URL for a path such as ``/feeds/bbc.xml`` or ``feeds/bbc.xml``."""
        return f"{self.base_url}/{path.lstrip('/')}"

    def route(
        self,
        path: str,
        *,
        body: bytes | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        file: str | None = None,
        trickle: float = 0.0,
        trickle_headers: bool = False,
    ) -> None:
        """Answer ``path`` with a canned response (after ``delay`` seconds).

        ``trickle`` (bytes per second, > 0) sends the headers at once, with the full
        Content-Length, then the body one byte every ``1/trickle`` seconds; with
        ``trickle_headers`` the status line and headers drip the same way first. A trickle
        stops early, closing the connection, when the server stops or the client hangs up.
        """
        if body is not None and file is not None:
            raise ValueError("route() takes body or file, not both")
        if trickle < 0:
            raise ValueError("trickle must be >= 0 bytes per second")
        if trickle_headers and trickle <= 0:
            raise ValueError("trickle_headers needs a trickle rate > 0")
        route = Route(
            body,
            status,
            dict(headers or {}),
            delay,
            file,
            trickle=trickle,
            trickle_headers=trickle_headers,
        )
        self._set_route(path, route)

    def drop(self, path: str) -> None:
        """Hang up on requests for ``path`` without sending any response."""
        self._set_route(path, Route(drop=True))

    def serve_gzip(self, path: str, file: str) -> None:
        """Serve an already gzip-compressed file as an RSS feed with Content-Encoding: gzip."""
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"}
        self.route(path, file=file, headers=headers)

    def clear_routes(self) -> None:
        with self._lock:
            self._routes.clear()

    def reset_stats(self) -> None:
        """Forget request counts and headers, e.g. between phases of one test."""
        with self._lock:
            self.requests.clear()
            self.last_headers.clear()

    # -- used by the handler -------------------------------------------------------------

    def record_request(self, path: str, headers: Any) -> Route | None:
        """Count the request, remember its headers, and return the override for it (if any)."""
        with self._lock:
            self.requests[path] += 1
            self.last_headers[path] = HeaderDict(headers)
            return self._routes.get(path)

    def resolve(self, path: str) -> Path | None:
        """Map a URL path to a file below the root, refusing anything that escapes it."""
        target = (self.root / path.lstrip("/")).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            return None
        return target

    def route_file_bytes(self, route: Route) -> bytes:
        """Bytes for a ``file=`` route, read per request so tests may rewrite the file."""
        if route.file is None:
            return b""
        return (self.root / route.file).read_bytes()

    def _set_route(self, path: str, route: Route) -> None:
        with self._lock:
            self._routes["/" + path.lstrip("/")] = route
