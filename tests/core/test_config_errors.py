"""Bad configuration gets a clear error: invalid CIDRs and unknown outlets are refused by `vigil config
check`, an environment variable is named as the source when it is one, and every setting key an error
message tells the user to set exists."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from core.config import Settings, load_settings
from core.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
PARTS = ("core", "vigil", "store", "crawlers", "nlp", "secmon", "api")


def check(tmp_path: Path, toml: str, **env: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "vigil.toml"
    config.write_text(toml, encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    return subprocess.run(
        [sys.executable, "-m", "vigil.cli", "--config", str(config), "config", "check"],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=60,
    )


def flat(text: str) -> str:
    """The console wraps long lines: compare with single spaces."""
    return " ".join(text.split())


def test_invalid_cidrs_are_refused_each_named(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        '[[secmon.assets]]\nname = "portal"\nagency = "UBND"\n'
        'cidrs = ["10.0.0.0/33", "not-an-ip", "10.16.1.0/24", "2001:db8::/32"]\n',
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "secmon.assets.0.cidrs" in result.stderr
    assert "'10.0.0.0/33'" in result.stderr and "'not-an-ip'" in result.stderr
    assert "'10.16.1.0/24'," not in result.stderr.split("not IP networks:")[1].split(";")[0]
    assert str(tmp_path / "vigil.toml") in result.stderr


def test_unknown_outlets_are_refused_listing_the_known_ones(tmp_path: Path) -> None:
    result = check(tmp_path, '[crawl]\noutlets = ["huengaynay", "nosuch"]\n')
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        "crawl.outlets" in result.stderr
        and "'nosuch'" in result.stderr
        and "'huengaynay'" not in result.stderr
    )
    assert "vnexpress" in result.stderr  # the known names are listed
    from_env = check(tmp_path, "", VIGIL_CRAWL__OUTLETS='["nosuch"]')
    assert from_env.returncode == 2 and "environment variable VIGIL_CRAWL__OUTLETS" in flat(from_env.stderr)


def test_an_environment_variable_is_named_as_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "vigil.toml"
    path.write_text("[api]\nport = 8000\n", encoding="utf-8")
    monkeypatch.setenv("VIGIL_API__PORT", "99999")
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert "api.port = '99999'" in str(error.value)
    assert "from the environment variable VIGIL_API__PORT" in str(error.value)
    monkeypatch.delenv("VIGIL_API__PORT")
    path.write_text("[api]\nport = 99999\n", encoding="utf-8")
    with pytest.raises(ConfigError) as in_file:
        load_settings(path)
    assert f"set in {path}" in str(in_file.value) and "environment variable" not in str(in_file.value)


def _keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    out = set()
    for name, field in model.model_fields.items():
        out.add(prefix + name)
        annotation: Any = field.annotation
        for candidate in (annotation, *getattr(annotation, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                out |= _keys(candidate, f"{prefix}{name}.")
    return out


# a dotted name starting with a settings section, e.g. "check secmon.rules_dir" (module paths excepted)
SETTING = re.compile(r"(?<![\w./])((?:store|crawl|nlp|secmon|api)\.[a-z_]+(?:\.[a-z_0-9]+)*)")


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _raised_strings(path: Path) -> list[str]:
    texts = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and node.exc is not None:
            for inner in ast.walk(node.exc):
                if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                    texts.append(inner.value)
    return texts


def test_every_setting_an_error_message_names_exists() -> None:
    known = _keys(Settings)
    named: dict[str, str] = {}
    for part in PARTS:
        for path in (REPO / part).rglob("*.py"):
            for text in _raised_strings(path):
                for key in SETTING.findall(text):
                    if key in known or not _is_module(key):
                        named[key] = str(path.relative_to(REPO))
    assert named, "the scan found no setting named in any error message"
    missing = {key: where for key, where in named.items() if key not in known}
    assert not missing, f"error messages name settings that do not exist: {missing}"


def test_a_public_url_people_cannot_open_is_refused(tmp_path: Path) -> None:
    result = check(tmp_path, '[api]\npublic_url = "vigil.so.example"\n')
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "api.public_url" in flat(result.stderr) and "http(s)://host" in flat(result.stderr)
    assert check(tmp_path, '[api]\npublic_url = "https://vigil.so.example/"\n').returncode == 0
    settings = Settings.model_validate({"api": {"public_url": "https://vigil.so.example/"}})
    assert settings.api.link_base == "https://vigil.so.example"
    assert Settings.model_validate({"api": {"port": 8123}}).api.link_base == "http://127.0.0.1:8123"


def test_an_error_quoting_brackets_is_printed_as_text(tmp_path: Path) -> None:
    """A value such as "[/red]" in an error message is the user's text, not console markup."""
    result = check(tmp_path, '[crawl]\noutlets = ["[/red]", "[bold]x"]\n')
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "'[/red]'" in result.stderr and "'[bold]x'" in result.stderr
