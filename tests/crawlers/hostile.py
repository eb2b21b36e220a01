"""A deliberately hostile news site on 127.0.0.1: errors, slow and huge pages, loops, bad charsets,
malformed feeds, duplicate URLs and links to private addresses."""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
import unicodedata
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from crawlers.outlet import Outlet, ParserVersion

TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
HUGE_BYTES = 50 * 1024 * 1024
CHUNK = b"<p>" + ("Huế " * 16_000).encode() + b"</p>\n"


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 as legacy Vietnamese sites wrote it: base letters precomposed, tone marks combining."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in decomposed if c in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
        out += (base + tones).encode("cp1258")
    return bytes(out)


def page(
    title: str, sapo: str, paragraphs: list[str], *, charset: str | None = "utf-8", canonical: str = ""
) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    heading = f'<h1 class="title">{title}</h1>' if title else ""
    return (
        f"<html><head>{meta}{link}<title>{title}</title></head><body>{heading}"
        f'<time class="pub">26/10/2026 08:30</time><div class="sapo">{sapo}</div>'
        f'<div class="body">{body}</div><span class="by">Bài và ảnh: Minh Tâm - Hoài Thu</span></body></html>'
    )


TITLE = "Thừa Thiên Huế khắc phục hậu quả mưa lũ"
SAPO = "Chính quyền thành phố Huế huy động lực lượng giúp người dân vùng thấp trũng dọn dẹp sau lũ."
BODY = [
    "Nước sông Hương đã rút, nhiều tuyến đường ở phường Phú Hội vẫn còn bùn đất.",
    "Ngành y tế tổ chức phun thuốc khử trùng, phòng dịch bệnh sau mưa lũ cho các khu dân cư.",
]
LEGACY_TITLE = "Đờn ca Huế trên sông Hương mùa lễ hội"
LEGACY_BODY = ["Nghệ nhân và du khách cùng thưởng thức những làn điệu ca Huế truyền thống trên thuyền rồng."]


class _Handler(BaseHTTPRequestHandler):
    server: HostileServer
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:
        """Silence: the test reads `hits`."""

    def _send(
        self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", **headers: str
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        self.server.hits[path] = self.server.hits.get(path, 0) + 1
        base = self.server.base_url
        handler = getattr(
            self, "route_" + path.strip("/").replace("-", "_").replace(".", "_").replace("/", "__"), None
        )
        if handler is None:
            self._send(404, "<html><body>Không tìm thấy</body></html>".encode())
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the crawler hung up: a size limit
            handler(base)

    # discovery -------------------------------------------------------------------------------
    def route_robots_txt(self, base: str) -> None:
        self._send(200, b"User-agent: *\nDisallow: /forbidden\n", "text/plain")

    def route_feed_rss(self, base: str) -> None:
        links = [
            "/ok",
            "/ok?utm_source=facebook&utm_medium=social",
            "/amp/ok",
            "/mirror",
            "/ok-print",
            "/missing",
            "/error500",
            "/slow",
            "/loop",
            "/binary",
            "/huge",
            "/huge-declared",
            "/legacy",
            "/legacy-undeclared",
            "/legacy-mislabelled",
            "/utf8-mislabelled",
            "/notitle",
            "/nobody",
            "/forbidden",
            "/redirect-private",
        ]
        items = [f"{base}{link}" for link in links] + [
            f"http://localhost:{self.server.port}/secret",
            f"http://[::1]:{self.server.port}/secret",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.255.255.1/intranet",
        ]
        items.append(f"{base}/nodate")
        xml = "".join(
            f"<item><title>t{i}</title><link>{url.replace('&', '&amp;')}</link>"
            + ("<pubDate>Mon, 26 Oct 2026 08:30:00 +0700</pubDate>" if url.endswith("/nodate") else "")
            + "</item>"
            for i, url in enumerate(items)
        )
        head = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>h</title>'
        body = f"{head}{xml}</channel></rss>"
        self._send(200, body.encode(), "application/rss+xml")

    def route_local_feed_rss(self, base: str) -> None:
        link = f"http://localhost:{self.server.port}/secret"
        item = f"<item><link>{link}</link></item>"
        body = f'<?xml version="1.0"?><rss version="2.0"><channel>{item}</channel></rss>'
        self._send(200, body.encode(), "application/rss+xml")

    def route_broken_rss(self, base: str) -> None:
        # an unescaped "&" and a document cut off mid-tag
        body = (
            '<?xml version="1.0"?><rss><channel><item><title>Lũ & mưa</title>'
            f"<link>{base}/recovered</link></item><item><title"
        )
        self._send(200, body.encode(), "application/rss+xml")

    def route_sitemap_xml_gz(self, base: str) -> None:
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{base}/from-sitemap</loc></url><url><loc>{base}/ok</loc></url></urlset>"
        )
        self._send(200, gzip.compress(xml.encode()), "application/x-gzip")

    def route_garbage_sitemap_xml(self, base: str) -> None:
        self._send(200, b"\x00\x01 this is not XML at all", "application/xml")

    # articles --------------------------------------------------------------------------------
    def route_ok(self, base: str) -> None:
        self._send(200, page(TITLE, SAPO, BODY, canonical=f"{base}/ok").encode())

    def route_amp__ok(self, base: str) -> None:
        self._send(200, page(TITLE, SAPO, BODY).encode())

    def route_from_sitemap(self, base: str) -> None:
        text = ["Trang chỉ có trong sơ đồ trang web nén gzip, không có trong nguồn tin RSS của báo."]
        self._send(200, page("Tin chỉ có trong sitemap", "Tóm tắt tin sitemap về Huế.", text).encode())

    def route_nodate(self, base: str) -> None:
        html = page(
            "Tin không ghi ngày đăng",
            "Bài này không in ngày giờ đăng trên trang.",
            ["Trang không in ngày đăng, nên ngày đăng được lấy từ mục RSS của bài."],
        )
        self._send(200, html.replace('<time class="pub">26/10/2026 08:30</time>', "").encode())

    def route_ok_print(self, base: str) -> None:
        self._send(200, page(TITLE, SAPO, BODY, canonical=f"{base}/ok").encode())

    def route_mirror(self, base: str) -> None:
        self._send(200, page(TITLE, SAPO, BODY).encode())

    def route_recovered(self, base: str) -> None:
        self._send(
            200,
            page(
                "Tin từ feed lỗi định dạng",
                SAPO + " Bản tin khác.",
                ["Nội dung riêng của bản tin này, đủ dài để được lưu lại."],
            ).encode(),
        )

    def route_error500(self, base: str) -> None:
        self._send(500, b"<html>Internal Server Error</html>")

    def route_slow(self, base: str) -> None:
        time.sleep(self.server.slow_seconds)
        self._send(200, page("Chậm", SAPO, BODY).encode())

    def route_loop(self, base: str) -> None:
        self._send(302, b"", Location=f"{base}/loop2")

    def route_loop2(self, base: str) -> None:
        self._send(302, b"", Location=f"{base}/loop")

    def route_binary(self, base: str) -> None:
        self._send(200, b"%PDF-1.4\n" + bytes(range(256)) * 40, "application/pdf")

    def route_huge(self, base: str) -> None:
        # No Content-Length: the crawler only learns the size while reading; streamed, never held.
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(b"<html><body><h1 class='title'>To</h1><div class='body'>")
        sent = 0
        while sent < HUGE_BYTES:
            self.wfile.write(CHUNK)
            sent += len(CHUNK)
        self.wfile.write(b"</div></body></html>")

    def route_huge_declared(self, base: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(HUGE_BYTES))
        self.end_headers()
        sent = 0
        while sent < HUGE_BYTES:
            self.wfile.write(CHUNK)
            sent += len(CHUNK)

    def route_legacy(self, base: str) -> None:
        html = page(LEGACY_TITLE, "Lễ hội " + SAPO, LEGACY_BODY, charset="windows-1258")
        self._send(200, encode_cp1258(html), "text/html; charset=windows-1258")

    def route_legacy_undeclared(self, base: str) -> None:
        html = page(
            LEGACY_TITLE + " (2)",
            "Bản hai. " + SAPO,
            [*LEGACY_BODY, "Bản không khai báo bảng mã."],
            charset=None,
        )
        self._send(200, encode_cp1258(html), "text/html")

    def route_legacy_mislabelled(self, base: str) -> None:
        html = page(
            LEGACY_TITLE + " (3)",
            "Bản ba. " + SAPO,
            [*LEGACY_BODY, "Bản khai sai bảng mã."],
            charset="iso-8859-1",
        )
        self._send(200, encode_cp1258(html), "text/html; charset=iso-8859-1")

    def route_utf8_mislabelled(self, base: str) -> None:
        html = page(
            "Huế đón mưa lớn đầu mùa",
            "Mưa lớn kéo dài. " + SAPO,
            ["Trang UTF-8 nhưng khai báo windows-1252 ở tiêu đề HTTP."],
        )
        self._send(200, html.encode("utf-8"), "text/html; charset=windows-1252")

    def route_notitle(self, base: str) -> None:
        self._send(
            200, page("", SAPO, ["Bài không có tiêu đề thì không phải là một bài báo hoàn chỉnh."]).encode()
        )

    def route_nobody(self, base: str) -> None:
        self._send(200, page("Bài không có nội dung", SAPO, []).encode())

    def route_forbidden(self, base: str) -> None:
        self._send(200, page("Cấm", SAPO, BODY).encode())

    def route_redirect_private(self, base: str) -> None:
        self._send(302, b"", Location=f"http://localhost:{self.server.port}/secret")

    def route_secret(self, base: str) -> None:
        self._send(
            200,
            page(
                "Bí mật nội bộ",
                SAPO,
                ["Trang nội bộ: chỉ được thu thập khi cấu hình cho phép địa chỉ riêng."],
            ).encode(),
        )


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the crawler opens many connections at once

    def __init__(self, slow_seconds: float = 3.0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: dict[str, int] = {}
        self.slow_seconds = slow_seconds
        self.port = int(self.server_address[1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.shutdown()
        self.server_close()

    def outlet(self) -> Outlet:
        return Outlet(
            name="hostile",
            title="Báo Thử Thách",
            scope="local",
            domain="127.0.0.1",
            feeds=(f"{self.base_url}/feed.rss", f"{self.base_url}/broken.rss"),
            sitemaps=(f"{self.base_url}/sitemap.xml.gz", f"{self.base_url}/garbage-sitemap.xml"),
            layouts=(
                ParserVersion(
                    valid_from=date(2020, 1, 1),
                    title=("h1.title",),
                    sapo=("div.sapo",),
                    body=("div.body",),
                    paragraphs="p",
                    authors=("span.by",),
                    published=("time.pub",),
                ),
            ),
        )
