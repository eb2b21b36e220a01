"""`vigil keys …` and `vigil kibana …` as a user runs them (real subprocesses, a real HTTP server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

from api.auth import Role, authenticate
from store.sqlite import SqliteStore


def vigil(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VIGIL_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "vigil.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=data_dir,
        timeout=60,
    )


def test_keys_create_prints_the_key_once_and_revoke_disables_it(tmp_path: Path) -> None:
    created = vigil(tmp_path, "keys", "create", "--role", "security", "--name", "Trực SOC")
    assert created.returncode == 0, created.stderr
    raw = created.stdout.strip()
    store = SqliteStore(tmp_path / "store" / "vigil.sqlite3")
    key = authenticate(store, raw)
    assert key is not None and key.role is Role.security and key.name == "Trực SOC"
    listed = vigil(tmp_path, "keys", "list")
    assert key.id in listed.stdout and raw not in listed.stdout
    assert vigil(tmp_path, "keys", "revoke", key.id).returncode == 0
    assert authenticate(store, raw) is None
    missing = vigil(tmp_path, "keys", "revoke", key.id)
    assert missing.returncode == 1 and "no key" in missing.stderr and "Traceback" not in missing.stderr
    bad_role = vigil(tmp_path, "keys", "create", "--role", "boss")
    assert bad_role.returncode != 0 and "press" in bad_role.stderr


class FakeKibana(BaseHTTPRequestHandler):
    """Kibana's saved-objects import endpoint: records the request, answers like Kibana 8."""

    requests: ClassVar[list[dict[str, Any]]] = []
    status: ClassVar[int] = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body
        )
        files: dict[str | None, Any] = {
            part.get_filename(): part.get_payload(decode=True) for part in message.iter_parts()
        }
        FakeKibana.requests.append({"path": self.path, "headers": dict(self.headers), "files": files})
        objects = bytes(files.get("vigil.ndjson") or b"").decode().splitlines()
        answer = {"success": True, "successCount": len(objects), "errors": []}
        if FakeKibana.status != 200:
            answer = {"statusCode": FakeKibana.status, "error": "Unauthorized", "message": "no"}
        payload = json.dumps(answer).encode()
        self.send_response(FakeKibana.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


def test_kibana_export_and_import_through_the_saved_objects_api(tmp_path: Path) -> None:
    out = tmp_path / "vigil.ndjson"
    exported = vigil(tmp_path, "kibana", "export", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeKibana)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        FakeKibana.status = 200
        imported = vigil(
            tmp_path, "kibana", "import", "--url", url, "--api-key", "aWQ6a2V5", "--space", "ioc"
        )
        FakeKibana.status = 401
        refused = vigil(tmp_path, "kibana", "import", "--url", url, "--api-key", "bad")
    finally:
        server.shutdown()
    assert imported.returncode == 0, imported.stderr
    request = FakeKibana.requests[0]
    assert request["path"] == "/s/ioc/api/saved_objects/_import?overwrite=true"
    assert request["headers"]["kbn-xsrf"] == "true"
    assert request["headers"]["Authorization"] == "ApiKey aWQ6a2V5"
    assert request["files"]["vigil.ndjson"] == out.read_bytes()
    assert "imported 13 saved objects" in imported.stderr  # 3 data views, 8 charts, 2 dashboards
    assert refused.returncode == 1 and "refused the credentials" in refused.stderr


def test_kibana_import_reports_an_unreachable_url(tmp_path: Path) -> None:
    result = vigil(tmp_path, "kibana", "import", "--url", "http://127.0.0.1:9", "--api-key", "x")
    assert result.returncode == 1
    assert "cannot reach Kibana" in result.stderr and "Traceback" not in result.stderr
