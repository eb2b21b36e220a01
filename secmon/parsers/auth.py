"""sshd / PAM / sudo / su messages → ECS authentication fields (Elastic's system.auth mapping).

Detections read `event.category: authentication`, `event.outcome`, `user.name`, `source.ip` and
`event.action`; the raw message stays in `message`. Each message shape is one compiled pattern with its
meaning beside it, so a new OpenSSH wording is one more entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from secmon.parsers.ecs import is_ip

_AUTH_PROGRAMS = ("sshd", "sudo", "su", "login", "gdm", "passwd", "useradd", "groupadd", "systemd-logind")
_PAM_RHOST = re.compile(r"\brhost=(\S*)")
_PAM_USER = re.compile(r"\s+user=(\S+)")
_PAM_LOGNAME = re.compile(r"\blogname=(\S*)")

Match = re.Match[str]


def is_auth_program(program: str, message: str) -> bool:
    """sshd, sudo, su … (also `sshd(pam_unix)` as older PAM wrote it) or any `pam_*` message."""
    base = program.split("(", 1)[0]
    return base in _AUTH_PROGRAMS or "(pam_" in program or message.startswith("pam_")


def _source(doc: dict[str, Any], address: str | None, port: str | None = None) -> None:
    if not address:
        return
    source: dict[str, Any] = {"ip": address} if is_ip(address) else {"domain": address}
    if port:
        source["port"] = int(port)
    doc["source"] = source


def _auth(doc: dict[str, Any], action: str, outcome: str, user: str | None, kind: str = "info") -> None:
    event = doc["event"]
    event["category"] = ["authentication"]
    event["type"] = [kind]
    event["action"] = action
    event["outcome"] = outcome
    if user:
        doc["user"] = {"name": user}


def _accepted(m: Match, doc: dict[str, Any]) -> None:
    method, user, address, port, signature = m.groups()
    _auth(doc, "ssh_login", "success", user, "start")
    doc["event"]["category"] = ["authentication", "session"]
    _source(doc, address, port)
    ssh: dict[str, Any] = {"method": method}
    if signature:
        ssh["signature"] = signature.strip()
    doc.setdefault("system", {})["auth"] = {"ssh": ssh}


def _failed(m: Match, doc: dict[str, Any]) -> None:
    method, invalid, user, address, port = m.groups()
    _auth(doc, "ssh_login", "failure", user)
    _source(doc, address, port)
    auth: dict[str, Any] = {"ssh": {"method": method}}
    if invalid:
        auth["ssh"]["invalid_user"] = True
    doc.setdefault("system", {})["auth"] = auth


def _invalid_user(m: Match, doc: dict[str, Any]) -> None:
    _auth(doc, "invalid_user", "failure", m.group(1))
    _source(doc, m.group(2), m.group(3))


def _pam_failure(m: Match, doc: dict[str, Any]) -> None:
    message = m.string
    rhost = _PAM_RHOST.search(message)
    user = _PAM_USER.search(message)
    logname = _PAM_LOGNAME.search(message)
    name = user.group(1) if user else (logname.group(1) if logname and logname.group(1) else None)
    _auth(doc, "pam_authentication_failure", "failure", name)
    if rhost and rhost.group(1):
        _source(doc, rhost.group(1))


def _pam_repeated(m: Match, doc: dict[str, Any]) -> None:
    _pam_failure(m, doc)
    doc["event"]["action"] = "pam_authentication_failures"
    doc.setdefault("system", {})["auth"] = {"repeated": int(m.group(1))}


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


def _no_ident(m: Match, doc: dict[str, Any]) -> None:
    event = doc["event"]
    event["category"] = ["network"]
    event["type"] = ["connection"]
    event["action"] = "ssh_no_identification"
    _source(doc, m.group(1), m.group(2))


def _disconnect(m: Match, doc: dict[str, Any]) -> None:
    event = doc["event"]
    event["category"] = ["network"]
    event["type"] = ["connection", "end"]
    event["action"] = "ssh_disconnect"
    if m.group(1):
        doc["user"] = {"name": m.group(1)}
    _source(doc, m.group(2), m.group(3))


def _too_many(m: Match, doc: dict[str, Any]) -> None:
    _auth(doc, "ssh_too_many_failures", "failure", m.group(1))
    _source(doc, m.group(2), m.group(3))


def _not_allowed(m: Match, doc: dict[str, Any]) -> None:
    _auth(doc, "ssh_user_not_allowed", "failure", m.group(1))
    _source(doc, m.group(2))


def _pam_error(m: Match, doc: dict[str, Any]) -> None:
    _auth(doc, "pam_authentication_failure", "failure", m.group(1))
    _source(doc, m.group(2), m.group(3))


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


def _break_in(m: Match, doc: dict[str, Any]) -> None:
    event = doc["event"]
    event["category"] = ["network"]
    event["type"] = ["info"]
    event["action"] = "ssh_reverse_mapping_failed"
    _source(doc, m.group(2))
    doc["source"]["domain"] = m.group(1)


def _repeated(m: Match, doc: dict[str, Any]) -> None:
    count, inner = int(m.group(1)), m.group(2).strip()
    _dispatch(inner, doc)
    doc.setdefault("system", {}).setdefault("auth", {})["repeated"] = count


_PATTERNS: list[tuple[re.Pattern[str], Callable[[Match, dict[str, Any]], None]]] = [
    (re.compile(r"^Accepted (\S+) for (.*?) from (\S+) port (\d+)(?: ssh2)?(?:: (.+))?$"), _accepted),
    (re.compile(r"^Failed (\S+) for (invalid user )?(.*?) from (\S+) port (\d+)"), _failed),
    (re.compile(r"^[Ii]nvalid user (.*?) from (\S+?)(?: port (\d+))?$"), _invalid_user),
    (re.compile(r"^message repeated (\d+) times: \[(.*)\]$"), _repeated),
    (re.compile(r"^(?:pam_unix\([^)]*\): )?authentication failure;"), _pam_failure),
    (re.compile(r"^PAM (\d+) more authentication failures?;"), _pam_repeated),
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
    (re.compile(r"^User (\S+) from (\S+) not allowed because"), _not_allowed),
    (
        re.compile(
            r"^error: PAM: [Aa]uthentication failure for (?:illegal user )?(.*?) from (\S+?)(?: port (\d+))?$"
        ),
        _pam_error,
    ),
    (re.compile(r"^(FAILED|Successful) su for (\S+)"), _su),
    (re.compile(r"^Did not receive identification string from (\S+)(?: port (\d+))?"), _no_ident),
    (
        re.compile(
            r"^(?:Received disconnect|Disconnected|Connection closed) (?:from|by) "
            r"(?:(?:invalid |authenticating )?user (\S+) )?(\S+) port (\d+)"
        ),
        _disconnect,
    ),
    (  # OpenSSH < 7: "Received disconnect from 1.2.3.4: 11: Bye Bye"
        re.compile(r"^(?:Received disconnect|Connection closed) (?:from|by) ()([\w.-]+)():"),
        _disconnect,
    ),
    (
        re.compile(
            r"^(?:error: maximum authentication attempts exceeded for|Disconnecting: Too many "
            r"authentication failures for) (?:invalid user )?(\S+)(?: from (\S+) port (\d+))?"
        ),
        _too_many,
    ),
    (re.compile(r"^reverse mapping checking getaddrinfo for (\S+) \[([^\]]+)\] failed"), _break_in),
]


def _dispatch(message: str, doc: dict[str, Any]) -> bool:
    for pattern, handler in _PATTERNS:
        match = pattern.search(message)
        if match is not None:
            handler(match, doc)
            return True
    return False


def enrich_auth(program: str, message: str, doc: dict[str, Any]) -> None:
    """Add authentication fields for a known message; unknown auth messages stay plain events
    (no category, so detections counting authentications never see them)."""
    _dispatch(message, doc)
