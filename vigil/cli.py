"""The `vigil` command: one boundary that turns user errors into messages and exit codes."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.markup import escape

from api.cli import keys_app, kibana_app
from api.web.cli import users_app
from core import __version__
from core.config import config_file_of
from core.console import CliState, console, settings_from
from core.errors import VigilError
from crawlers.cli import crawl_app, sources_app
from crawlers.registry import registry_for
from nlp.cli import app as nlp_app
from nlp.corrections import export_rows
from nlp.jsonl import write_jsonl
from secmon.cli import incidents_app, logs_app, rules_app
from store.errors import StoreError
from store.factory import open_store
from store.query import RecordKind
from store.retention import prune
from vigil.checks import check_references
from vigil.main_job import demo_command, run_command

app = typer.Typer(
    name="vigil",
    help="Vigil: press and information-security monitoring for a provincial IOC.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Configuration (vigil.toml + VIGIL_* variables).", no_args_is_help=True)
store_app = typer.Typer(help="The index: embedded SQLite or Elasticsearch.", no_args_is_help=True)


@app.callback()
def _root(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None, "--config", "-c", help="Configuration file (default: ./vigil.toml, or $VIGIL_CONFIG)."
    ),
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()
    ctx.obj = CliState(config_path=config)


def config_file(ctx: typer.Context) -> Path | None:
    state = ctx.find_root().obj
    return config_file_of(state.config_path if isinstance(state, CliState) else None)


@config_app.command("check")
def config_check(ctx: typer.Context) -> None:
    """Validate the configuration and print the effective values (secrets hidden)."""
    settings = settings_from(ctx)
    check_references(settings, config_file(ctx))
    outlets = registry_for(settings).outlets  # the outlet files too (bundled and crawl.outlets_dir)
    typer.echo(settings.model_dump_json(indent=2))
    console.print(f"[green]configuration is valid[/green] ({len(outlets)} outlets)")


@store_app.command("init")
def store_init(ctx: typer.Context) -> None:
    """Create the tables or index templates (idempotent)."""
    settings = settings_from(ctx)
    with open_store(settings):
        pass
    console.print(f"[green]store ready[/green] ({settings.store.backend})")


@store_app.command("stats")
def store_stats(ctx: typer.Context) -> None:
    """Document counts per collection."""
    with open_store(settings_from(ctx)) as store:
        counts = store.stats()
    for kind, count in counts.items():
        typer.echo(f"{kind:<12} {count:>10,}")


@store_app.command("prune")
def store_prune(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="count what would be deleted, delete nothing"),
) -> None:
    """Delete documents older than store.retention (events, articles, closed incidents); run daily."""
    settings = settings_from(ctx)
    retention = settings.store.retention
    with open_store(settings) as store:
        done = prune(store, retention, datetime.now(UTC), dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    for kind, days in (
        ("events", retention.events_days),
        ("articles", retention.articles_days),
        ("incidents", retention.incidents_days),
    ):
        kept = "kept for ever" if days is None else f"{verb} {done.get(kind, 0):,} older than {days} days"
        typer.echo(f"{kind:<10} {kept}")


@nlp_app.command("export-labels")
def nlp_export_labels(
    ctx: typer.Context,
    output: Path = typer.Option(..., "--output", help="JSONL to write (for `vigil nlp train --add`)"),
) -> None:
    """Export the press officers' topic/tone corrections (who, when) as labelled training rows."""
    with open_store(settings_from(ctx)) as store:
        rows = export_rows(store.list_records(RecordKind.label_corrections, limit=1_000_000))
    count = write_jsonl(output, rows)
    console.print(f"{count} corrected articles written to {output}", highlight=False)


app.add_typer(config_app, name="config")
app.add_typer(store_app, name="store")
app.add_typer(crawl_app, name="crawl")
app.add_typer(sources_app, name="sources")
app.add_typer(nlp_app, name="nlp")
app.add_typer(logs_app, name="logs")
app.add_typer(rules_app, name="rules")
app.add_typer(incidents_app, name="incidents")
app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")
app.add_typer(kibana_app, name="kibana")
app.command("run")(run_command)
app.command("demo")(demo_command)


def main() -> None:
    """Entry point: user errors print one clear message and exit non-zero, without a stack trace."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except VigilError as exc:
        label = "store error" if isinstance(exc, StoreError) else "error"
        console.print(f"[red]{label}:[/red] {escape(str(exc))}", highlight=False)  # text, not markup
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
