"""`vigil keys|kibana …` (registered by vigil.cli)."""

import typer

keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
kibana_app = typer.Typer(help="Kibana saved objects.", no_args_is_help=True)
