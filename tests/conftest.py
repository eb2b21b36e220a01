"""Shared fixtures: the Elasticsearch stand-in (noida-db over HTTP) and a `store` for each backend.

`es_url` uses VIGIL_TEST_ES_URL (default http://127.0.0.1:9200); when nothing answers there, it
starts a noida-db stand-in for the session and stops it at the end (see the README's test section).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

DEFAULT_ES_URL = "http://127.0.0.1:9200"


def noida_binary() -> str:
    """The noida-db launcher: beside the running interpreter (the venv), else on PATH."""
    candidate = Path(sys.executable).parent / "noida-db"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("noida-db")
    if not found:
        pytest.skip("noida-db is not installed (pip install noida-db==0.2.3)")
    return found


def es_answers(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/_cluster/health", timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_for_es(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if es_answers(url):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the Elasticsearch stand-in at {url} did not come up within {seconds:.0f}s")


def noida(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a noida-db command (`up` daemonises and returns)."""
    return subprocess.run([noida_binary(), *args], capture_output=True, text=True, timeout=60, check=False)


def noida_up(data_dir: Path, port: int) -> None:
    result = noida(
        "up",
        "--only",
        "elasticsearch",
        "--host",
        "127.0.0.1",
        "--elasticsearch-port",
        str(port),
        "--data-dir",
        str(data_dir),
    )
    if result.returncode != 0:
        raise RuntimeError(f"noida-db up failed: {result.stdout}\n{result.stderr}")
    wait_for_es(f"http://127.0.0.1:{port}")


def noida_down(data_dir: Path) -> None:
    noida("down", "--data-dir", str(data_dir))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """`requires_real_es` tests run only with VIGIL_TEST_REAL_ES=1 (a real cluster at VIGIL_TEST_ES_URL);
    the SQLite case of a contract test so marked still runs."""
    if item.get_closest_marker("requires_real_es") and not os.environ.get("VIGIL_TEST_REAL_ES"):
        callspec = getattr(item, "callspec", None)
        if callspec is None or "sqlite" not in (callspec.params.get("store"), callspec.params.get("backend")):
            pytest.skip("needs a real Elasticsearch cluster (set VIGIL_TEST_REAL_ES=1 and VIGIL_TEST_ES_URL)")


@pytest.fixture(scope="session")
def es_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of an Elasticsearch-compatible server; a stand-in is started when none answers."""
    url = os.environ.get("VIGIL_TEST_ES_URL", DEFAULT_ES_URL)
    if es_answers(url):
        yield url
        return
    parsed = urlparse(url)
    if parsed.hostname not in ("127.0.0.1", "localhost"):
        pytest.skip(f"no Elasticsearch answers at {url}")
    data_dir = tmp_path_factory.mktemp("noida-session")
    noida_up(data_dir, parsed.port or 9200)
    try:
        yield url
    finally:
        noida_down(data_dir)


@pytest.fixture
def es_prefix() -> str:
    """An index prefix unique to the test, so tests never see each other's documents."""
    return "t" + uuid.uuid4().hex[:10]


@dataclass
class Backend:
    """One store backend as the tests use it: settings and environment that select it, and a store.

    `name` is "sqlite" or "elastic"; Elasticsearch gets an index prefix of its own, removed at the end.
    """

    name: str
    es_url: str | None = None
    prefix: str | None = None

    @property
    def elastic(self) -> bool:
        return self.name == "elastic"

    def store_settings(self) -> dict[str, Any]:
        """The `store` section selecting this backend (merge into Settings.model_validate values)."""
        if not self.elastic:
            return {"backend": "sqlite"}
        return {
            "backend": "elasticsearch",
            "elasticsearch": {"hosts": [self.es_url], "index_prefix": self.prefix},
        }

    def settings(self, data_dir: Path, **values: Any) -> Any:
        from core.config import Settings

        return Settings.model_validate({"data_dir": str(data_dir), "store": self.store_settings(), **values})

    def env(self) -> dict[str, str]:
        """VIGIL_* variables selecting this backend, for a `vigil` subprocess."""
        if not self.elastic:
            return {"VIGIL_STORE__BACKEND": "sqlite"}
        return {
            "VIGIL_STORE__BACKEND": "elasticsearch",
            "VIGIL_STORE__ELASTICSEARCH__HOSTS": f'["{self.es_url}"]',
            "VIGIL_STORE__ELASTICSEARCH__INDEX_PREFIX": str(self.prefix),
        }

    def open(self, data_dir: Path) -> Any:
        """The store `vigil` commands run with this backend and data directory would use, initialised."""
        from store.factory import make_store

        opened = make_store(self.settings(data_dir))
        opened.init()
        return opened

    def drop(self) -> None:
        if self.elastic:
            from store.elastic import ElasticStore

            leftover = ElasticStore(
                hosts=[str(self.es_url)], index_prefix=str(self.prefix), spool_dir="/dev/null"
            )
            try:
                leftover.drop_indices()
            finally:
                leftover.close()


@pytest.fixture(params=["sqlite", pytest.param("elastic", marks=pytest.mark.elastic)])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """Each store backend in turn: the embedded store, and Elasticsearch (the stand-in over HTTP)."""
    if request.param == "sqlite":
        yield Backend("sqlite")
        return
    chosen = Backend("elastic", request.getfixturevalue("es_url"), request.getfixturevalue("es_prefix"))
    try:
        yield chosen
    finally:
        chosen.drop()


@pytest.fixture
def store(backend: Backend, tmp_path: Path) -> Iterator[Any]:
    """A freshly initialised store of each backend (Elasticsearch with a unique index prefix)."""
    if backend.elastic:
        from store.elastic import ElasticStore

        opened = ElasticStore(
            hosts=[backend.es_url], index_prefix=backend.prefix, spool_dir=tmp_path / "spool"
        )
    else:
        from store.sqlite import SqliteStore

        opened = SqliteStore(tmp_path / "store.sqlite3")
    opened.init()
    try:
        yield opened
    finally:
        opened.close()


_ALLOWED_SKIP = "needs a real Elasticsearch cluster"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI (VIGIL_NO_SKIP=1, set by .ci/run) a skip is a failure: Suricata, nginx, sshd, the
    stand-in and the shared data must all be there. Only real-cluster-only checks may skip."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get("VIGIL_NO_SKIP") == "1" and report.skipped and not hasattr(report, "wasxfail"):
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if _ALLOWED_SKIP not in reason:
            report.outcome = "failed"
            report.longrepr = f"skipped in CI, which must run every test: {reason}"
