"""The detection-rule file format (one YAML file per rule), validated with pydantic.

A rule names *selections* (maps of ECS field → expected value(s), keys may carry `|modifiers`),
combines them in a boolean `condition`, and optionally counts matches with a `threshold`
(count or distinct-count per group within a window) or requires an ordered `sequence` of
selections from the same group. Every rule ships `tests`: log lines that must fire and lines
that must not. Tuning (suppressions) lives outside the rule files.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Level = Literal["low", "medium", "high", "critical"]
RULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")
MODIFIERS = frozenset(
    {
        "contains",
        "startswith",
        "endswith",
        "re",
        "cidr",
        "gt",
        "gte",
        "lt",
        "lte",
        "exists",
        "all",
        "urldecode",
        "intel",
    }
)

# A selection is a map {field|modifiers: value or [values]}, or a list of such maps (any of them).
SelectionMap = dict[str, Any]
Selection = SelectionMap | list[SelectionMap]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LogSource(_Strict):
    """Which events a rule reads: an index key so an event only meets rules that can match it."""

    datasets: list[str] = Field(default_factory=list, description="ECS event.dataset values; empty = all")
    event_types: list[str] = Field(
        default_factory=list,
        description="Suricata EVE event types (suricata.eve.event_type); empty = all. "
        "Events without an EVE type (fast.log, syslog…) are not filtered by it.",
    )


class Threshold(_Strict):
    """Fire when `count` matches (or `count` distinct values of `distinct`) share a group within a window."""

    count: int = Field(ge=2)
    window_seconds: int = Field(ge=1, le=7 * 86400)
    group_by: list[str] = Field(default_factory=list)
    distinct: str | list[str] | None = Field(
        default=None,
        description="count distinct values of this field (a list value counts each element), or of the "
        "combination of several fields (e.g. [destination.ip, destination.port])",
    )


class SequenceStep(_Strict):
    selection: str
    min_count: int = Field(default=1, ge=1)


class Sequence(_Strict):
    """Ordered steps from one group, all within `window_seconds` of the first counted event."""

    window_seconds: int = Field(ge=1, le=7 * 86400)
    group_by: list[str] = Field(default_factory=list)
    steps: list[SequenceStep] = Field(min_length=2)


class Detection(_Strict):
    selections: dict[str, Selection]
    condition: str | None = None

    @field_validator("selections")
    @classmethod
    def _check_keys(cls, selections: dict[str, Selection]) -> dict[str, Selection]:
        for name, selection in selections.items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise ValueError(f"selection name {name!r} must be an identifier")
            maps = selection if isinstance(selection, list) else [selection]
            if not maps:
                raise ValueError(f"selection {name!r} is empty")
            for mapping in maps:
                if not mapping:
                    raise ValueError(f"selection {name!r} has an empty map")
                for key in mapping:
                    _field, *mods = key.split("|")
                    unknown = set(mods) - MODIFIERS
                    if unknown:
                        raise ValueError(
                            f"selection {name!r}: unknown modifier(s) {sorted(unknown)} "
                            f"(allowed: {sorted(MODIFIERS)})"
                        )
        return selections


class RuleTests(_Strict):
    """Lines that must raise at least one detection (`fire`) and lines that must raise none (`quiet`)."""

    format: Literal["eve", "fastlog", "syslog", "nginx", "apache"]
    fire: list[str] = Field(min_length=1)
    quiet: list[str] = Field(min_length=1)
    assets: list[dict[str, Any]] = Field(default_factory=list, description="assets configured for the test")
    threat_intel: list[str] = Field(default_factory=list, description="indicators configured for the test")


class DetectionRule(_Strict):
    id: str
    title: str
    description: str = ""
    level: Level
    status: Literal["stable", "test", "experimental"] = "stable"
    tags: list[str] = Field(default_factory=list, description="ATT&CK tags, e.g. attack.t1110.001")
    references: list[str] = Field(default_factory=list)
    author: str = ""
    falsepositives: list[str] = Field(default_factory=list)
    logsource: LogSource = Field(default_factory=LogSource)
    detection: Detection
    threshold: Threshold | None = None
    sequence: Sequence | None = None
    fields: list[str] = Field(default_factory=list, description="ECS fields kept as incident entities")
    tests: RuleTests

    @field_validator("id")
    @classmethod
    def _id_format(cls, value: str) -> str:
        if not RULE_ID.match(value):
            raise ValueError("rule id must be lowercase letters, digits and dashes (3-64 characters)")
        return value

    @field_validator("tags")
    @classmethod
    def _attack_tags(cls, tags: list[str]) -> list[str]:
        for tag in tags:
            if not re.fullmatch(r"attack\.[a-z0-9_.]+", tag):
                raise ValueError(f"tag {tag!r} is not an ATT&CK tag (attack.<tactic> or attack.tNNNN[.NNN])")
        return tags

    @model_validator(mode="after")
    def _consistent(self) -> DetectionRule:
        names = set(self.detection.selections)
        if self.threshold and self.sequence:
            raise ValueError("a rule has either a threshold or a sequence, not both")
        if self.sequence:
            for step in self.sequence.steps:
                if step.selection not in names:
                    raise ValueError(f"sequence step names unknown selection {step.selection!r}")
        elif not self.detection.condition:
            raise ValueError("detection.condition is required (unless the rule is a sequence)")
        return self

    @property
    def group_by(self) -> list[str]:
        if self.threshold:
            return self.threshold.group_by
        if self.sequence:
            return self.sequence.group_by
        return []
