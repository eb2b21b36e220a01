"""Detections kept on local disk while the store cannot take incidents (an Elasticsearch outage).

Detection runs locally (its state is in memory) whatever the store does; turning detections into
incidents needs the store (open incidents are looked up there). While it is unavailable, detections
are appended here (fsynced, one JSON line each) and recorded when it answers again: incidents are
reconciled after the outage and nothing is lost across a restart. Recording the same detection twice
changes nothing (incidents ignore evidence they already hold).
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from secmon.detect.engine import Detection
from store.models import Severity

_FIELDS = {f.name for f in dataclasses.fields(Detection)}
_TIMES = {f.name for f in dataclasses.fields(Detection) if "datetime" in str(f.type)}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Severity):
        return value.value
    return str(value)


def _encode(detection: Detection) -> str:
    return json.dumps(dataclasses.asdict(detection), ensure_ascii=False, default=_plain)


def _decode(line: str) -> Detection | None:
    try:
        data: dict[str, Any] = {k: v for k, v in json.loads(line).items() if k in _FIELDS}
        for name in _TIMES & set(data):
            if isinstance(data[name], str):
                data[name] = datetime.fromisoformat(data[name])
        data["severity"] = Severity(data["severity"])
        return Detection(**data)
    except (ValueError, TypeError, KeyError):
        return None  # a line torn by a crash: it was never acknowledged


class DeferredDetections:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.with_name(f".{self.path.name}.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def __bool__(self) -> bool:
        try:
            return self.path.stat().st_size > 0
        except OSError:
            return False

    def append(self, detections: list[Detection]) -> None:
        if not detections:
            return
        text = "".join(_encode(d) + "\n" for d in detections).encode("utf-8")
        with self._locked(), self.path.open("ab") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())

    def peek(self) -> tuple[list[Detection], int]:
        """The detections waiting, and the byte length they span (for `drop`)."""
        with self._locked():
            try:
                raw = self.path.read_bytes()
            except FileNotFoundError:
                return [], 0
        end = raw.rfind(b"\n") + 1
        found = [d for line in raw[:end].decode("utf-8", "replace").splitlines() if (d := _decode(line))]
        return found, end

    def drop(self, length: int) -> None:
        """Forget the first `length` bytes (recorded); what was appended meanwhile stays."""
        with self._locked():
            try:
                raw = self.path.read_bytes()
            except FileNotFoundError:
                return
            rest = raw[length:]
            tmp = self.path.with_name(f".{self.path.name}.tmp")
            with tmp.open("wb") as handle:
                handle.write(rest)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
