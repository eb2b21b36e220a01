"""A real OpenSSH server on 127.0.0.1 for the live tests, and an ssh client that logs in to it.

sshd writes its messages to a file (`-E`): there is no syslog daemon in a test. Host and client keys
are made per test; the client key is authorised for every user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import free_port

SSHD = "/usr/sbin/sshd"
SSH = shutil.which("ssh")
KEYGEN = shutil.which("ssh-keygen")

needs_sshd = [
    pytest.mark.skipif(not (Path(SSHD).exists() and SSH and KEYGEN), reason="openssh-server/client missing"),
    pytest.mark.skipif(os.geteuid() != 0, reason="sshd needs root for privilege separation"),
]


@dataclass(frozen=True)
class Sshd:
    port: int
    home: Path  # keys, config and the log
    log: Path

    @property
    def client_key(self) -> Path:
        return self.home / "clientkey"

    def login(self, user: str, *options: str) -> None:
        """One ssh session as `user` (`options` choose the method); a password prompt gets a wrong one."""
        askpass = self.home / "askpass.sh"
        askpass.write_text("#!/bin/sh\necho not-the-password\n")
        askpass.chmod(0o700)
        env = {**os.environ, "SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"}
        assert SSH is not None
        trust = ("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null")
        quiet = ("-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR")
        subprocess.run(
            [SSH, "-p", str(self.port), *trust, *quiet, *options, f"{user}@127.0.0.1", "true"],
            env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=30, check=False,
        )  # fmt: skip


@contextmanager
def running_sshd(home: Path, **settings: object) -> Iterator[Sshd]:
    """sshd with test defaults overridden by `settings` (sshd_config keywords), until the block ends."""
    assert KEYGEN is not None
    home.mkdir(parents=True, exist_ok=True)
    for name in ("hostkey", "clientkey"):
        subprocess.run([KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(home / name)], check=True)
    shutil.copyfile(home / "clientkey.pub", home / "authorized_keys")
    port = free_port()
    config: dict[str, object] = {
        "Port": port,
        "ListenAddress": "127.0.0.1",
        "HostKey": home / "hostkey",
        "PidFile": home / "sshd.pid",
        "AuthorizedKeysFile": home / "authorized_keys",
        "PasswordAuthentication": "yes",
        "KbdInteractiveAuthentication": "no",
        "UsePAM": "no",
        "StrictModes": "no",
        "LogLevel": "INFO",
        # OpenSSH >= 9.8 blocks a source after failed logins; the tests need every attempt answered
        "PerSourcePenalties": "no",
        **settings,
    }
    path = home / "sshd_config"
    path.write_text("".join(f"{key} {value}\n" for key, value in config.items()))
    Path("/run/sshd").mkdir(exist_ok=True)  # the privilege-separation directory (Debian's unit makes it)
    check = subprocess.run([SSHD, "-t", "-f", str(path)], capture_output=True, text=True, check=False)
    if check.returncode and "PerSourcePenalties" in check.stderr:  # an sshd older than 9.8
        del config["PerSourcePenalties"]
        path.write_text("".join(f"{key} {value}\n" for key, value in config.items()))
    log = home / "sshd.log"
    server = subprocess.Popen([SSHD, "-D", "-f", str(path), "-E", str(log)])
    try:
        deadline = time.monotonic() + 10
        while "Server listening" not in (log.read_text() if log.exists() else ""):
            assert server.poll() is None, f"sshd exited: {log.read_text() if log.exists() else ''}"
            assert time.monotonic() < deadline, "sshd did not start within 10 s"
            time.sleep(0.05)
        yield Sshd(port, home, log)
    finally:
        server.terminate()
        server.wait(timeout=10)
