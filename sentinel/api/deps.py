"""Dependencies shared by the API routers: bearer-token authentication with scopes and a
per-token rate limit.

Tokens are checked against the hashed entries `sentinel tokens create` leaves in the
store (see `sentinel.compliance.tokens`), so the API holds no secret of its own and a
revoked token stops working on the next request. Errors follow RFC 6750: 401 with
`WWW-Authenticate: Bearer` when the token is missing or not valid, 403 with
`error="insufficient_scope"` when it is valid but lacks the scope.

Usage in a router::

    @router.get("/v1/alerts")
    def alerts(token: Annotated[TokenInfo, Depends(require_scope("alerts:read"))]): ...
"""

# No `from __future__ import annotations` here: FastAPI must resolve the closures'
# `Depends(...)` annotations at runtime, and string annotations naming locals cannot be.
import math
import threading
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sentinel.clock import Clock
from sentinel.compliance.service import Compliance, open_spool
from sentinel.compliance.tokens import SCOPES, TokenInfo
from sentinel.config import Settings
from sentinel.store.base import Store

__all__ = [
    "RateLimiter",
    "TokenInfo",
    "compliance_for",
    "get_clock",
    "get_compliance",
    "get_settings",
    "get_store",
    "rate_limit",
    "require_scope",
]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="BearerToken",
    description="An API token from `sentinel tokens create --name N --scope S`.",
)


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_clock(request: Request) -> Clock:
    return request.app.state.clock


_build_lock = threading.Lock()


def compliance_for(app: FastAPI) -> Compliance:
    """The app's compliance services, built once from `app.state` (store, settings,
    clock, and the optional `spool` and `exports_dir` the daemon or a test sets; without
    `spool`, this machine's spool directory is used if it exists)."""
    state = app.state
    with _build_lock:
        service = getattr(state, "compliance", None)
        if service is None:
            service = Compliance.build(
                state.store,
                state.settings,
                spool=state.spool if hasattr(state, "spool") else open_spool(state.settings),
                clock=state.clock,
                exports_dir=getattr(state, "exports_dir", None),
            )
            state.compliance = service
    return service


def get_compliance(request: Request) -> Compliance:
    return compliance_for(request.app)


def require_scope(scope: str) -> Callable[..., TokenInfo]:
    """A dependency that admits a valid, unrevoked token holding `scope` (or `admin`)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}: use one of {SCOPES}")

    def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> TokenInfo:
        if credentials is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "missing bearer token",
                headers={"WWW-Authenticate": 'Bearer realm="sentinel"'},
            )
        info = compliance_for(request.app).tokens.verify(credentials.credentials)
        if info is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "invalid or revoked token",
                headers={"WWW-Authenticate": 'Bearer realm="sentinel", error="invalid_token"'},
            )
        if not info.allows(scope):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"token lacks scope {scope}",
                headers={
                    "WWW-Authenticate": (
                        f'Bearer realm="sentinel", error="insufficient_scope", scope="{scope}"'
                    )
                },
            )
        return info

    return dependency


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

    The limiter lives on `app.state.rate_limiters[name]`, so tests and the daemon can
    replace it (e.g. with a different rate) before the first request.
    """
    authenticate = require_scope(scope)

    def dependency(
        request: Request, token: Annotated[TokenInfo, Depends(authenticate)]
    ) -> TokenInfo:
        state = request.app.state
        with _limiters_lock:
            limiters: dict[str, RateLimiter] = getattr(state, "rate_limiters", None) or {}
            state.rate_limiters = limiters
            limiter = limiters.setdefault(name, RateLimiter(per_minute, burst, state.clock))
        wait = limiter.acquire(token.id)
        if wait > 0:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"rate limit for {name} exceeded for this token",
                headers={"Retry-After": str(max(1, math.ceil(min(wait, 86400))))},
            )
        return token

    return dependency
