"""Dependencies shared by the API routers: the compliance services, and a per-token
rate limit on top of `sentinel.web.tokens.require_scope` (bearer tokens with scopes).

Usage in a router::

    @router.post("/v1/gdpr/erasures")
    def erase(token: Annotated[TokenInfo, Depends(rate_limit("gdpr:erase", ...))]): ...
"""

# No `from __future__ import annotations` here: FastAPI must resolve the closures'
# `Depends(...)` annotations at runtime, and string annotations naming locals cannot be.
import math
import threading
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from sentinel.api.state import api_state
from sentinel.clock import Clock
from sentinel.compliance.service import Compliance
from sentinel.web.tokens import TokenInfo, require_scope

__all__ = ["RateLimiter", "get_compliance", "rate_limit"]


def get_compliance(request: Request) -> Compliance:
    return api_state(request.app).compliance


class RateLimiter:
    """Token bucket per key (a token id): `per_minute` sustained, bursts up to `burst`.

    In memory, per process: the limit protects the store from a runaway script holding
    one token, not a security boundary across replicas.
    """

    def __init__(self, per_minute: float, burst: int, clock: Clock) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """0 if admitted (and counted), else the seconds until one would be."""
        now = self.clock.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate if self.rate > 0 else math.inf


_limiters_lock = threading.Lock()


def rate_limit(scope: str, name: str, per_minute: float, burst: int) -> Callable[..., TokenInfo]:
    """`require_scope(scope)` plus a per-token limit; 429 with Retry-After beyond it.

    The limiter lives in `ApiState.rate_limiters[name]`, so tests and the daemon can
    replace it (e.g. with a different rate) before the first request.
    """
    authenticate = require_scope(scope)

    def dependency(
        request: Request, token: Annotated[TokenInfo, Depends(authenticate)]
    ) -> TokenInfo:
        state = api_state(request.app)
        with _limiters_lock:
            limiter = state.rate_limiters.get(name)
            if limiter is None:
                limiter = state.rate_limiters[name] = RateLimiter(per_minute, burst, state.clock)
        wait = limiter.acquire(token.id)
        if wait > 0:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"rate limit for {name} exceeded for this token",
                headers={"Retry-After": str(max(1, math.ceil(min(wait, 86400))))},
            )
        return token

    return dependency
