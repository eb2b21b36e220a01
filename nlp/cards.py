"""Model cards: what a shipped model was trained on, how well it does on held-out data, how to rebuild it."""

from __future__ import annotations

import hashlib
import itertools
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import classification_report, f1_score


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for dist in ("scikit-learn", "skops", "numpy", "scipy", "vigil"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


def evaluate(y_true: list[str], y_pred: list[str], labels: list[str] | None = None) -> dict[str, Any]:
    """Macro-F1 and per-class precision/recall/F1 over `labels` (default: the labels present in y_true)."""
    labels = labels or sorted(set(y_true))
    report = classification_report(y_true, y_pred, labels=labels, output_dict=True, zero_division=0)
    per_class = {
        lab: {k: round(float(report[lab][k]), 4) for k in ("precision", "recall", "f1-score", "support")}
        for lab in labels
    }
    return {
        "n": len(y_true),
        "macro_f1": round(
            float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)), 4
        ),
        "accuracy": round(sum(a == b for a, b in zip(y_true, y_pred, strict=True)) / max(len(y_true), 1), 4),
        "per_class": per_class,
    }


def base_card(task: str, version: str, command: str) -> dict[str, Any]:
    return {
        "task": task,
        "version": version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "libraries": library_versions(),
        "rebuild_command": command,
        "input": "nlp.features.topic_text" if task == "topic" else "nlp.features.tone_text",
    }


def format_metrics(name: str, metrics: dict[str, Any]) -> str:
    """A printable per-class table (used by the CLI, the training script and the Markdown card)."""
    lines = [
        f"{name}: macro-F1 {metrics['macro_f1']:.4f}  accuracy {metrics['accuracy']:.4f}  n={metrics['n']}"
    ]
    lines.append(f"  {'class':<12} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>8}")
    for lab, row in metrics["per_class"].items():
        lines.append(
            f"  {lab:<12} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1-score']:>7.3f} "
            f"{int(row['support']):>8}"
        )
    return "\n".join(lines)


def card_markdown(card: dict[str, Any]) -> str:
    """Human-readable rendering of a card (the JSON beside it is the source of truth)."""
    out = [f"# Model card: {card.get('name', card['task'])}", ""]
    out.append(f"- Task: `{card['task']}`; input built by `{card.get('input', '')}`")
    out.append(
        f"- Created: {card.get('created', '')}; "
        f"file `{card.get('file', '')}` ({card.get('file_bytes', 0):,} bytes)"
    )
    out.append(f"- Rebuild: `{card.get('rebuild_command', '')}`")
    out.append(f"- Libraries: {', '.join(f'{k} {v}' for k, v in card.get('libraries', {}).items())}")
    if card.get("pipeline"):
        out.append(f"- Pipeline: {card['pipeline']}")
    out += ["", "## Training data", ""]
    for item in card.get("training_data", []):
        out.append(
            f"- **{item.get('name')}** — {item.get('items', '?')} items; "
            f"licence: {item.get('licence', '?')}; "
            f"file `{item.get('file', '')}` sha256 `{item.get('sha256', '')[:16]}…`"
        )
        if item.get("note"):
            out.append(f"  - {item['note']}")
    out += ["", "## Development-set metrics of this model", ""]
    for name, metrics in card.get("metrics", {}).items():
        out += ["```", format_metrics(name, metrics), "```", ""]
    if card.get("reliability"):
        out += ["## Reliability of the scores (calibration)", ""]
        out += [
            "A score is the calibrated probability of the predicted label; per score bin, how often "
            "the label is right.",
            "",
        ]
        for name, rel in card["reliability"].items():
            out += ["```", format_reliability(name, rel), "```", ""]
    if card.get("weak_training"):
        out += ["## Weakly labelled training items", ""]
        out += [f"- {k}: {v}" for k, v in card["weak_training"].items()] + [""]
    if card.get("experiments"):
        out += ["## Experiments (what was tried, measured the same way)", ""]
        out += [f"- {line}" for line in card["experiments"]]
        out.append("")
    if card.get("notes"):
        out += ["## Notes", ""] + [f"- {line}" for line in card["notes"]] + [""]
    return "\n".join(out)


def predict_within(pipeline: Any, texts: list[str], allowed: list[str]) -> list[str]:
    """The most probable label among `allowed` (for corpora whose label set is coarser than the model's)."""
    classes = [str(c) for c in pipeline.classes_]
    proba = np.asarray(pipeline.predict_proba(texts))
    mask = np.array([c in allowed for c in classes])
    return [classes[i] for i in np.where(mask, proba, -1.0).argmax(1)]


RELIABILITY_BINS = (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)


def reliability(y_true: list[str], proba: Any, classes: list[str]) -> dict[str, Any]:
    """How far the score (probability of the predicted label) can be trusted, per score bin.

    For each bin: items, mean score, accuracy; plus the expected calibration error (ECE: the
    items-weighted mean |accuracy - mean score|) and the Brier score of the full distribution.
    """
    proba = np.asarray(proba, dtype=float)
    score = proba.max(1)
    pred = [classes[i] for i in proba.argmax(1)]
    correct = np.array([p == t for p, t in zip(pred, y_true, strict=True)], dtype=float)
    onehot = np.array([[1.0 if c == t else 0.0 for c in classes] for t in y_true])
    bins = []
    ece = 0.0
    for lo, hi in itertools.pairwise(RELIABILITY_BINS):
        sel = (score >= lo) & (score < hi)
        if sel.any():
            acc, conf = float(correct[sel].mean()), float(score[sel].mean())
            ece += sel.sum() / len(score) * abs(acc - conf)
            bins.append(
                {
                    "bin": f"{lo:.1f}-{min(hi, 1.0):.1f}",
                    "n": int(sel.sum()),
                    "score": round(conf, 3),
                    "accuracy": round(acc, 3),
                }
            )
    return {
        "n": len(y_true),
        "ece": round(float(ece), 4),
        "brier": round(float(((proba - onehot) ** 2).sum(1).mean()), 4),
        "bins": bins,
    }


def format_reliability(name: str, rel: dict[str, Any]) -> str:
    lines = [f"{name}: ECE {rel['ece']:.3f}  Brier {rel['brier']:.3f}  n={rel['n']}"]
    lines.append(f"  {'score':<9} {'items':>6} {'mean score':>10} {'accuracy':>9}")
    for b in rel["bins"]:
        lines.append(f"  {b['bin']:<9} {b['n']:>6} {b['score']:>10.3f} {b['accuracy']:>9.3f}")
    return "\n".join(lines)
