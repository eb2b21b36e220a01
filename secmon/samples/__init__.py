"""Small real sample logs shipped with Vigil (see PROVENANCE.md beside them), for the demo and docs.

A package so the files travel inside the wheel; `sample_path("loghub-openssh-2k.log")` finds one.
"""

from __future__ import annotations

from pathlib import Path

SAMPLES = {
    "suricata-verify-eve.json": "eve",
    "suricata-verify-fast.log": "fastlog",
    "loghub-openssh-2k.log": "syslog",
    "loghub-linux-1k.log": "syslog",
    "elastic-examples-apache-access-1k.log": "apache",
}


def sample_path(name: str) -> Path:
    """The path of a shipped sample log (KeyError for an unknown name)."""
    if name not in SAMPLES:
        raise KeyError(f"no sample {name!r}; have {', '.join(SAMPLES)}")
    return Path(__file__).resolve().parent / name
