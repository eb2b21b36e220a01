"""bench/detections.py: the figures need the shared real logs; without them it says so and exits 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_detection_figures_say_when_the_shared_data_is_missing(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "detections.py"), "--shared", str(tmp_path / "absent")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert f"the shared data folder {tmp_path / 'absent'} is missing" in result.stderr
