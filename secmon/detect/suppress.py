"""Suppressions: tuning kept outside the rule files, each with a reason and an expiry.

File (YAML, `secmon.suppressions_file`): a list of entries
`{rule: <id or "*">, match: {<ECS field>: <value or CIDR>}, expires: <date/datetime>, reason: <text>}`.
An expired entry no longer suppresses anything (and `vigil rules list` can show it as expired).
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from secmon.errors import RuleError
from store.models import get_path


class Suppression(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str = "*"
    match: dict[str, str | int] = Field(default_factory=dict)
    expires: datetime
    reason: str = Field(min_length=3)

    @field_validator("expires", mode="before")
    @classmethod
    def _end_of_day(cls, value: Any) -> Any:
        """A bare date means "until the end of that day" (UTC)."""
        if isinstance(value, str) and len(value.strip()) == 10:
            value = date.fromisoformat(value.strip())
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime.combine(value, time.max, tzinfo=UTC)
        return value

    @field_validator("expires")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    def applies(self, rule_id: str, doc: dict[str, Any], at: datetime) -> bool:
        if at > self.expires or self.rule not in ("*", rule_id):
            return False
        for field, expected in self.match.items():
            actual = get_path(doc, field)
            if actual is None:
                return False
            if not _same(actual, expected):
                return False
        return True


def _same(actual: Any, expected: str | int) -> bool:
    values = actual if isinstance(actual, list) else [actual]
    wanted = str(expected)
    if "/" in wanted:
        try:
            network = ipaddress.ip_network(wanted, strict=False)
        except ValueError:
            network = None
        if network is not None:
            for value in values:
                try:
                    if ipaddress.ip_address(str(value)) in network:
                        return True
                except ValueError:
                    continue
            return False
    return any(str(value).lower() == wanted.lower() for value in values)


class Suppressions:
    def __init__(self, entries: list[Suppression] | None = None) -> None:
        self.entries = entries or []

    def match(self, rule_id: str, doc: dict[str, Any], at: datetime | None = None) -> Suppression | None:
        """The first active entry that silences this detection, if any.

        Expiry is judged against wall-clock time: a suppression ends when it says, whatever the
        age of the log being replayed.
        """
        now = at or datetime.now(UTC)
        for entry in self.entries:
            if entry.applies(rule_id, doc, now):
                return entry
        return None

    @classmethod
    def from_file(cls, path: Path | None) -> Suppressions:
        if path is None:
            return cls()
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except OSError as exc:
            raise RuleError(f"cannot read suppressions file {path}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise RuleError(f"suppressions file {path} is not valid YAML: {exc}") from None
        if not isinstance(raw, list):
            raise RuleError(f"suppressions file {path} must hold a list of entries")
        entries = []
        for number, item in enumerate(raw, 1):
            try:
                entries.append(Suppression.model_validate(item))
            except ValidationError as exc:
                raise RuleError(f"suppressions file {path}, entry {number}: {exc}") from None
        return cls(entries)
