"""Configuration: file + environment, clear errors, secrets hidden."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.config import Settings, load_settings
from core.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def test_example_file_is_valid() -> None:
    settings = load_settings(REPO / "vigil.example.toml")
    assert settings.store.backend == "sqlite"
    assert settings.secmon.assets[0].criticality == "critical"


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.store.backend == "sqlite"
    assert settings.data_dir == Path("vigil-data")


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "vigil.toml"
    path.write_text('[store]\nbackend = "sqlite"\n[api]\nport = 8000\n', encoding="utf-8")
    monkeypatch.setenv("VIGIL_STORE__BACKEND", "elasticsearch")
    monkeypatch.setenv("VIGIL_API__PORT", "9100")
    monkeypatch.setenv("VIGIL_DATA_DIR", str(tmp_path / "state"))
    settings = load_settings(path)
    assert settings.store.backend == "elasticsearch"
    assert settings.api.port == 9100
    assert settings.state_path("store", "x.db") == tmp_path / "state" / "store" / "x.db"


def test_invalid_value_names_key_value_and_allowed(tmp_path: Path) -> None:
    path = tmp_path / "vigil.toml"
    path.write_text('[store]\nbackend = "mongodb"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    message = str(error.value)
    assert "store.backend" in message
    assert "'mongodb'" in message
    assert "sqlite" in message and "elasticsearch" in message


def test_unknown_key_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "vigil.toml"
    path.write_text("[api]\nprot = 80\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"api\.prot"):
        load_settings(path)


def test_secret_never_echoed(tmp_path: Path) -> None:
    path = tmp_path / "vigil.toml"
    path.write_text('[store.elasticsearch]\npassword = ["hunter2-secret"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert "hunter2-secret" not in str(error.value)
    settings = Settings(store={"elasticsearch": {"password": "hunter2-secret"}})
    assert "hunter2-secret" not in settings.model_dump_json()
    assert "hunter2-secret" not in repr(settings)


def test_cli_reports_bad_file_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "vigil.toml"
    path.write_text('[store]\nbackend = "mongodb"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "--config", str(path), "config", "check"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "store.backend" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_reports_broken_toml(tmp_path: Path) -> None:
    path = tmp_path / "vigil.toml"
    path.write_text("[store\nbackend=", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "--config", str(path), "config", "check"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "not valid TOML" in result.stderr


def test_a_log_source_zone_must_be_an_offset(tmp_path: Path) -> None:
    path = tmp_path / "vigil.toml"
    path.write_text(
        '[[secmon.logs]]\npath = "/var/log/auth.log"\ntimezone = "Asia/Hanoi"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    message = str(error.value)
    assert "secmon.logs.0.timezone" in message and "Asia/Hanoi" in message and "+07:00" in message
