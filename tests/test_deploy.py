"""deploy/ checked as far as this machine can run it: the compose file (security on, TLS between
Elasticsearch, Kibana and Vigil, passwords only from the env file), the systemd units (systemd-analyze
verify), the nginx reverse proxy (nginx -t with a throw-away certificate), `vigil config check` on every
shipped configuration, and a backup of a store being written, restored and read back."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from store.models import SecurityEvent
from store.sqlite import SqliteStore

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
VIGIL = Path(sys.executable).parent / "vigil"


def test_the_compose_file_runs_elasticsearch_kibana_and_vigil_with_security_and_tls() -> None:
    text = (DEPLOY / "compose" / "docker-compose.yml").read_text(encoding="utf-8")
    compose = yaml.safe_load(text)
    services = compose["services"]
    assert {"setup", "es01", "kibana", "vigil"} <= set(services)
    es = services["es01"]["environment"]
    assert es["xpack.security.enabled"] == "true"
    assert (
        es["xpack.security.http.ssl.enabled"] == "true"
        and es["xpack.security.transport.ssl.enabled"] == "true"
    )
    kibana = services["kibana"]["environment"]
    assert (
        kibana["ELASTICSEARCH_HOSTS"].startswith("https://")
        and kibana["ELASTICSEARCH_SSL_CERTIFICATEAUTHORITIES"]
    )
    assert kibana["SERVER_SSL_ENABLED"] == "true"
    vigil_config = (DEPLOY / "compose" / "vigil.toml").read_text(encoding="utf-8")
    assert 'hosts = ["https://es01:9200"]' in vigil_config and "ca_certs" in vigil_config
    assert "password" not in vigil_config.split("[store.elasticsearch]")[1].split("[")[0].replace("# ", "")
    # every secret comes from the env file, and compose refuses to start without it
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|ENCRYPTIONKEY", key):
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]+\}", str(value)), (name, key, value)
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)  # nothing published beyond the host
    example = (DEPLOY / "compose" / ".env.example").read_text(encoding="utf-8")
    secrets = {
        k: v for k, v in re.findall(r"^([A-Z_]+)=(.*)$", example, flags=re.M) if "PASSWORD" in k or "KEY" in k
    }
    assert secrets and all(value == "" for value in secrets.values())
    for script in ("compose/setup.sh", "backup.sh"):
        assert subprocess.run(["bash", "-n", str(DEPLOY / script)]).returncode == 0


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_units_verify(tmp_path: Path) -> None:
    units = sorted((DEPLOY / "systemd").glob("vigil*.[st]*[er]"))
    assert {u.name for u in units} >= {"vigil.service", "vigil-prune.service", "vigil-prune.timer"}
    for unit in units:  # the executables as installed here, everything else as shipped
        text = unit.read_text(encoding="utf-8").replace("/opt/vigil/.venv/bin/vigil", str(VIGIL))
        text = text.replace("/opt/vigil/deploy/backup.sh", str(DEPLOY / "backup.sh"))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", *[str(tmp_path / u.name) for u in units]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [
        line
        for line in result.stderr.splitlines()
        if re.search(r"Unknown|ignoring|not executable|[Ff]ailed", line)
    ]
    assert result.returncode == 0 and not problems, result.stderr


@pytest.mark.skipif(
    shutil.which("nginx") is None or shutil.which("openssl") is None, reason="needs nginx and openssl"
)
def test_the_reverse_proxy_configuration_is_valid(tmp_path: Path) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "nginx" / "vigil.conf").read_text(encoding="utf-8")
    assert "proxy_buffering off" in site and "ssl_protocols TLSv1.2 TLSv1.3" in site
    site = site.replace("/etc/ssl/vigil/fullchain.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/ssl/vigil/privkey.pem", str(tmp_path / "key.pem"))
    (tmp_path / "vigil.conf").write_text(site, encoding="utf-8")
    temp = " ".join(
        f"{kind}_temp_path {tmp_path / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
        f"http {{ access_log off; {temp} include {tmp_path}/vigil.conf; }}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        ["nginx", "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "test is successful" in result.stderr, result.stderr


@pytest.mark.parametrize(
    "config", ["deploy/compose/vigil.toml", "deploy/systemd/vigil.toml", "vigil.example.toml"], ids=str
)
def test_vigil_config_check_accepts_the_shipped_configuration(config: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env["VIGIL_STORE__ELASTICSEARCH__PASSWORD"] = "from-the-env-file"
    result = subprocess.run(
        [str(VIGIL), "--config", str(REPO / config), "config", "check"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "from-the-env-file" not in result.stdout  # secrets are never printed


def test_a_backup_taken_while_the_store_is_written_restores_to_a_readable_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = SqliteStore(data / "store" / "vigil.sqlite3")
    store.init()
    (data / "secmon").mkdir(parents=True)
    (data / "secmon" / "registry.json").write_text('{"offsets": {}}', encoding="utf-8")
    at = datetime(2026, 11, 1, tzinfo=UTC)
    store.index_events([SecurityEvent(id=f"before-{n}", timestamp=at, doc={"n": n}) for n in range(200)])
    stop = threading.Event()

    def keep_writing() -> None:
        n = 0
        while not stop.is_set():
            store.index_events([SecurityEvent(id=f"during-{n}", timestamp=at, doc={"n": n})])
            n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        made = subprocess.run(
            ["bash", str(DEPLOY / "backup.sh"), "backup", str(data), str(tmp_path / "backups")],
            capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHON": sys.executable},
        )  # fmt: skip
    finally:
        stop.set()
        writer.join()
        store.close()
    assert made.returncode == 0, made.stderr
    archive = Path(made.stdout.strip())
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [archive.name]  # no work files left
    restored = tmp_path / "restored"
    done = subprocess.run(
        ["bash", str(DEPLOY / "backup.sh"), "restore", str(archive), str(restored)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    again = subprocess.run(
        ["bash", str(DEPLOY / "backup.sh"), "restore", str(archive), str(restored)],
        capture_output=True,
        text=True,
    )
    assert again.returncode == 1 and "not empty" in again.stderr  # never overwrites
    assert (restored / "secmon" / "registry.json").read_text(encoding="utf-8") == '{"offsets": {}}'
    with sqlite3.connect(restored / "store" / "vigil.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy = SqliteStore(restored / "store" / "vigil.sqlite3")
    copy.init()
    assert copy.stats()["events"] >= 200 and copy.get_event("before-199") is not None
    copy.close()
