"""The `vigil crawl` and `vigil sources` commands, run as a user would (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawlers.registry import OUTLETS
from crawlers.snapshots import EXPECTED_DIR, SITES_DIR, SnapshotSite

VIGIL = [sys.executable, "-m", "vigil.cli"]


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "VIGIL_DATA_DIR": str(tmp_path / "data"),
        "VIGIL_CRAWL__AUTOTHROTTLE": "false",
        "VIGIL_CRAWL__ENRICH": "false",
        "VIGIL_CRAWL__ALLOW_PRIVATE_HOSTS": '["127.0.0.1"]',
        **env,
    }
    return subprocess.run(
        [*VIGIL, *args], capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=120
    )


def test_crawl_parse_prints_the_outlet_parser_output_as_json(tmp_path: Path) -> None:
    case = json.loads((EXPECTED_DIR / "dantri.json").read_text(encoding="utf-8"))[1]
    result = _run(["crawl", "parse", "--url", case["url"], str(SITES_DIR / case["file"])], tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["outlet"] == "dantri" and data["parser"].startswith("dantri@")
    for field in ("title", "sapo", "body", "authors", "published_at", "section", "tags"):
        assert data[field] == case["expected"][field], field


def test_crawl_parse_uses_the_generic_parser_for_unknown_domains(tmp_path: Path) -> None:
    page = tmp_path / "saved.html"
    page.write_text(
        "<html><body><h1>Tin Huế</h1><article><p>"
        + "Nội dung bài báo về Huế. " * 20
        + "</p></article></body></html>",
        encoding="utf-8",
    )
    result = _run(["crawl", "parse", "--url", "https://unknown.example/a.html", str(page)], tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["parser"] == "generic" and data["title"] == "Tin Huế" and "Nội dung bài báo" in data["body"]


def test_crawl_with_outlet_and_limit_prints_a_summary(tmp_path: Path) -> None:
    with SnapshotSite() as site:
        result = _run(
            [
                "crawl",
                "--outlet",
                "vnexpress",
                "--outlet",
                "trt",
                "--limit",
                "2",
                "--base-url",
                site.base_url,
            ],
            tmp_path,
        )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["articles"] == 4 and summary["pages"] == 4
    assert summary["errors_by_reason"] == {}
    assert set(summary["skipped_by_reason"]) >= {"limit"}
    assert "articles" in result.stderr and "duplicates" in result.stderr  # the human summary

    listing = _run(["sources", "check", "--json"], tmp_path)
    assert listing.returncode == 0, listing.stderr
    health = {row["name"]: row for row in json.loads(listing.stdout)}
    assert health["vnexpress"]["last_success"] is not None and health["vnexpress"]["articles_total"] == 2
    assert health["nhandan"]["last_success"] is None and health["nhandan"]["silent"] is False


def test_unknown_outlet_is_a_clear_error(tmp_path: Path) -> None:
    result = _run(["crawl", "--outlet", "vnexprss"], tmp_path)
    assert result.returncode == 1
    assert "no outlet named 'vnexprss'" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("flag", [[], ["--json"]])
def test_sources_list_shows_the_registry(tmp_path: Path, flag: list[str]) -> None:
    result = _run(["sources", "list", *flag], tmp_path)
    assert result.returncode == 0, result.stderr
    for outlet in OUTLETS:
        assert outlet.domain in result.stdout
