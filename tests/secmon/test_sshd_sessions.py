"""Lines of one sshd connection read together (same host and pid): what each line means depends on the
connection's earlier lines. Sequences written by hand after the forms fail2ban's filter tests describe."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from secmon.parsers import ParseState, parse_line


def _read(*lines: str) -> list[dict[str, Any]]:
    state = ParseState()
    received = datetime(2026, 12, 31, tzinfo=UTC)
    return [
        parse_line(line, "syslog", origin="s", offset=i, received_at=received, state=state).doc
        for i, line in enumerate(lines)
    ]


def _failure(doc: dict[str, Any]) -> tuple[str | None, str | None]:
    return doc["event"].get("outcome"), (doc.get("source") or {}).get("ip")


def test_keys_refused_then_accepted_is_no_failure() -> None:
    docs = _read(
        "Nov 28 09:16:03 srv sshd[307]: Failed publickey for git from 192.0.2.1 port 57904"
        " ssh2: ECDSA SHA256:a",
        "Nov 28 09:16:03 srv sshd[307]: Failed publickey for git from 192.0.2.1 port 57904"
        " ssh2: RSA SHA256:b",
        "Nov 28 09:16:03 srv sshd[307]: Accepted publickey for git from 192.0.2.1 port 57904"
        " ssh2: ED25519 SHA256:c",
        "Nov 28 09:16:09 srv sshd[307]: Connection closed by 192.0.2.1 port 57904",
    )
    assert [d["event"].get("outcome") for d in docs] == ["unknown", "unknown", "success", None]


def test_keys_refused_then_the_connection_ends_is_one_failure() -> None:
    docs = _read(
        "Nov 28 09:16:05 srv sshd[310]: Failed publickey for git from 192.0.2.111 port 57910"
        " ssh2: RSA SHA256:b",
        "Nov 28 09:16:05 srv sshd[310]: Disconnecting: Too many authentication failures for git [preauth]",
        "Nov 28 09:16:05 srv sshd[310]: Connection closed by 192.0.2.111 [preauth]",
    )
    assert _failure(docs[1]) == ("failure", "192.0.2.111")  # the address comes from the pid's first line
    assert docs[2]["event"].get("outcome") is None and "attempt" not in docs[2].get("vigil", {})  # told twice


def test_an_address_less_line_takes_the_address_of_its_connection_only() -> None:
    docs = _read(
        "Nov 24 23:46:39 host sshd[686]: SSH: Server;Ltype: Version;Remote:"
        " 127.0.0.1-1780;Protocol: 2.0;Client: x",
        "Nov 24 23:46:43 host sshd[686]: fatal: Read from socket failed: Connection reset by peer [preauth]",
        "Nov 24 23:46:43 host sshd[687]: fatal: Read from socket failed: Connection reset by peer [preauth]",
        "Nov 24 23:46:43 other sshd[686]: fatal: Read from socket failed: Connection reset by peer [preauth]",
    )
    assert _failure(docs[1]) == ("failure", "127.0.0.1")
    assert "source" not in docs[2] and "source" not in docs[3]  # another pid; another host


def test_invalid_user_then_closed_before_authentication_is_the_invalid_users_attempt() -> None:
    docs = _read(
        "Apr 24 01:39:19 host sshd[719]: Invalid user admin from 203.0.113.5",
        "Apr 24 01:39:19 host sshd[719]: input_userauth_request: invalid user admin [preauth]",
        "Apr 24 01:39:20 host sshd[719]: Received disconnect from 203.0.113.5: 11: Bye Bye [preauth]",
    )
    assert [_failure(d) for d in docs] == [("failure", "203.0.113.5")] * 3
    assert len({d["vigil"]["attempt"] for d in docs}) == 1
    assert docs[2]["user"]["name"] == "admin"


def test_forms_of_older_and_patched_sshd() -> None:
    docs = _read(
        "Mar  3 00:17:22 [sshd]: User root from 211.188.220.49 not allowed because not listed in AllowUsers",
        "Nov 11 23:33:27 Server sshd[5174]: refused connect from host.example (::ffff:218.249.210.161)",
        "Sep 29 16:28:02 spaceman sshd[699]: Failed password for dan from 127.0.0.1 port 45416 ssh1",
        "Jul 13 18:44:28 mdop sshd[931]: Received disconnect from 89.24.13.192: 3: "
        "com.jcraft.jsch.JSchException: Auth fail",
        "Mar 19 16:47:49 test sshd[672]: Disconnecting invalid user admin 192.0.2.117 port 44004: "
        "Change of username or service not allowed: (admin,ssh-connection) -> (user,ssh-connection)"
        " [preauth]",
    )
    assert [_failure(d) for d in docs] == [
        ("failure", "211.188.220.49"),
        ("failure", "218.249.210.161"),
        ("failure", "127.0.0.1"),
        ("failure", "89.24.13.192"),
        ("failure", "192.0.2.117"),
    ]
