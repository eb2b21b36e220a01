"""The spool file: durable appends, done-marking, crash leftovers, compaction."""

from __future__ import annotations

from pathlib import Path

from store.spool import Spool


def action(i: int) -> dict[str, object]:
    return {"action": {"index": {"_index": "x", "_id": str(i)}}, "source": {"n": i}}


def test_batches_stay_pending_until_marked_done(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    first = spool.append("articles", [action(1), action(2)])
    second = spool.append("events", [action(3)])
    assert [batch.id for batch in spool.pending()] == [first, second]
    assert spool.pending_documents() == 3
    spool.mark_done(first)
    assert [(batch.id, batch.kind) for batch in Spool(tmp_path).pending()] == [(second, "events")]
    spool.compact()
    assert spool.batches_path.exists()  # one batch is still pending
    spool.mark_done(second)
    spool.compact()
    assert not spool.batches_path.exists() and not spool.done_path.exists()
    assert spool.pending() == []


def test_a_line_torn_by_a_crash_is_ignored_and_sealed(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    kept = spool.append("articles", [action(1)])
    with spool.batches_path.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "torn", "kind": "articles", "actions": [')  # crash mid-write
    assert [batch.id for batch in spool.pending()] == [kept]
    later = spool.append("articles", [action(2)])
    assert [batch.id for batch in spool.pending()] == [kept, later]
    assert [batch.actions[0]["source"] for batch in spool.pending()] == [{"n": 1}, {"n": 2}]
