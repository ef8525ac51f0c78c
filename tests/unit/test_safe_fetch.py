"""Article pages over real loopback HTTP: SSRF refusals, redirects, canonical URLs.

Loopback is itself a refused address, so every positive case opts in with
`allow_networks`, exactly as an intranet user would with FETCH_ALLOW_NETWORKS.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.fetch import address_refusal, fetch_article, make_client, parse_networks
from pipeline.settings import load_settings

LOOPBACK = ("127.0.0.1/32",)
STORY = (
    "Taliban fighters entered the district centre of Imam Sahib in Kunduz province on "
    "Tuesday after government forces withdrew overnight, officials said."
)


def article_html(canonical: str | None = None) -> bytes:
    """A page with enough running text for trafilatura to call it an article."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    paragraphs = "".join(f"<p>{STORY} Paragraph {n} adds detail.</p>" for n in range(6))
    return (
        f"<html><head><title>Imam Sahib falls</title>{link}</head><body><article>"
        f"<h1>Imam Sahib falls</h1>{paragraphs}</article></body></html>"
    ).encode()


HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client(load_settings({})) as client:
        yield client


@pytest.fixture
def story(feed_server) -> str:  # type: ignore[no-untyped-def]
    feed_server.route("/story.html", body=article_html(), headers=HTML)
    return str(feed_server.url("/story.html"))


# -- addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.1.2.3", "10.1.2.3 is a private address"),
        ("172.16.5.4", "172.16.5.4 is a private address"),
        ("192.168.1.1", "192.168.1.1 is a private address"),
        ("127.0.0.1", "127.0.0.1 is a loopback address"),
        ("169.254.169.254", "169.254.169.254 is a link-local address"),
        ("224.0.0.1", "224.0.0.1 is a multicast address"),
        ("240.0.0.1", "240.0.0.1 is a reserved address"),
        ("0.0.0.0", "0.0.0.0 is an unspecified address"),
        ("100.64.0.1", "100.64.0.1 is a non-global address"),
        ("::1", "::1 is a loopback address"),
        ("fe80::1", "fe80::1 is a link-local address"),
        ("fd00::1", "fd00::1 is a private address"),
        ("ff02::1", "ff02::1 is a multicast address"),
        ("::", ":: is an unspecified address"),
        ("::ffff:10.0.0.1", "::ffff:10.0.0.1 is a private address (it embeds 10.0.0.1)"),
        ("::ffff:169.254.169.254", "::ffff:169.254.169.254 is a link-local address"),
        ("64:ff9b::a00:1", "64:ff9b::a00:1 is a private address (it embeds 10.0.0.1)"),
        ("2002:a00:1::", "2002:a00:1:: is a private address (it embeds 10.0.0.1)"),
    ],
)
def test_non_global_addresses_are_refused(address: str, reason: str) -> None:
    assert (address_refusal(address) or "").startswith(reason)


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "93.184.215.14", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"],
)
def test_global_addresses_pass(address: str) -> None:
    assert address_refusal(address) is None


def test_allow_networks_opens_exactly_their_range() -> None:
    allowed = parse_networks(["10.0.0.0/8", "::1/128", "127.0.0.1"])
    assert address_refusal("10.1.2.3", allowed) is None
    assert address_refusal("::ffff:10.1.2.3", allowed) is None
    assert address_refusal("11.0.0.1", allowed) is None  # global anyway
    assert address_refusal("172.16.0.1", allowed) == "172.16.0.1 is a private address"
    assert address_refusal("::1", allowed) is None
    assert address_refusal("127.0.0.1", allowed) is None
    assert address_refusal("127.0.0.2", allowed) == "127.0.0.2 is a loopback address"


# -- fetching -------------------------------------------------------------------------------


def test_loopback_page_is_refused_by_default_and_fetched_when_allowed(
    feed_server, story: str, client: httpx.Client
) -> None:
    refused = fetch_article(story, client)
    assert refused.error == "refused: 127.0.0.1 is a loopback address"
    assert refused.text is None and feed_server.requests["/story.html"] == 0
    page = fetch_article(story, client, allow_networks=LOOPBACK)
    assert page.error is None and page.text and "Imam Sahib" in page.text


def test_host_name_is_resolved_once_and_sent_as_host_header(
    feed_server, story: str, client: httpx.Client
) -> None:
    by_name = story.replace("127.0.0.1", "localhost")
    assert fetch_article(by_name, client).error == "refused: 127.0.0.1 is a loopback address"
    page = fetch_article(by_name, client, allow_networks=(*LOOPBACK, "::1/128"))
    assert page.error is None and page.text
    assert feed_server.last_headers["/story.html"]["Host"] == f"localhost:{feed_server.port}"


@pytest.mark.parametrize(
    ("location", "error"),
    [
        ("http://10.0.0.1/", "refused: 10.0.0.1 is a private address"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "refused: 169.254.169.254 is a link-local address",
        ),
        ("http://[::ffff:10.0.0.1]/", "refused: ::ffff:10.0.0.1 is a private address"),
        ("file:///etc/passwd", "refused: scheme 'file'"),
    ],
)
def test_redirect_to_a_refused_address_stops_at_that_hop(
    feed_server, story: str, client: httpx.Client, location: str, error: str
) -> None:
    feed_server.route("/jump", status=302, body=b"", headers={"Location": location})
    started = time.monotonic()
    page = fetch_article(feed_server.url("/jump"), client, allow_networks=LOOPBACK)
    # connecting to 10.0.0.1 would take the 5 s connect timeout; refusing takes nothing
    assert (page.error or "").startswith(error) and time.monotonic() - started < 1.0
    assert feed_server.requests["/jump"] == 1


def test_redirect_to_an_allowed_page_is_followed(
    feed_server, story: str, client: httpx.Client
) -> None:
    feed_server.route("/jump", status=301, body=b"", headers={"Location": "/story.html"})
    page = fetch_article(feed_server.url("/jump"), client, allow_networks=LOOPBACK)
    assert page.error is None and page.text and feed_server.requests["/story.html"] == 1


def test_at_most_five_redirects(feed_server, story: str, client: httpx.Client) -> None:
    for hop in range(4):  # r0 -> r1 -> r2 -> r3 -> r4 -> story: five redirects
        feed_server.route(f"/r{hop}", status=302, body=b"", headers={"Location": f"/r{hop + 1}"})
    feed_server.route("/r4", status=302, body=b"", headers={"Location": "/story.html"})
    five = fetch_article(feed_server.url("/r0"), client, allow_networks=LOOPBACK)
    assert five.error is None and five.text
    feed_server.route("/r4", status=302, body=b"", headers={"Location": "/r5"})
    feed_server.route("/r5", status=302, body=b"", headers={"Location": "/story.html"})
    six = fetch_article(feed_server.url("/r0"), client, allow_networks=LOOPBACK)
    assert six.error == "too many redirects (more than 5)"
    assert feed_server.requests["/r5"] == 1 and feed_server.requests["/story.html"] == 1


class _CountingHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.hits += 1  # type: ignore[attr-defined]
        body = article_html()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def _serve(host: str, tls: ssl.SSLContext | None = None) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, 0), _CountingHandler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.hits = 0  # type: ignore[attr-defined]
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    ).start()
    return server


@pytest.fixture
def other_loopback() -> Iterator[ThreadingHTTPServer]:
    """A page server on 127.0.0.2: loopback too, but outside 127.0.0.1/32."""
    server = _serve("127.0.0.2")
    yield server
    server.shutdown()
    server.server_close()


def test_other_loopback_address_is_refused_when_only_one_is_allowed(
    feed_server, other_loopback: ThreadingHTTPServer, client: httpx.Client
) -> None:
    url = f"http://127.0.0.2:{other_loopback.server_port}/story.html"
    page = fetch_article(url, client, allow_networks=LOOPBACK)
    assert page.error == "refused: 127.0.0.2 is a loopback address"
    feed_server.route("/jump", status=302, body=b"", headers={"Location": url})
    hop = fetch_article(feed_server.url("/jump"), client, allow_networks=LOOPBACK)
    assert hop.error == "refused: 127.0.0.2 is a loopback address"
    assert other_loopback.hits == 0  # type: ignore[attr-defined]
    wider = fetch_article(url, client, allow_networks=("127.0.0.0/8",))
    assert wider.error is None and wider.text
    assert other_loopback.hits == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/story.html", "file:///etc/passwd"])
def test_only_http_and_https_schemes(url: str, client: httpx.Client) -> None:
    scheme = url.split(":")[0]
    page = fetch_article(url, client, allow_networks=("0.0.0.0/0", "::/0"))
    assert page.error == f"refused: scheme {scheme!r}" and page.text is None


def test_bad_allow_networks_entry_is_an_error_not_an_exception(
    story: str, client: httpx.Client
) -> None:
    page = fetch_article(story, client, allow_networks=("not-a-cidr",))
    assert page.error == "refused: allow_networks entry 'not-a-cidr' is not a CIDR"


def test_byte_cap_still_applies(feed_server, story: str, client: httpx.Client) -> None:
    small = fetch_article(story, client, 100, allow_networks=LOOPBACK)
    assert small.error and "too large" in small.error
    assert fetch_article(story, client, 100_000, allow_networks=LOOPBACK).error is None


def test_cookies_last_one_fetch_and_are_not_kept_under_the_ip(
    feed_server, story: str, client: httpx.Client
) -> None:
    feed_server.route(
        "/consent",
        status=302,
        body=b"",
        headers={"Location": "/story.html", "Set-Cookie": "consent=yes; Path=/"},
    )
    page = fetch_article(feed_server.url("/consent"), client, allow_networks=LOOPBACK)
    assert page.error is None
    assert feed_server.last_headers["/story.html"]["Cookie"] == "consent=yes"
    assert list(client.cookies.jar) == []


def test_deadline_bounds_the_whole_page_fetch(feed_server, client: httpx.Client) -> None:
    feed_server.route("/slow.html", body=article_html(), headers=HTML, delay=1.5)
    started = time.monotonic()
    late = fetch_article(
        feed_server.url("/slow.html"), client, allow_networks=LOOPBACK, deadline=0.5
    )
    assert late.error == "timeout: no complete response within 0.5 s"
    assert time.monotonic() - started < 1.2
    page = fetch_article(feed_server.url("/slow.html"), client, allow_networks=LOOPBACK, deadline=5)
    assert page.error is None and page.text


# -- rel=canonical --------------------------------------------------------------------------


def test_canonical_on_another_outlet_is_dropped_same_site_is_kept(
    feed_server, client: httpx.Client
) -> None:
    feed_server.route(
        "/copied.html",
        body=article_html("https://www.othernews.example/2021/imam-sahib"),
        headers=HTML,
    )
    other_port = f"http://127.0.0.1:{feed_server.port + 1}/2021/imam-sahib"
    feed_server.route("/amp.html", body=article_html(other_port), headers=HTML)
    feed_server.route("/relative.html", body=article_html("/2021/imam-sahib"), headers=HTML)
    copied = fetch_article(feed_server.url("/copied.html"), client, allow_networks=LOOPBACK)
    assert copied.error is None and copied.text and copied.canonical_url is None
    amp = fetch_article(feed_server.url("/amp.html"), client, allow_networks=LOOPBACK)
    assert amp.canonical_url == other_port
    relative = fetch_article(feed_server.url("/relative.html"), client, allow_networks=LOOPBACK)
    assert relative.canonical_url == feed_server.url("/2021/imam-sahib")


def test_canonical_is_judged_against_the_url_asked_for_not_the_redirect_target(
    feed_server, client: httpx.Client
) -> None:
    # asked for localhost, redirected to 127.0.0.1 whose page names 127.0.0.1 as canonical:
    # a different registrable domain from the item link, so it is not believed
    canonical = feed_server.url("/2021/imam-sahib")
    feed_server.route("/page.html", body=article_html(canonical), headers=HTML)
    feed_server.route(
        "/moved", status=302, body=b"", headers={"Location": feed_server.url("/page.html")}
    )
    asked = feed_server.url("/moved").replace("127.0.0.1", "localhost")
    allowed = (*LOOPBACK, "::1/128")
    assert fetch_article(asked, client, allow_networks=allowed).canonical_url is None
    direct = fetch_article(feed_server.url("/moved"), client, allow_networks=allowed)
    assert direct.canonical_url == canonical


# -- https: the checked IP is dialled, the host name is used for SNI and the certificate ----


def _certificate(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for `name`, written as PEM cert and key files."""
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.mark.parametrize(("cert_name", "ok"), [("localhost", True), ("other.example", False)])
def test_https_page_uses_the_host_name_for_sni_and_certificate_check(
    tmp_path: Path, cert_name: str, ok: bool
) -> None:
    cert, key = _certificate(tmp_path, cert_name)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    seen_sni: list[str | None] = []
    tls.sni_callback = lambda _sock, name, _ctx: seen_sni.append(name)  # type: ignore[assignment,misc,return-value]
    server = _serve("127.0.0.1", tls)
    trust = ssl.create_default_context(cafile=str(cert))
    try:
        with httpx.Client(verify=trust, timeout=5) as client:
            page = fetch_article(
                f"https://localhost:{server.server_port}/story.html",
                client,
                allow_networks=(*LOOPBACK, "::1/128"),
            )
    finally:
        server.shutdown()
        server.server_close()
    assert seen_sni == ["localhost"]
    if ok:
        assert page.error is None and page.text and server.hits == 1  # type: ignore[attr-defined]
    else:
        assert page.error and "CERTIFICATE_VERIFY_FAILED" in page.error


def test_parse_networks_accepts_hosts_and_cidrs() -> None:
    assert parse_networks(["10.0.0.0/8", "::1"]) == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )
