#!/usr/bin/env python3
"""Per family: the share of sshd/PAM lines Vigil reads as the right source address (and outcome).

    .venv/bin/python scripts/measure_sshd.py [tests/data/secmon/sshd-catalogue/cases.jsonl]

Reads the cases rendered from OpenSSH's and Linux-PAM's format strings (scripts/render_sshd_catalogue.py):
each case's lines are parsed in order with one ParseState and every expected field compared. Prints one
row per family (lines right / lines checked), then the injection cases (a user name, banner, offer or reason
naming 6.6.6.6) and how many of them set source.ip to the injected address.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from secmon.fieldpath import getter
from secmon.parsers import ParseState, parse_line

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests/data/secmon/sshd-catalogue/cases.jsonl"
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    injected = framed = 0
    for raw in path.read_text(encoding="utf-8").splitlines():
        case = json.loads(raw)
        state = ParseState()
        for offset, (line, expected) in enumerate(zip(case["lines"], case["expected"], strict=True)):
            doc = parse_line(
                line,
                "syslog",
                origin="m",
                offset=offset,
                received_at=datetime(2026, 10, 11, tzinfo=UTC),
                state=state,
            ).doc
            if case["injection"]:
                injected += 1
                framed += (doc.get("source") or {}).get("ip") == "6.6.6.6"
            if expected is None:
                continue
            total[case["family"]] += 1
            right[case["family"]] += all(getter(f)(doc) == v for f, v in expected.items())
    for family in sorted(total):
        print(f"{family:24} {right[family]:>4}/{total[family]:<4} {right[family] / total[family]:.0%}")
    hits, checked = sum(right.values()), sum(total.values())
    print(f"{'all':24} {hits:>4}/{checked:<4} {hits / checked:.0%}")
    print(f"injection lines: {injected}, source.ip set to the injected address: {framed}")


if __name__ == "__main__":
    main()
