"""The registry: every outlet's newest parser reads its snapshot pages exactly (expected JSON written
by scripts/make_crawl_fixtures.py from the text put on the page); an outlet without a snapshot fails."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawlers.errors import UnknownOutlet
from crawlers.extract import parse_page, parse_with
from crawlers.registry import OUTLETS, get_outlet, outlet_for_host, select_outlets
from crawlers.snapshots import EXPECTED_DIR, SITES_DIR

REQUIRED = {
    "huengaynay.vn",
    "trt.com.vn",
    "hue.gov.vn",
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
FIELDS = ("title", "sapo", "body", "authors", "published_at", "section", "tags")


def test_the_registry_covers_the_outlets_read_in_hue() -> None:
    assert len(OUTLETS) >= 15
    assert {outlet.domain for outlet in OUTLETS} >= REQUIRED
    assert len({outlet.name for outlet in OUTLETS}) == len(OUTLETS)
    assert {outlet.name for outlet in OUTLETS if outlet.scope == "local"} >= {"huengaynay", "trt", "huegov"}


@pytest.mark.parametrize("outlet", OUTLETS, ids=lambda o: o.name)
def test_entries_are_complete(outlet) -> None:  # type: ignore[no-untyped-def]
    assert outlet.language == "vi" and outlet.title and outlet.parsers
    assert outlet.feeds and outlet.sitemaps
    for url in (*outlet.feeds, *outlet.sitemaps):
        parts = urlsplit(url)
        assert parts.scheme == "https" and outlet.owns(parts.hostname or ""), url


@pytest.mark.parametrize("outlet", OUTLETS, ids=lambda o: o.name)
def test_parser_output_matches_the_expected_json(outlet) -> None:  # type: ignore[no-untyped-def]
    expected_file = EXPECTED_DIR / f"{outlet.name}.json"
    assert expected_file.exists(), f"{outlet.name} has no snapshot: run scripts/make_crawl_fixtures.py"
    cases = json.loads(expected_file.read_text(encoding="utf-8"))
    assert len(cases) >= 4
    for case in cases:
        html = (SITES_DIR / case["file"]).read_text(encoding="utf-8")
        parsed = parse_with(outlet, html, case["url"]).model_dump(mode="json")
        for field in FIELDS:
            assert parsed[field] == case["expected"][field], f"{outlet.name} {case['file']}: {field}"
        assert parsed["canonical_url"] == case["url"]
        # The domain alone picks the same parser, as `vigil crawl parse` does.
        assert parse_page(html, case["url"]).parser == parsed["parser"]


def test_snapshot_sites_exist_only_for_registry_outlets() -> None:
    domains = {path.name for path in SITES_DIR.iterdir() if path.is_dir()}
    assert domains == {outlet.domain for outlet in OUTLETS}


def test_parser_versions_are_chosen_by_date() -> None:
    hue = get_outlet("huengaynay")
    assert hue.parser_for(date(2019, 5, 1)).valid_from == date(2015, 1, 1)
    assert hue.parser_for(datetime(2025, 1, 1)).valid_from == date(2024, 9, 1)
    assert hue.parser_for(None).valid_from == date(2024, 9, 1)


def test_an_old_layout_page_parses_with_the_dated_old_parser() -> None:
    hue = get_outlet("huengaynay")
    html = """<html><body><div class="news-detail"><h1 class="title">Huế mở cửa Đại Nội về đêm</h1>
    <span class="date">20/05/2019 08:15</span>
    <div class="summary">TTH.VN - Du khách được tham quan Đại Nội buổi tối.</div>
    <div class="content"><p>Chương trình kéo dài đến tháng 9.</p><p>Vé tham quan không đổi.</p></div>
    <p class="author">Minh Văn</p></div></body></html>"""
    old = parse_with(
        hue, html, "https://baothuathienhue.vn/a.html", version=hue.parser_for(date(2019, 5, 20))
    )
    assert old.title == "Huế mở cửa Đại Nội về đêm"
    assert old.sapo == "Du khách được tham quan Đại Nội buổi tối."
    assert old.body == "Chương trình kéo dài đến tháng 9.\n\nVé tham quan không đổi."
    assert old.authors == ["Minh Văn"]
    assert old.published_at is not None and old.published_at.isoformat() == "2019-05-20T08:15:00+07:00"
    assert parse_with(hue, html, "https://huengaynay.vn/a.html").title == ""  # the new layout finds nothing


def test_hosts_map_to_outlets_including_mobile_and_alias_domains() -> None:
    assert outlet_for_host("m.vnexpress.net") is get_outlet("vnexpress")
    assert outlet_for_host("baothuathienhue.vn") is get_outlet("huengaynay")
    assert outlet_for_host("evilvnexpress.net") is None
    assert outlet_for_host("example.org") is None


def test_unknown_outlet_names_are_user_errors_listing_the_valid_ones() -> None:
    with pytest.raises(UnknownOutlet, match="vnexpress"):
        select_outlets(["vnexprss"])
    assert [o.name for o in select_outlets(["VnExpress", "trt"])] == ["vnexpress", "trt"]


def test_bundled_texts_are_copied_with_provenance() -> None:
    corpus = Path(SITES_DIR).parent / "corpus.jsonl"
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    assert {row["source"] for row in rows} >= {
        "vntc-10topics",
        "baomoi-tc201805",
        "vn-rss-items-2025-2026/hue_mentions",
    }
    assert (Path(SITES_DIR).parent / "PROVENANCE.md").exists()
