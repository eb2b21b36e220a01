"""Kill the follower (SIGKILL, a real process) mid-file, rotate the file both ways, restart it:
every line is delivered, and de-duplicated by event id each line is there exactly once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRST, APPENDED, AFTER = 600, 100, 300


def _text(i: int) -> str:
    return f"2026-01-05T00:00:00Z host app[1]: event number {i:05d} " + "x" * 60


def _write(path: Path, start: int, stop: int, mode: str = "a") -> None:
    with open(path, mode) as handle:
        handle.writelines(_text(i) + "\n" for i in range(start, stop))


def _start(tmp: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.secmon.follow_worker", "--registry", str(tmp / "registry.json"),
         "--out", str(tmp / "out.jsonl"), "--stop", str(tmp / "stop"), str(log)],
        cwd=ROOT,
    )  # fmt: skip


def _delivered(tmp: Path) -> list[dict[str, str]]:
    out = tmp / "out.jsonl"
    if not out.exists():
        return []
    return [orjson.loads(line) for line in out.read_bytes().splitlines() if line.endswith(b"}")]


def _wait(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def _rename(log: Path) -> None:
    os.rename(log, log.with_name(log.name + ".1"))


def _copytruncate(log: Path) -> None:
    shutil.copyfile(log, log.with_name(log.name + ".1"))
    with open(log, "r+") as handle:
        handle.truncate(0)


@pytest.mark.slow
@pytest.mark.parametrize("rotate", [_rename, _copytruncate], ids=["rename", "copytruncate"])
def test_killed_follower_rotated_and_restarted_delivers_every_line_once(
    tmp_path: Path, rotate: Callable[[Path], None]
) -> None:
    log = tmp_path / "app.log"
    _write(log, 0, FIRST, "w")
    worker = _start(tmp_path, log)
    try:
        _wait(lambda: len(_delivered(tmp_path)) >= 100)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    before = len(_delivered(tmp_path))
    assert before < FIRST, "the follower must be killed mid-file"

    _write(log, FIRST, FIRST + APPENDED)  # written before rotation: only the rotated file has them
    rotate(log)
    _write(log, FIRST + APPENDED, FIRST + APPENDED + AFTER)
    with open(log, "a") as handle:
        handle.write("partial last line")  # no newline yet

    expected = {_text(i) for i in range(FIRST + APPENDED + AFTER)}
    worker = _start(tmp_path, log)
    try:
        _wait(lambda: {r["text"] for r in _delivered(tmp_path)} >= expected)
        time.sleep(0.3)
        assert "partial last line" not in {r["text"] for r in _delivered(tmp_path)}
        with open(log, "a") as handle:
            handle.write(" now complete\n")
        expected.add("partial last line now complete")
        _wait(lambda: "partial last line now complete" in {r["text"] for r in _delivered(tmp_path)})
        (tmp_path / "stop").touch()
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    delivered = _delivered(tmp_path)
    texts = {r["text"] for r in delivered}
    assert texts == expected  # nothing lost, nothing invented
    unique = {r["id"]: r["text"] for r in delivered}
    assert len(unique) == len(expected)  # de-duplicated by id: each line exactly once
    assert sorted(unique.values()) == sorted(expected)
