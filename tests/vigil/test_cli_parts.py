"""The `vigil` command loads only the part a sub-command belongs to (start-up time of `vigil logs ingest`),
and still lists, describes and suggests every sub-command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPORT = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('PARTS', sorted({m.split('.')[0] for m in sys.modules}"
    " & {'api', 'crawlers', 'nlp', 'alerts', 'secmon'}), file=sys.stderr))\n"
    "sys.argv = ['vigil', *sys.argv[1:]]\n"
    "from vigil.cli import main\n"
    "main()\n"
)


def vigil(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", REPORT, *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def parts_loaded(result: subprocess.CompletedProcess[str]) -> str:
    return next(line for line in result.stderr.splitlines() if line.startswith("PARTS"))


def test_a_secmon_command_loads_secmon_only() -> None:
    result = vigil("logs", "formats")
    assert result.returncode == 0, result.stderr
    assert "eve" in result.stdout
    assert parts_loaded(result) == "PARTS ['secmon']"


def test_help_lists_every_part_and_a_typo_is_still_suggested() -> None:
    listed = vigil("--help")
    assert listed.returncode == 0, listed.stderr
    for name in ("run", "demo", "config", "store", "crawl", "sources", "nlp", "logs", "rules", "incidents",
                 "keys", "users", "kibana"):  # fmt: skip
        assert f" {name} " in listed.stdout, name
    assert "Web app users" in listed.stdout and "Security incidents." in listed.stdout
    typo = vigil("lgos")
    assert typo.returncode == 2 and "Did you mean 'logs'?" in typo.stderr


def test_export_labels_is_an_nlp_command() -> None:
    result = vigil("nlp", "export-labels", "--help")
    assert result.returncode == 0, result.stderr
    assert "--output" in result.stdout
    assert parts_loaded(result) == "PARTS ['nlp']"
