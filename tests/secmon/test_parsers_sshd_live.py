"""A real OpenSSH server on loopback, real failed and successful logins, its log through the parser.

sshd writes its messages to a file (`-E`); the test adds the RFC 3164 header rsyslog would add
(`Mmm dd hh:mm:ss host sshd[pid]: `) — the messages themselves are sshd's, unchanged.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from secmon.parsers import parse_line
from tests.secmon.live_sshd import Sshd, needs_sshd, running_sshd

pytestmark = needs_sshd


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    with running_sshd(tmp_path, PermitRootLogin="prohibit-password") as server:
        yield server


def test_real_sshd_logins_parse_into_authentication_events(sshd: Sshd) -> None:
    log = sshd.log
    password_only = ("-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no")
    sshd.login("hacker", *password_only, "-o", "NumberOfPasswordPrompts=2")  # no such user
    sshd.login("nobody", *password_only, "-o", "NumberOfPasswordPrompts=1")  # wrong password
    sshd.login("root", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", str(sshd.client_key))
    deadline = time.monotonic() + 10
    while "Disconnected from user root" not in log.read_text():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)

    messages = [m.rstrip("\r") for m in log.read_text().splitlines() if m.strip()]
    stamp = datetime.now(UTC).strftime("%b %d %H:%M:%S")
    docs = [
        (m, parse_line(f"{stamp} vigil-test sshd[4242]: {m}", "syslog", origin="t", offset=i).doc)
        for i, m in enumerate(messages)
    ]
    assert not [m for m, d in docs if d["event"]["kind"] == "pipeline_error"]
    assert {d["event"]["dataset"] for _, d in docs} == {"system.auth"}

    failures = [d for m, d in docs if m.startswith("Failed password")]
    assert len(failures) == 3  # two prompts for 'hacker', one for 'nobody'
    assert Counter(d["user"]["name"] for d in failures) == {"hacker": 2, "nobody": 1}
    assert all(d["event"]["outcome"] == "failure" and d["event"]["action"] == "ssh_login" for d in failures)
    assert [d["system"]["auth"]["ssh"].get("invalid_user", False) for d in failures] == [True, True, False]

    (accepted,) = [d for m, d in docs if m.startswith("Accepted ")]
    assert accepted["event"]["outcome"] == "success" and accepted["user"]["name"] == "root"
    assert accepted["system"]["auth"]["ssh"]["method"] == "publickey"
    assert accepted["system"]["auth"]["ssh"]["signature"].startswith("ED25519 SHA256:")

    (invalid,) = [d for m, d in docs if m.startswith("Invalid user")]
    assert invalid["event"]["action"] == "invalid_user" and invalid["user"]["name"] == "hacker"

    for message, doc in docs:  # every message naming a client has its address and port in source.*
        client = re.search(r"127\.0\.0\.1 port (\d+)", message)
        if client and not message.startswith("Server listening"):
            assert doc["source"] == {"ip": "127.0.0.1", "port": int(client.group(1))}, message
