"""`vigil run` (the main job) and `vigil demo`."""

from __future__ import annotations

import typer


def run_command(ctx: typer.Context) -> None:
    """Run everything on a schedule: crawl, enrich, follow logs, detect, notify, serve the API."""
    raise typer.Exit(code=1)


def demo_command(ctx: typer.Context) -> None:
    """Run Vigil against bundled snapshot outlets and real sample logs on 127.0.0.1."""
    raise typer.Exit(code=1)
