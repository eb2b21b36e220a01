"""`vigil demo --once` as a new user runs it: no internet, no Elasticsearch, one full cycle, a clean exit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from api.auth import Role, authenticate
from store.query import Kind, SearchQuery, Term
from store.sqlite import SqliteStore

pytestmark = pytest.mark.slow


def test_demo_once_crawls_ingests_raises_incidents_and_serves_the_api(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "demo", "--once", "--port", "0"],
        capture_output=True,
        text=True,
        env={**os.environ, "VIGIL_DATA_DIR": str(tmp_path)},
        cwd=tmp_path,
        timeout=170,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stderr
    key = re.search(r"export VIGIL_KEY=(\S+)", output)
    assert key, output[-2000:]
    assert re.search(r'curl -s -H "X-API-Key: \$VIGIL_KEY" "http://127\.0\.0\.1:\d+/articles\?q=hue', output)
    seconds = int(re.search(r"first cycle took (\d+) s", output).group(1))  # type: ignore[union-attr]
    assert seconds < 120
    store = SqliteStore(tmp_path / "demo" / "store" / "vigil.sqlite3")
    counts = store.stats()
    assert counts["articles"] > 0 and counts["events"] > 0 and counts["incidents"] > 0
    served = re.search(r"the API serves (\d+) articles and (\d+) incidents", output)
    assert (
        served and int(served.group(1)) == counts["articles"] and int(served.group(2)) == counts["incidents"]
    )
    on_asset = store.count(Kind.incidents, SearchQuery(filters=(Term("asset", ("cong-dich-vu-cong",)),)))
    assert on_asset > 0  # the demo's assets map the sample machines
    demo_key = authenticate(store, key.group(1))
    assert demo_key is not None and demo_key.role is Role.admin
    store.close()
