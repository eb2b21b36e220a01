"""Per-source thresholds: a counting rule may have its own count/window for the events of one log input.

    [[secmon.logs]]
    path = "/var/log/nginx/portal-access.log"
    thresholds = { web-forced-browsing = { count = 200, window_seconds = 60 } }

An event's input is its `log.file.path`, matched against `secmon.logs` as the ingester matches it (the
exact path first, then the first glob). Events of an input with its own threshold for a rule are counted
apart (their own groups), so one input's threshold never changes what another input's events raise;
inputs without one share the rule's threshold and counting, as before.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from typing import Any

from core.config import LogSource
from core.errors import ConfigError
from secmon.detect.schema import DetectionRule, Threshold

Scope = tuple[str, dict[str, Threshold]]  # (the input's configured path, rule id → its threshold)


def source_for(configured: Sequence[LogSource], path: str) -> tuple[int, LogSource] | None:
    """The `secmon.logs` entry (index, entry) of `path`: its exact path first, then the first glob."""
    for index, source in enumerate(configured):
        if source.path == path:
            return index, source
    for index, source in enumerate(configured):
        if fnmatch.fnmatch(path, source.path):
            return index, source
    return None


class SourceThresholds:
    """The thresholds configured per input, checked against the loaded rules."""

    def __init__(self, configured: Sequence[LogSource], rules: Iterable[DetectionRule]) -> None:
        by_id = {rule.id: rule for rule in rules}
        self.configured = list(configured)
        self.scopes: dict[int, Scope] = {}
        for index, source in enumerate(self.configured):
            chosen: dict[str, Threshold] = {}
            for rule_id, wanted in source.thresholds.items():
                key = f"secmon.logs[{index}].thresholds.{rule_id}"
                rule = by_id.get(rule_id)
                if rule is None:
                    raise ConfigError(
                        f"{key}: no rule {rule_id!r} is loaded (input {source.path}); "
                        "rules with a threshold: "
                        f"{', '.join(sorted(r.id for r in by_id.values() if r.threshold)) or 'none'}",
                        key=key,
                    )
                if rule.sequence is not None:
                    raise ConfigError(
                        f"{key}: rule {rule_id!r} is a sequence of steps, not a count: per-input thresholds "
                        "apply to rules with a threshold only",
                        key=key,
                    )
                if rule.threshold is None:
                    raise ConfigError(
                        f"{key}: rule {rule_id!r} fires on single events (it has no threshold), so it cannot "
                        f"have one per input; suppress it for this input instead (secmon.suppressions_file)",
                        key=key,
                    )
                if rule.threshold.distinct is None and wanted.count < 2:
                    raise ConfigError(
                        f"{key}: count must be at least 2 for rule {rule_id!r} (it counts events; a count of "
                        "1 is one event: write a rule without a threshold instead)",
                        key=key,
                    )
                update: dict[str, Any] = {"count": wanted.count}
                if wanted.window_seconds is not None:
                    update["window_seconds"] = wanted.window_seconds
                chosen[rule_id] = rule.threshold.model_copy(update=update)
            if chosen:
                self.scopes[index] = (source.path, chosen)
        self._cache: dict[Any, Scope | None] = {}

    def __bool__(self) -> bool:
        return bool(self.scopes)

    def of(self, doc: dict[str, Any]) -> Scope | None:
        """The scope of an event: its input's own thresholds, or None (the rules' own)."""
        log = doc.get("log")
        file = log.get("file") if type(log) is dict else None
        path = file.get("path") if type(file) is dict else None
        if path is None:
            return None
        try:
            return self._cache[path]
        except KeyError:
            pass
        found = source_for(self.configured, path)
        scope = self.scopes.get(found[0]) if found else None
        if len(self._cache) < 10_000:
            self._cache[path] = scope
        return scope
