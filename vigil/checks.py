"""Checks of the settings that need the parts (the settings model in core/ cannot import them)."""

from __future__ import annotations

from pathlib import Path

from core.config import Settings, source_of
from core.errors import ConfigError
from crawlers.registry import OUTLETS
from secmon.detect import load_rules
from secmon.detect.per_source import SourceThresholds


def check_references(settings: Settings, source: Path | None) -> None:
    """What the settings model cannot check alone: names that must exist in the parts' registries."""
    known = {outlet.name for outlet in OUTLETS}
    unknown = [name for name in settings.crawl.outlets if name.lower() not in known]
    if unknown:
        origin = source_of(("crawl", "outlets"), str(source) if source else "configuration")
        raise ConfigError(
            f"crawl.outlets: unknown outlet(s) {', '.join(map(repr, unknown))} ({origin}); "
            f"known outlets: {', '.join(sorted(known))} (`vigil sources list`)",
            key="crawl.outlets",
        )
    if any(log.thresholds for log in settings.secmon.logs):  # per-source thresholds name loaded rules
        SourceThresholds(settings.secmon.logs, load_rules(settings.secmon.rules_dir))
