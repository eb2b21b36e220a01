"""`vigil logs|rules|incidents …` (registered by vigil.cli)."""

import typer

from secmon.parsecli import parse_command

logs_app = typer.Typer(help="Ingest and parse security logs.", no_args_is_help=True)
rules_app = typer.Typer(help="Suricata rulesets and Vigil detections.", no_args_is_help=True)
incidents_app = typer.Typer(help="Security incidents.", no_args_is_help=True)
logs_app.command("parse")(parse_command)
