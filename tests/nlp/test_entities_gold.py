"""Entity precision/recall on 100 real 2025-26 items checked by hand (tests/data/nlp/entities_gold.jsonl).

The gold entities were written by reading each item (rules: nlp/entity_eval.py); the figures are printed
in nlp/models/entities.md by `scripts/train_models.py --task entities`. Measured: precision 0.925,
recall 0.700 (247 gold entities); the thresholds leave a small margin so that a regression fails.
"""

from __future__ import annotations

from pathlib import Path

from nlp.entity_eval import evaluate_entities

GOLD = Path(__file__).resolve().parents[1] / "data" / "nlp" / "entities_gold.jsonl"


def test_gold_set_is_large_enough() -> None:
    metrics = evaluate_entities(GOLD)
    assert metrics["items"] == 100 and metrics["all"]["gold"] >= 200


def test_precision_and_recall_on_hand_checked_items() -> None:
    metrics = evaluate_entities(GOLD)
    assert metrics["all"]["precision"] >= 0.90, metrics["all"]
    assert metrics["all"]["recall"] >= 0.68, metrics["all"]
    assert metrics["per_type"]["LOC"]["precision"] >= 0.90, metrics["per_type"]
