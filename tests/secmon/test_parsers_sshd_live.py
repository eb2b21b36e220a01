"""A real OpenSSH server on loopback, real failed and successful logins, its log through the parser.

sshd writes its messages to a file (`-E`); the test adds the RFC 3164 header rsyslog would add
(`Mmm dd hh:mm:ss host sshd[pid]: `) — the messages themselves are sshd's, unchanged.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from secmon.parsers import parse_line
from tests.helpers import free_port

SSHD = "/usr/sbin/sshd"
SSH = shutil.which("ssh")
KEYGEN = shutil.which("ssh-keygen")
pytestmark = [
    pytest.mark.skipif(not (os.path.exists(SSHD) and SSH and KEYGEN), reason="openssh-server/client missing"),
    pytest.mark.skipif(os.geteuid() != 0, reason="sshd needs root for privilege separation"),
]


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[tuple[int, Path, Path]]:
    assert KEYGEN is not None
    for name in ("hostkey", "clientkey"):
        subprocess.run([KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / name)], check=True)
    shutil.copyfile(tmp_path / "clientkey.pub", tmp_path / "authorized_keys")
    port = free_port()
    config = tmp_path / "sshd_config"
    settings = {
        "Port": port,
        "ListenAddress": "127.0.0.1",
        "HostKey": tmp_path / "hostkey",
        "PidFile": tmp_path / "sshd.pid",
        "PasswordAuthentication": "yes",
        "KbdInteractiveAuthentication": "no",
        "UsePAM": "no",
        "LogLevel": "INFO",
        "StrictModes": "no",
        "PermitRootLogin": "prohibit-password",
        "AuthorizedKeysFile": tmp_path / "authorized_keys",
    }
    config.write_text("".join(f"{key} {value}\n" for key, value in settings.items()))
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation directory (Debian's unit makes it)
    log = tmp_path / "sshd.log"
    server = subprocess.Popen([SSHD, "-D", "-f", str(config), "-E", str(log)])
    try:
        deadline = time.monotonic() + 10
        while "Server listening" not in (log.read_text() if log.exists() else ""):
            assert server.poll() is None, "sshd exited"
            assert time.monotonic() < deadline, "sshd did not start"
            time.sleep(0.05)
        yield port, tmp_path, log
    finally:
        server.terminate()
        server.wait(timeout=10)


def ssh(port: int, tmp: Path, user: str, *options: str) -> None:
    askpass = tmp / "askpass"
    askpass.write_text("#!/bin/sh\necho not-the-password\n")
    askpass.chmod(0o755)
    env = {**os.environ, "SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"}
    assert SSH is not None
    subprocess.run(
        [SSH, "-p", str(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
         "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR", *options, f"{user}@127.0.0.1", "true"],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=30,
    )  # fmt: skip


def test_real_sshd_logins_parse_into_authentication_events(sshd: tuple[int, Path, Path]) -> None:
    port, tmp, log = sshd
    password_only = ("-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no")
    ssh(port, tmp, "hacker", *password_only, "-o", "NumberOfPasswordPrompts=2")  # no such user
    ssh(port, tmp, "nobody", *password_only, "-o", "NumberOfPasswordPrompts=1")  # wrong password
    ssh(port, tmp, "root", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", str(tmp / "clientkey"))
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
