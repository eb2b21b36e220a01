"""Issue 11 item 4: files that start with the same line (a banner, a CSV header, a blank-ish first line)
are different files when they are different inodes: two globbed files with one header are both read in
full, and rename rotation with a constant first line loses nothing (also across a restart)."""

from __future__ import annotations

import os
from pathlib import Path

from secmon.inputs import FileFollower, Line

BANNER = "# Vigil test log, format v1 (the same first line in every file)"


def follower(tmp: Path, *paths: Path | str) -> FileFollower:
    return FileFollower([str(p) for p in paths], tmp / "state" / "registry.json", close_rotated_after=0)


def drain(f: FileFollower, rounds: int = 50, batch: int = 500) -> list[Line]:
    """Poll and commit until nothing new comes (a few empty rounds in a row)."""
    got: list[Line] = []
    empty = 0
    for _ in range(rounds):
        lines = f.poll(batch)
        if not lines:
            empty += 1
            if empty >= 3:
                break
            continue
        empty = 0
        f.commit(lines)
        got.extend(lines)
    return got


def write(path: Path, name: str, start: int, stop: int, mode: str = "a") -> None:
    with open(path, mode) as handle:
        if mode == "w":
            handle.write(BANNER + "\n")
        handle.write("".join(f"{name} line {i}\n" for i in range(start, stop)))


def test_two_globbed_files_with_the_same_first_line_are_both_read(tmp_path: Path) -> None:
    write(tmp_path / "a.log", "a", 0, 1000, "w")
    write(tmp_path / "b.log", "b", 0, 1000, "w")
    f = follower(tmp_path, tmp_path / "*.log")
    got = drain(f)
    texts = [line.text for line in got if line.text != BANNER]
    assert sorted(texts) == sorted(
        [f"a line {i}" for i in range(1000)] + [f"b line {i}" for i in range(1000)]
    )
    assert len({line.origin for line in got}) == 2  # two files, two identities (so two sets of event ids)
    write(tmp_path / "b.log", "b", 1000, 1010)  # both keep being followed
    f.close()
    again = drain(follower(tmp_path, tmp_path / "*.log"))
    assert [line.text for line in again] == [f"b line {i}" for i in range(1000, 1010)]


def test_banner_headed_rename_rotation_loses_nothing(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write(log, "x", 0, 3000, "w")
    f = follower(tmp_path, log)
    got = f.poll(1000)  # part of the file read and committed
    f.commit(got)
    os.rename(log, tmp_path / "app.log.1")  # rotation: the new file starts with the same banner
    write(log, "x", 3000, 6000, "w")
    got.extend(drain(f))
    texts = [line.text for line in got if line.text != BANNER]
    assert texts.count("x line 0") == 1
    assert sorted(texts) == sorted(f"x line {i}" for i in range(6000))  # each once, none lost
    assert len(texts) == 6000


def test_banner_headed_rotation_while_stopped_loses_nothing(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write(log, "x", 0, 3000, "w")
    f = follower(tmp_path, log)
    got = f.poll(1000)
    f.commit(got)
    f.close()  # stopped (or killed) here
    write(log, "x", 3000, 3500)
    os.rename(log, tmp_path / "app.log.1")
    write(log, "x", 3500, 6000, "w")
    got.extend(drain(follower(tmp_path, log)))
    texts = [line.text for line in got if line.text != BANNER]
    assert sorted(texts) == sorted(f"x line {i}" for i in range(6000))
    assert len(texts) == 6000


def test_rotated_twice_with_the_same_banner_then_restarted(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write(log, "x", 0, 2000, "w")
    f = follower(tmp_path, log)
    got = drain(f)
    os.rename(log, tmp_path / "app.log.1")
    write(log, "x", 2000, 4000, "w")
    got.extend(drain(f))
    os.rename(tmp_path / "app.log.1", tmp_path / "app.log.2")
    os.rename(log, tmp_path / "app.log.1")
    write(log, "x", 4000, 6000, "w")
    got.extend(drain(f))
    f.close()
    write(log, "x", 6000, 6100)
    got.extend(drain(follower(tmp_path, log)))
    texts = [line.text for line in got if line.text != BANNER]
    assert sorted(texts) == sorted(f"x line {i}" for i in range(6100))
    assert len(texts) == 6100


def test_banner_headed_copytruncate_loses_nothing(tmp_path: Path) -> None:
    import shutil

    log = tmp_path / "app.log"
    write(log, "x", 0, 3000, "w")
    f = follower(tmp_path, log)
    got = f.poll(1000)
    f.commit(got)
    write(log, "x", 3000, 3200)
    shutil.copyfile(log, tmp_path / "app.log.1")  # logrotate copytruncate
    with open(log, "r+") as handle:
        handle.truncate(0)
    write(log, "x", 3200, 6000, "w")  # the program goes on writing, banner first
    got.extend(drain(f))
    texts = [line.text for line in got if line.text != BANNER]
    assert sorted(texts) == sorted(f"x line {i}" for i in range(6000))
    assert len(texts) == 6000
