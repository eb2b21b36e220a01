"""Build the bundled snapshot sites of the outlet registry from real Vietnamese news text.

Stage 1 (needs ../shared/data): copy the texts used into vigil/snapshots/corpus.jsonl
  - full articles (headline, lead, body) from vntc-10topics,
  - briefs (headline + one paragraph) from vn-rss-items-2025-2026 (Huế mentions) and baomoi-tc201805.
Stage 2 (repo only): render, for every outlet, article pages in that outlet's layout, RSS feeds at the
registry's feed paths, a news sitemap, robots.txt, a route table, and the expected parser output
(taken from the texts put on the page, never from running a parser): the demo's snapshot sites
(vigil/snapshots/sites), and one page per layout version of every outlet for the parser tests
(tests/data/crawlers/<outlet>/layout-<valid_from>.html.gz + .json: URL, layout, expected fields).

    .venv/bin/python scripts/make_crawl_fixtures.py            # both stages
    .venv/bin/python scripts/make_crawl_fixtures.py --no-copy  # stage 2 from the bundled corpus
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import random
import shutil
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawlers.outlet import Outlet  # noqa: E402  (path set up above)
from crawlers.registry import OUTLETS  # noqa: E402
from vigil.snapshots.corpus import (  # noqa: E402
    CORPUS_FILE,
    CorpusText,
    expected_fields,
    load_corpus,
    make_spec,
)
from vigil.snapshots.templates import (  # noqa: E402
    ArticleSpec,
    render_article,
    render_listing,
    render_news_sitemap,
    render_rss,
)

FIXTURES = ROOT / "tests" / "data" / "crawlers"
SNAPSHOTS = ROOT / "vigil" / "snapshots"
SITES = SNAPSHOTS / "sites"
EXPECTED = SNAPSHOTS / "expected"
SEED = 20261128
FULL_PER_OUTLET = 3
BENCH_TEXTS = 400


def _shared_dir() -> Path:
    for candidate in (ROOT / ".." / "shared" / "data", Path("/work/shared/data")):
        if candidate.is_dir():
            return candidate
    raise SystemExit("shared data not found: run with --no-copy to rebuild from the bundled corpus")


def _paragraphs(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def copy_corpus(shared: Path) -> None:
    """Stage 1: pick the texts and write corpus.jsonl."""
    rng = random.Random(SEED)
    vntc = [json.loads(line) for line in (shared / "vntc-10topics" / "train.jsonl").open(encoding="utf-8")]
    usable = []
    for row in vntc:
        parts = _paragraphs(row["text"])
        ok_title = 15 <= len(parts[0]) <= 140 if parts else False
        if ok_title and len(parts) >= 4 and 800 <= len(row["text"]) <= 3500 and len(parts[1]) > 40:
            usable.append((row, parts))
    rng.shuffle(usable)
    hue = [entry for entry in usable if "Huế" in entry[0]["text"]]
    other = [entry for entry in usable if "Huế" not in entry[0]["text"]]
    texts: list[CorpusText] = []
    for role, pool, count in (("hue", hue, 12), ("article", other, 40), ("bench", other[40:], BENCH_TEXTS)):
        for row, parts in pool[:count]:
            texts.append(
                CorpusText(
                    source="vntc-10topics",
                    source_id=row["id"],
                    label=row["label"],
                    title=parts[0],
                    lead=parts[1],
                    paragraphs=tuple(parts[2:]),
                    role=role,
                )
            )
    mentions = [
        json.loads(line) for line in (shared / "vn-rss-items-2025-2026" / "hue_mentions.jsonl").open()
    ]
    rng.shuffle(mentions)
    for item in [m for m in mentions if len(m["summary"]) > 80][:8]:
        texts.append(
            CorpusText(
                source="vn-rss-items-2025-2026/hue_mentions",
                source_id=item["id"],
                label="Chinh tri Xa hoi",
                title=item["title"],
                lead="",
                paragraphs=(item["summary"],),
                published=item["published"],
                role="brief",
            )
        )
    baomoi = [json.loads(line) for line in (shared / "baomoi-tc201805" / "all.jsonl").open(encoding="utf-8")]
    rng.shuffle(baomoi)
    for row in baomoi[:8]:
        body = (
            row["text"][len(row["title"]) :].strip() if row["text"].startswith(row["title"]) else row["text"]
        )
        texts.append(
            CorpusText(
                source="baomoi-tc201805",
                source_id=row["id"],
                label=row["label"],
                title=row["title"],
                lead="",
                paragraphs=(" ".join(body.split()),),
                role="brief",
            )
        )
    with CORPUS_FILE.open("w", encoding="utf-8") as handle:
        for text in texts:
            row = dict(text.__dict__)
            row["paragraphs"] = list(text.paragraphs)
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"corpus: {len(texts)} texts -> {CORPUS_FILE.relative_to(ROOT)}")


def _route_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _syndicated(text: CorpusText) -> CorpusText:
    """The same agency story as another outlet runs it: new headline, one word of the body changed."""
    paragraphs = list(text.paragraphs)
    paragraphs[-1] = (
        paragraphs[-1].replace(" và ", " cùng ", 1) if " và " in paragraphs[-1] else paragraphs[-1] + "."
    )
    return CorpusText(
        source=text.source,
        source_id=text.source_id,
        label=text.label,
        title="Tin tổng hợp: " + text.title,
        lead=text.lead,
        paragraphs=tuple(paragraphs),
        role=text.role,
    )


def plan(texts: list[CorpusText]) -> dict[str, list[ArticleSpec]]:
    """Which articles each outlet's snapshot holds (deterministic)."""
    full_hue = [t for t in texts if t.role == "hue"]
    full = [t for t in texts if t.role == "article"]
    briefs = [t for t in texts if t.role == "brief"]
    local = [o for o in OUTLETS if o.scope == "local"]
    national = [o for o in OUTLETS if o.scope != "local"]
    chosen: dict[str, list[ArticleSpec]] = {}
    hue_iter, full_iter, brief_iter = iter(full_hue), iter(full), iter(briefs)
    for outlet in [*local, *national]:
        pool = hue_iter if outlet.scope == "local" else full_iter
        picks = [next(pool) for _ in range(FULL_PER_OUTLET if outlet.scope != "regional" else 2)]
        brief = next(brief_iter, None)  # one outlet more than briefs: the last goes without
        picks += [brief] if brief else []
        chosen[outlet.name] = [make_spec(outlet.name, outlet.domain, text, i) for i, text in enumerate(picks)]
    # One story carried by three outlets: copied verbatim by Huế Ngày Nay, re-headlined by Báo Văn Hóa.
    story = full_hue[-1]
    chosen["vnexpress"].append(make_spec("vnexpress", "vnexpress.net", story, 9))
    chosen["huengaynay"].append(make_spec("huengaynay", "huengaynay.vn", story, 9))
    chosen["baovanhoa"].append(make_spec("baovanhoa", "baovanhoa.vn", _syndicated(story), 9))
    return chosen


def write_site(outlet: Outlet, specs: list[ArticleSpec]) -> None:
    """The outlet's pages, feeds and sitemaps, each under the site of its host (an outlet may have two)."""
    routes: dict[str, dict[str, dict[str, str]]] = {}

    def put(url: str, name: str, content: str, content_type: str) -> None:
        host = urlsplit(url).hostname or outlet.domain
        target = SITES / host / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        routes.setdefault(host, {})[_route_path(url)] = {"file": name, "type": content_type}

    expected = []
    for number, spec in enumerate(specs):
        name = f"articles/{number:02d}.html"
        put(spec.url, name, render_article(spec), "text/html; charset=utf-8")
        expected.append(
            {"url": spec.url, "file": f"{outlet.domain}/{name}", "expected": expected_fields(spec)}
        )
    # A page robots.txt forbids: listed in the feed, must never be fetched.
    private = ArticleSpec(
        **{**specs[0].__dict__, "path": "/private/ban-nhap-chua-duyet.html", "title": "Bản nháp"}
    )
    put(private.url, "articles/private.html", render_article(private), "text/html; charset=utf-8")
    main_feed = [specs[i] for i in range(len(specs)) if i != 2] + [private]
    home = f"https://{outlet.domain}/"
    put(
        outlet.feeds[0],
        "feeds/0.xml",
        render_rss(outlet.title, home, main_feed),
        "application/rss+xml; charset=utf-8",
    )
    for index, feed in enumerate(outlet.feeds[1:], start=1):
        put(
            feed,
            f"feeds/{index}.xml",
            render_rss(outlet.title, home, specs[:1]),
            "application/rss+xml; charset=utf-8",
        )
    for index, sitemap in enumerate(outlet.sitemaps):
        put(
            sitemap,
            f"sitemaps/{index}.xml",
            render_news_sitemap(specs, outlet.title),
            "application/xml; charset=utf-8",
        )
    for index, listing in enumerate(outlet.listings):
        put(
            listing, f"listings/{index}.html", render_listing(outlet.title, specs), "text/html; charset=utf-8"
        )
    for host in list(routes):
        robots = "User-agent: *\nDisallow: /private/\n" + "".join(
            f"Sitemap: {s}\n" for s in outlet.sitemaps if urlsplit(s).hostname == host
        )
        put(f"https://{host}/robots.txt", "robots.txt", robots, "text/plain; charset=utf-8")
    for host, table in routes.items():
        (SITES / host / "routes.json").write_text(
            json.dumps(table, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
        )
    (EXPECTED / f"{outlet.name}.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1), encoding="utf-8"
    )


def write_layout_fixtures(chosen: dict[str, list[ArticleSpec]]) -> int:
    """One page per layout version of every outlet, dated inside the layout's validity."""
    written = 0
    for outlet in OUTLETS:
        folder = FIXTURES / outlet.name
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("layout-*"):
            old.unlink()
        for version in outlet.parsers:
            later = [
                v.valid_from
                for v in outlet.parsers
                if v.valid_from > version.valid_from and v.hosts == version.hosts
            ]
            day = min(later) - timedelta(days=40) if later else None
            spec = chosen[outlet.name][0]
            domain = version.hosts[0] if version.hosts else outlet.domain
            published = (
                spec.published.replace(year=day.year, month=day.month, day=day.day) if day else spec.published
            )
            spec = dataclasses.replace(spec, domain=domain, published=published)
            name = f"layout-{version.valid_from.isoformat()}"
            html = render_article(spec, version.valid_from.isoformat())
            (folder / f"{name}.html.gz").write_bytes(gzip.compress(html.encode("utf-8"), mtime=0))
            case = {
                "url": spec.url,
                "layout": version.valid_from.isoformat(),
                "expected": expected_fields(spec),
            }
            (folder / f"{name}.json").write_text(
                json.dumps(case, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
            written += 1
    return written


def build_sites() -> None:
    """Stage 2: render every outlet's snapshot from the bundled corpus."""
    texts = load_corpus()
    shutil.rmtree(SITES, ignore_errors=True)
    shutil.rmtree(EXPECTED, ignore_errors=True)
    EXPECTED.mkdir(parents=True)
    chosen = plan(texts)
    for outlet in OUTLETS:
        write_site(outlet, chosen[outlet.name])
    pages = write_layout_fixtures(chosen)
    print(f"fixtures: {pages} layout pages -> {FIXTURES.relative_to(ROOT)}")
    print(
        f"sites: {len(OUTLETS)} outlets, {sum(len(v) for v in chosen.values())} articles "
        f"-> {SITES.relative_to(ROOT)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-copy", action="store_true", help="skip stage 1, use the bundled corpus.jsonl")
    args = parser.parse_args()
    if not args.no_copy:
        copy_corpus(_shared_dir())
    build_sites()


if __name__ == "__main__":
    main()
