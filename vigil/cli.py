"""The `vigil` command: one boundary that turns user errors into messages and exit codes.

A sub-command defined in a part is imported when it is asked for (start-up time: `vigil logs ingest`
loads secmon and the store, not the API, the crawlers or NLP); `vigil --help` imports them all to list them.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from core import __version__
from core.config import config_file_of
from core.console import CliState, console, settings_from
from core.errors import VigilError
from store.errors import StoreError
from store.factory import open_store
from store.query import RecordKind
from store.retention import prune

# Every sub-command in the order `vigil --help` lists it; "config" and "store" are defined here, the others
# in their parts (_part) and loaded on demand.
COMMANDS = ("run", "demo", "config", "store", "crawl", "sources", "nlp", "logs", "rules", "incidents", "keys",
            "users", "kibana")  # fmt: skip


class Parts(TyperGroup):
    """The root group: a part's sub-command is imported and built the first time it is asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in COMMANDS:
            command = self.commands[cmd_name] = _click_command(cmd_name, _part(cmd_name))
        return command

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in COMMANDS:  # a typo: "did you mean" looks among every sub-command
            for name in COMMANDS:
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)


def _part(name: str) -> typer.Typer | Callable[..., Any]:
    """The sub-app (or command function) `name` of a part, imported now."""
    if name in ("run", "demo"):
        from vigil import main_job  # lazy: start-up time, only the part asked for is imported

        return main_job.run_command if name == "run" else main_job.demo_command
    if name in ("crawl", "sources"):
        from crawlers import cli as crawlers_cli  # lazy: start-up time, only the part asked for is imported

        return crawlers_cli.crawl_app if name == "crawl" else crawlers_cli.sources_app
    if name == "nlp":
        from nlp.cli import app as nlp_app  # lazy: start-up time, only the part asked for is imported

        if not any(info.name == "export-labels" for info in nlp_app.registered_commands):
            nlp_app.command("export-labels")(nlp_export_labels)
        return nlp_app
    if name in ("logs", "rules", "incidents"):
        from secmon import cli as secmon_cli  # lazy: start-up time, only the part asked for is imported

        return {"logs": secmon_cli.logs_app, "rules": secmon_cli.rules_app}.get(
            name, secmon_cli.incidents_app
        )
    if name == "users":
        from api.web.cli import users_app  # lazy: start-up time, only the part asked for is imported

        return users_app
    from api import cli as api_cli  # lazy: start-up time, only the part asked for is imported

    return api_cli.keys_app if name == "keys" else api_cli.kibana_app


def _click_command(name: str, found: typer.Typer | Callable[..., Any]) -> Any:
    """What `app.add_typer(found, name=name)` or `app.command(name)(found)` registers, made through typer's
    public API: a group holding only it (same settings as `app`), then its one sub-command."""
    holder = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    if isinstance(found, typer.Typer):
        holder.add_typer(found, name=name)
    else:
        holder.command(name)(found)
    holder.callback()(_nothing)  # a callback makes it a group even around a single command
    group = typer.main.get_command(holder)
    assert isinstance(group, TyperGroup)
    return group.commands[name]


def _nothing() -> None:
    """The holder group's callback (never run: only its sub-command is used)."""


app = typer.Typer(
    name="vigil",
    help="Vigil: press and information-security monitoring for a provincial IOC.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=Parts,
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
    from crawlers.registry import registry_for  # lazy: start-up time (only `config check` reads outlets)
    from vigil.checks import check_references  # lazy: start-up time (it imports the crawlers)

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


def nlp_export_labels(
    ctx: typer.Context,
    output: Path = typer.Option(..., "--output", help="JSONL to write (for `vigil nlp train --add`)"),
) -> None:
    """Export the press officers' topic/tone corrections (who, when) as labelled training rows."""
    from nlp.corrections import export_rows  # lazy: start-up time, only the part asked for is imported
    from nlp.jsonl import write_jsonl  # lazy: start-up time, only the part asked for is imported

    with open_store(settings_from(ctx)) as store:
        rows = export_rows(store.list_records(RecordKind.label_corrections, limit=1_000_000))
    count = write_jsonl(output, rows)
    console.print(f"{count} corrected articles written to {output}", highlight=False)


app.add_typer(config_app, name="config")
app.add_typer(store_app, name="store")


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
