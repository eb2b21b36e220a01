"""Where tests find real public data: the copies in tests/data/real (under their licences), else the team's
shared data folder beside the clone for the few files whose licence forbids a copy (see its README)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
COPIED = REPO / "tests" / "data" / "real"
SHARED = REPO.parent / "shared" / "data"


def real(relative: str) -> Path:
    """The path of a real data file or folder, skipping the test when only the shared folder has it and it
    is not there (a user's clone: licence-unknown data is not redistributed)."""
    for base in (COPIED, SHARED):
        if (base / relative).exists():
            return base / relative
    pytest.skip(f"{relative}: not redistributable, read from {SHARED} which is not beside this clone")


def real_files(folder: str, pattern: str) -> list[Path]:
    """Files matching `pattern` below a real data folder, from the copies and the shared folder, once each."""
    found: dict[str, Path] = {}
    for base in (SHARED, COPIED):  # the copy wins
        for path in sorted((base / folder).rglob(pattern)) if (base / folder).is_dir() else []:
            found[str(path.relative_to(base))] = path
    return [found[key] for key in sorted(found)]
