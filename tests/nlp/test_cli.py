"""`vigil nlp train` and `vigil nlp classify` as a user runs them (real subprocesses, tmp JSONL files)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VIGIL = [sys.executable, "-c", "from vigil.cli import main; main()"]

POSITIVE = ["Khánh thành cầu mới", "Huế đón du khách kỷ lục", "Lễ hội thành công rực rỡ", "Trao giải thưởng"]
NEGATIVE = ["Tai nạn chết người", "Lũ lụt gây thiệt hại", "Bắt đối tượng lừa đảo", "Cháy nhà trong đêm"]


def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VIGIL_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [*VIGIL, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False
    )


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def test_train_then_classify_with_the_trained_model(tmp_path: Path) -> None:
    rows = [{"headline": f"{t} số {i}", "tone_label": "positive"} for i in range(6) for t in POSITIVE]
    rows += [{"headline": f"{t} số {i}", "tone_label": "negative"} for i in range(6) for t in NEGATIVE]
    write_jsonl(tmp_path / "train.jsonl", rows)
    out_dir = tmp_path / "models"
    args = ["nlp", "train", "tone", "--train", "train.jsonl", "--text-field", "headline"]
    done = run([*args, "--label-field", "tone_label", "--out", str(out_dir)], tmp_path)
    assert done.returncode == 0, done.stderr
    model_path = Path(done.stdout.strip().splitlines()[-1])
    assert model_path.exists() and model_path.name.startswith("tone-1.0-")
    card = json.loads(model_path.with_name(model_path.name.replace(".skops", ".card.json")).read_text())
    assert card["training_data"][0]["items"] == 48
    assert "negative" in done.stderr and "macro-F1" in done.stderr  # per-class held-out report
    # classify with a topic model from the shipped set and the tone model just trained
    for shipped in (ROOT / "nlp" / "models").glob("topic-*"):
        (out_dir / shipped.name).write_bytes(shipped.read_bytes())
    write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "1", "title": "Khánh thành cầu mới ở Huế", "summary": "Người dân vui mừng."},
            {"id": "2", "title": "Tai nạn chết người", "text": "Hai xe máy va chạm ở TP Huế."},
        ],
    )
    done = run(
        ["nlp", "classify", "--input", "in.jsonl", "--output", "out.jsonl", "--model-dir", str(out_dir)],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [line["id"] for line in lines] == ["1", "2"]
    assert [line["tone"] for line in lines] == ["positive", "negative"]
    assert all(set(line) >= {"topic", "topic_score", "tone", "tone_score", "entities"} for line in lines)
    assert {"text": "Huế", "type": "LOC", "normalized": "hue"} in lines[0]["entities"]


def test_classify_with_shipped_models_and_watchlists(tmp_path: Path) -> None:
    (tmp_path / "watch.toml").write_text('[[watchlist]]\nid = "hue"\nname = "Huế"\nterms = ["Hue"]\n')
    write_jsonl(
        tmp_path / "in.jsonl", [{"title": "Đội tuyển thắng 3-0 ở Huế", "sapo": "Tiền đạo ghi cú đúp."}]
    )
    done = run(
        ["nlp", "classify", "--input", "in.jsonl", "--output", "o.jsonl", "--watchlists", "watch.toml"],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    line = json.loads((tmp_path / "o.jsonl").read_text())
    assert line["topic"] == "the-thao" and line["watchlists"] == ["hue"]


def test_user_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    done = run(["nlp", "train", "tone", "--train", "missing.jsonl", "--out", "m"], tmp_path)
    assert done.returncode != 0
    assert "missing.jsonl does not exist" in done.stderr and "Traceback" not in done.stderr
    write_jsonl(tmp_path / "one.jsonl", [{"title": "a", "label": "x"}, {"title": "b", "label": "x"}])
    done = run(["nlp", "train", "topic", "--train", "one.jsonl", "--out", "m"], tmp_path)
    assert done.returncode != 0 and "at least two different labels" in done.stderr
    done = run(
        ["nlp", "classify", "--input", "one.jsonl", "--output", "o.jsonl", "--model-dir", "nowhere"], tmp_path
    )
    assert done.returncode != 0 and "vigil nlp train" in done.stderr and "Traceback" not in done.stderr
