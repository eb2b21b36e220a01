#!/usr/bin/env python3
"""Score Vigil's sshd parsing on fail2ban's annotated test logs (its `failJSON` comments).

    .venv/bin/python scripts/measure_fail2ban.py PATH/TO/fail2ban/tests/files/logs/sshd [… sshd-journal]
    .venv/bin/python scripts/measure_fail2ban.py --format=apache …/logs/apache-auth …/logs/apache-modsecurity

fail2ban ships them (Debian's `fail2ban` package: /usr/lib/python3/dist-packages/fail2ban/tests/files/logs/).
Each log line follows a `# failJSON: {...}` comment: `"match": true, "host": H` means the line is a failure of
host H; `"match": false` means it must not count. Lines are parsed in order with one ParseState (fail2ban's
multi-line cases need the earlier lines). Lines whose constraint asks for fail2ban's "aggressive" mode or
another filter are skipped. Prints, per file, the share of match-true lines that Vigil reads as a failure
(event.outcome failure) of the right source (source.ip or source.domain = H), and of match-false lines that
Vigil counts anyway (a failure with a source).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from secmon.parsers import ParseState, parse_line


def _applies(meta: dict[str, object]) -> bool:
    constraint = str(meta.get("constraint", ""))
    return "== 'aggressive'" not in constraint and "name ==" not in constraint.replace("name == 'sshd'", "")


def score(path: Path, verbose: bool = False, fmt: str = "syslog") -> tuple[int, int, int, int]:
    state = ParseState()
    meta: dict[str, object] | None = None
    hits = positives = counted = negatives = 0
    for offset, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines()):
        if line.startswith("# failJSON:"):
            meta = json.loads(line.split(":", 1)[1])
            continue
        if not line.strip() or line.startswith("#"):
            continue
        doc = parse_line(
            line,
            fmt,
            origin=str(path),
            offset=offset,
            received_at=datetime(2005, 12, 31, tzinfo=UTC),
            state=state,
        ).doc
        if meta is None or not _applies(meta):
            meta = None
            continue
        source = doc.get("source") or {}
        if fmt == "syslog":
            failure = doc["event"].get("outcome") == "failure" and bool(source)
        else:  # web logs: is the line read, with the right client?
            failure = doc["event"].get("kind") != "pipeline_error" and bool(source)
        if meta.get("match"):
            positives += 1
            host = meta.get("host")
            ok = failure and (host is None or str(host) in (source.get("ip"), source.get("domain")))
            hits += ok
            if verbose and not ok:
                print("MISS", host, source, doc["event"].get("action"), line)
        else:
            negatives += 1
            counted += failure
            if verbose and failure:
                print("COUNTED", source, doc["event"].get("action"), line)
        meta = None
    return hits, positives, counted, negatives


def main() -> None:
    verbose = "-v" in sys.argv
    fmt = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--format=")), "syslog")
    for name in [a for a in sys.argv[1:] if not a.startswith("-")]:
        hits, positives, counted, negatives = score(Path(name), verbose, fmt)
        print(
            f"{name}: failures with the right source {hits}/{positives} ({hits / max(positives, 1):.0%}); "
            f"must-not-count lines counted {counted}/{negatives} ({counted / max(negatives, 1):.0%})"
        )


if __name__ == "__main__":
    main()
