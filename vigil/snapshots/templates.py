# ruff: noqa: E501  (HTML kept one element per line, as the outlets serve it)
"""Page templates that reproduce each outlet's article layout, plus RSS, news sitemaps and robots.txt.

Used by scripts/make_crawl_fixtures.py to write the bundled snapshot sites and by `SnapshotSite` to
generate extra pages for the benchmark. The markup mirrors what each outlet serves (class names,
nesting, the date format it prints) with the usual clutter around it: menus, figures with captions,
related-article boxes and footers, which parsers must ignore.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from html import escape
from typing import Any

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


@dataclass
class ArticleSpec:
    """One snapshot article: what the page shows and therefore what a parser must return."""

    outlet: str
    domain: str
    path: str
    title: str
    sapo: str
    paragraphs: list[str]
    authors: list[str]
    published: datetime
    section: str
    tags: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"https://{self.domain}{self.path}"


def _e(text: str) -> str:
    return escape(text, quote=True)


def _ps(spec: ArticleSpec, css: str = "") -> str:
    attr = f' class="{css}"' if css else ""
    return "\n".join(f"<p{attr}>{_e(text)}</p>" for text in spec.paragraphs)


def _figure(spec: ArticleSpec) -> str:
    return (
        '<figure class="tplCaption"><img src="/img/1.jpg" alt="">'
        f"<figcaption><p>Ảnh minh họa: {_e(spec.section)}</p></figcaption></figure>"
    )


def _related() -> str:
    return '<div class="related"><p>Tin liên quan: Xem thêm các bài viết cùng chuyên mục</p></div>'


def _page(spec: ArticleSpec, main: str, *, head: str = "") -> str:
    tags = "".join(f'<meta property="article:tag" content="{_e(tag)}">' for tag in spec.tags)
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<title>{_e(spec.title)}</title>
<link rel="canonical" href="{_e(spec.url)}">
<meta property="og:url" content="{_e(spec.url)}">
<meta name="description" content="{_e(spec.sapo[:160])}">
<meta property="article:published_time" content="{spec.published.isoformat()}">
<meta property="article:section" content="{_e(spec.section)}">{tags}
{head}</head>
<body><header class="header"><nav><ul><li><a href="/">Trang chủ</a></li><li><a href="/thoi-su">Thời sự</a></li>
<li><a href="/the-gioi">Thế giới</a></li></ul></nav></header>
{main}
<footer class="footer"><p>Giấy phép hoạt động báo chí điện tử. Ghi rõ nguồn khi phát hành lại.</p></footer>
</body></html>
"""


def _tag_links(spec: ArticleSpec, container: str) -> str:
    return (
        f'<div class="{container}">'
        + "".join(f'<a href="/tag/{i}">{_e(t)}</a>' for i, t in enumerate(spec.tags))
        + "</div>"
    )


def _vn_weekday(value: datetime) -> str:
    return WEEKDAYS[value.weekday()]


def vnexpress(spec: ArticleSpec) -> str:
    d = spec.published
    date_text = f"{_vn_weekday(d)}, {d.day}/{d.month}/{d.year}, {d:%H:%M} (GMT+7)"
    authors = "".join(
        f'<p class="Normal" align="right" style="text-align:right;"><strong>{_e(a)}</strong></p>'
        for a in spec.authors
    )
    main = f"""<section class="section page-detail top-detail"><div class="container"><div class="sidebar-1">
<div class="header-content width_common"><ul class="breadcrumb"><li><a href="/thoi-su">{_e(spec.section)}</a></li></ul>
<span class="date">{date_text}</span></div>
<h1 class="title-detail">{_e(spec.title)}</h1>
<p class="description">{_e(spec.sapo)}</p>
<article class="fck_detail ">
{_ps(spec, "Normal")}
{_figure(spec)}
{authors}
</article>
</div></div></section>"""
    return _page(spec, main)


def _detail_cms(
    spec: ArticleSpec, date_text: str, *, title_span: bool, author_block: str, tags_html: str = ""
) -> str:
    title = f"<span>{_e(spec.title)}</span>" if title_span else _e(spec.title)
    return _page(
        spec,
        f"""<div class="detail-container"><div class="detail-cmain">
<div class="detail-cate"><a class="category-name" href="/thoi-su.htm">{_e(spec.section)}</a></div>
<h1 class="detail-title article-title" data-role="title">{title}</h1>
<div class="detail-top">{author_block}
<div class="detail-time"><div data-role="publishdate">{date_text}</div></div></div>
<h2 class="detail-sapo" data-role="sapo">{_e(spec.sapo)}</h2>
<div class="detail-content afcbc-body" data-role="content">
{_ps(spec)}
<div class="VCSortableInPreviewMode" type="RelatedNewsBox"><p>Đọc thêm: tin cùng chuyên mục</p></div>
{_figure(spec)}
</div>
{tags_html or _tag_links(spec, "detail-tab")}
</div></div>""",
    )


def tuoitre(spec: ArticleSpec) -> str:
    names = "".join(
        f'<a class="name" href="/tac-gia/{i}.htm">{_e(a)}</a>' for i, a in enumerate(spec.authors)
    )
    date_text = f"{spec.published:%d/%m/%Y %H:%M} GMT+7"
    return _detail_cms(
        spec, date_text, title_span=False, author_block=f'<div class="author-info">{names}</div>'
    )


def thanhnien(spec: ArticleSpec) -> str:
    names = "".join(
        f'<a class="name" href="/tac-gia/{i}.htm">{_e(a)}</a>' for i, a in enumerate(spec.authors)
    )
    date_text = f"{spec.published:%d/%m/%Y %H:%M} GMT+7"
    block = f'<div class="detail-author"><div class="author-info">{names}</div></div>'
    return _detail_cms(spec, date_text, title_span=True, author_block=block)


def nld(spec: ArticleSpec) -> str:
    block = (
        '<div class="detail-author">'
        + "".join(f'<p class="name">{_e(a)}</p>' for a in spec.authors)
        + "</div>"
    )
    date_text = f"{spec.published:%H:%M %d/%m/%Y}"
    tags = "".join(f'<li><a href="/tag/{i}">{_e(t)}</a></li>' for i, t in enumerate(spec.tags))
    return _detail_cms(
        spec, date_text, title_span=False, author_block=block, tags_html=f'<ul class="detail-tag">{tags}</ul>'
    )


def dantri(spec: ArticleSpec) -> str:
    d = spec.published
    main = f"""<main class="body-container"><div class="singular-wrap">
<ul class="dt-breadcrumb"><li><a href="/">Trang chủ</a></li><li><a href="/xa-hoi.htm">{_e(spec.section)}</a></li></ul>
<article class="singular-container">
<h1 class="title-page detail">{_e(spec.title)}</h1>
<div class="author-wrap"><div class="author-name">{"".join(f'<a href="/tac-gia/{i}.htm"><b>{_e(a)}</b></a>' for i, a in enumerate(spec.authors))}</div>
<time class="author-time" datetime="{d:%Y-%m-%d %H:%M}">{_vn_weekday(d).capitalize()}, {d:%d/%m/%Y - %H:%M}</time></div>
<h2 class="singular-sapo">(Dân trí) - {_e(spec.sapo)}</h2>
<div class="singular-content">
{_ps(spec)}
{_figure(spec)}
</div>
<ul class="tags-wrap">{"".join(f'<li><a href="/tag/{i}">{_e(t)}</a></li>' for i, t in enumerate(spec.tags))}</ul>
</article></div></main>"""
    return _page(spec, main)


def vietnamnet(spec: ArticleSpec) -> str:
    d = spec.published
    main = f"""<div class="container"><div class="bread-crumb-detail"><ul><li><a href="/">Trang chủ</a></li>
<li><a href="/thoi-su">{_e(spec.section)}</a></li></ul>
<div class="bread-crumb-detail__time">{_vn_weekday(d)}, {d:%d/%m/%Y - %H:%M}</div></div>
<div class="content-detail"><h1 class="content-detail-title">{_e(spec.title)}</h1>
<h2 class="content-detail-sapo sm-sapo-mb-0">{_e(spec.sapo)}</h2>
<div class="maincontent main-content" id="maincontent">
{_ps(spec)}
{_figure(spec)}
{_related()}
</div>
<div class="article-detail-author__info">{"".join(f'<span class="name">{_e(a)}</span>' for a in spec.authors)}</div>
{_tag_links(spec, "tag-cloud")}
</div></div>"""
    return _page(spec, main)


def _article_cms(spec: ArticleSpec, time_html: str, *, meta_section: bool) -> str:
    section = f'<a class="cate" href="/chinh-tri">{_e(spec.section)}</a>'
    crumbs = "" if meta_section else f'<div class="breadcrumbs">{section}</div>'
    meta = f'<div class="article__meta">{section if meta_section else ""}{time_html}</div>'
    main = f"""<div class="main-col content-col">{crumbs}<article class="article">
<h1 class="article__title cms-title">{_e(spec.title)}</h1>
{meta}
<div class="article__sapo cms-desc">{_e(spec.sapo)}</div>
<div class="article__body zce-content-body cms-body">
{_ps(spec)}
{_figure(spec)}
<div class="box-related"><p>Tin liên quan</p></div>
</div>
<div class="article__author">{"".join(f'<span class="name">{_e(a)}</span>' for a in spec.authors)}</div>
{_tag_links(spec, "article__tag")}
</article></div>"""
    return _page(spec, main)


def nhandan(spec: ArticleSpec) -> str:
    d = spec.published
    return _article_cms(
        spec, f'<time class="time">{_vn_weekday(d)}, {d:%d-%m-%Y, %H:%M}</time>', meta_section=False
    )


def tienphong(spec: ArticleSpec) -> str:
    d = spec.published
    time_html = f'<time class="time" datetime="{d.isoformat()}">{d:%d/%m/%Y | %H:%M}</time>'
    return _article_cms(spec, time_html, meta_section=True)


def baovanhoa(spec: ArticleSpec) -> str:
    return _article_cms(spec, f'<time class="time">{spec.published:%d/%m/%Y %H:%M}</time>', meta_section=True)


def laodong(spec: ArticleSpec) -> str:
    d = spec.published
    main = f"""<div class="wrapper"><div class="breadcrumb"><a class="active" href="/thoi-su">{_e(spec.section)}</a></div>
<div class="article-detail"><div class="title"><h1>{_e(spec.title)}</h1></div>
<div class="meta"><span class="time">{_vn_weekday(d)}, {d:%d/%m/%Y %H:%M} (GMT+7)</span></div>
<div class="chappeau"><p>{_e(spec.sapo)}</p></div>
<div class="art-body">
{_ps(spec)}
{_figure(spec)}
</div>
<div class="author">{"".join(f"<a>{_e(a)}</a>" for a in spec.authors)}</div>
{_tag_links(spec, "lst-tags")}
</div></div>"""
    return _page(spec, main)


def vov(spec: ArticleSpec) -> str:
    d = spec.published
    main = f"""<div class="layout-content"><article class="article-page">
<div class="article-header"><a class="article-category" href="/xa-hoi">{_e(spec.section)}</a>
<h1>{_e(spec.title)}</h1><div class="article-date">{_vn_weekday(d)}, {d:%H:%M, %d/%m/%Y}</div></div>
<div class="article-summary">VOV.VN - {_e(spec.sapo)}</div>
<div class="article-content">
{_ps(spec)}
{_figure(spec)}
</div>
<div class="article-author">{"".join(f'<span class="author">{_e(a)}</span>' for a in spec.authors)}/VOV.VN</div>
{_tag_links(spec, "article-tags")}
</article></div>"""
    return _page(spec, main)


def cand(spec: ArticleSpec) -> str:
    d = spec.published
    main = f"""<div class="main-detail"><div class="box-cate"><a href="/thoi-su">{_e(spec.section)}</a></div>
<h1 class="box-title-detail">{_e(spec.title)}</h1>
<div class="box-date">{_vn_weekday(d)}, {d:%H:%M %d/%m/%Y}</div>
<div class="box-des-detail"><p>{_e(spec.sapo)}</p></div>
<div class="detail-content-body">
{_ps(spec)}
{_figure(spec)}
</div>
<div class="box-author">{"".join(f"<strong>{_e(a)}</strong>" for a in spec.authors)}</div>
{_tag_links(spec, "box-tag")}
</div>"""
    return _page(spec, main)


def huengaynay(spec: ArticleSpec) -> str:
    d = spec.published
    main = f"""<div class="detail"><div class="detail__meta"><a class="detail__cate" href="/chinh-tri-xa-hoi">{_e(spec.section)}</a>
<span class="detail__time">{d:%H:%M} - {d:%d/%m/%Y}</span></div>
<h1 class="detail__title">{_e(spec.title)}</h1>
<div class="detail__sapo">HNN - {_e(spec.sapo)}</div>
<div class="detail__content">
{_ps(spec)}
{_figure(spec)}
</div>
<div class="detail__author">{"".join(f"<strong>{_e(a)}</strong>" for a in spec.authors)}</div>
{_tag_links(spec, "detail__tags")}
</div>"""
    return _page(spec, main)


def trt(spec: ArticleSpec) -> str:
    d = spec.published
    main = f"""<ol class="breadcrumb"><li><a href="/">Trang chủ</a></li><li class="active">{_e(spec.section)}</li></ol>
<div class="news-detail"><h1 class="news-title">{_e(spec.title)}</h1>
<span class="news-date">{_vn_weekday(d)}, {d:%d/%m/%Y | %H:%M}</span>
<div class="news-sapo">{_e(spec.sapo)}</div>
<div class="news-content">
{_ps(spec)}
{_figure(spec)}
</div>
<div class="news-author">{_e(" - ".join(spec.authors))}</div></div>"""
    return _page(spec, main)


def huegov(spec: ArticleSpec) -> str:
    d = spec.published
    main = f"""<div class="breadcrumb"><a href="/">Trang chủ</a> &gt; <span class="current">{_e(spec.section)}</span></div>
<div class="article-detail"><h2 class="title">{_e(spec.title)}</h2>
<span class="article-date">{d:%d/%m/%Y %H:%M:%S}</span>
<div class="brief">{_e(spec.sapo)}</div>
<div class="article-content">
{_ps(spec)}
<table class="picture"><tr><td><img src="/img/2.jpg"></td></tr><tr><td><p>Ảnh: Cổng TTĐT</p></td></tr></table>
</div>
<div class="article-author">{_e(", ".join(spec.authors))}</div></div>"""
    return _page(spec, main)


def vnexpress_2017(spec: ArticleSpec) -> str:
    """VnExpress before mid-2020: h1.title_news_detail, article.content_detail, span.time."""
    d = spec.published
    date_text = f"{_vn_weekday(d)}, {d.day}/{d.month}/{d.year} | {d:%H:%M} GMT+7"
    authors = "".join(f'<p class="Normal" align="right"><strong>{_e(a)}</strong></p>' for a in spec.authors)
    main = f"""<section class="sidebar_1"><span class="time left">{date_text}</span>
<h1 class="title_news_detail mb10">{_e(spec.title)}</h1>
<h2 class="description">{_e(spec.sapo)}</h2>
<article class="content_detail fck_detail width_common block_ads_connect">
{_ps(spec, "Normal")}
{_figure(spec)}
{authors}
</article></section>"""
    return _page(spec, main)


def huengaynay_2015(spec: ArticleSpec) -> str:
    """Báo Thừa Thiên Huế (baothuathienhue.vn) before the 2024 rename."""
    d = spec.published
    main = f"""<div class="news-detail"><h1 class="title">{_e(spec.title)}</h1>
<span class="date">{d:%d/%m/%Y %H:%M}</span>
<div class="summary">TTH.VN - {_e(spec.sapo)}</div>
<div class="content">
{_ps(spec)}
{_figure(spec)}
</div>
<p class="author">{_e(", ".join(spec.authors))}</p></div>"""
    return _page(spec, main)


def fallbacks_only(spec: ArticleSpec) -> str:
    """An outlet whose layout Vigil does not know: what it says in JSON-LD and plain markup."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": spec.title,
        "description": spec.sapo,
        "datePublished": spec.published.isoformat(),
        "author": [{"@type": "Person", "name": name} for name in spec.authors],
        "publisher": {"@type": "Organization", "name": spec.domain},
        "articleSection": spec.section,
        "keywords": ", ".join(spec.tags),
    }
    head = f'<script type="application/ld+json">{_e_json(data)}</script>'
    main = f"""<main><div class="post"><h1 class="post-title">{_e(spec.title)}</h1>
<div class="post-lead"><strong>{_e(spec.sapo)}</strong></div>
<div class="post-body">
{_ps(spec)}
</div></div></main>"""
    return _page(spec, main, head=head)


def _e_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


RENDERERS: dict[str, Callable[[ArticleSpec], str]] = {
    "vnexpress": vnexpress,
    "tuoitre": tuoitre,
    "thanhnien": thanhnien,
    "nld": nld,
    "dantri": dantri,
    "vietnamnet": vietnamnet,
    "nhandan": nhandan,
    "tienphong": tienphong,
    "baovanhoa": baovanhoa,
    "laodong": laodong,
    "vov": vov,
    "cand": cand,
    "huengaynay": huengaynay,
    "huegov": huegov,
}
# the pages of other layout versions: (outlet, valid_from of the layout)
LAYOUTS: dict[tuple[str, str], Callable[[ArticleSpec], str]] = {
    ("vnexpress", "2017-01-01"): vnexpress_2017,
    ("huengaynay", "2015-01-01"): huengaynay_2015,
    ("huengaynay", "2020-01-01"): trt,
}


def render_article(spec: ArticleSpec, layout: str = "") -> str:
    """The page of `spec` in its outlet's layout valid from `layout` (default: the current one)."""
    renderer = LAYOUTS.get((spec.outlet, layout)) or RENDERERS.get(spec.outlet, fallbacks_only)
    return renderer(spec)


def render_listing(outlet_title: str, items: list[ArticleSpec]) -> str:
    """A section or tag page: menus and other sections around links to the articles."""
    links = "".join(
        f'<article class="item-news"><h3><a href="{_e(spec.url)}">{_e(spec.title)}</a></h3></article>'
        for spec in items
    )
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Huế - {_e(outlet_title)}</title></head>
<body><nav><a href="/">Trang chủ</a> <a href="/thoi-su">Thời sự</a> <a href="/tag/hue">Huế</a></nav>
<main><h1>Huế</h1>{links}<a class="next" href="?page=2">Trang sau</a></main></body></html>
"""


def render_rss(title: str, link: str, items: list[ArticleSpec]) -> str:
    entries = "".join(
        f"""<item><title><![CDATA[{item.title}]]></title><link>{_e(item.url)}</link><guid isPermaLink="true">{_e(item.url)}</guid>
<description><![CDATA[{item.sapo}]]></description><pubDate>{format_datetime(item.published)}</pubDate></item>
"""
        for item in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{_e(title)}</title><link>{_e(link)}</link><description>{_e(title)}</description>
<language>vi</language>
{entries}</channel></rss>
"""


def render_news_sitemap(items: list[ArticleSpec], outlet_title: str) -> str:
    urls = "".join(
        f"""<url><loc>{_e(item.url)}</loc><news:news><news:publication><news:name>{_e(outlet_title)}</news:name>
<news:language>vi</news:language></news:publication><news:publication_date>{item.published.isoformat()}</news:publication_date>
<news:title>{_e(item.title)}</news:title></news:news></url>
"""
        for item in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{urls}</urlset>
"""
