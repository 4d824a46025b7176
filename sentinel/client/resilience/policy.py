"""One call's path through retries, the breaker, failover and fallback.

The sync and async clients only do I/O; after every attempt they ask this object what
to do next. Rules: 429 → retry on the retry schedule; 500 (and other 5xx but 503) →
counted by the breaker, not retried; 503 or a connection error → the next base URL in
order, then the fallback once; 401 → one auth refresh; any other 4xx → fail.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from sentinel.client.resilience.breaker import CircuitBreaker
from sentinel.client.resilience.retry import RetryPolicy
from sentinel.clock import Clock


class Action(enum.Enum):
    DONE = "done"
    RETRY = "retry"
    FAILOVER = "failover"
    REFRESH_AUTH = "refresh_auth"
    FALLBACK = "fallback"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Step:
    action: Action
    delay: float = 0.0


_DONE = Step(Action.DONE)
_FAIL = Step(Action.FAIL)


class CallPolicy:
    """State of one call; create one per call."""

    def __init__(
        self,
        endpoints: Sequence[str],
        retry: RetryPolicy,
        breaker: CircuitBreaker,
        clock: Clock,
        *,
        deadline: float | None = None,
        can_refresh_auth: bool = False,
        has_fallback: bool = False,
    ) -> None:
        self.endpoints = endpoints
        self._retry = retry
        self._breaker = breaker
        self._clock = clock
        self._deadline = deadline
        self._can_refresh = can_refresh_auth
        self._has_fallback = has_fallback
        self.index = 0
        self.retries = 0
        self.rate_limited = False
        self.failovers = 0
        self.auth_refreshed = False
        self.fallback_used = False
        self.circuit_open = False
        self.opened_breaker = False
        self._granted = False

    @property
    def endpoint(self) -> str:
        return self.endpoints[self.index]

    def admit(self) -> bool:
        """Before each attempt: False means the breaker is open (fail fast)."""
        if self._breaker.acquire():
            self._granted = True
            return True
        self.circuit_open = True
        return False

    def _served(self) -> None:
        self._granted = False
        self._breaker.success()

    def on_status(self, status: int, retry_after: float | None = None) -> Step:
        if status < 400:
            self._served()
            return _DONE
        if status == 503:
            return self._unreachable()
        if status >= 500:
            self._granted = False
            self.opened_breaker = self._breaker.failure()
            return _FAIL
        self._served()
        if status == 429:
            self.rate_limited = True
            delay = self._retry.delay(self.retries, retry_after)
            if delay is None or not self._fits(delay):
                return _FAIL
            self.retries += 1
            return Step(Action.RETRY, delay)
        if status == 401 and self._can_refresh and not self.auth_refreshed:
            self.auth_refreshed = True
            return Step(Action.REFRESH_AUTH)
        return _FAIL

    def on_connection_error(self) -> Step:
        return self._unreachable()

    def _unreachable(self) -> Step:
        self.release()
        if self.fallback_used:
            return _FAIL
        if self.index + 1 < len(self.endpoints):
            self.index += 1
            self.failovers += 1
            return Step(Action.FAILOVER)
        if self._has_fallback:
            self.fallback_used = True
            self.index = 0
            return Step(Action.FALLBACK)
        return _FAIL

    def _fits(self, delay: float) -> bool:
        return self._deadline is None or self._clock.monotonic() + delay <= self._deadline

    @property
    def deadline(self) -> float | None:
        """When the call's total timeout ends, on the clock's monotonic time."""
        return self._deadline

    def remaining(self) -> float | None:
        """Seconds left of the call's total timeout (None = unbounded)."""
        if self._deadline is None:
            return None
        return self._deadline - self._clock.monotonic()

    def release(self) -> None:
        """The attempt ended without a verdict for the breaker (or the call was abandoned)."""
        if self._granted:
            self._granted = False
            self._breaker.release()
