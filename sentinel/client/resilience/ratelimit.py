"""Client-side token bucket so an app stays under its DeepSeek tier instead of eating
429s. Callers wait their turn rather than fail: `reserve()` books the next slot and
says how long to sleep, which the sync client does with `clock.sleep` and the async
one with `clock.asleep`, so one bucket can be shared by both."""

from __future__ import annotations

import threading

from sentinel.clock import Clock

RATE_LIMIT_PRESETS: dict[str, int] = {"tier-100": 100, "tier-500": 500}


class TokenBucket:
    def __init__(self, per_minute: float, clock: Clock, burst: int | None = None) -> None:
        if per_minute <= 0:
            raise ValueError(f"rate limit must be > 0 requests/min, got {per_minute}")
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(1, int(self.rate)))
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = self.capacity
        self._last = clock.monotonic()

    @classmethod
    def preset(cls, name: str, clock: Clock) -> TokenBucket:
        if name not in RATE_LIMIT_PRESETS:
            raise ValueError(
                f"unknown rate limit preset {name!r}; use {sorted(RATE_LIMIT_PRESETS)}"
            )
        return cls(RATE_LIMIT_PRESETS[name], clock)

    def reserve(self) -> float:
        """Take one token (possibly borrowing from the future); seconds to wait first."""
        with self._lock:
            now = self._clock.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self.rate
