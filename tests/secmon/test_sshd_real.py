"""Real sshd logs (loghub OpenSSH "LabSZ" and Linux "combo", shipped in secmon/samples/): every line that
shows an attempt is a failure with the right source.

The expected address is found independently of the parsers: the only IPv4 literal of the line, or for
the lines without one (input_userauth_request, Disconnecting: Too many …, fatal: Write failed, PAM
"check pass"), the last address seen earlier on the same sshd pid; PAM lines name it in rhost=.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from secmon.parsers import ParseState, parse_line
from secmon.samples import sample_path

IPV4 = re.compile(r"(?<![\w.-])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.-])")  # not the digits of a host name
PID = re.compile(r"^\w{3} +\d+ [\d:]+ \S+ sshd\[(\d+)\]: (.*)$")
# loghub's own templates of attempt lines (OpenSSH_2k.log_templates.csv), as message prefixes
ATTEMPTS = (
    "Failed ", "Invalid user ", "input_userauth_request: invalid user ",
    "Disconnecting: Too many authentication",
    "error: Received disconnect", "Received disconnect from", "pam_unix(sshd:auth): authentication failure",
    "PAM ", "message repeated", "Connection closed by", "pam_unix(sshd:auth): check pass; user unknown",
)  # fmt: skip
BENIGN = ("Received disconnect from", "disconnected by user")


def _expected_openssh() -> list[tuple[str, str]]:
    last: dict[str, str] = {}
    out = []
    for line in sample_path("loghub-openssh-2k.log").read_text().splitlines():
        m = PID.match(line)
        if not m:
            continue
        pid, message = m.groups()
        found = IPV4.findall(message)
        if found:
            last[pid] = found[-1]
        if message.startswith(ATTEMPTS) and "ignoring max retries" not in message:
            if message.startswith("Received disconnect from") and "[preauth]" not in message:
                continue  # a session ended by its user
            if pid in last:
                out.append((line, last[pid]))
    return out


def test_loghub_openssh_attempts_get_the_right_source_ip() -> None:
    expected = _expected_openssh()
    assert len(expected) > 1000
    state = ParseState()
    by_line = {}
    for offset, line in enumerate(sample_path("loghub-openssh-2k.log").read_text().splitlines()):
        by_line[line] = parse_line(
            line,
            "syslog",
            origin="loghub",
            offset=offset,
            received_at=datetime(2016, 1, 10, tzinfo=UTC),
            state=state,
        ).doc
    wrong = [
        (line, ip, by_line[line].get("source"))
        for line, ip in expected
        if by_line[line].get("source", {}).get("ip") != ip
        or by_line[line]["event"].get("outcome") != "failure"
    ]
    assert not wrong[:5], f"{len(wrong)} of {len(expected)} wrong"


def test_loghub_linux_pam_failures_name_the_rhost() -> None:
    lines = [
        line
        for line in sample_path("loghub-linux-1k.log").read_text().splitlines()
        if "sshd(pam_unix)" in line and "authentication failure;" in line
    ]
    assert len(lines) > 100
    for offset, line in enumerate(lines):
        rhost = re.search(r"rhost=(\S+)", line)
        assert rhost
        doc = parse_line(
            line, "syslog", origin="linux", offset=offset, received_at=datetime(2005, 12, 31, tzinfo=UTC)
        ).doc
        assert doc["event"]["outcome"] == "failure"
        source = doc["source"]
        assert rhost.group(1) in (source.get("ip"), source.get("domain"))
