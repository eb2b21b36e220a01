"""A press officer corrects an article's topic or tone (issue 13 item 5): kept with who and when,
overriding the model on that article in search, detail and export; bad labels are a 422."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from store.query import RecordKind
from tests.api.conftest import Api
from tests.api.seed import ARTICLES


def test_a_correction_overrides_the_model_and_records_who_and_when(api: Api) -> None:
    gold = ARTICLES[5]  # "Giá vàng hôm nay tăng mạnh": topic kinh-te, tone neutral, no scores
    key_id = api.keys["press"].split("_")[1]
    with api.client("press") as client:
        done = client.put(f"/articles/{gold.id}/labels", json={"tone": "positive"})
        assert done.status_code == 200, done.text
        again = client.put(f"/articles/{gold.id}/labels", json={"topic": "doi-song"}).json()
        detail = client.get(f"/articles/{gold.id}").json()
        found = client.get("/articles", params={"q": "vàng", "tone": "positive"}).json()["items"]
    assert done.json()["tone"] == "positive" and done.json()["model_tone"] == "neutral"
    assert key_id in done.json()["by"] and done.json()["at"].startswith("20")
    # the second correction keeps the first one's tone and adds the topic
    assert (again["topic"], again["tone"], again["model_topic"]) == ("doi-song", "positive", "kinh-te")
    assert (detail["topic"], detail["topic_score"], detail["tone"], detail["tone_score"]) == (
        "doi-song",
        1.0,
        "positive",
        1.0,
    )
    assert detail["correction"]["by"] == again["by"]
    assert [item["title"] for item in found] == [gold.title]
    stored = api.store.get_record(RecordKind.label_corrections, gold.id)
    assert stored is not None and stored["topic"] == "doi-song"


def test_bad_corrections_are_refused(api: Api) -> None:
    target = ARTICLES[3]
    with api.client("press") as client:
        assert client.put(f"/articles/{target.id}/labels", json={"topic": "bong-da"}).status_code == 422
        assert client.put(f"/articles/{target.id}/labels", json={"tone": "happy"}).status_code == 422
        assert client.put(f"/articles/{target.id}/labels", json={}).status_code == 422
        assert client.put("/articles/nope/labels", json={"tone": "positive"}).status_code == 404
    with api.client("security") as client:
        assert client.put(f"/articles/{target.id}/labels", json={"tone": "positive"}).status_code == 403
    assert api.store.get_record(RecordKind.label_corrections, target.id) is None


def test_corrections_are_exported_and_trained_on(api: Api, tmp_path: Path) -> None:
    gold = ARTICLES[5]
    with api.client("press") as client:
        assert client.put(f"/articles/{gold.id}/labels", json={"tone": "positive"}).status_code == 200
    env = {**os.environ, "VIGIL_DATA_DIR": str(tmp_path / "data")}
    if api.backend == "sqlite":
        # the command line opens the product's store file of a data directory: a consistent copy of the test's
        copy = tmp_path / "data" / "store" / "vigil.sqlite3"
        copy.parent.mkdir(parents=True)
        with sqlite3.connect(api.settings.data_dir / "store.sqlite3") as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
    else:  # the command line reads the same indices as the API
        cluster = api.settings.store.elasticsearch
        env |= {
            "VIGIL_STORE__BACKEND": "elasticsearch",
            "VIGIL_STORE__ELASTICSEARCH__HOSTS": json.dumps(cluster.hosts),
            "VIGIL_STORE__ELASTICSEARCH__INDEX_PREFIX": cluster.index_prefix,
        }
    vigil = [sys.executable, "-c", "from vigil.cli import main; main()"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*vigil, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False
        )

    done = run("nlp", "export-labels", "--output", "corrections.jsonl")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in (tmp_path / "corrections.jsonl").read_text().splitlines()]
    row = next(r for r in rows if r["id"] == gold.id)
    assert (row["title"], row["label"]) == (gold.title, "positive")
    assert row["corrected_by"] and row["corrected_at"]
    base = [
        {"title": f"{title} số {i}", "label": label}
        for i in range(8)
        for title, label in (("Khánh thành cầu mới", "positive"), ("Tai nạn chết người", "negative"))
    ]
    (tmp_path / "base.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in base))
    done = run("nlp", "train", "tone", "--train", "base.jsonl", "--add", "corrections.jsonl", "--out", "m")
    assert done.returncode == 0, done.stderr
    card = json.loads(next((tmp_path / "m").glob("tone-*.card.json")).read_text())
    assert [(d["name"], d["items"]) for d in card["training_data"]] == [
        ("base.jsonl", 16),
        ("corrections.jsonl", len(rows)),
    ]
