"""Registrable domains ("eTLD+1"), to tell whether two URLs belong to the same site.

A page may name any URL as its rel=canonical; we only believe it when it stays on the
site the feed linked to. "Same site" needs the Public Suffix List (news.bbc.co.uk and
www.bbc.co.uk share bbc.co.uk, while a.blogspot.com and b.blogspot.com do not). The list
ships inside the `publicsuffixlist` package and is never downloaded at run time.
"""

from __future__ import annotations

import ipaddress
import re
from functools import cache

import httpx
from publicsuffixlist import PublicSuffixList

HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")


@cache
def _suffix_list() -> PublicSuffixList:
    """Parsed once per process (about 40 ms); the package's bundled copy of the list.

    accept_unknown=False, so that "intranet" is not mistaken for a top-level domain.
    """
    return PublicSuffixList(accept_unknown=False)


def host_of(url_or_host: str) -> str | None:
    """Lower-case ASCII (punycode) host of a URL or bare host name; None if there is none."""
    value = (url_or_host or "").strip()
    if not value:
        return None
    if _is_ip(value.strip("[]")):
        return ipaddress.ip_address(value.strip("[]")).compressed
    if "://" not in value:
        value = f"http://{value}"
    try:
        host = httpx.URL(value).raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return None
    host = host.lower().rstrip(".")
    if _is_ip(host):
        return ipaddress.ip_address(host).compressed
    return host if HOST_NAME.fullmatch(host) else None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def registrable_domain(url_or_host: str) -> str | None:
    """The registrable domain of a URL or host: news.bbc.co.uk -> bbc.co.uk.

    IP addresses and single-label hosts (localhost, intranet names) are their own site,
    and an unknown top-level domain counts as a public suffix (kabulwire.example); a bare
    public suffix (co.uk, com) or something that is not a host name gives None.
    """
    host = host_of(url_or_host)
    if host is None:
        return None
    if _is_ip(host):
        return ipaddress.ip_address(host).compressed
    suffixes = _suffix_list()
    if "." not in host:
        return None if suffixes.is_public(host) else host
    if suffixes.publicsuffix(host) is None:  # an unknown top-level domain (.lan, .example)
        return ".".join(host.split(".")[-2:])
    return suffixes.privatesuffix(host)


def same_site(first: str, second: str) -> bool:
    """True when both URLs (or hosts) have the same, known registrable domain."""
    domain = registrable_domain(first)
    return domain is not None and domain == registrable_domain(second)
