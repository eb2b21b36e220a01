"""Precision and recall of entity extraction on hand-checked real items (tests/data/nlp/entities_gold.jsonl).

Each gold item lists the distinct entities a reader finds in a real 2025-26 headline + lede, by canonical
name and type (LOC / ORG / PER), as an article record stores them (`nlp.entities.extract_entities`).
A predicted entity is correct when its type and its folded name (no diacritics, punctuation ignored)
equal a gold entity's: both the span and the alias resolution must be right.
Annotation rules: outermost names only ("Công an tỉnh Quảng Trị" is one ORG, not also a LOC); events,
leagues, storms and products are not entities; lower-case region words ("miền Trung") are not entities;
a street named after a person is a LOC; a gazetteer alias is written as its canonical name.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from nlp.entities import extract_entities
from nlp.jsonl import read_jsonl
from nlp.normalize import fold, normalize

_WORD = re.compile(r"\w+")


def entity_key(name: str) -> str:
    return " ".join(_WORD.findall(fold(normalize(name))))


def evaluate_entities(path: Path) -> dict[str, Any]:
    """Micro precision/recall/F1 overall and per type, with the errors for inspection."""
    tp: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    errors: list[dict[str, Any]] = []
    items = 0
    for row in read_jsonl(path):
        items += 1
        gold = {(e["type"], entity_key(e["text"])) for e in row["entities"]}
        pred = {(e["type"], entity_key(e["text"])) for e in extract_entities(row["text"])}
        for etype, _ in gold:
            n_gold[etype] += 1
        for etype, _ in pred:
            n_pred[etype] += 1
        for etype, _ in gold & pred:
            tp[etype] += 1
        if gold != pred:
            errors.append({"id": row["id"], "missed": sorted(gold - pred), "spurious": sorted(pred - gold)})

    def prf(t: int, p: int, g: int) -> dict[str, float]:
        precision = t / p if p else 0.0
        recall = t / g if g else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "gold": g,
            "predicted": p,
            "correct": t,
        }

    return {
        "items": items,
        "all": prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values())),
        "per_type": {t: prf(tp[t], n_pred[t], n_gold[t]) for t in sorted(n_gold | n_pred)},
        "errors": errors,
    }


def format_entity_metrics(metrics: dict[str, Any]) -> str:
    a = metrics["all"]
    lines = [
        f"entities on {metrics['items']} hand-checked items ({a['gold']} gold entities): precision "
        f"{a['precision']:.3f}  recall {a['recall']:.3f}  F1 {a['f1']:.3f}",
        f"  {'type':<5} {'precision':>9} {'recall':>7} {'f1':>6} {'gold':>5} {'predicted':>9}",
    ]
    for etype, m in metrics["per_type"].items():
        lines.append(
            f"  {etype:<5} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['f1']:>6.3f} {m['gold']:>5} "
            f"{m['predicted']:>9}"
        )
    return "\n".join(lines)
