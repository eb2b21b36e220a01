"""Training a task's Pipeline from any labelled JSONL (used by `vigil nlp train` and the build script).

A stratified, seeded fifth is held out for the card's per-class metrics; the saved model is then refit
on all rows with the same hyper-parameters (disable with holdout=0).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from nlp.cards import base_card, evaluate, sha256_file
from nlp.errors import TrainingDataError
from nlp.features import tone_text, topic_text
from nlp.jsonl import read_jsonl, record_parts
from nlp.modelstore import TASKS, model_name, save_model
from nlp.pipelines import PIPELINES, SEED
from nlp.vectorizers import compile_pipeline

TEXT_BUILDERS: dict[str, Callable[[str, str, str], str]] = {"topic": topic_text, "tone": tone_text}


@dataclass
class TrainResult:
    path: Path
    card: dict[str, Any]


def load_labelled(
    path: Path,
    task: str,
    text_field: str | None = None,
    label_field: str = "label",
    *,
    skip_unlabelled: bool = False,
) -> tuple[list[str], list[str]]:
    """Texts (as the task's model sees them) and labels from a JSONL file."""
    build = TEXT_BUILDERS[task]
    texts: list[str] = []
    labels: list[str] = []
    for i, row in enumerate(read_jsonl(path), 1):
        label = row.get(label_field)
        if skip_unlabelled and not label:
            continue  # e.g. a correction of the tone only, read for a topic model
        if not isinstance(label, str) or not label:
            raise TrainingDataError(f"{path} row {i} has no string field {label_field!r}; use --label-field")
        if text_field:
            value = row.get(text_field)
            if not isinstance(value, str):
                raise TrainingDataError(
                    f"{path} row {i} has no string field {text_field!r}; use --text-field"
                )
            text = build(value, "", "")
        else:
            text = build(*record_parts(row))
        if not text:
            raise TrainingDataError(f"{path} row {i} has no text (title/summary/sapo/text/body)")
        texts.append(text)
        labels.append(label)
    counts = Counter(labels)
    if skip_unlabelled:
        return texts, labels
    if len(counts) < 2:
        raise TrainingDataError(f"{path} needs at least two different labels, found {sorted(counts)}")
    return texts, labels


def fit_and_evaluate(
    task: str, texts: list[str], labels: list[str], holdout: float = 0.2
) -> tuple[Pipeline, dict[str, Any]]:
    """Fit on (1 - holdout), measure on the held-out part, then refit on everything."""
    metrics: dict[str, Any] = {}
    counts = Counter(labels)
    if holdout > 0 and min(counts.values()) >= 2 and len(labels) * holdout >= len(counts):
        x_tr, x_te, y_tr, y_te = train_test_split(
            texts, labels, test_size=holdout, stratify=labels, random_state=SEED
        )
        model = _for_counts(PIPELINES[task](), Counter(y_tr)).fit(x_tr, y_tr)
        metrics[f"held-out {holdout:.0%} (stratified, seed {SEED})"] = evaluate(
            y_te, list(model.predict(x_te))
        )
    pipeline = _for_counts(PIPELINES[task](), counts).fit(texts, labels)
    return compile_pipeline(pipeline), metrics


def _for_counts(pipeline: Pipeline, counts: Counter[str]) -> Pipeline:
    """Fewer calibration folds when a label has fewer than 5 items (each fold needs every label)."""
    smallest = min(counts.values())
    if smallest < 5:
        if smallest < 2:
            raise TrainingDataError(f"every label needs at least 2 items; counts: {dict(counts)}")
        pipeline.set_params(clf__cv=smallest)
    return pipeline


def train_from_jsonl(
    task: str,
    train: Path,
    out_dir: Path,
    *,
    text_field: str | None = None,
    label_field: str = "label",
    version: str = "1.0",
    holdout: float = 0.2,
    command: str = "",
    add: list[Path] | None = None,
) -> TrainResult:
    """The `vigil nlp train` use case: labelled JSONL in (plus `add` files), one model + card out."""
    if task not in TASKS:
        raise TrainingDataError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    texts, labels = load_labelled(train, task, text_field, label_field)
    added: dict[str, int] = {}
    for extra in add or []:
        more_texts, more_labels = load_labelled(extra, task, text_field, label_field, skip_unlabelled=True)
        texts, labels = texts + more_texts, labels + more_labels
        added[str(extra)] = len(more_labels)
    pipeline, metrics = fit_and_evaluate(task, texts, labels, holdout)
    card = base_card(task, version, command or f"vigil nlp train {task} --train {train} --out {out_dir}")
    card["training_data"] = [
        {
            "name": train.name,
            "file": str(train),
            "sha256": sha256_file(train),
            "items": len(labels) - sum(added.values()),
            "labels": dict(sorted(Counter(labels).items())),
            "licence": "as stated by the data's owner",
        }
    ]
    for added_file, count in added.items():
        card["training_data"].append(
            {
                "name": Path(added_file).name,
                "file": added_file,
                "sha256": sha256_file(Path(added_file)),
                "items": count,
                "licence": "as stated by the data's owner (corrections: this press office's own labels)",
            }
        )
    card["metrics"] = metrics
    name = model_name(task, version, datetime.now(UTC).strftime("%Y%m%d"))
    return TrainResult(save_model(pipeline, card, out_dir, name), card)
