"""sshd / PAM / sudo / su messages → ECS authentication fields (Elastic's system.auth mapping).

Detections read `event.category: authentication`, `event.outcome`, `user.name`, `source.ip` and
`event.action`; the raw message stays in `message`. Each message shape is one compiled pattern with its
meaning beside it, so a new OpenSSH wording is one more entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from secmon.parsers.sshd import SSHD_PROGRAMS, SshdSessions, enrich_sshd

_AUTH_PROGRAMS = (
    *SSHD_PROGRAMS,
    "sudo",
    "su",
    "login",
    "gdm",
    "passwd",
    "useradd",
    "groupadd",
    "systemd-logind",
)

Match = re.Match[str]


def is_auth_program(program: str, message: str) -> bool:
    """sshd, sudo, su … (also `sshd(pam_unix)` as older PAM wrote it) or any `pam_*` message."""
    base = program.split("(", 1)[0]
    return base in _AUTH_PROGRAMS or "(pam_" in program or message.startswith(("pam_", "(pam_"))


def _auth(doc: dict[str, Any], action: str, outcome: str, user: str | None, kind: str = "info") -> None:
    event = doc["event"]
    event["category"] = ["authentication"]
    event["type"] = [kind]
    event["action"] = action
    event["outcome"] = outcome
    if user:
        doc["user"] = {"name": user}


def _session(m: Match, doc: dict[str, Any]) -> None:
    state, user, by = m.group(1), m.group(2), m.group(3) or ""
    event = doc["event"]
    event["category"] = ["session"]
    event["type"] = ["start" if state == "opened" else "end"]
    event["action"] = f"session_{state}"
    event["outcome"] = "success"
    doc["user"] = {"name": user}
    if by:
        doc["related"] = {"user": [user, by]}


def _sudo_command(m: Match, doc: dict[str, Any]) -> None:
    user, details = m.group(1), m.group(2)
    fields = _sudo_fields(details)
    event = doc["event"]
    event["category"] = ["process"]
    event["type"] = ["start"]
    event["action"] = "sudo_command"
    event["outcome"] = "success"
    doc["user"] = {"name": user.strip()}
    if "user" in fields:
        doc["user"]["effective"] = {"name": fields["user"]}
    if "command" in fields:
        doc["process"]["command_line"] = fields["command"]
    doc.setdefault("system", {})["auth"] = {"sudo": fields}


def _sudo_failure(m: Match, doc: dict[str, Any]) -> None:
    user, count = m.group(1).strip(), m.group(2)
    _auth(doc, "sudo_password_failure", "failure", user)
    auth: dict[str, Any] = {"repeated": int(count)}
    fields = _sudo_fields(m.string[m.end() :])
    if fields:
        auth["sudo"] = fields
    doc.setdefault("system", {})["auth"] = auth


def _sudo_fields(details: str) -> dict[str, str]:
    """`TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/bin/ls` → {"tty": …, "command": …}."""
    pairs = (part.strip().split("=", 1) for part in details.split(" ; ") if "=" in part)
    return {key.strip(" ;").lower(): value for key, value in pairs}


def _su(m: Match, doc: dict[str, Any]) -> None:
    outcome = "failure" if m.group(1) == "FAILED" else "success"
    _auth(doc, "su", outcome, m.group(2), "start" if outcome == "success" else "info")


def _sudo_refused(m: Match, doc: dict[str, Any]) -> None:
    """`bob : user NOT in sudoers ; TTY=…`: an attempt to escalate privileges, refused."""
    user = m.group(1).strip()
    event = doc["event"]
    event["category"] = ["process"]
    event["type"] = ["denied"]
    event["action"] = "sudo_not_allowed"
    event["outcome"] = "failure"
    doc["user"] = {"name": user}
    fields = _sudo_fields(m.string[m.end() :])
    if "user" in fields:
        doc["user"]["effective"] = {"name": fields["user"]}
    if "command" in fields:
        doc["process"]["command_line"] = fields["command"]
    doc.setdefault("system", {})["auth"] = {"sudo": {"error": m.group(2), **fields}}


def _repeated(m: Match, doc: dict[str, Any]) -> None:
    count, inner = int(m.group(1)), m.group(2).strip()
    _dispatch(inner, doc)
    doc.setdefault("system", {}).setdefault("auth", {})["repeated"] = count


_PATTERNS: list[tuple[re.Pattern[str], Callable[[Match, dict[str, Any]], None]]] = [
    (re.compile(r"^message repeated (\d+) times: \[(.*)\]$"), _repeated),
    (
        re.compile(
            r"^(?:pam_unix\([^)]*\): )?session (opened|closed) for user (\S+?)(?:\(uid=\d+\))?"
            r"(?: by (\S*?)\(uid=\d+\))?\s*$"
        ),
        _session,
    ),
    (re.compile(r"^\s*(\S+) : (\d+) incorrect password attempts?"), _sudo_failure),
    (re.compile(r"^\s*(\S+) : (TTY=.*COMMAND=.*)$"), _sudo_command),
    (
        re.compile(r"^\s*(\S+) : (user NOT in sudoers|user NOT authorized on host|command not allowed) ;"),
        _sudo_refused,
    ),
    (re.compile(r"^(FAILED|Successful) su for (\S+)"), _su),
]


def _dispatch(message: str, doc: dict[str, Any]) -> bool:
    for pattern, handler in _PATTERNS:
        match = pattern.search(message)
        if match is not None:
            handler(match, doc)
            return True
    return False


def enrich_auth(
    program: str,
    message: str,
    doc: dict[str, Any],
    *,
    host: str = "",
    pid: int | None = None,
    sessions: SshdSessions | None = None,
    raw: str = "",
) -> None:
    """Add authentication fields for a known message; unknown auth messages stay plain events
    (no category, so detections counting authentications never see them). sshd and PAM messages are
    read by `sshd.enrich_sshd` (correlated by host and pid through `sessions`), sudo/su/sessions here."""
    if enrich_sshd(message, doc, host=host, pid=pid, sessions=sessions, raw=raw):
        return
    _dispatch(message, doc)
