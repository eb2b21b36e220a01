"""The outlet registry: the press that covers Thừa Thiên Huế, one entry per outlet (data, not code).

Each entry's newest parser is checked by tests/crawlers/test_registry.py against a snapshot page in
crawlers/snapshots/sites/<domain>/ and its expected JSON; an entry without a snapshot fails there.
Selectors follow each outlet's live layout as known at `valid_from`; when a layout changes, add a
ParserVersion with the new date and keep the old one.
"""

from __future__ import annotations

from datetime import date

from crawlers.errors import UnknownOutlet
from crawlers.outlet import Outlet, ParserVersion, Selectors, StripStamp

_DROP = ("figure", "figcaption", "script", "style", "table.picture", ".related", ".box-related")

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
                drop=(*_DROP, "p.author_mail", "p.Normal[align='right']"),
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
                drop=(*_DROP, "p.author_mail", "p[align='right']"),
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
                drop=(*_DROP, "div.VCSortableInPreviewMode[type='RelatedNewsBox']"),
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
                drop=(*_DROP, "div.VCSortableInPreviewMode[type='RelatedNewsBox']"),
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
                drop=(*_DROP, "div.VCSortableInPreviewMode[type='RelatedNewsBox']"),
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

OUTLETS: tuple[Outlet, ...] = (
    HUENGAYNAY,
    TRT,
    HUEGOV,
    BAOVANHOA,
    VNEXPRESS,
    TUOITRE,
    THANHNIEN,
    DANTRI,
    VIETNAMNET,
    NHANDAN,
    LAODONG,
    NLD,
    TIENPHONG,
    VOV,
    CAND,
)

_BY_NAME = {outlet.name: outlet for outlet in OUTLETS}


def get_outlet(name: str) -> Outlet:
    """The registry entry called `name`; UnknownOutlet lists the valid names."""
    try:
        return _BY_NAME[name.lower()]
    except KeyError:
        raise UnknownOutlet(
            f"no outlet named {name!r}; known outlets: {', '.join(sorted(_BY_NAME))} "
            "(see `vigil sources list`)"
        ) from None


def select_outlets(names: list[str] | None) -> list[Outlet]:
    """The outlets called `names`, or the whole registry when none are given."""
    if not names:
        return list(OUTLETS)
    return [get_outlet(name) for name in names]


def outlet_for_host(host: str) -> Outlet | None:
    """The outlet owning a host name (www., m., amp. sub-domains included), or None."""
    for outlet in OUTLETS:
        if outlet.owns(host):
            return outlet
    return None
