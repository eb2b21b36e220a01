"""The registry: one TOML file per outlet, collected automatically; every layout version of every
outlet reads its own saved page (tests/data/crawlers/<outlet>/layout-<valid_from>.*, written by
scripts/make_crawl_fixtures.py from the text put on the page) exactly; a layout without a page fails."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawlers.errors import OutletFileError, UnknownOutlet
from crawlers.extract import parse_page, parse_with
from crawlers.outlet import Outlet, load_outlet
from crawlers.registry import BUNDLED, OUTLETS, OUTLETS_DIR, load_registry

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "crawlers"
REQUIRED = {
    "huengaynay.vn",
    "hue.gov.vn",
    "tapchisonghuong.com.vn",
    "baodanang.vn",
    "baoquangtri.vn",
    "baovanhoa.vn",
    "vnexpress.net",
    "tuoitre.vn",
    "thanhnien.vn",
    "dantri.com.vn",
    "vietnamnet.vn",
    "nhandan.vn",
    "laodong.vn",
    "nld.com.vn",
    "tienphong.vn",
    "vov.vn",
    "cand.com.vn",
}
FIELDS = ("title", "sapo", "body", "authors", "published_at", "category", "tags")
LAYOUTS = [(outlet, version) for outlet in OUTLETS for version in outlet.parsers]


def test_the_registry_is_every_outlet_file_and_covers_the_hue_press() -> None:
    assert {outlet.name for outlet in OUTLETS} == {path.stem for path in OUTLETS_DIR.glob("*.toml")}
    assert {outlet.domain for outlet in OUTLETS} == REQUIRED
    scopes = {outlet.name: outlet.scope for outlet in OUTLETS}
    assert {name for name, scope in scopes.items() if scope == "local"} == {
        "huengaynay",
        "huegov",
        "songhuong",
    }
    assert {name for name, scope in scopes.items() if scope == "regional"} == {"baodanang", "baoquangtri"}


@pytest.mark.parametrize("outlet", OUTLETS, ids=lambda o: o.name)
def test_entries_are_complete(outlet: Outlet) -> None:
    assert outlet.language == "vi" and outlet.title and outlet.parsers
    assert outlet.feeds and outlet.sitemaps
    for url in (*outlet.feeds, *outlet.sitemaps):
        parts = urlsplit(url)
        assert parts.scheme == "https" and outlet.owns(parts.hostname or ""), url
    assert outlet.urls_checked is None  # nothing could be checked from the build machine: the files say so


@pytest.mark.parametrize(
    ("outlet", "version"), LAYOUTS, ids=lambda v: getattr(v, "name", None) or str(v.valid_from)
)
def test_each_layout_reads_its_saved_page(outlet: Outlet, version) -> None:  # type: ignore[no-untyped-def]
    stem = FIXTURES / outlet.name / f"layout-{version.valid_from.isoformat()}"
    assert stem.with_suffix(".json").exists(), f"{outlet.name} has no page of layout {version.valid_from}"
    case = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
    html = gzip.decompress(stem.with_suffix(".html.gz").read_bytes()).decode("utf-8")
    item = parse_page(html, case["url"])  # the URL alone picks the outlet, the page picks the layout
    assert item.parser == f"{outlet.name}@{version.valid_from.isoformat()}"
    parsed = item.article.model_dump(mode="json")
    for name in FIELDS:
        assert parsed[name] == case["expected"][name], f"{stem.name}: {name}"
    assert item.article.canonical_url == case["url"]
    if version.title and version.body:  # an outlet with selectors reads its own fields itself
        assert item.sources["title"] == item.sources["body"] == "selectors"


def test_every_saved_page_belongs_to_a_layout() -> None:
    known = {(outlet.name, f"layout-{v.valid_from.isoformat()}") for outlet, v in LAYOUTS}
    saved = {(path.parent.name, path.name.removesuffix(".json")) for path in FIXTURES.glob("*/layout-*.json")}
    assert saved == known


def test_parser_versions_are_chosen_by_date_and_host() -> None:
    hue = BUNDLED.get("huengaynay")
    assert hue.parser_for(date(2019, 5, 1)).valid_from == date(2015, 1, 1)
    assert hue.parser_for(datetime(2025, 1, 1)).valid_from == date(2024, 9, 1)
    assert hue.parser_for(None).valid_from == date(2024, 9, 1)
    assert hue.parser_for(None, "trt.com.vn").valid_from == date(2020, 1, 1)  # the TRT site's own layout


def test_an_old_layout_page_parses_with_the_dated_old_parser() -> None:
    hue = BUNDLED.get("huengaynay")
    html = """<html><body><div class="news-detail"><h1 class="title">Huế mở cửa Đại Nội về đêm</h1>
    <span class="date">20/05/2019 08:15</span>
    <div class="summary">TTH.VN - Du khách được tham quan Đại Nội buổi tối.</div>
    <div class="content"><p>Chương trình kéo dài đến tháng 9.</p><p>Vé tham quan không đổi.</p></div>
    <p class="author">Minh Văn</p></div></body></html>"""
    old = parse_with(hue, html, "https://baothuathienhue.vn/a.html").article
    assert old.title == "Huế mở cửa Đại Nội về đêm"
    assert old.sapo == "Du khách được tham quan Đại Nội buổi tối."
    assert old.body == "Chương trình kéo dài đến tháng 9.\n\nVé tham quan không đổi."
    assert old.authors == ["Minh Văn"]
    assert old.published_at is not None and old.published_at.isoformat() == "2019-05-20T08:15:00+07:00"


def test_hosts_map_to_outlets_including_mobile_and_alias_domains() -> None:
    assert BUNDLED.for_host("m.vnexpress.net") is BUNDLED.get("vnexpress")
    assert BUNDLED.for_host("baothuathienhue.vn") is BUNDLED.get("huengaynay")
    assert BUNDLED.for_host("trt.com.vn") is BUNDLED.get("huengaynay")  # one newsroom since 2025-07-01
    assert BUNDLED.for_host("thuathienhue.gov.vn") is BUNDLED.get("huegov")
    assert BUNDLED.for_host("evilvnexpress.net") is None
    assert BUNDLED.for_host("example.org") is None


def test_unknown_outlet_names_are_user_errors_listing_the_valid_ones() -> None:
    with pytest.raises(UnknownOutlet, match="vnexpress"):
        BUNDLED.select(["vnexprss"])
    assert [o.name for o in BUNDLED.select(["VnExpress", "huegov"])] == ["vnexpress", "huegov"]


NEW_OUTLET = """name = "baothuathienhue-test"
title = "Báo Thử"
scope = "local"
domain = "baothu.example"
feeds = ["https://baothu.example/rss.xml"]

[[layouts]]
valid_from = 2025-01-01
title = ["h1.tieu-de"]
body = ["div.noi-dung"]
"""


def test_an_administrators_folder_adds_and_replaces_outlets(tmp_path: Path) -> None:
    (tmp_path / "baothuathienhue-test.toml").write_text(NEW_OUTLET, encoding="utf-8")
    replaced = (
        (OUTLETS_DIR / "vov.toml")
        .read_text(encoding="utf-8")
        .replace('scope = "national"', 'scope = "regional"')
    )
    (tmp_path / "vov.toml").write_text(replaced, encoding="utf-8")
    registry = load_registry(tmp_path)
    assert registry.get("baothuathienhue-test").domain == "baothu.example"
    assert registry.get("vov").scope == "regional"
    assert len(registry.outlets) == len(OUTLETS) + 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('scope = "local"', 'scope = "city"'), "scope: Input should be 'local', 'regional' or 'national'"),
        (("valid_from = 2025-01-01", "valid_from = 2025-13-01"), "not a readable TOML file"),
        (
            ('title = ["h1.tieu-de"]', 'titel = ["h1.tieu-de"]'),
            "layouts.0.titel: Extra inputs are not permitted",
        ),
        (('name = "baothuathienhue-test"', 'name = "other"'), "must match the file name"),
    ],
)
def test_a_bad_outlet_file_names_the_file_and_the_key(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = tmp_path / "baothuathienhue-test.toml"
    path.write_text(NEW_OUTLET.replace(*change), encoding="utf-8")
    with pytest.raises(OutletFileError, match=r"baothuathienhue-test\.toml") as raised:
        load_outlet(path)
    assert message in str(raised.value) and raised.value.exit_code == 2


def test_two_outlets_cannot_own_one_domain(tmp_path: Path) -> None:
    (tmp_path / "copy.toml").write_text(
        NEW_OUTLET.replace("baothuathienhue-test", "copy")
        .replace("baothu.example", "vnexpress.net")
        .replace("https://vnexpress.net/rss.xml", "https://vnexpress.net/rss/x.rss"),
        encoding="utf-8",
    )
    with pytest.raises(OutletFileError, match=r"vnexpress\.net belongs to both"):
        load_registry(tmp_path)


def test_a_listing_page_yields_the_outlets_article_links_only() -> None:
    tuoitre = BUNDLED.get("tuoitre")
    hrefs = [
        "/",
        "/thoi-su.htm",
        "/tag/hue",
        "/hue-mo-cua-dai-noi-ve-dem-20260000123456.htm",
        "https://tuoitre.vn/hue-mo-cua-dai-noi-ve-dem-20260000123456.htm#comments",
        "https://m.tuoitre.vn/le-hoi-hue-2026-20260000654321.htm",
        "https://vnexpress.net/hue-mo-cua-4123456.html",
        "javascript:void(0)",
        "?page=2",
    ]
    assert tuoitre.article_links_in("https://tuoitre.vn/hue.html", hrefs) == [
        "https://tuoitre.vn/hue-mo-cua-dai-noi-ve-dem-20260000123456.htm",
        "https://m.tuoitre.vn/le-hoi-hue-2026-20260000654321.htm",
    ]
