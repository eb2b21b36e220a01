"""Per-key rate limiting: a token bucket per API key, held in this process.

Several API processes behind a load balancer each enforce the limit separately (the effective
limit is then N × the configured one); that is the accepted trade-off for not needing Redis.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`per_minute` requests per key, with bursts up to the same number."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, key_id: str) -> float:
        """Take one token; returns 0 when allowed, else the seconds to wait before retrying."""
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(key_id)
            if bucket is None:
                bucket = self._buckets[key_id] = _Bucket(self.capacity, now)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return max(1.0, math.ceil((1.0 - bucket.tokens) / self.rate))


class FailedAuth:
    """Requests without a valid key, limited per client address (a token bucket each, in this
    process), and unknown keys remembered for a while: a guesser costs neither a store look-up per
    attempt nor more than `per_minute` attempts a minute."""

    def __init__(self, per_minute: int, remember_seconds: float = 60.0) -> None:
        self.limiter = RateLimiter(per_minute)
        self.remember_seconds = remember_seconds
        self._unknown: dict[str, float] = {}  # hash of an unknown key → when it was looked up
        self._lock = threading.Lock()

    def blocked(self, address: str) -> float:
        """Seconds to wait when `address` used up its failures, else 0 (takes nothing)."""
        with self.limiter._lock:
            bucket = self.limiter._buckets.get(address)
            if bucket is None:
                return 0.0
            tokens = min(
                self.limiter.capacity, bucket.tokens + (time.monotonic() - bucket.updated) * self.limiter.rate
            )
            return 0.0 if tokens >= 1.0 else max(1.0, math.ceil((1.0 - tokens) / self.limiter.rate))

    def failed(self, address: str) -> None:
        self.limiter.check(address)
        if len(self.limiter._buckets) > 100_000:
            with self.limiter._lock:
                self.limiter._buckets.clear()

    def known_unknown(self, digest: str) -> bool:
        with self._lock:
            seen = self._unknown.get(digest)
            return seen is not None and time.monotonic() - seen < self.remember_seconds

    def remember_unknown(self, digest: str) -> None:
        with self._lock:
            if len(self._unknown) > 100_000:
                self._unknown.clear()
            self._unknown[digest] = time.monotonic()

    def forget_unknown(self) -> None:
        """A key was created: an attempt remembered as unknown may be valid now."""
        with self._lock:
            self._unknown.clear()


class StreamSlots:
    """Open Server-Sent Event streams, capped per key and in all."""

    def __init__(self, total: int, per_key: int) -> None:
        self.total, self.per_key = total, per_key
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, key_id: str) -> str | None:
        """None when a slot was taken (give it back with `give`), else why not."""
        with self._lock:
            if sum(self._open.values()) >= self.total:
                return f"{self.total} alert streams are open on this server, the most it serves"
            if self._open.get(key_id, 0) >= self.per_key:
                return f"this key has {self.per_key} alert streams open, the most one key may"
            self._open[key_id] = self._open.get(key_id, 0) + 1
            return None

    def give(self, key_id: str) -> None:
        with self._lock:
            left = self._open.get(key_id, 0) - 1
            if left > 0:
                self._open[key_id] = left
            else:
                self._open.pop(key_id, None)
