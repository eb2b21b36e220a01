"""The `vigil crawl` and `vigil sources` commands, run as a user would (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawlers.registry import OUTLETS
from vigil.snapshots import EXPECTED_DIR, SITES_DIR, SnapshotSite

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
    for field in ("title", "sapo", "body", "authors", "published_at", "category", "tags"):
        assert data[field] == case["expected"][field], field
    assert data["sources"]["title"] == data["sources"]["body"] == "selectors"


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
                "huegov",
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


BAD_OUTLET = (
    'name = "baomoi-x"\ntitle = "X"\nscope = "city"\ndomain = "x.example"\n'
    "\n[[layouts]]\nvalid_from = 2025-01-01\n"
)


def test_config_and_sources_check_reject_a_bad_outlet_file_naming_file_and_key(tmp_path: Path) -> None:
    folder = tmp_path / "outlets"
    folder.mkdir()
    (folder / "baomoi-x.toml").write_text(BAD_OUTLET, encoding="utf-8")
    for command in (["config", "check"], ["sources", "check"]):
        result = _run(command, tmp_path, VIGIL_CRAWL__OUTLETS_DIR=str(folder))
        assert result.returncode == 2, result.stderr
        message = result.stderr.replace("\n", "")  # the console wraps long lines
        assert "baomoi-x.toml: scope: Input should be 'local', 'regional' or 'national'" in message
        assert "Traceback" not in result.stderr


def test_an_outlet_added_as_a_file_is_listed_and_reads_a_saved_page(tmp_path: Path) -> None:
    folder = tmp_path / "outlets"
    folder.mkdir()
    outlet = folder / "baomoi-x.toml"
    outlet.write_text(
        BAD_OUTLET.replace('"city"', '"regional"').replace(
            "[[layouts]]", 'feeds = ["https://x.example/rss"]\n\n[[layouts]]'
        )
        + 'title = ["h1.tieu-de"]\nbody = ["div.noi-dung"]\nauthors = ["span.tac-gia"]\n',
        encoding="utf-8",
    )
    listing = _run(["sources", "list", "--json"], tmp_path, VIGIL_CRAWL__OUTLETS_DIR=str(folder))
    assert listing.returncode == 0, listing.stderr
    added = [row for row in json.loads(listing.stdout) if row["name"] == "baomoi-x"]
    assert added and added[0]["scope"] == "regional" and added[0]["urls_checked"] is None
    page = tmp_path / "page.html"
    page.write_text(
        '<html><head><meta property="article:published_time" content="2026-03-02T08:00:00+07:00"></head>'
        "<body>"
        '<h1 class="tieu-de">Đà Nẵng đón khách</h1><div class="noi-dung"><p>'
        + "Du khách đến Đà Nẵng dịp lễ tăng mạnh. " * 5
        + '</p></div><span class="tac-gia">Bài: Ngọc Hà</span></body></html>',
        encoding="utf-8",
    )
    parsed = _run(
        ["crawl", "parse", "--outlet-file", str(outlet), "--url", "https://x.example/a.html", str(page)],
        tmp_path,
    )
    assert parsed.returncode == 0, parsed.stderr
    data = json.loads(parsed.stdout)
    assert data["outlet"] == "baomoi-x" and data["parser"] == "baomoi-x@2025-01-01"
    assert data["title"] == "Đà Nẵng đón khách" and data["authors"] == ["Ngọc Hà"]
    assert data["published_at"] == "2026-03-02T08:00:00+07:00"
    assert data["sources"] == {
        "title": "selectors",
        "body": "selectors",
        "authors": "selectors",
        "published_at": "meta",
    }
