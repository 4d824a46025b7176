"""Who may call the proxy: Sentinel tokens of scope `proxy`, checked by the API's own
`require_scope` (hashed tokens in the store, RFC 6750 401/403).

A token created with `sentinel tokens create --app NAME` is bound to that app: calls
with it are recorded under NAME, and naming another app is a 403, so one app's token
cannot raise or hide another app's alerts or spend.

That check is a store lookup, run off the event loop. A token that passed is
remembered for `ttl` seconds, so an app's steady stream of calls costs no lookup and
no thread hop each; revoking a token therefore takes effect within `ttl` (a failed
check is never remembered: a new token works at once).
"""

from __future__ import annotations

from typing import Any

from fastapi.security import HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request

from sentinel.api.deps import TokenInfo, require_scope
from sentinel.clock import Clock

SCOPE = "proxy"
_bearer = HTTPBearer(auto_error=False)
_check = require_scope(SCOPE)


class TokenCache:
    """Tokens verified in the last `ttl` seconds; bounded, pure (clock-injected)."""

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


async def authenticate(request: Request, cache: TokenCache) -> TokenInfo:
    """The caller's token info; raises the API's 401/403 HTTPException otherwise."""
    credentials = await _bearer(request)
    if credentials is None:
        return _check(request, None)  # raises 401 without touching the store
    info = cache.get(credentials.credentials)
    if info is None:
        info = await run_in_threadpool(_check, request, credentials)
        cache.put(credentials.credentials, info)
    return info


def bind_app(kwargs: dict[str, Any], info: TokenInfo) -> None:
    """Hold the call's app to the token's; a bound token's app is used when the call
    names none. (The name itself is checked by the client, `sentinel.appnames`.)"""
    app = kwargs.get("app")
    if info.app is None:
        return
    if app is not None and app != info.app:
        raise HTTPException(403, "this token is bound to another app")
    kwargs["app"] = info.app
