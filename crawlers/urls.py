"""URL rules: canonical article URLs, snapshot mapping, and the SSRF address check."""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Parameters that identify a campaign or a click, never an article.
TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|zarsrc|zalo_\w+|gidzl|_ga|mc_cid|mc_eid|ref|refer|src|source|"
    r"cmp|itm_\w+|vn_source|vn_medium|vn_campaign)$",
    re.I,
)
_MOBILE_HOST = re.compile(r"^(?:m|amp|mobile|www)\.", re.I)


def canonical_url(url: str) -> str:
    """One URL per article: https, no `www.`/`m.`/`amp.` host prefix, no AMP path or suffix,
    no tracking parameters or fragment, sorted query."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    while _MOBILE_HOST.match(host) and host.count(".") > 1:
        host = _MOBILE_HOST.sub("", host, count=1)
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    scheme = "https" if parts.scheme in ("http", "https") and not parts.port else parts.scheme
    path = re.sub(r"/amp(?=/|$)", "", parts.path) or "/"
    path = re.sub(r"\.amp(?=\.html?$|$)", "", path)
    path = re.sub(r"(?<=\.html)/amp$|(?<=\.htm)/amp$", "", path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k)]
    query = [
        (k, v)
        for k, v in query
        if not (k.lower() == "amp" or (k.lower() == "outputtype" and v.lower() == "amp"))
    ]
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))


def to_fetch_url(public_url: str, base_url: str | None, owned: bool) -> str:
    """Where to fetch `public_url`: itself, or under the snapshot server for an outlet's domain."""
    if not base_url or not owned:
        return public_url
    parts = urlsplit(public_url)
    host = (parts.hostname or "").lower()
    rest = parts.path or "/"
    if parts.query:
        rest += "?" + parts.query
    return f"{base_url.rstrip('/')}/{host}{rest}"


@lru_cache(maxsize=4096)
def _resolve(host: str) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return ()
    return tuple(sorted({str(info[4][0]) for info in infos}))


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


PIN_SECONDS = 300.0
_PINNED: dict[str, tuple[str, float]] = {}  # host → (the address checked, until when it is used)


def pin(host: str, address: str) -> None:
    """The crawler connects to `host` at `address`, the address the guard checked (no second lookup,
    so no DNS-rebinding window between the check and the connection)."""
    if len(_PINNED) > 10_000:
        _PINNED.clear()
    _PINNED[host.lower()] = (address, time.monotonic() + PIN_SECONDS)


def pinned(host: str) -> str | None:
    found = _PINNED.get(host.lower())
    if found is None or found[1] < time.monotonic():
        return None
    return found[0]


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return (parts.hostname or "").lower(), port or (443 if parts.scheme == "https" else 80)


def allowed_pairs(entries: Iterable[str], own_urls: Iterable[str]) -> frozenset[str]:
    """The `host:port` pairs that may be private. An entry `host:port` (`[::1]:8080`) allows that pair;
    a bare `host` allows it only on the ports the outlets' own URLs (feeds, sitemaps, listings) use,
    so allowing 127.0.0.1 for the snapshot server does not open every local service to a feed link."""
    pairs: set[str] = set()
    bare: set[str] = set()
    for entry in entries:
        text = entry.strip().lower()
        host, port = host_port(f"http://{text}/")
        if re.search(r":\d+$", text):
            pairs.add(f"{host}:{port}")
        else:
            bare.add(host)
    ports = {host_port(url)[1] for url in own_urls}
    pairs.update(f"{host}:{port}" for host in bare for port in ports)
    return frozenset(pairs)


def blocked_reason(url: str, allowed: frozenset[str]) -> str | None:
    """Why `url` must not be fetched (a private, loopback, link-local or reserved target, or a host
    that does not resolve), or None; the address checked is pinned for the connection (see `pin`).

    `allowed` holds `host:port` pairs (see `allowed_pairs`), or bare hosts (any port), matched as
    written in the URL: "localhost" or "[::1]" stay blocked when 127.0.0.1 is allowed.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"scheme {parts.scheme!r} is not fetched"
    host, port = host_port(url)
    if not host:
        return "no host"
    try:
        addresses: tuple[str, ...] = (str(ipaddress.ip_address(host)),)
    except ValueError:
        addresses = _resolve(host)
        if not addresses:
            return f"{host} does not resolve"
    if f"{host}:{port}" in allowed or host in allowed:
        pin(host, addresses[0])
        return None
    for address in addresses:
        if not is_public_address(address):
            return f"{host} resolves to non-public address {address}"
    pin(host, addresses[0])
    return None
