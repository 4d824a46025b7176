"""Authentication: a static Bearer key, or OAuth2 client credentials.

The OAuth token is cached and refreshed before it expires (DeepSeek-style tokens live
2 h; we refresh at 90% of the lifetime, at most 5 minutes early), and under concurrency
exactly one refresh is in flight: the others wait for it instead of stampeding the
token endpoint. A 401 on a call forces one refresh (`invalidate`) and one retry.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from typing import Any, Protocol

import httpx

from sentinel.client.secrets import SecretSource, check_bearer
from sentinel.clock import Clock
from sentinel.errors import APIConnectionError, AuthenticationError, ConfigurationError
from sentinel.scrub import scrub_text
from sentinel.urls import redact_url


class TokenCache:
    """Pure expiry bookkeeping on an injected clock."""

    def __init__(self, clock: Clock, max_early: float = 300.0) -> None:
        self._clock = clock
        self._max_early = max_early
        self._token: str | None = None
        self._refresh_at = 0.0

    def get(self) -> str | None:
        """The token if it is not due for refresh yet."""
        if self._token is not None and self._clock.monotonic() < self._refresh_at:
            return self._token
        return None

    def put(self, token: str, expires_in: float) -> None:
        early = min(self._max_early, expires_in * 0.1)
        self._token = token
        self._refresh_at = self._clock.monotonic() + max(0.0, expires_in - early)

    def invalidate(self, token: str | None) -> None:
        """Drop `token` if it is still the cached one (a concurrent refresh may have won)."""
        if token is None or token == self._token:
            self._token = None


class Auth(Protocol):
    refreshable: bool

    def token(self, client: httpx.Client) -> str: ...
    async def atoken(self, client: httpx.AsyncClient) -> str: ...
    def invalidate(self, token: str) -> None: ...


class StaticKeyAuth:
    """DeepSeek's API key. A file or command source is re-read after a 401 (rotation)."""

    def __init__(self, source: SecretSource) -> None:
        self._source = source
        self._key = source.read()
        self.refreshable = source.rereadable

    def token(self, client: httpx.Client) -> str:
        return self._key

    async def atoken(self, client: httpx.AsyncClient) -> str:
        return self._key

    def invalidate(self, token: str) -> None:
        if self.refreshable and token == self._key:
            self._key = self._source.read()

    def __repr__(self) -> str:
        return f"StaticKeyAuth({self._source!r})"


class OAuth2ClientCredentials:
    """RFC 6749 §4.4 client credentials over the client's own connection pool."""

    refreshable = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: SecretSource,
        clock: Clock,
        scope: str | None = None,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self._scope = scope
        self._cache = TokenCache(clock)
        self._lock = threading.Lock()
        # One asyncio lock per event loop: a lock is bound to the loop that first waits
        # on it, and the token state outlives loops (asyncio.run twice, a loop per thread).
        self._alocks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self.refreshes = 0

    def _form(self) -> dict[str, str]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret.read(),
        }
        if self._scope:
            form["scope"] = self._scope
        return form

    def _accept(self, resp: httpx.Response) -> str:
        if resp.status_code != 200:
            try:
                reason = resp.json().get("error", "")
            except ValueError:
                reason = ""
            reason = scrub_text(str(reason), (self._secret.read(),))
            raise AuthenticationError(
                f"OAuth2 token request to {redact_url(self.token_url)} failed: HTTP "
                f"{resp.status_code} {reason}".rstrip(),
                status_code=401,
            )
        data: dict[str, Any] = resp.json()
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthenticationError("OAuth2 token response has no access_token")
        try:
            check_bearer(token, "the OAuth2 access_token")
        except ConfigurationError as exc:
            raise AuthenticationError(str(exc)) from None
        self._cache.put(token, float(data.get("expires_in", 3600)))
        self.refreshes += 1
        return token

    def token(self, client: httpx.Client) -> str:
        token = self._cache.get()
        if token is not None:
            return token
        with self._lock:  # one refresh in flight; late arrivals reuse its result
            token = self._cache.get()
            if token is not None:
                return token
            try:
                resp = client.post(self.token_url, data=self._form())
            except httpx.HTTPError as exc:
                raise APIConnectionError(
                    f"OAuth2 token endpoint unreachable: {type(exc).__name__}"
                ) from None
            return self._accept(resp)

    async def atoken(self, client: httpx.AsyncClient) -> str:
        token = self._cache.get()
        if token is not None:
            return token
        async with self._loop_lock():
            token = self._cache.get()
            if token is not None:
                return token
            try:
                resp = await client.post(self.token_url, data=self._form())
            except httpx.HTTPError as exc:
                raise APIConnectionError(
                    f"OAuth2 token endpoint unreachable: {type(exc).__name__}"
                ) from None
            return self._accept(resp)

    def _loop_lock(self) -> asyncio.Lock:
        # Only this loop's thread uses its key, so no thread lock is needed.
        return self._alocks.setdefault(asyncio.get_running_loop(), asyncio.Lock())

    def invalidate(self, token: str) -> None:
        self._cache.invalidate(token)

    def __repr__(self) -> str:
        return (
            f"OAuth2ClientCredentials(token_url={redact_url(self.token_url)!r}, "
            f"client_id={self.client_id!r})"
        )
