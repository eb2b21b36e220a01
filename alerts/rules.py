"""The alert rules: one TOML file per kind in alerts/rules/, each with its parameters."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import ConfigError

RULES_DIR = Path(__file__).resolve().parent / "rules"
KINDS = ("watchlist_match", "negative_spike", "story_spread", "outlet_silent")


@dataclass(frozen=True)
class Rule:
    kind: str
    title: str
    params: dict[str, Any]

    def get(self, name: str) -> Any:
        return self.params[name]


def load_rules(directory: Path = RULES_DIR) -> dict[str, Rule]:
    """Every rule file of `directory` by kind; an unknown kind or a missing file is an error."""
    rules: dict[str, Rule] = {}
    for path in sorted(directory.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        kind = data.pop("kind", None)
        if kind not in KINDS:
            raise ConfigError(f"{path.name}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
        rules[kind] = Rule(kind=kind, title=str(data.pop("title", kind)), params=data)
    missing = [k for k in KINDS if k not in rules]
    if missing:
        raise ConfigError(f"{directory}: no rule file for {', '.join(missing)}")
    return rules
