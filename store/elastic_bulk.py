"""Bulk writes to Elasticsearch that never lose a batch: retries, per-item errors, spool on outage.

A batch goes to the cluster in `_bulk` requests of at most BULK_ACTIONS documents and about BULK_BYTES of
them (Elasticsearch refuses a request over 100 MB by default; a batch of log lines can hold lines of up
to 1 MiB each). Items refused for overload (429/50x) are retried
with exponential backoff; items still refused, or whole batches the cluster cannot take (unreachable,
down), are appended to the local spool and replayed, in order, before the next write or by `replay()`.
Items rejected for a reason retrying cannot fix (bad document: 400) are reported in BulkResult.errors.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import orjson
from elasticsearch import ApiError, Elasticsearch, TransportError

from store.errors import StoreUnavailable
from store.models import pipeline_error_doc
from store.query import BulkResult
from store.spool import Spool

log = logging.getLogger(__name__)
# The client logs every failed request with a traceback ("Retrying request after failure") and every
# node it puts on timeout: during an outage, one line per state change (below, and in the ingester)
# says what matters instead.
logging.getLogger("elastic_transport").setLevel(logging.ERROR)
RETRYABLE = {429, 502, 503, 504}
BULK_ACTIONS = 1000  # documents in one _bulk request at most
BULK_BYTES = 8 * 1024 * 1024  # and about this many bytes of documents (one larger document goes alone)
Action = dict[str, Any]  # {"action": {"index": {"_index", "_id"}}, "source": {...}}


def action(op: str, index: str, doc_id: str, doc: dict[str, Any]) -> Action:
    return {"action": {op: {"_index": index, "_id": doc_id}}, "source": doc}


def _doc_id(item: Action) -> str:
    return str(next(iter(item["action"].values()))["_id"])


def as_pipeline_error(item: Action, reason: str) -> Action:
    """The document the cluster refused, as the pipeline_error of its raw line (same id): what it
    was (`event.original`, bounded), where it came from (`log.offset`, `log.file.path`) and why."""
    source: dict[str, Any] = item["source"] if isinstance(item.get("source"), dict) else {}
    meta: dict[str, Any] = source["event"] if isinstance(source.get("event"), dict) else {}
    original: str = meta["original"] if isinstance(meta.get("original"), str) else ""
    raw = original.encode("utf-8", "replace")
    message = f"the store refused this line: {reason}"
    doc = pipeline_error_doc(original, raw, message, meta.get("dataset")) | {"vigil": {"id": _doc_id(item)}}
    stamp = source.get("@timestamp")
    doc["@timestamp"] = (
        stamp if isinstance(stamp, str) else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    )
    log_doc: dict[str, Any] = source["log"] if isinstance(source.get("log"), dict) else {}
    kept_log: dict[str, Any] = {}
    if isinstance(log_doc.get("offset"), int) and 0 <= log_doc["offset"] < 2**63:
        kept_log["offset"] = log_doc["offset"]
    file = log_doc.get("file")
    if isinstance(file, dict) and isinstance(file.get("path"), str):
        kept_log["file"] = {"path": file["path"]}
    if kept_log:
        doc["log"] = kept_log
    return {"action": item["action"], "source": doc}


def requests(actions: list[Action]) -> list[list[Action]]:
    """`actions` cut into the _bulk requests that send them: at most BULK_ACTIONS each and, by the size
    of their documents as JSON, about BULK_BYTES (a document larger than that goes alone)."""
    out: list[list[Action]] = []
    current: list[Action] = []
    size = 0
    for item in actions:
        weight = len(orjson.dumps(item["source"], default=str))
        if current and (len(current) >= BULK_ACTIONS or size + weight > BULK_BYTES):
            out.append(current)
            current, size = [], 0
        current.append(item)
        size += weight
    if current:
        out.append(current)
    return out


class BulkWriter:
    """Sends batches of actions; spools what the cluster cannot take now."""

    def __init__(
        self,
        client: Elasticsearch,
        spool: Spool,
        ensure_ready: Callable[[], None],
        max_retries: int = 3,
        retry_backoff: float = 0.5,
    ) -> None:
        self.client = client
        self.spool = spool
        self.ensure_ready = ensure_ready
        self.max_retries = max_retries
        self.retry_backoff = retry_backoff
        self._down = False  # logged once when it becomes unreachable, once when it is back

    def write(self, kind: str, actions: list[Action], *, visible: bool = False) -> BulkResult:
        """Send `actions` in bounded requests (`requests`); with `visible`, searches see them when this
        returns (refresh=wait_for). Once the cluster is found unreachable, the requests not sent yet are
        spooled behind the one that failed, in order, without trying each."""
        result = BulkResult()
        parts = requests(actions)
        for number, part in enumerate(parts):
            done = self._write(kind, part, visible=visible)
            result.indexed += done.indexed
            result.spooled += done.spooled
            result.errors.extend(done.errors)
            if self._down:
                for later in parts[number + 1 :]:  # one spooled batch each: replayed as bounded requests
                    self.spool.append(kind, later)
                    result.spooled += len(later)
                break
        return result

    def _write(self, kind: str, actions: list[Action], *, visible: bool) -> BulkResult:
        if not actions:
            return BulkResult()
        if self.spool.batches_path.exists():
            try:
                self.replay()
            except StoreUnavailable:  # still down: keep the order, spool behind the others
                self.spool.append(kind, actions)
                return BulkResult(spooled=len(actions))
        try:
            result, refused = self.send(actions, visible=visible)
        except StoreUnavailable as exc:
            if not self._down:
                self._down = True
                log.warning("Elasticsearch unreachable, spooling writes until it answers: %s", str(exc)[:200])
            self.spool.append(kind, actions)
            return BulkResult(spooled=len(actions))
        self._down = False
        if refused:
            log.warning("Elasticsearch overloaded, spooling %d %s", len(refused), kind)
            self.spool.append(kind, refused)
            result.spooled += len(refused)
        return result

    def send(self, actions: list[Action], *, visible: bool = False) -> tuple[BulkResult, list[Action]]:
        """Bulk-send, retrying items refused for overload; returns (result, items still refused)."""
        self.ensure_ready()
        result = BulkResult()
        pending = actions
        for attempt in range(self.max_retries + 1):
            if attempt:
                time.sleep(self.retry_backoff * 2 ** (attempt - 1))
            operations: list[dict[str, Any]] = []
            for item in pending:
                operations.extend((item["action"], item["source"]))
            try:
                response = self.client.bulk(operations=operations, refresh="wait_for" if visible else None)
            except ApiError as exc:
                if exc.meta.status in RETRYABLE:
                    continue
                raise StoreUnavailable(
                    f"Elasticsearch refused the batch ({exc.meta.status}): {exc.message}"
                ) from exc
            except TransportError as exc:
                raise StoreUnavailable(f"Elasticsearch is unreachable: {exc}") from exc
            retry: list[Action] = []
            for item, answer in zip(pending, response["items"], strict=True):
                ((op, outcome),) = answer.items()
                status = int(outcome.get("status", 500))
                if status < 300 or (op == "create" and status == 409):  # 409 on create: already there
                    result.indexed += 1
                elif status in RETRYABLE:
                    retry.append(item)
                else:
                    reason = outcome.get("error", {})
                    text = reason.get("reason", str(reason)) if isinstance(reason, dict) else str(reason)
                    result.errors.append((_doc_id(item), f"{status}: {text}"))
            if not retry:
                return result, []
            pending = retry
        return result, pending

    def replay(self) -> int:
        """Send spooled batches in order, each marked done once acknowledged; raises if still down."""
        replayed = 0
        with self.spool.locked("replay"):
            for batch in self.spool.pending():
                result, refused = self.send(batch.actions)
                if result.errors and batch.kind == "events":
                    # a line spooled during an outage that the cluster refuses is kept as a pipeline_error
                    by_id = {_doc_id(item): item for item in batch.actions}
                    errors = [(by_id[doc_id], reason) for doc_id, reason in result.errors if doc_id in by_id]
                    kept, still = self.send([as_pipeline_error(item, reason) for item, reason in errors])
                    result.indexed += kept.indexed
                    result.errors = kept.errors
                    refused.extend(still)
                for doc_id, reason in result.errors:
                    log.error("spooled %s %s rejected by Elasticsearch: %s", batch.kind, doc_id, reason)
                if refused:
                    raise StoreUnavailable("Elasticsearch is overloaded; the spool will be replayed later")
                self.spool.mark_done(batch.id)
                replayed += result.indexed
            self.spool.compact()
        if replayed:
            log.info("replayed %d spooled documents", replayed)
        return replayed
