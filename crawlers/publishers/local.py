"""The province's own press: Huế Ngày Nay (formerly Báo Thừa Thiên Huế), TRT and the portal hue.gov.vn."""

from __future__ import annotations

from datetime import date

from crawlers.outlet import Outlet, ParserVersion, Selectors, StripStamp

HUENGAYNAY = Outlet(
    name="huengaynay",
    title="Huế Ngày Nay (Báo Thừa Thiên Huế)",
    domain="huengaynay.vn",
    aliases=("baothuathienhue.vn",),
    scope="local",
    feeds=("https://huengaynay.vn/rss/home.rss", "https://huengaynay.vn/rss/chinh-tri-xa-hoi.rss"),
    sitemaps=("https://huengaynay.vn/sitemap-news.xml",),
    parsers=(
        ParserVersion(
            valid_from=date(2015, 1, 1),
            note="Báo Thừa Thiên Huế site (baothuathienhue.vn) before the 2024 rename",
            selectors=Selectors(
                title=("div.news-detail h1.title",),
                sapo=("div.news-detail div.summary",),
                body=("div.news-detail div.content",),
                paragraphs="p",
                authors=("div.news-detail p.author",),
                published=("div.news-detail span.date",),
            ),
            clean_sapo=StripStamp(("TTH.VN", "TTH -")),
        ),
        ParserVersion(
            valid_from=date(2024, 9, 1),
            note="Huế Ngày Nay layout",
            selectors=Selectors(
                title=("h1.detail__title",),
                sapo=("div.detail__sapo",),
                body=("div.detail__content",),
                paragraphs="p",
                authors=("div.detail__author strong",),
                published=("div.detail__meta span.detail__time",),
                section=("div.detail__meta a.detail__cate",),
                tags=("div.detail__tags a",),
            ),
            clean_sapo=StripStamp(("HNN", "HNN.VN")),
        ),
    ),
)


TRT = Outlet(
    name="trt",
    title="TRT — Đài Phát thanh và Truyền hình Huế",
    domain="trt.com.vn",
    scope="local",
    feeds=("https://trt.com.vn/rss/tin-tuc.rss", "https://trt.com.vn/rss/thoi-su.rss"),
    sitemaps=("https://trt.com.vn/sitemap.xml",),
    parsers=(
        ParserVersion(
            valid_from=date(2020, 1, 1),
            selectors=Selectors(
                title=("div.news-detail h1.news-title",),
                sapo=("div.news-detail div.news-sapo",),
                body=("div.news-detail div.news-content",),
                paragraphs="p",
                authors=("div.news-detail div.news-author",),
                published=("div.news-detail span.news-date",),
                section=("ol.breadcrumb li.active",),
            ),
        ),
    ),
)


HUEGOV = Outlet(
    name="huegov",
    title="Cổng thông tin điện tử Huế (hue.gov.vn)",
    domain="hue.gov.vn",
    scope="local",
    feeds=("https://hue.gov.vn/rss/tin-tuc-su-kien.rss",),
    sitemaps=("https://hue.gov.vn/sitemap.xml",),
    parsers=(
        ParserVersion(
            valid_from=date(2019, 1, 1),
            selectors=Selectors(
                title=("div.article-detail h2.title", "div.article-detail h1"),
                sapo=("div.article-detail div.brief",),
                body=("div.article-detail div.article-content",),
                paragraphs="p",
                authors=("div.article-detail div.article-author",),
                published=("div.article-detail span.article-date",),
                section=("div.breadcrumb span.current",),
            ),
        ),
    ),
)
