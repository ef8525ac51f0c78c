"""Registrable domains from the bundled Public Suffix List (no network)."""

from __future__ import annotations

import pytest

from pipeline.domains import registrable_domain, same_site


@pytest.mark.parametrize(
    ("value", "domain"),
    [
        ("https://news.bbc.co.uk/world/asia", "bbc.co.uk"),
        ("news.bbc.co.uk", "bbc.co.uk"),
        ("https://www.reuters.com/world/", "reuters.com"),
        ("www.reuters.com", "reuters.com"),
        ("https://amp.reuters.com/x", "reuters.com"),
        ("HTTPS://WWW.Reuters.COM.:443/x", "reuters.com"),
        ("http://user:pw@www.tolonews.com:8080/a?b#c", "tolonews.com"),
        ("https://www.pajhwok.com.af/", "pajhwok.com.af"),
        ("https://kabul.blogspot.com/", "kabul.blogspot.com"),  # a private suffix
        ("https://Bücher.de/", "xn--bcher-kva.de"),
        ("https://amp.kabulwire.example/a", "kabulwire.example"),
        ("http://news.corp.lan/x", "corp.lan"),
        ("http://127.0.0.1:8080/x", "127.0.0.1"),
        ("10.0.0.1", "10.0.0.1"),
        ("http://[::1]:8080/", "::1"),
        ("::1", "::1"),
        ("localhost", "localhost"),
        ("http://localhost:9/", "localhost"),
        ("http://intranet/news", "intranet"),
    ],
)
def test_registrable_domain(value: str, domain: str) -> None:
    assert registrable_domain(value) == domain


@pytest.mark.parametrize("value", ["", "   ", "co.uk", "https://co.uk/", "com", "http://", "a b"])
def test_no_registrable_domain(value: str) -> None:
    assert registrable_domain(value) is None


def test_same_site() -> None:
    assert same_site("https://www.reuters.com/a", "https://amp.reuters.com/b")
    assert not same_site("https://www.reuters.com/a", "https://www.bbc.co.uk/b")
    assert same_site("https://news.bbc.co.uk/a", "https://www.bbc.co.uk/b")
    assert not same_site("https://bbc.co.uk/a", "https://bbc.com/a")
    assert not same_site("https://a.blogspot.com/", "https://b.blogspot.com/")
    assert not same_site("https://co.uk/", "https://co.uk/")  # no registrable domain at all
