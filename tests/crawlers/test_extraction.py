# ruff: noqa: E501  (a realistic HTML page, one paragraph per line)
"""Charset decoding and the generic parser (trafilatura + the sapo rule) on pages of unknown layout."""

from __future__ import annotations

import json
from pathlib import Path

from crawlers.decode import decode_html
from crawlers.extract import GENERIC, parse_page
from tests.crawlers.hostile import encode_cp1258
from vigil.snapshots import EXPECTED_DIR, SITES_DIR

TEXT = "Thừa Thiên Huế: người dân phường Phú Hội đón Tết Nguyên đán"


def test_windows_1258_decodes_to_nfc_whether_declared_missing_or_mislabelled() -> None:
    legacy = encode_cp1258(f"<html><body><p>{TEXT}</p></body></html>")
    assert len(legacy) != len(TEXT.encode("cp1258", errors="ignore"))  # tone marks really are combining
    for content_type in (
        "text/html; charset=windows-1258",
        "text/html",
        "text/html; charset=iso-8859-1",
        None,
    ):
        text, codec = decode_html(legacy, content_type)
        assert TEXT in text and codec == "cp1258", content_type


def test_meta_charset_is_read_when_the_header_has_none() -> None:
    body = b'<html><head><meta charset="windows-1258"></head>' + encode_cp1258(f"<p>{TEXT}</p>") + b"</html>"
    text, codec = decode_html(body, "text/html")
    assert TEXT in text and codec == "cp1258"


def test_utf8_bytes_win_over_a_wrong_declaration() -> None:
    text, codec = decode_html(TEXT.encode("utf-8"), "text/html; charset=windows-1252")
    assert text == TEXT and codec == "utf-8"


def test_an_unknown_charset_name_falls_back_to_windows_1258() -> None:
    text, codec = decode_html(encode_cp1258(TEXT), "text/html; charset=x-no-such-charset")
    assert text == TEXT and codec == "cp1258"


UNKNOWN_LAYOUT = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<title>Huế: Khai mạc Festival Nghề truyền thống | Báo Địa Phương</title>
<meta name="description" content="Festival Nghề truyền thống Huế năm nay quy tụ hàng trăm nghệ nhân từ khắp cả nước.">
<meta property="article:published_time" content="2026-06-12T19:30:00+07:00">
<link rel="canonical" href="https://baodiaphuong.example/festival-nghe.html">
</head><body><nav><a href="/">Trang chủ</a> <a href="/van-hoa">Văn hóa</a></nav>
<div class="khung-bai"><h1>Huế: Khai mạc Festival Nghề truyền thống</h1>
<div class="lead-text">Festival Nghề truyền thống Huế năm nay quy tụ hàng trăm nghệ nhân từ khắp cả nước.</div>
<div class="noi-dung">
<p>Tối 12/6, tại Quảng trường Ngọ Môn, UBND thành phố Huế tổ chức lễ khai mạc Festival Nghề truyền thống với sự tham gia của đông đảo người dân và du khách.</p>
<p>Trong khuôn khổ festival, nhiều hoạt động trình diễn nghề nón lá, đúc đồng, thêu truyền thống được tổ chức tại các phố đi bộ và làng nghề ven sông Hương.</p>
<p>Ban tổ chức cho biết festival kéo dài đến hết ngày 16/6 với hơn 50 hoạt động văn hóa, nghệ thuật đặc sắc phục vụ miễn phí người dân.</p>
</div></div><footer><p>Bản quyền thuộc về Báo Địa Phương.</p></footer></body></html>"""


def test_generic_parser_recovers_title_sapo_body_and_date_on_an_unknown_layout() -> None:
    item = parse_page(UNKNOWN_LAYOUT, "https://baodiaphuong.example/festival-nghe.html")
    article = item.article
    assert item.parser == GENERIC
    assert item.sources == {
        "title": "generic",
        "sapo": "meta",
        "body": "generic",
        "published_at": "meta",
    }
    assert article.outlet == "baodiaphuong.example"
    assert article.title == "Huế: Khai mạc Festival Nghề truyền thống"
    assert (
        article.sapo == "Festival Nghề truyền thống Huế năm nay quy tụ hàng trăm nghệ nhân từ khắp cả nước."
    )
    paragraphs = article.body.split("\n\n")
    assert paragraphs[0].startswith("Tối 12/6, tại Quảng trường Ngọ Môn")
    assert paragraphs[-1].endswith("phục vụ miễn phí người dân.")
    assert "Bản quyền" not in article.body and article.sapo not in article.body
    assert (
        article.published_at is not None and article.published_at.isoformat() == "2026-06-12T19:30:00+07:00"
    )
    assert article.canonical_url == "https://baodiaphuong.example/festival-nghe.html"


def test_generic_parser_reads_an_outlet_page_saved_under_an_unknown_domain() -> None:
    case = json.loads((EXPECTED_DIR / "tuoitre.json").read_text(encoding="utf-8"))[0]
    html = (Path(SITES_DIR) / case["file"]).read_text(encoding="utf-8")
    item = parse_page(html, "https://mirror.example/bai-viet.html")
    article = item.article
    assert item.parser == GENERIC
    assert article.title == case["expected"]["title"]
    assert case["expected"]["sapo"].startswith(article.sapo)  # the meta description: 160 characters
    # the body paragraphs come through (the related-news box is boilerplate to trafilatura as well)
    assert case["expected"]["body"].split("\n\n")[0] in article.body


def test_json_ld_date_is_used_when_the_page_prints_none() -> None:
    html = UNKNOWN_LAYOUT.replace(
        '<meta property="article:published_time" content="2026-06-12T19:30:00+07:00">',
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2026-06-12T12:30:00Z"}</script>',
    )
    article = parse_page(html, "https://baodiaphuong.example/festival-nghe.html").article
    assert article.published_at is not None
    assert article.published_at.isoformat() == "2026-06-12T12:30:00+00:00"


def test_a_future_date_on_the_page_is_not_trusted() -> None:
    html = UNKNOWN_LAYOUT.replace("2026-06-12T19:30:00+07:00", "2099-01-01T00:00:00+07:00")
    assert parse_page(html, "https://baodiaphuong.example/festival-nghe.html").article.published_at is None
