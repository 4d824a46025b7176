"""Bearer-token authentication with scopes, for the API's routes and the proxy's.

Tokens are checked against the hashed entries `sentinel tokens create` leaves in the
store (`sentinel.compliance.tokens.TokenRegistry`, the one on the app's `WebState`), so
neither app holds a secret of its own and a revoked token stops working on the next
request. Errors follow RFC 6750: 401 with `WWW-Authenticate: Bearer` when the token is
missing or not valid, 403 with `error="insufficient_scope"` when it is valid but lacks
the scope.

Usage in an API router::

    @router.get("/v1/alerts")
    def alerts(token: Annotated[TokenInfo, Depends(require_scope("alerts:read"))]): ...

The proxy calls `authenticate` instead: a store lookup per call would cost every
call a thread hop, so it remembers verified tokens for a few seconds (`VerifiedTokens`).
"""

# No `from __future__ import annotations` here: FastAPI must resolve the closures'
# `Depends(...)` annotations at runtime, and string annotations naming locals cannot be.
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from sentinel.clock import Clock
from sentinel.compliance.tokens import SCOPES, TokenInfo, TokenRegistry
from sentinel.web.state import web_state

__all__ = ["TokenInfo", "VerifiedTokens", "authenticate", "check_token", "require_scope"]

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="BearerToken",
    description="An API token from `sentinel tokens create --name N --scope S`.",
)


def check_token(registry: TokenRegistry, token: str | None, scope: str) -> TokenInfo:
    """The info of a valid, unrevoked `token` holding `scope` (or `admin`); raises
    the 401/403 HTTPException otherwise. A missing token never touches the store."""
    if token is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer token",
            headers={"WWW-Authenticate": 'Bearer realm="sentinel"'},
        )
    info = registry.verify(token)
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


def _known(scope: str) -> str:
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}: use one of {SCOPES}")
    return scope


def require_scope(scope: str) -> Callable[..., TokenInfo]:
    """A FastAPI dependency admitting a valid, unrevoked token holding `scope`."""
    _known(scope)

    def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> TokenInfo:
        token = None if credentials is None else credentials.credentials
        return check_token(web_state(request.app).tokens, token, scope)

    return dependency


class VerifiedTokens:
    """Tokens verified in the last `ttl` seconds; bounded, pure (clock-injected).
    Revoking a token therefore takes effect within `ttl`; a failed check is never
    remembered, so a new token works at once."""

    def __init__(self, ttl: float, clock: Clock, max_entries: int = 4096) -> None:
        self.ttl = ttl
        self.clock = clock
        self.max_entries = max_entries
        self._entries: dict[str, tuple[TokenInfo, float]] = {}

    def get(self, token: str) -> TokenInfo | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        if self.clock.monotonic() >= entry[1]:
            del self._entries[token]
            return None
        return entry[0]

    def put(self, token: str, info: TokenInfo) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # rare (that many live tokens): start over, stay bounded
        self._entries[token] = (info, self.clock.monotonic() + self.ttl)


async def authenticate(request: Request, scope: str, verified: VerifiedTokens) -> TokenInfo:
    """The caller's token info, from `verified` or else the registry (off the event
    loop: it is a store lookup); raises the 401/403 HTTPException otherwise."""
    credentials = await bearer(request)
    if credentials is None:
        return check_token(web_state(request.app).tokens, None, _known(scope))
    token = credentials.credentials
    info = verified.get(token)
    if info is None or not info.allows(scope):
        info = await run_in_threadpool(
            check_token, web_state(request.app).tokens, token, _known(scope)
        )
        verified.put(token, info)
    return info
