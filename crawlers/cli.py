"""`vigil crawl …` and `vigil sources …` (registered by vigil.cli)."""

import typer

crawl_app = typer.Typer(help="Crawl the press outlets.", no_args_is_help=True)
sources_app = typer.Typer(help="The outlet registry and its health.", no_args_is_help=True)
