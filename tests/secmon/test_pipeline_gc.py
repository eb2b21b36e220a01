"""The ingest pipeline pauses the cyclic garbage collector over each batch (`Processor.handle`): a batch
allocates tens of thousands of acyclic dicts and tuples that would set off collections, full ones walking
the whole heap. The collector is on again after the batch, so cycles made meanwhile are still collected."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from core.config import Settings
from secmon.pipeline import Processor, ingest_paths
from store.gcpause import gc_paused
from store.protocol import Store
from store.query import Kind, SearchQuery

SAMPLE = Path(__file__).resolve().parents[2] / "secmon" / "samples" / "suricata-verify-eve.json"


def _inside_handle(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code is Processor._handle.__code__:  # the batch's work (handle pauses around it)
            return True
        frame = frame.f_back
    return False


def test_no_cyclic_collection_runs_inside_a_batch_and_the_collector_is_on_after(
    tmp_path: Path, store: Store
) -> None:
    lines = [line for line in SAMPLE.read_text().splitlines() if line.strip()] * 40
    log = tmp_path / "eve.json"
    log.write_text("\n".join(lines) + "\n")
    inside: list[int] = []
    outside: list[int] = []

    def watch(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            (inside if _inside_handle(sys._getframe(1)) else outside).append(info["generation"])

    assert gc.isenabled()
    gc.callbacks.append(watch)
    try:
        summary = ingest_paths(Settings(data_dir=tmp_path / "data"), store, [str(log)], fmt="eve")
        garbage = [[]]  # a cycle made after the ingest is still collected: the collector is on
        garbage[0].append(garbage)
        del garbage
        found = gc.collect()
    finally:
        gc.callbacks.remove(watch)
    assert gc.isenabled()
    assert found >= 1
    assert inside == []
    assert outside, "the ingest allocated too little to set off any collection: the test shows nothing"
    assert summary.events_indexed == len(lines)
    store.refresh()
    assert store.search(Kind.events, SearchQuery(size=0)).total == len(lines)


def test_gc_paused_turns_the_collector_back_on_after_an_error_and_leaves_it_off_if_it_was() -> None:
    assert gc.isenabled()
    with pytest.raises(ValueError), gc_paused():
        assert not gc.isenabled()
        raise ValueError("a failed batch")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
