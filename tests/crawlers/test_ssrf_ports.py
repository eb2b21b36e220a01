"""Issue 11 item 11: the private-address allow-list holds host:port pairs (a bare host: only on its
outlets' own ports), a host is resolved once and the connection goes to the address checked, and a
host that does not resolve is refused."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from twisted.internet import reactor

from crawlers.middlewares import PinnedResolver
from crawlers.runner import crawl_outlets
from crawlers.urls import allowed_pairs, blocked_reason, pin, pinned
from tests.crawlers.conftest import make_settings
from tests.crawlers.hostile import HostileServer


def test_a_bare_host_is_allowed_only_on_its_outlets_ports() -> None:
    pairs = allowed_pairs(["127.0.0.1"], ["http://127.0.0.1:8123/feed.rss"])
    assert blocked_reason("http://127.0.0.1:8123/article-1.html", pairs) is None
    assert blocked_reason("http://127.0.0.1:6379/", pairs) is not None  # another local service
    assert blocked_reason("http://127.0.0.1/", pairs) is not None
    explicit = allowed_pairs(["127.0.0.1:9200", "[::1]:8080", "localhost:80"], [])
    assert explicit == frozenset({"127.0.0.1:9200", "::1:8080", "localhost:80"})
    assert blocked_reason("http://127.0.0.1:9200/_cat", explicit) is None
    assert blocked_reason("http://127.0.0.1:9201/_cat", explicit) is not None
    assert blocked_reason("http://[::1]:8080/x", explicit) is None
    assert blocked_reason("http://localhost/x", explicit) is None


def test_an_unresolvable_host_is_refused() -> None:
    reason = blocked_reason("http://no-such-host.invalid/feed.rss", frozenset())
    assert reason is not None and "does not resolve" in reason


def test_the_connection_goes_to_the_address_checked() -> None:
    pairs = allowed_pairs(["localhost:8123"], [])
    assert blocked_reason("http://localhost:8123/", pairs) is None
    assert pinned("localhost") in ("127.0.0.1", "::1")  # what the guard checked
    pin("localhost", "127.0.0.9")  # whatever DNS says later, the crawler uses the checked address
    resolver = PinnedResolver(reactor, 100, 5.0)
    got: list[Any] = []
    resolver.getHostByName("localhost").addCallback(got.append)
    assert got == ["127.0.0.9"]
    pin("localhost", "127.0.0.1")


class Service:
    """Another local service (e.g. a database console) that a feed link must not reach."""

    def __init__(self, body: bytes = b"<html><h1>internal</h1></html>") -> None:
        self.hits: list[str] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                service.hits.append(self.path)
                self.send_response(200)
                self.send_header(
                    "Content-Type", "text/html" if "rss" not in self.path else "application/rss+xml"
                )
                self.end_headers()
                self.wfile.write(service.body(self.path))

            def log_message(self, *args: Any) -> None:
                return

        self.links: list[str] = []
        self._body = body
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def body(self, path: str) -> bytes:
        if path.endswith(".rss"):
            items = "".join(f"<item><title>t</title><link>{link}</link></item>" for link in self.links)
            return f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()
        return self._body

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def services() -> Iterator[tuple[Service, Service]]:
    feed, internal = Service(), Service()
    feed.links = [f"http://127.0.0.1:{internal.port}/admin-123456.html"]
    yield feed, internal
    feed.close()
    internal.close()


def test_a_feed_link_to_another_local_port_is_not_fetched(
    tmp_path: Path, services: tuple[Service, Service]
) -> None:
    feed, internal = services
    with HostileServer() as template:
        outlet = template.outlet().model_copy(
            update={"feeds": (f"http://127.0.0.1:{feed.port}/feed.rss",), "sitemaps": ()}
        )
    summary = crawl_outlets(make_settings(tmp_path / "a"), [outlet])  # 127.0.0.1 allowed, as the demo does
    assert any(path.endswith("feed.rss") for path in feed.hits)
    assert internal.hits == []
    assert summary.errors_by_reason.get("ssrf_blocked") == 1
    allowed = crawl_outlets(  # the positive control: that pair allowed explicitly is fetched
        make_settings(tmp_path / "b", allow_private_hosts=["127.0.0.1", f"127.0.0.1:{internal.port}"]),
        [outlet],
    )
    assert "/admin-123456.html" in internal.hits
    assert "ssrf_blocked" not in allowed.errors_by_reason
