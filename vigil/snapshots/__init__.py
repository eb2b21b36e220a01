"""Bundled snapshot sites of the registry's outlets, served on 127.0.0.1 for tests, the bench and the demo.

Each outlet lives under `/<domain>/…` of one local server (`SnapshotSite().base_url`); the crawler,
given that base URL, maps `https://<domain>/path` to `<base_url>/<domain>/path`. `/robots.txt` merges
every outlet's robots.txt under its prefix. Feeds answer conditional GETs (ETag, Last-Modified).
`extra_pages=N` adds N generated article pages (listed in the outlets' news sitemaps) for the bench.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from vigil.snapshots.bench_pages import add_bench_pages

SITES_DIR = Path(__file__).with_name("sites")
EXPECTED_DIR = Path(__file__).with_name("expected")
LAST_MODIFIED = formatdate(1_790_000_000, usegmt=True)


@dataclass(frozen=True)
class Resource:
    body: bytes
    content_type: str
    etag: str


def _resource(body: bytes, content_type: str) -> Resource:
    return Resource(body, content_type, '"' + hashlib.sha256(body).hexdigest()[:16] + '"')


def load_routes(extra_pages: int = 0) -> dict[str, Resource]:
    """Every served path (`/<domain>/<path>`) with its bytes."""
    routes: dict[str, Resource] = {}
    robots = ["User-agent: *"]
    for site in sorted(p for p in SITES_DIR.iterdir() if p.is_dir()):
        table = json.loads((site / "routes.json").read_text(encoding="utf-8"))
        for path, entry in table.items():
            body = (site / entry["file"]).read_bytes()
            if path == "/robots.txt":
                for line in body.decode().splitlines():
                    if line.lower().startswith(("disallow:", "allow:")):
                        key, _, value = line.partition(":")
                        robots.append(f"{key}: /{site.name}{value.strip()}")
                continue
            routes[f"/{site.name}{path}"] = _resource(body, entry["type"])
    routes["/robots.txt"] = _resource(("\n".join(robots) + "\n").encode(), "text/plain; charset=utf-8")
    if extra_pages:
        add_bench_pages(routes, extra_pages, _resource)
    return routes


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        resource = self.server.routes.get(path)
        self.server.hits[path] = self.server.hits.get(path, 0) + 1
        if resource is None:
            self._send(404, b"not found", "text/plain")
            return
        if self.headers.get("If-None-Match") == resource.etag or (
            self.headers.get("If-Modified-Since") == LAST_MODIFIED and "rss" in resource.content_type
        ):
            self.send_response(304)
            self.send_header("ETag", resource.etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(200, resource.body, resource.content_type, resource.etag)

    def _send(self, status: int, body: bytes, content_type: str, etag: str = "") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", LAST_MODIFIED)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests and the bench read `hits` instead of a request log."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the crawler opens many connections at once; a full backlog drops SYNs
    routes: dict[str, Resource]
    hits: dict[str, int]


class SnapshotSite:
    """Context manager serving the snapshot outlets on 127.0.0.1 on a free port."""

    def __init__(self, extra_pages: int = 0) -> None:
        self.extra_pages = extra_pages
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("SnapshotSite is not started: use it in a `with` block")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def hits(self) -> dict[str, int]:
        """Requests served per path (robots.txt obedience and conditional GETs are checked with it)."""
        return dict(self._server.hits) if self._server else {}

    def start(self) -> SnapshotSite:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.routes = load_routes(self.extra_pages)
        server.hits = {}
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="snapshot-site", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SnapshotSite:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
