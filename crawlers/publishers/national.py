"""National outlets that cover Thừa Thiên Huế: one registry entry each (data, not code).

Selectors follow each outlet's live layout as known at `valid_from`; when a layout changes, add a
ParserVersion with the new date and keep the old one.
"""

from __future__ import annotations

from datetime import date

from crawlers.outlet import Outlet, ParserVersion, Selectors, StripStamp

DROP = ("figure", "figcaption", "script", "style", "table.picture", ".related", ".box-related")
RELATED_BOX = "div.VCSortableInPreviewMode[type='RelatedNewsBox']"

VNEXPRESS = Outlet(
    name="vnexpress",
    title="VnExpress",
    domain="vnexpress.net",
    feeds=(
        "https://vnexpress.net/rss/tin-moi-nhat.rss",
        "https://vnexpress.net/rss/thoi-su.rss",
        "https://vnexpress.net/rss/the-gioi.rss",
        "https://vnexpress.net/rss/kinh-doanh.rss",
        "https://vnexpress.net/rss/so-hoa.rss",
        "https://vnexpress.net/rss/the-thao.rss",
    ),
    sitemaps=("https://vnexpress.net/google-news-sitemap.xml",),
    parsers=(
        ParserVersion(
            valid_from=date(2017, 1, 1),
            note="pre-2020 layout: h1.title_news_detail, article.content_detail, span.time",
            selectors=Selectors(
                title=("h1.title_news_detail",),
                sapo=("h2.description", "p.description"),
                body=("article.content_detail",),
                paragraphs="p.Normal",
                authors=("article.content_detail p.author_mail strong", "p.Normal[align='right'] strong"),
                published=("span.time",),
                drop=(*DROP, "p.author_mail", "p.Normal[align='right']"),
            ),
        ),
        ParserVersion(
            valid_from=date(2020, 6, 1),
            note="current layout: h1.title-detail, p.description, article.fck_detail, span.date",
            selectors=Selectors(
                title=("h1.title-detail",),
                sapo=("p.description",),
                body=("article.fck_detail",),
                paragraphs="p.Normal",
                authors=(
                    "article.fck_detail p.author_mail strong",
                    "article.fck_detail p[align='right'] strong",
                ),
                published=("span.date", "meta[itemprop='datePublished']::attr(content)"),
                section=("ul.breadcrumb li:first-child a",),
                drop=(*DROP, "p.author_mail", "p[align='right']"),
            ),
        ),
    ),
)

# Tuổi Trẻ, Thanh Niên and Người Lao Động run on the same newsroom CMS: "detail-*" blocks.


TUOITRE = Outlet(
    name="tuoitre",
    title="Tuổi Trẻ",
    domain="tuoitre.vn",
    feeds=("https://tuoitre.vn/rss/tin-moi-nhat.rss", "https://tuoitre.vn/rss/thoi-su.rss"),
    sitemaps=("https://tuoitre.vn/sitemap-news.xml",),
    parsers=(
        ParserVersion(
            valid_from=date(2022, 3, 1),
            selectors=Selectors(
                title=("h1.detail-title", "h1.article-title"),
                sapo=("h2.detail-sapo",),
                body=("div.detail-content[data-role='content']", "div.detail-content"),
                paragraphs="p",
                authors=("div.author-info a.name", "div.detail-author a.name"),
                published=("div.detail-time div[data-role='publishdate']",),
                section=("div.detail-cate a",),
                tags=("div.detail-tab a",),
                drop=(*DROP, RELATED_BOX),
            ),
        ),
    ),
)


THANHNIEN = Outlet(
    name="thanhnien",
    title="Thanh Niên",
    domain="thanhnien.vn",
    feeds=("https://thanhnien.vn/rss/home.rss", "https://thanhnien.vn/rss/thoi-su.rss"),
    sitemaps=("https://thanhnien.vn/sitemap-news.xml",),
    parsers=(
        ParserVersion(
            valid_from=date(2022, 6, 1),
            selectors=Selectors(
                title=("h1.detail-title span", "h1.detail-title"),
                sapo=("h2.detail-sapo",),
                body=("div.detail-content[data-role='content']",),
                paragraphs="p",
                authors=("div.detail-author div.author-info a.name",),
                published=("div.detail-time div[data-role='publishdate']",),
                section=("div.detail-cate a.category-name",),
                tags=("div.detail-tab a",),
                drop=(*DROP, RELATED_BOX),
            ),
        ),
    ),
)


NLD = Outlet(
    name="nld",
    title="Người Lao Động",
    domain="nld.com.vn",
    feeds=("https://nld.com.vn/rss/home.rss", "https://nld.com.vn/rss/thoi-su.rss"),
    sitemaps=("https://nld.com.vn/sitemap-news.xml",),
    parsers=(
        ParserVersion(
            valid_from=date(2023, 1, 1),
            selectors=Selectors(
                title=("h1.detail-title",),
                sapo=("h2.detail-sapo",),
                body=("div.detail-cmain div.detail-content",),
                paragraphs="p",
                authors=("div.detail-author p.name", "p.author"),
                published=("div.detail-time div[data-role='publishdate']",),
                section=("div.detail-cate a",),
                tags=("ul.detail-tag li a",),
                drop=(*DROP, RELATED_BOX),
            ),
        ),
    ),
)


DANTRI = Outlet(
    name="dantri",
    title="Dân Trí",
    domain="dantri.com.vn",
    feeds=("https://dantri.com.vn/rss/home.rss", "https://dantri.com.vn/rss/xa-hoi.rss"),
    sitemaps=("https://dantri.com.vn/sitemaps/news.xml",),
    parsers=(
        ParserVersion(
            valid_from=date(2021, 9, 1),
            selectors=Selectors(
                title=("h1.title-page.detail", "h1.e-magazine__title"),
                sapo=("h2.singular-sapo",),
                body=("div.singular-content",),
                paragraphs="p, h2, h3",
                authors=("div.author-name a b", "div.author-name b"),
                published=("time.author-time::attr(datetime)", "time.author-time"),
                section=("ul.dt-breadcrumb li:nth-child(2) a",),
                tags=("ul.tags-wrap li a",),
            ),
            clean_sapo=StripStamp(("(Dân trí)", "(Dân Trí)")),
        ),
    ),
)


VIETNAMNET = Outlet(
    name="vietnamnet",
    title="VietnamNet",
    domain="vietnamnet.vn",
    feeds=("https://vietnamnet.vn/rss/tin-moi-nhat.rss", "https://vietnamnet.vn/rss/thoi-su.rss"),
    sitemaps=("https://vietnamnet.vn/sitemap/news.xml",),
    parsers=(
        ParserVersion(
            valid_from=date(2022, 1, 1),
            selectors=Selectors(
                title=("h1.content-detail-title",),
                sapo=("h2.content-detail-sapo",),
                body=("div.maincontent#maincontent", "div.maincontent"),
                paragraphs="p",
                authors=("div.article-detail-author__info span.name",),
                published=("div.bread-crumb-detail__time",),
                section=("div.bread-crumb-detail ul li:nth-child(2) a",),
                tags=("div.tag-cloud a",),
            ),
        ),
    ),
)

# Nhân Dân, Tiền Phong and Báo Văn Hóa share a CMS whose blocks are named "article__*".


NHANDAN = Outlet(
    name="nhandan",
    title="Nhân Dân",
    domain="nhandan.vn",
    feeds=("https://nhandan.vn/rss/home.rss", "https://nhandan.vn/rss/chinhtri.rss"),
    sitemaps=("https://nhandan.vn/sitemaps/news.xml",),
    parsers=(
        ParserVersion(
            valid_from=date(2021, 6, 21),
            selectors=Selectors(
                title=("h1.article__title",),
                sapo=("div.article__sapo",),
                body=("div.article__body",),
                paragraphs="p",
                authors=("div.article__author span.name",),
                published=("time.time",),
                section=("div.breadcrumbs a.cate",),
                tags=("div.article__tag a",),
            ),
        ),
    ),
)


TIENPHONG = Outlet(
    name="tienphong",
    title="Tiền Phong",
    domain="tienphong.vn",
    feeds=("https://tienphong.vn/rss/home.rss", "https://tienphong.vn/rss/xa-hoi-2.rss"),
    sitemaps=("https://tienphong.vn/sitemaps/news.xml",),
    parsers=(
        ParserVersion(
            valid_from=date(2021, 3, 1),
            selectors=Selectors(
                title=("h1.article__title",),
                sapo=("div.article__sapo",),
                body=("div.article__body",),
                paragraphs="p",
                authors=("div.article__author span.name", "div.article__author a"),
                published=("time.time::attr(datetime)", "time.time"),
                section=("div.article__meta a.cate",),
                tags=("div.article__tag a",),
            ),
        ),
    ),
)


BAOVANHOA = Outlet(
    name="baovanhoa",
    title="Báo Văn Hóa",
    domain="baovanhoa.vn",
    feeds=("https://baovanhoa.vn/rss/home.rss", "https://baovanhoa.vn/rss/van-hoa.rss"),
    sitemaps=("https://baovanhoa.vn/sitemaps/news.xml",),
    parsers=(
        ParserVersion(
            valid_from=date(2022, 1, 1),
            selectors=Selectors(
                title=("h1.article__title",),
                sapo=("div.article__sapo",),
                body=("div.article__body",),
                paragraphs="p",
                authors=("div.article__author span.name",),
                published=("time.time",),
                section=("div.article__meta a.cate",),
                tags=("div.article__tag a",),
            ),
        ),
    ),
)


LAODONG = Outlet(
    name="laodong",
    title="Lao Động",
    domain="laodong.vn",
    feeds=("https://laodong.vn/rss/home.rss", "https://laodong.vn/rss/thoi-su.rss"),
    sitemaps=("https://laodong.vn/sitemap/news.xml",),
    parsers=(
        ParserVersion(
            valid_from=date(2020, 1, 1),
            selectors=Selectors(
                title=("div.title h1", "h1.title"),
                sapo=("div.chappeau",),
                body=("div.art-body",),
                paragraphs="p",
                authors=("div.author a", "div.author span"),
                published=("span.time",),
                section=("div.breadcrumb a.active", "div.breadcrumb a"),
                tags=("div.lst-tags a",),
            ),
        ),
    ),
)


VOV = Outlet(
    name="vov",
    title="VOV",
    domain="vov.vn",
    feeds=("https://vov.vn/rss/tin-moi-nhat.rss", "https://vov.vn/rss/xa-hoi.rss"),
    sitemaps=("https://vov.vn/sitemap/news.xml",),
    parsers=(
        ParserVersion(
            valid_from=date(2021, 1, 1),
            selectors=Selectors(
                title=("div.article-header h1", "h1.article-title"),
                sapo=("div.article-summary",),
                body=("div.article-content",),
                paragraphs="p",
                authors=("div.article-author span.author", "div.article-author"),
                published=("div.article-date",),
                section=("div.article-header a.article-category",),
                tags=("div.article-tags a",),
            ),
            clean_sapo=StripStamp(("VOV.VN", "VOV.vn")),
        ),
    ),
)


CAND = Outlet(
    name="cand",
    title="Công an Nhân dân",
    domain="cand.com.vn",
    feeds=("https://cand.com.vn/rss/trang-chu/", "https://cand.com.vn/rss/thoi-su/"),
    sitemaps=("https://cand.com.vn/sitemaps/news.xml",),
    parsers=(
        ParserVersion(
            valid_from=date(2021, 8, 1),
            selectors=Selectors(
                title=("h1.box-title-detail", "h1.cms-title"),
                sapo=("div.box-des-detail", "div.cms-desc"),
                body=("div.detail-content-body",),
                paragraphs="p",
                authors=("div.box-author strong", "p.cms-author"),
                published=("div.box-date",),
                section=("div.box-cate a",),
                tags=("div.box-tag a",),
            ),
        ),
    ),
)
