"""FileFollower and read_once on real files: partial lines, restart, at-least-once commits, rotation,
.gz backfill, the atomic registry, stdin."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from secmon.errors import InputError
from secmon.inputs import FileFollower, Line, read_once

ROOT = Path(__file__).resolve().parents[2]


def texts(lines: list[Line]) -> list[str]:
    return [line.text for line in lines]


def follower(tmp: Path, *paths: Path | str) -> FileFollower:
    return FileFollower([str(p) for p in paths], tmp / "state" / "registry.json", close_rotated_after=0)


def test_partial_last_line_waits_for_its_newline(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("one\ntwo\nthr")
    f = follower(tmp_path, log)
    assert texts(f.poll()) == ["one", "two"]
    assert f.poll() == []
    with open(log, "a") as handle:
        handle.write("ee\r\nfour\n")
    lines = f.poll()
    assert texts(lines) == ["three", "four"]  # CRLF endings lose the \r too
    assert [(x.offset, x.end) for x in lines] == [(8, 15), (15, 20)]


def test_first_line_incomplete_is_not_read_yet(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("no newline yet")
    f = follower(tmp_path, log)
    assert f.poll() == []
    with open(log, "a") as handle:
        handle.write("\n")
    assert texts(f.poll()) == ["no newline yet"]


def test_restart_resumes_at_the_committed_offset_only(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("".join(f"line {i}\n" for i in range(10)))
    f = follower(tmp_path, log)
    lines = f.poll(4)
    assert texts(lines) == [f"line {i}" for i in range(4)]
    f.commit(lines[:3])  # the store acknowledged three of them
    more = f.poll(100)  # read but never acknowledged
    assert texts(more) == [f"line {i}" for i in range(4, 10)]
    f.close()

    again = follower(tmp_path, log).poll(100)
    assert texts(again) == [f"line {i}" for i in range(3, 10)]  # at-least-once: re-delivered
    assert (again[0].origin, again[0].offset) == (lines[3].origin, lines[3].offset)  # same id inputs


def test_rewind_redelivers_uncommitted_lines(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("a\nb\nc\n")
    f = follower(tmp_path, log)
    f.commit(f.poll(1))
    assert texts(f.poll()) == ["b", "c"]
    f.rewind()  # e.g. the store refused the batch
    assert texts(f.poll()) == ["b", "c"]


def test_rename_rotation_reads_old_file_to_end_then_new_one(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("old 1\n")
    f = follower(tmp_path, log)
    f.commit(f.poll())
    with open(log, "a") as handle:
        handle.write("old 2\n")
    os.rename(log, tmp_path / "app.log.1")
    log.write_text("new 1\n")
    with open(tmp_path / "app.log.1", "a") as handle:  # a writer that has not reopened yet
        handle.write("old 3\n")
    lines = f.poll()
    assert texts(lines) == ["old 2", "old 3", "new 1"]
    f.commit(lines)
    assert f.poll() == [] and len(f._open) == 1  # the rotated file was closed at its end


def test_copytruncate_reads_the_tail_from_the_copy(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("first\n")
    f = follower(tmp_path, log)
    f.commit(f.poll())
    with open(log, "a") as handle:
        handle.write("second\n")
    shutil.copyfile(log, tmp_path / "app.log.1")
    with open(log, "r+") as handle:
        handle.truncate(0)
    with open(log, "a") as handle:
        handle.write("after truncate\n")
    assert sorted(texts(f.poll())) == ["after truncate", "second"]


def test_truncated_file_without_copy_starts_over(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("a long first line that will be truncated\n")
    f = follower(tmp_path, log)
    f.commit(f.poll())
    with open(log, "r+") as handle:
        handle.truncate(0)
    with open(log, "a") as handle:
        handle.write("fresh\n")
    lines = f.poll()
    assert texts(lines) == ["fresh"] and lines[0].offset == 0


def test_gz_backfill_is_read_once(tmp_path: Path) -> None:
    with gzip.open(tmp_path / "app.log.2.gz", "wt") as handle:
        handle.write("archived 1\narchived 2")  # the last line of a complete archive needs no newline
    (tmp_path / "app.log").write_text("live 1\n")
    f = follower(tmp_path, tmp_path / "app.log*")
    lines = f.poll()
    assert sorted(texts(lines)) == ["archived 1", "archived 2", "live 1"]
    f.commit(lines)
    assert f.poll() == [] and f.poll() == []
    f.close()
    entries = json.loads((tmp_path / "state" / "registry.json").read_text())["files"].values()
    archive = [e for e in entries if e["path"].endswith(".gz")]
    assert [e["eof_offset"] for e in archive] == [len("archived 1\narchived 2")]  # known complete
    assert follower(tmp_path, tmp_path / "app.log*").poll() == []  # not re-read after a restart


def test_compressed_rotation_of_a_read_file_is_not_read_again(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("x 1\nx 2\n")
    f = follower(tmp_path, tmp_path / "app.log*")
    f.commit(f.poll())
    f.close()
    with open(log, "rb") as src, gzip.open(tmp_path / "app.log.1.gz", "wb") as dst:
        dst.write(src.read())  # logrotate: rotate + compress
    log.unlink()
    assert follower(tmp_path, tmp_path / "app.log*").poll() == []


def test_many_files_and_max_lines(tmp_path: Path) -> None:
    for name in ("a.log", "b.log"):
        (tmp_path / name).write_text("".join(f"{name} {i}\n" for i in range(5)))
    f = follower(tmp_path, tmp_path / "*.log")
    first = f.poll(7)
    assert len(first) == 7
    rest = f.poll(100)
    assert sorted(texts(first + rest)) == sorted(f"{n} {i}" for n in ("a.log", "b.log") for i in range(5))
    assert len({line.origin for line in first + rest}) == 2


def test_registry_is_written_atomically_and_is_valid_json(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("a\nb\n")
    f = follower(tmp_path, log)
    f.commit(f.poll())
    state = tmp_path / "state"
    assert [p.name for p in state.iterdir()] == ["registry.json"]  # no temporary file left behind
    data = json.loads((state / "registry.json").read_text())
    (entry,) = data["files"].values()
    assert entry["offset"] == 4 and entry["path"] == str(log)


def test_corrupt_registry_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "registry.json").write_text("{not json")
    with pytest.raises(InputError, match="move it away"):
        follower(tmp_path, tmp_path / "a.log")


def test_read_once_file_and_gz_share_ids_with_the_follower(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("one\ntwo\nlast without newline")
    os.utime(log, (1_700_000_000, 1_700_000_000))  # not written for a while: its last line is complete
    once = list(read_once(str(log)))
    assert texts(once) == ["one", "two", "last without newline"]
    followed = follower(tmp_path, log).poll()
    assert [(x.origin, x.offset) for x in followed] == [(x.origin, x.offset) for x in once[:2]]
    with gzip.open(tmp_path / "a.log.gz", "wb") as handle:
        handle.write(log.read_bytes())
    assert [(x.origin, x.offset, x.text) for x in read_once(str(tmp_path / "a.log.gz"))] == [
        (x.origin, x.offset, x.text) for x in once
    ]


def test_read_once_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        list(read_once(str(tmp_path / "missing.log")))


def test_read_once_from_stdin() -> None:
    code = "from secmon.inputs import read_once\nfor l in read_once('-'): print(l.origin, l.offset, l.text)"
    result = subprocess.run(
        [sys.executable, "-c", code], input=b"alpha\nbeta\n", capture_output=True, cwd=ROOT, check=True
    )
    assert result.stdout.decode().splitlines() == ["stdin 0 alpha", "stdin 6 beta"]


def test_runaway_line_keeps_its_head_and_is_read_past_not_buffered(tmp_path: Path) -> None:
    from secmon.inputs.line import MAX_LINE

    log = tmp_path / "a.log"
    log.write_bytes(b"head\n" + b"a" * (MAX_LINE + 10))
    f = follower(tmp_path, log)
    lines = f.poll()
    assert texts(lines) == ["head"]  # the long line waits for its newline, holding MAX_LINE bytes only
    harvester = next(iter(f._open.values()))
    assert len(harvester.buffer) + len(harvester.kept) <= MAX_LINE + (1 << 16)
    with open(log, "ab") as handle:
        handle.write(b"bbb\ntail\n")
    lines = f.poll()
    assert len(lines[0].text) == MAX_LINE and lines[0].cut == MAX_LINE + 13
    assert (lines[0].offset, lines[0].end) == (5, 5 + MAX_LINE + 14)
    assert texts(lines[1:]) == ["tail"]


def test_empty_lines_are_skipped_but_their_bytes_are_committed(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("a\n\n\r\nb\n\n")
    f = follower(tmp_path, log)
    lines = f.poll()
    assert [(x.text, x.offset) for x in lines] == [("a", 0), ("b", 5)]
    assert texts(list(read_once(str(log)))) == ["a", "b"]
    f.commit(lines)
    f.close()
    with open(log, "a") as handle:
        handle.write("c\n")
    assert [(x.text, x.offset) for x in follower(tmp_path, log).poll()] == [("c", 8)]
