"""Random histories of writes, partial lines, polls (with and without commit), restarts and rotations
(rename and copytruncate): every complete line is delivered, and once de-duplicated by id, exactly once."""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from secmon.inputs import FileFollower, Line
from store.ids import stable_id

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("write"), st.integers(1, 30)),
        st.tuples(st.just("partial"), st.just(0)),
        st.tuples(st.just("finish"), st.just(0)),
        st.tuples(st.just("poll"), st.integers(1, 40)),
        st.tuples(st.just("poll_no_commit"), st.integers(1, 40)),
        st.tuples(st.just("restart"), st.just(0)),
        st.tuples(st.just("rename"), st.just(0)),
        st.tuples(st.just("copytruncate"), st.just(0)),
        st.tuples(st.just("compress"), st.just(0)),
    ),
    max_size=40,
)


class World:
    """The log writer, logrotate and the store, around one FileFollower."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.log = root / "app.log"
        self.expected: set[str] = set()
        self.counter = 0
        self.partial: str | None = None
        self.stored: dict[str, str] = {}
        self.follower = self.new_follower()

    def new_follower(self) -> FileFollower:
        return FileFollower([str(self.log)], self.root / "state" / "registry.json", close_rotated_after=0)

    def append(self, text: str) -> None:
        with open(self.log, "a") as handle:
            handle.write(text)

    def write(self, count: int) -> None:
        self.finish()
        for _ in range(count):
            self.counter += 1
            line = f"line {self.counter:05d} " + "x" * (self.counter % 17)
            self.append(line + "\n")
            self.expected.add(line)

    def start_partial(self) -> None:
        if self.partial is None:
            self.counter += 1
            self.partial = f"partial {self.counter:05d}"
            self.append(self.partial)

    def finish(self) -> None:
        if self.partial is not None:
            self.append(" done\n")
            self.expected.add(self.partial + " done")
            self.partial = None

    def store(self, lines: list[Line]) -> None:
        for line in lines:
            event_id = stable_id(line.origin, str(line.offset), line.text)
            assert self.stored.setdefault(event_id, line.text) == line.text  # an id means one line
            assert not line.text.startswith("partial") or line.text.endswith(" done")

    def rotated(self) -> list[tuple[int, Path]]:
        """(number, path) of app.log.N and app.log.N.gz, oldest first."""
        found = [(int(p.name.split(".")[2]), p) for p in self.root.glob("app.log.*")]
        return sorted(found, reverse=True)

    def shift(self) -> None:
        for number, path in self.rotated():
            os.rename(path, self.root / path.name.replace(f".{number}", f".{number + 1}", 1))

    def apply(self, op: str, arg: int) -> None:
        if op == "write":
            self.write(arg)
        elif op == "partial":
            self.start_partial()
        elif op == "finish":
            self.finish()
        elif op in ("poll", "poll_no_commit"):
            lines = self.follower.poll(arg)
            self.store(lines)
            if op == "poll":
                self.follower.commit(lines)
        elif op == "restart":
            self.follower.close()
            self.follower = self.new_follower()
        elif op == "rename" and self.log.exists():
            self.finish()  # a writer completes its line before it reopens the file
            self.shift()
            os.rename(self.log, self.root / "app.log.1")
        elif op == "compress":  # logrotate's compress: the oldest plain rotated file becomes .gz
            plain = [p for _, p in self.rotated() if not p.name.endswith(".gz")]
            if plain:
                with open(plain[0], "rb") as src, gzip.open(f"{plain[0]}.gz", "wb") as dst:
                    dst.write(src.read())
                plain[0].unlink()
        elif op == "copytruncate" and self.log.exists():
            self.finish()
            self.shift()
            shutil.copyfile(self.log, self.root / "app.log.1")
            with open(self.log, "r+") as handle:
                handle.truncate(0)

    def drain(self) -> None:
        self.finish()
        idle = 0
        while idle < 3:
            lines = self.follower.poll(1000)
            self.store(lines)
            self.follower.commit(lines)
            idle = 0 if lines else idle + 1


@settings(max_examples=60, deadline=None)
@given(ops=OPS)
def test_random_histories_lose_nothing_and_duplicate_nothing(ops: list[tuple[str, int]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp))
        for op, arg in ops:
            world.apply(op, arg)
        world.drain()
        assert sorted(world.stored.values()) == sorted(world.expected)
