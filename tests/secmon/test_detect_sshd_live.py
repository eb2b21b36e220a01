"""A real sshd on 127.0.0.1: wrong passwords, then a key login from the same source → brute force and
"brute force followed by success". sshd writes its log with `-E` (no syslog daemon in a test); each line
gets the syslog prefix rsyslog would add (time, host, `sshd[pid]:`) before it is ingested."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from secmon.pipeline import ingest_paths
from store.models import Incident, Severity
from store.query import Kind, SearchQuery
from store.sqlite import SqliteStore
from tests.helpers import free_port
from vigil.config import Settings

SSHD = "/usr/sbin/sshd"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (Path(SSHD).exists() and shutil.which("ssh") and shutil.which("ssh-keygen")),
        reason="openssh-server/client is not installed",
    ),
    pytest.mark.skipif(os.geteuid() != 0, reason="sshd needs root for privilege separation"),
]


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[tuple[int, Path, Path]]:
    home = tmp_path / "sshd"
    home.mkdir()
    for name in ("hostkey", "clientkey"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(home / name)], check=True)
    (home / "authorized_keys").write_text((home / "clientkey.pub").read_text())
    port = free_port()
    (home / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {home}/hostkey\nPidFile {home}/sshd.pid\n"
        "PermitRootLogin yes\nPasswordAuthentication yes\nPubkeyAuthentication yes\n"
        f"AuthorizedKeysFile {home}/authorized_keys\nStrictModes no\nUsePAM no\nMaxAuthTries 3\n"
    )
    # sshd's privilege-separation directory (Debian's unit makes it); `sshd -t` fails without it
    Path("/run/sshd").mkdir(exist_ok=True)
    # OpenSSH ≥ 9.8 blocks a source after failed logins (PerSourcePenalties): the test needs them all.
    with (home / "sshd_config").open("a") as config:
        config.write("PerSourcePenalties no\n")
    check = subprocess.run(
        [SSHD, "-t", "-f", str(home / "sshd_config")], capture_output=True, text=True, check=False
    )
    if check.returncode and "PerSourcePenalties" in check.stderr:  # an older sshd without that option
        lines = (home / "sshd_config").read_text().splitlines()[:-1]
        (home / "sshd_config").write_text("\n".join(lines) + "\n")
    log = home / "sshd.log"
    proc = subprocess.Popen([SSHD, "-D", "-f", str(home / "sshd_config"), "-E", str(log)])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield port, home, log
    proc.terminate()
    proc.wait(timeout=10)


def ssh(port: int, user: str, home: Path, *options: str) -> None:
    askpass = home / "askpass.sh"
    askpass.write_text("#!/bin/sh\necho not-the-password\n")
    askpass.chmod(0o700)
    env = dict(os.environ, SSH_ASKPASS=str(askpass), SSH_ASKPASS_REQUIRE="force", DISPLAY="none")
    subprocess.run(
        ["ssh", "-p", str(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
         "-o", "BatchMode=no", "-o", "ConnectTimeout=5", *options, f"{user}@127.0.0.1", "true"],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=30, env=env, check=False,
    )  # fmt: skip


def as_syslog(raw: Path, out: Path) -> None:
    """Prefix each sshd line as rsyslog would (the year is left out, as in RFC 3164)."""
    stamp = datetime.now().astimezone().strftime("%b %e %H:%M:%S")
    lines = [
        f"{stamp} gov-portal sshd[4242]: {line}" for line in raw.read_text().splitlines() if line.strip()
    ]
    out.write_text("\n".join(lines) + "\n")


def test_real_sshd_password_guessing_then_key_login_is_a_likely_compromise(
    tmp_path: Path, sshd: tuple[int, Path, Path]
) -> None:
    port, home, raw_log = sshd
    for _ in range(3):  # 3 connections × 3 wrong passwords
        ssh(port, "root", home, "-o", "PreferredAuthentications=password", "-o", "NumberOfPasswordPrompts=3")
    ssh(port, "root", home, "-i", str(home / "clientkey"), "-o", "PreferredAuthentications=publickey")
    time.sleep(0.3)
    text = raw_log.read_text()
    assert text.count("Failed password for root from 127.0.0.1") == 9
    assert "Accepted publickey for root from 127.0.0.1" in text

    auth_log = tmp_path / "auth.log"
    as_syslog(raw_log, auth_log)
    settings = Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "secmon": {
                "assets": [
                    {
                        "name": "gov-portal",
                        "agency": "UBND",
                        "criticality": "high",
                        "hostnames": ["gov-portal"],
                    }
                ]
            },
        }
    )
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.init()
    try:
        summary = ingest_paths(settings, store, [str(auth_log)])
        assert summary.formats[str(auth_log)] == "syslog"
        assert summary.parse_errors == 0
        assert summary.detections_by_rule["ssh-brute-force"] == 1
        assert summary.detections_by_rule["ssh-brute-force-success"] == 1
        store.refresh()
        by_rule = {
            i.rule_id: i
            for i in (
                Incident.model_validate(h.source)
                for h in store.search(Kind.incidents, SearchQuery(size=20)).hits
            )
        }
        compromise = by_rule["ssh-brute-force-success"]
        assert compromise.source_ip == "127.0.0.1"
        assert compromise.asset == "gov-portal" and compromise.agency == "UBND"
        assert compromise.severity is Severity.critical  # critical rule on a high asset (clamped)
        assert by_rule["ssh-brute-force"].severity is Severity.critical  # high rule × high asset
        assert compromise.entities["user.name"] == ["root"]
    finally:
        store.close()
