"""Circuit breaker for 500s: after `threshold` consecutive failures it opens for
`cooldown` seconds (calls fail fast with CircuitOpenError), then lets exactly one probe
through; the probe's result closes it or opens it again."""

from __future__ import annotations

import enum
import threading

from sentinel.clock import Clock


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Thread-safe and loop-agnostic (no awaiting under the lock): shared by sync and
    async calls of one client."""

    def __init__(self, clock: Clock, threshold: int = 5, cooldown: float = 30.0) -> None:
        if threshold < 1:
            raise ValueError(f"breaker threshold must be >= 1, got {threshold}")
        self._clock = clock
        self.threshold = threshold
        self.cooldown = cooldown
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_out = False
        self.opened_count = 0

    @property
    def state(self) -> BreakerState:
        with self._lock:
            if self._state is BreakerState.OPEN and self._cooled():
                return BreakerState.HALF_OPEN
            return self._state

    def _cooled(self) -> bool:
        return self._clock.monotonic() - self._opened_at >= self.cooldown

    def retry_in(self) -> float:
        """Seconds until the breaker will let a probe through (0 if it would now)."""
        with self._lock:
            if self._state is not BreakerState.OPEN:
                return 0.0
            return max(0.0, self.cooldown - (self._clock.monotonic() - self._opened_at))

    def acquire(self) -> bool:
        """May a request go out now? True grants it (in half-open: the one probe)."""
        with self._lock:
            if self._state is BreakerState.CLOSED:
                return True
            if self._state is BreakerState.OPEN:
                if not self._cooled():
                    return False
                self._state = BreakerState.HALF_OPEN
                self._probe_out = False
            if self._probe_out:
                return False
            self._probe_out = True
            return True

    def success(self) -> None:
        with self._lock:
            self._failures = 0
            self._probe_out = False
            self._state = BreakerState.CLOSED

    def failure(self) -> bool:
        """Count one 500; True if this failure opened the breaker."""
        with self._lock:
            self._probe_out = False
            if self._state is BreakerState.HALF_OPEN:
                return self._open()
            self._failures += 1
            if self._state is BreakerState.CLOSED and self._failures >= self.threshold:
                return self._open()
            return False

    def release(self) -> None:
        """The granted request ended without a verdict (dropped connection, 503, abandoned):
        let another probe try."""
        with self._lock:
            self._probe_out = False

    def _open(self) -> bool:
        self._state = BreakerState.OPEN
        self._opened_at = self._clock.monotonic()
        self._failures = 0
        self.opened_count += 1
        return True
