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
