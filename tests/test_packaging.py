"""What is imported is declared, and the package metadata builds without deprecation warnings."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_lxml_html_cleaner_is_importable_as_trafilatura_needs_it() -> None:
    import lxml.html.clean  # raises ImportError without lxml_html_clean (lxml >= 5.2)
    from trafilatura import extract  # justext, under trafilatura, imports the cleaner

    assert lxml.html.clean.Cleaner is not None and extract is not None


@pytest.mark.slow
def test_the_wheel_builds_without_setuptools_deprecations_and_declares_its_dependencies(
    tmp_path: Path,
) -> None:
    source = tmp_path / "src"  # a copy of the tracked files: the build writes build/ beside them
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), "-v", str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    assert "SetuptoolsDeprecationWarning" not in built.stdout + built.stderr
    [wheel] = tmp_path.glob("vigil-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        text = archive.read(metadata).decode()
    assert "License-Expression: Apache-2.0" in text
    assert "Requires-Dist: lxml_html_clean" in text.replace("lxml-html-clean", "lxml_html_clean")
