"""`vigil crawl …` and `vigil sources …` (registered by vigil.cli)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import typer
from rich.markup import escape

from core.console import console, settings_from
from crawlers.decode import decode_html
from crawlers.extract import parse_with
from crawlers.health import outlet_health
from crawlers.outlet import load_outlet
from crawlers.registry import registry_for
from store.factory import open_store

crawl_app = typer.Typer(
    help="Crawl the press outlets (`vigil crawl`), or debug a parser on a saved page (`vigil crawl parse`).",
    invoke_without_command=True,
    no_args_is_help=False,
)
PARSED_FIELDS = (
    "title", "sapo", "body", "authors", "published_at", "outlet", "category", "tags", "canonical_url",
)  # fmt: skip
sources_app = typer.Typer(help="The outlet registry and its health.", no_args_is_help=True)


@crawl_app.callback(invoke_without_command=True)
def crawl(
    ctx: typer.Context,
    outlet: list[str] = typer.Option(
        [],
        "--outlet",
        "-o",
        help="Outlet name (repeatable; default: crawl.outlets or all). See `vigil sources list`.",
    ),
    limit: int | None = typer.Option(
        None, "--limit", "-n", min=1, help="At most N article pages per outlet."
    ),
    base_url: str | None = typer.Option(
        None, "--base-url", help="Fetch every outlet from this snapshot server instead of the internet."
    ),
) -> None:
    """Crawl feeds and sitemaps, extract, dedup, cluster, enrich and index the articles."""
    if ctx.invoked_subcommand is not None:
        return
    from crawlers.runner import run_crawl  # lazy: Scrapy and Twisted cost ~0.45 s, only a crawl needs them

    settings = settings_from(ctx)
    registry_for(settings).select(outlet or None)  # fail fast on a misspelt name, before starting a crawl
    summary = run_crawl(settings, outlets=outlet or None, limit=limit, base_url=base_url, progress=True)
    console.print(
        f"[bold]pages[/bold] {summary.pages}  [bold]articles[/bold] {summary.articles}  "
        f"[bold]duplicates[/bold] {summary.duplicates}  [bold]clusters[/bold] {summary.clusters}  "
        f"[bold]errors[/bold] {summary.errors}  ({summary.elapsed_seconds:.1f} s, {summary.finish_reason})"
    )
    for reason, count in sorted(summary.errors_by_reason.items()):
        console.print(f"  error {reason:<24} {count:>6}")
    for reason, count in sorted(summary.dropped_by_reason.items()):
        console.print(f"  dropped {reason:<22} {count:>6}")
    for reason, count in sorted(summary.skipped_by_reason.items()):
        console.print(f"  skipped {reason:<22} {count:>6}")
    typer.echo(
        json.dumps(
            {
                "pages": summary.pages,
                "articles": summary.articles,
                "duplicates": summary.duplicates,
                "clusters": summary.clusters,
                "errors_by_reason": summary.errors_by_reason,
                "dropped_by_reason": summary.dropped_by_reason,
                "skipped_by_reason": summary.skipped_by_reason,
            },
            ensure_ascii=False,
        )
    )


@crawl_app.command("parse")
def parse(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="A saved HTML page."),
    url: str = typer.Option(..., "--url", help="The page's URL: its domain chooses the outlet."),
    outlet_file: Path | None = typer.Option(
        None,
        "--outlet-file",
        exists=True,
        dir_okay=False,
        help="Read with this outlet file (a new or edited one).",
    ),
    layout: datetime | None = typer.Option(
        None, "--layout", formats=["%Y-%m-%d"], help="Use the layout valid on this day (default: the newest)."
    ),
) -> None:
    """Print what Vigil reads from a saved page as JSON: each field, the source that filled it
    (selectors, signature, jsonld, meta, generic) and the layout version used."""
    outlet = (
        load_outlet(outlet_file)
        if outlet_file
        else registry_for(settings_from(ctx)).for_host(urlsplit(url).hostname or "")
    )
    html, _codec = decode_html(file.read_bytes())
    item = parse_with(outlet, html, url, when=layout)
    data = item.article.model_dump(mode="json", include=set(PARSED_FIELDS))
    shown = {**{key: data[key] for key in PARSED_FIELDS}, "parser": item.parser, "sources": item.sources}
    typer.echo(json.dumps(shown, ensure_ascii=False, indent=2))


@sources_app.command("list")
def sources_list(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")
) -> None:
    """The outlets in the registry (bundled and `crawl.outlets_dir`), their feeds and sitemaps."""
    outlets = registry_for(settings_from(ctx)).outlets
    if as_json:
        rows = [
            {
                "name": o.name,
                "title": o.title,
                "domain": o.domain,
                "aliases": list(o.aliases),
                "language": o.language,
                "scope": o.scope,
                "feeds": list(o.feeds),
                "sitemaps": list(o.sitemaps),
                "urls_checked": o.urls_checked.isoformat() if o.urls_checked else None,
                "parser_versions": [v.valid_from.isoformat() for v in o.parsers],
            }
            for o in outlets
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for o in outlets:
        checked = f"checked {o.urls_checked}" if o.urls_checked else "URLs not checked"
        typer.echo(
            f"{o.name:<12} {o.domain:<18} {o.scope:<9} {len(o.feeds)} feeds  "
            f"{len(o.sitemaps)} sitemaps  {checked:<19} {o.title}"
        )


@sources_app.command("check")
def sources_check(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """Per outlet: last successful fetch, articles per day, SILENT when an active outlet stopped."""
    settings = settings_from(ctx)
    with open_store(settings) as store:
        report = outlet_health(store, settings)
    if as_json:
        typer.echo(json.dumps([h.to_json() for h in report], ensure_ascii=False, indent=2))
        return
    for h in report:
        when = h.last_success.isoformat(timespec="minutes") if h.last_success else "never"
        flag = "SILENT" if h.silent else "LAYOUT?" if h.layout_changed else "ok"
        typer.echo(
            f"{h.name:<12} {flag:<7} last success {when:<26} "
            f"{h.articles_per_day:>7.2f}/day  {h.articles_total} total"
        )
    silent = [h.name for h in report if h.silent]
    if silent:
        console.print(f"[yellow]silent outlets:[/yellow] {', '.join(silent)}")
    for h in report:
        if h.layout_changed:
            shares = ", ".join(f"{name} {h.fallback_shares.get(name, 0):.0%}" for name in h.layout_changed)
            advice = escape("check with `vigil crawl parse` on a saved page, add a [[layouts]] entry")
            console.print(
                f"[yellow]layout changed?[/yellow] {h.name}: pages whose fields its selectors did not read: "
                f"{shares} ({advice})"
            )
