"""Reading and writing JSON Lines (plain or .gz), and pulling article text out of a record."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from nlp.errors import TrainingDataError


def _open(path: Path, mode: str) -> IO[str]:
    if path.suffix == ".gz" and mode == "w":  # mtime=0: the same rows always give the same bytes (and hash)
        return io.TextIOWrapper(gzip.GzipFile(path, "wb", mtime=0), encoding="utf-8")
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.GzipFile(path, "rb"), encoding="utf-8")
    return path.open(mode, encoding="utf-8")


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Yield each JSON object of a JSONL file; a bad line raises TrainingDataError naming the line."""
    if not path.is_file():
        raise TrainingDataError(f"{path} does not exist; give the path of a JSON Lines file")
    with _open(path, "r") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TrainingDataError(
                    f"{path}:{lineno} is not valid JSON ({exc.msg}); fix or remove it"
                ) from exc
            if not isinstance(obj, dict):
                raise TrainingDataError(f"{path}:{lineno} is not a JSON object")
            yield obj


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with _open(path, "w") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def record_parts(record: dict[str, Any]) -> tuple[str, str, str]:
    """(title, lead, body) of a record: `title`, `sapo` or `summary`, `body` or `text`."""

    def text(*keys: str) -> str:
        for key in keys:
            value = record.get(key)
            if isinstance(value, str) and value:
                return value
        return ""

    return text("title"), text("sapo", "summary"), text("body", "text")
