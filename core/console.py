"""What every `vigil` sub-command shares: the settings chosen by `--config`, a console, progress bars.

Part CLIs (crawlers/cli.py, secmon/cli.py, …) call `settings_from(ctx)`; this module imports no part.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from core.config import Settings, load_settings

console = Console(stderr=True)


@dataclass
class CliState:
    config_path: Path | None = None
    settings: Settings | None = None


def settings_from(ctx: typer.Context) -> Settings:
    """The validated settings for this invocation (loaded once)."""
    root = ctx.find_root()
    state = root.obj if isinstance(root.obj, CliState) else CliState()
    root.obj = state
    if state.settings is None:
        state.settings = load_settings(state.config_path)
    return state.settings


def progress() -> Progress:
    """A rich progress bar on stderr (stdout stays clean for JSON output)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
