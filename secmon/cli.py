"""`vigil logs|rules|incidents …` (registered by vigil.cli)."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from core.console import console, progress, settings_from
from secmon.detect import Suppressions, load_rules
from secmon.detect.testing import run_rule_tests
from secmon.errors import RuleError
from secmon.incidents import SHORT_ID, add_note, change_incident, find_incident, incident_summary, short_id
from secmon.parsecli import ZONE_HELP, parse_command, zone_option
from secmon.parsers import FORMATS, describe
from secmon.pipeline import ingest_paths
from secmon.ruleset import RulesetPaths, current_version, update_ruleset
from store.factory import open_store
from store.models import Incident, IncidentStatus
from store.query import Kind, SearchQuery, SortField, Term

logs_app = typer.Typer(help="Ingest and parse security logs.", no_args_is_help=True)
rules_app = typer.Typer(help="Suricata rulesets and Vigil detections.", no_args_is_help=True)
incidents_app = typer.Typer(help="Security incidents.", no_args_is_help=True)
logs_app.command("parse")(parse_command)


@logs_app.command("formats")
def formats_command() -> None:
    """List the log formats Vigil reads (name, datasets, what it covers)."""
    sys.stdout.write(describe() + "\n")


FORMAT_HELP = f"auto or one of {', '.join(FORMATS)} (see `vigil logs formats`)"


def _emit_json(data: object) -> None:
    sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str) + b"\n")
    sys.stdout.flush()


@logs_app.command("ingest")
def ingest_command(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(
        ..., help="log files (plain or .gz, globs with --follow), or - for stdin"
    ),
    fmt: str = typer.Option("auto", "--format", "-f", help=FORMAT_HELP),
    follow: bool = typer.Option(False, "--follow", help="keep following the files (Ctrl-C to stop)"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON on stdout"),
    zone_text: str | None = typer.Option(None, "--timezone", help=ZONE_HELP),
) -> None:
    """Parse, detect and index logs; end with a summary (lines, events, errors, detections, incidents)."""
    zone = zone_option(zone_text)
    settings = settings_from(ctx)
    sizes = {p: os.path.getsize(p) for p in paths if p != "-" and os.path.isfile(p) and not p.endswith(".gz")}
    with open_store(settings) as store, progress() as bar:
        tasks = {p: bar.add_task(Path(p).name if p != "-" else "stdin", total=sizes.get(p)) for p in paths}

        def advance(path: str, consumed: int) -> None:
            task = tasks.get(path)
            if task is None:
                task = tasks[path] = bar.add_task(Path(path).name, total=None)
            bar.advance(task, consumed)

        summary = ingest_paths(settings, store, paths, fmt=fmt, follow=follow, progress=advance, zone=zone)
    if as_json:
        _emit_json(summary.as_dict())
        return
    table = Table(title="ingest summary", show_header=False)
    table.add_row("lines read", f"{summary.lines_read:,} ({summary.bytes_read / 1048576:.1f} MiB)")
    table.add_row("formats", ", ".join(f"{Path(p).name}: {f}" for p, f in summary.formats.items()))
    for dataset, count in sorted(summary.events_by_dataset.items()):
        table.add_row(f"events {dataset}", f"{count:,}")
    table.add_row("events by type", ", ".join(f"{k}: {v:,}" for k, v in summary.events_by_type.most_common()))
    table.add_row("parse errors", f"{summary.parse_errors:,}")
    if summary.refused:
        table.add_row("refused by the store (kept as errors)", f"{summary.refused:,}")
    table.add_row("indexed / spooled / failed", f"{summary.events_indexed:,} / {summary.events_spooled:,} / "
                  f"{summary.index_errors:,}")  # fmt: skip
    table.add_row("detections", f"{summary.detections:,} (suppressed {summary.suppressed:,})")
    for rule, count in summary.detections_by_rule.most_common():
        table.add_row(f"  {rule}", f"{count:,}")
    table.add_row(
        "incidents opened / updated", f"{summary.incidents_opened:,} / {summary.incidents_updated:,}"
    )
    table.add_row(
        "notifications sent / pending", f"{summary.notifications_sent:,} / {summary.notifications_pending:,}"
    )
    table.add_row("time", f"{summary.seconds:.1f} s")
    console.print(table)


@rules_app.command("update")
def rules_update(
    ctx: typer.Context,
    source: list[str] = typer.Option(
        None, "--source", help="suricata-update source URL (file://…); repeatable"
    ),
    local: list[Path] = typer.Option(None, "--local", help="local rule file or directory; repeatable"),
    no_test: bool = typer.Option(False, "--no-test", help="do not test the ruleset with `suricata -T`"),
) -> None:
    """Build the Suricata ruleset (suricata-update, offline), test it; keep the previous one on failure."""
    settings = settings_from(ctx)
    with open_store(settings) as store, console.status("building the ruleset with suricata-update…"):
        record = update_ruleset(
            settings,
            store,
            sources=source or None,
            local=local or None,
            suricata=None if no_test else "auto",
        )
    console.print(
        f"[green]ruleset {record.version}[/green]: {record.rules_enabled:,} enabled of "
        f"{record.rules_total:,} rules, tested with {record.tested_with or 'nothing (no suricata binary)'}; "
        f"in {RulesetPaths.from_settings(settings).current}"
    )


@rules_app.command("list")
def rules_list(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """The detection rules, the Suricata ruleset version and the suppressions (active or expired)."""

    settings = settings_from(ctx)
    rules = load_rules(settings.secmon.rules_dir)
    ruleset = current_version(RulesetPaths.from_settings(settings))
    suppressions = Suppressions.from_file(settings.secmon.suppressions_file)
    now = datetime.now(UTC)
    if as_json:
        _emit_json(
            {
                "rules": [
                    {
                        "id": r.id,
                        "title": r.title,
                        "level": r.level,
                        "tags": r.tags,
                        "datasets": r.logsource.datasets,
                    }
                    for r in rules
                ],
                "suricata_ruleset": ruleset.__dict__ if ruleset else None,
                "suppressions": [
                    dict(s.model_dump(mode="json"), active=s.expires >= now) for s in suppressions.entries
                ],
            }
        )
        return
    table = Table(title=f"{len(rules)} detection rules")
    for column in ("id", "level", "title", "ATT&CK"):
        table.add_column(column)
    for rule in rules:
        table.add_row(rule.id, rule.level, rule.title, " ".join(t[7:] for t in rule.tags))
    console.print(table)
    if ruleset:
        console.print(f"Suricata ruleset {ruleset.version}: {ruleset.rules_enabled:,} enabled rules")
    else:
        console.print("no Suricata ruleset yet: run `vigil rules update`")
    for entry in suppressions.entries:
        state = "active" if entry.expires >= now else "expired"
        console.print(
            f"suppression ({state} until {entry.expires:%Y-%m-%d}): {entry.rule} {entry.match}: "
            f"{entry.reason}"
        )


@rules_app.command("test")
def rules_test(
    ctx: typer.Context, rule_ids: list[str] = typer.Argument(None, help="rule ids (default: all)")
) -> None:
    """Run every rule's own lines: `fire` lines must raise it, `quiet` lines must not."""
    settings = settings_from(ctx)
    rules = load_rules(settings.secmon.rules_dir)
    if rule_ids:
        unknown = set(rule_ids) - {r.id for r in rules}
        if unknown:
            raise RuleError(f"unknown rule id(s): {', '.join(sorted(unknown))} (see `vigil rules list`)")
        rules = [r for r in rules if r.id in rule_ids]
    failed = 0
    for rule in rules:
        result = run_rule_tests(rule)
        if result.ok:
            console.print(
                f"[green]ok[/green]   {rule.id} (fire: {result.fired_on_fire} detection(s), quiet: 0)"
            )
        else:
            failed += 1
            console.print(f"[red]FAIL[/red] {rule.id}: {escape('; '.join(result.problems))}")
    if failed:
        raise RuleError(f"{failed} of {len(rules)} rule(s) failed their tests")
    console.print(f"[green]{len(rules)} rule(s) passed[/green]")


@incidents_app.command("list")
def incidents_list(
    ctx: typer.Context,
    status: list[str] = typer.Option(None, "--status", help="new, acknowledged, resolved, false_positive"),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Incidents, most recently seen first."""
    wanted = tuple(IncidentStatus(s).value for s in status or [])
    query = SearchQuery(
        filters=(Term("status", wanted),) if wanted else (),
        sort=(SortField("last_seen", True),),
        size=limit,
    )
    with open_store(settings_from(ctx)) as store:
        page = store.search(Kind.incidents, query)
    incidents = [Incident.model_validate(hit.source) for hit in page.hits]
    if as_json:
        _emit_json([incident_summary(i) for i in incidents])
        return
    table = Table(title=f"{len(incidents)} of {page.total} incident(s)")
    table.add_column("id", no_wrap=True, min_width=SHORT_ID)  # as `incidents show/update` accept it
    for column in ("severity", "status", "rule", "source", "asset", "events", "last seen"):
        table.add_column(column)
    for i in incidents:
        table.add_row(
            short_id(i.id), i.severity.value, i.status.value, i.rule_id,
            i.source_ip or i.source_domain or "-", i.asset or "-", str(i.event_count),
            f"{i.last_seen:%Y-%m-%d %H:%M}",
        )  # fmt: skip
    console.print(table)


@incidents_app.command("update")
def incidents_update(
    ctx: typer.Context,
    incident_id: str = typer.Argument(
        ..., help="incident id or its first characters (`vigil incidents list`)"
    ),
    actor: str = typer.Option(..., "--actor", help="who makes the change (kept in the audit trail)"),
    status: str = typer.Option(None, "--status", help="acknowledged, resolved, false_positive"),
    assignee: str = typer.Option(None, "--assignee", help="analyst to assign (empty string un-assigns)"),
    note: str = typer.Option(None, "--note", help="add a note"),
) -> None:
    """Change an incident's status or assignee, or add a note (audited)."""
    with open_store(settings_from(ctx)) as store:
        incident_id = find_incident(store, incident_id).id
        incident = None
        if status is not None or assignee is not None:
            incident = change_incident(store, incident_id, actor=actor, status=status, assignee=assignee)
        if note:
            incident = add_note(store, incident_id, actor=actor, text=note)
    if incident is not None:
        console.print(f"incident {incident.id}: {incident.status.value}, assignee {incident.assignee or '-'}")


@incidents_app.command("show")
def incidents_show(
    ctx: typer.Context,
    incident_id: str = typer.Argument(
        ..., help="incident id or its first characters (`vigil incidents list`)"
    ),
) -> None:
    """One incident as JSON: evidence event ids, entities, notes and the audit trail."""
    with open_store(settings_from(ctx)) as store:
        incident = find_incident(store, incident_id)
    _emit_json(incident.model_dump(mode="json"))
