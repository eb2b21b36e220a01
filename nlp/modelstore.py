"""Saving and loading models: skops files named `<task>-<version>-<date>.skops` with a model card beside.

skops (not pickle) is used because loading a pickle runs arbitrary code. `load_model` trusts only the
types skops reports as "untrusted" that are listed in `TRUSTED` (our own tone-cue function); a file
that asks for anything else is refused with ModelLoadError instead of being loaded.
Models load once per process and task (see `get_model`).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import skops.io as sio
from sklearn.pipeline import Pipeline

from nlp.cards import card_markdown
from nlp.errors import ModelLoadError, ModelNotFound

SHIPPED_DIR = Path(__file__).resolve().parent / "models"
TASKS = ("topic", "tone")
TRUSTED: tuple[str, ...] = (
    "nlp.features.mark_tone_cues",
    "nlp.vectorizers.CompactTfidfVectorizer",
    "nlp.vectorizers.PriorScores",
    "nlp.vectorizers.TextFeatures",
    "nlp.vectorizers.LinearProba",
    "nlp.vectorizers.GatedProba",
)
_NAME = re.compile(r"^(?P<task>[a-z]+)-(?P<version>\d+(?:\.\d+)*)-(?P<date>\d{8})\.skops$")


@dataclass(frozen=True)
class LoadedModel:
    """A fitted Pipeline with its name and card."""

    name: str
    pipeline: Pipeline
    card: dict[str, Any]

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.pipeline.classes_]


def model_name(task: str, version: str, date: str) -> str:
    return f"{task}-{version}-{date}"


def save_model(pipeline: Pipeline, card: dict[str, Any], out_dir: Path, name: str) -> Path:
    """Write `<name>.skops`, `<name>.card.json` and `<name>.md`; returns the .skops path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.skops"
    sio.dump(pipeline, path, compression=8)
    untrusted = sio.get_untrusted_types(file=path)
    unexpected = sorted(set(untrusted) - set(TRUSTED))
    if unexpected:
        path.unlink()
        raise ModelLoadError(f"the pipeline uses types outside nlp.modelstore.TRUSTED: {unexpected}")
    card = {**card, "name": name, "file": path.name, "file_bytes": path.stat().st_size}
    (out_dir / f"{name}.card.json").write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n")

    (out_dir / f"{name}.md").write_text(card_markdown(card))
    return path


def find_model(task: str, model_dir: Path | None = None) -> Path:
    """The newest `<task>-*.skops` in `model_dir` (default: the models shipped in nlp/models)."""
    directory = model_dir or SHIPPED_DIR
    candidates = []
    for path in directory.glob(f"{task}-*.skops") if directory.is_dir() else []:
        m = _NAME.match(path.name)
        if m and m["task"] == task:
            version = tuple(int(p) for p in m["version"].split("."))
            candidates.append((m["date"], version, path))
    if not candidates:
        raise ModelNotFound(
            f"no {task} model (`{task}-<version>-<date>.skops`) in {directory}; "
            f"train one with `vigil nlp train {task} …` or point --model-dir / nlp.model_dir at one"
        )
    return max(candidates)[2]


def load_model(path: Path) -> LoadedModel:
    """Load one model file with the explicit trusted-type list, and its card when present."""
    try:
        untrusted = sio.get_untrusted_types(file=path)
        unexpected = sorted(set(untrusted) - set(TRUSTED))
        if unexpected:
            raise ModelLoadError(f"{path} needs types Vigil does not trust: {unexpected}; refusing to load")
        pipeline = sio.load(path, trusted=[t for t in untrusted if t in TRUSTED])
    except ModelLoadError:
        raise
    except Exception as exc:  # skops raises many kinds on a damaged archive; one message for the user
        raise ModelLoadError(f"cannot load {path}: {exc}; re-train it or restore the file") from exc
    if not isinstance(pipeline, Pipeline):
        raise ModelLoadError(f"{path} does not hold a scikit-learn Pipeline")
    card_path = path.with_name(path.name.removesuffix(".skops") + ".card.json")
    card = json.loads(card_path.read_text()) if card_path.exists() else {}
    return LoadedModel(name=path.name.removesuffix(".skops"), pipeline=pipeline, card=card)


_CACHE: dict[tuple[str, str], LoadedModel] = {}
_LOCK = threading.Lock()


def get_model(task: str, model_dir: Path | None = None) -> LoadedModel:
    """The model for `task`, loaded once per process and directory."""
    key = (task, str(model_dir or SHIPPED_DIR))
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = load_model(find_model(task, model_dir))
        return _CACHE[key]


def clear_cache() -> None:
    """Forget loaded models (after a retrain in the same process)."""
    with _LOCK:
        _CACHE.clear()
