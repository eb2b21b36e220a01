"""Canonical URLs and the SSRF address check."""

from __future__ import annotations

import pytest

from crawlers.urls import blocked_reason, canonical_url, to_fetch_url


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "https://vnexpress.net/a-1.html?utm_source=facebook&utm_medium=social",
            "https://vnexpress.net/a-1.html",
        ),
        ("http://m.vnexpress.net/a-1.html#box", "https://vnexpress.net/a-1.html"),
        ("https://amp.tuoitre.vn/b-2.htm", "https://tuoitre.vn/b-2.htm"),
        ("https://www.thanhnien.vn/amp/c-3.htm", "https://thanhnien.vn/c-3.htm"),
        ("https://dantri.com.vn/d-4.amp.htm", "https://dantri.com.vn/d-4.htm"),
        ("https://vietnamnet.vn/e-5.html/amp", "https://vietnamnet.vn/e-5.html"),
        ("https://nld.com.vn/f-6.htm?fbclid=x&zarsrc=30&gidzl=y", "https://nld.com.vn/f-6.htm"),
        ("https://hue.gov.vn/x?b=2&a=1&utm_campaign=z", "https://hue.gov.vn/x?a=1&b=2"),
        ("https://vov.vn/g-7.vov?amp=1", "https://vov.vn/g-7.vov"),
        ("http://127.0.0.1:8080/ok?utm_source=x", "http://127.0.0.1:8080/ok"),
    ],
)
def test_variants_of_one_article_share_a_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_query_that_identifies_the_article_is_kept() -> None:
    assert canonical_url("https://hue.gov.vn/news.aspx?id=42") != canonical_url(
        "https://hue.gov.vn/news.aspx?id=43"
    )


def test_snapshot_mapping_only_rewrites_outlet_urls() -> None:
    base = "http://127.0.0.1:9"
    assert to_fetch_url("https://vnexpress.net/a.html?x=1", base, True) == f"{base}/vnexpress.net/a.html?x=1"
    assert to_fetch_url("https://example.org/a.html", base, False) == "https://example.org/a.html"
    assert to_fetch_url("https://vnexpress.net/a.html", None, True) == "https://vnexpress.net/a.html"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/admin",
        "http://localhost:8000/",
        "http://[::1]/",
        "http://10.1.2.3/x",
        "http://192.168.1.1/",
        "http://172.16.0.5/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
        "http://127.0.0.2/",
        "file:///etc/passwd",
    ],
)
def test_private_and_local_targets_are_blocked_by_default(url: str) -> None:
    assert blocked_reason(url, frozenset()) is not None


def test_an_allowed_host_matches_as_written_only() -> None:
    allowed = frozenset({"127.0.0.1"})
    assert blocked_reason("http://127.0.0.1:8123/feed.rss", allowed) is None
    assert blocked_reason("http://localhost:8123/feed.rss", allowed) is not None
    assert blocked_reason("http://[::1]:8123/feed.rss", allowed) is not None


def test_public_addresses_pass() -> None:
    assert blocked_reason("https://8.8.8.8/", frozenset()) is None
    assert blocked_reason("https://1.1.1.1/x", frozenset()) is None
