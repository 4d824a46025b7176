"""The connection pools chat calls go through: httpx transports, driven directly (direct
HTTP/1.1 connections use `sentinel.client.http1` for the sync client and
`sentinel.client.ahttp1` for asyncio; both choosers are here).

Sentinel does its own retries, auth and timeouts, and the chat API never redirects or
sets cookies, so the `httpx.Client` layer above the transport (cookie jar, auth flow,
redirect loop, URL merging) would be pure per-call cost; it is a third of a raw
`httpx.Client.post` on loopback. The transport keeps what matters: the keep-alive pool,
optional HTTP/2, the TLS context, and the proxy `httpx.Client` would have chosen from
HTTP(S)_PROXY / ALL_PROXY / NO_PROXY.
"""

from __future__ import annotations

import urllib.request
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

import httpx

from sentinel.client.ahttp1 import AsyncHTTP1Transport
from sentinel.client.http1 import HTTP1Transport
from sentinel.client.tls import is_loopback

if TYPE_CHECKING:
    from sentinel.client.core import ClientCore

T = TypeVar("T")


def proxy_for(url: httpx.URL) -> str | None:
    """The environment's proxy for `url`, as httpx would pick it (loopback never proxied)."""
    host = url.host
    if is_loopback(host) or urllib.request.proxy_bypass(host):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(url.scheme) or proxies.get("all")


def sync_transport(core: ClientCore, proxy: str | None) -> httpx.BaseTransport:
    """The stdlib HTTP/1.1 transport where it applies (direct connections), httpx's
    otherwise: HTTP/2 and outbound proxies need httpcore."""
    if proxy is None and not core.settings.http2:
        return HTTP1Transport(verify=core.ssl, limits=core.limits)
    return httpx.HTTPTransport(**core.transport_kwargs(proxy))


def async_transport(core: ClientCore, proxy: str | None) -> httpx.AsyncBaseTransport:
    """The asyncio HTTP/1.1 transport for direct connections; httpx's (sharded) where
    HTTP/2 or an outbound proxy needs httpcore."""
    if proxy is None and not core.settings.http2:
        return AsyncHTTP1Transport(verify=core.ssl, limits=core.limits)
    return ShardedAsyncTransport(
        lambda limits: httpx.AsyncHTTPTransport(**core.transport_kwargs(proxy, limits)),
        core.limits,
    )


def transports_for(
    urls: Sequence[httpx.URL], make: Callable[[str | None], T], given: T | None = None
) -> tuple[list[T], list[T]]:
    """One transport per endpoint (shared by endpoints with the same proxy), and the ones
    to close; an app-supplied transport serves every endpoint and stays the app's."""
    if given is not None:
        return [given] * len(urls), []
    by_proxy: dict[str | None, T] = {}
    chosen = []
    for url in urls:
        proxy = proxy_for(url)
        if proxy not in by_proxy:
            by_proxy[proxy] = make(proxy)
        chosen.append(by_proxy[proxy])
    return chosen, list(by_proxy.values())


class _Released(httpx.AsyncByteStream):
    """A response body that tells its shard when the connection is free again."""

    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._release is not None:
                self._release()
                self._release = None


class ShardedAsyncTransport(httpx.AsyncBaseTransport):
    """Several small connection pools in place of one large one, for asyncio.

    httpcore 1.0's pool does bookkeeping quadratic in its connections on every request,
    and can hand one idle connection to several queued requests, all but one of which
    then retry; at 32 concurrent calls that is most of a call's CPU (3x throughput
    measured on loopback). Small pools, each request going to the one with the fewest
    requests in flight, keep both effects small. A request counts as in flight until its
    response is closed, so a long stream keeps its shard's connection marked busy.
    """

    def __init__(
        self,
        make: Callable[[httpx.Limits], httpx.AsyncBaseTransport],
        limits: httpx.Limits,
        shards: int = 25,
    ) -> None:
        total = limits.max_connections or 100
        shards = max(1, min(shards, total))
        per = -(-total // shards)
        keepalive = limits.max_keepalive_connections
        shard_limits = httpx.Limits(
            max_connections=per,
            max_keepalive_connections=per if keepalive is None else -(-keepalive // shards),
            keepalive_expiry=limits.keepalive_expiry,
        )
        self._shards = [make(shard_limits) for _ in range(shards)]
        self._load = [0] * shards

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        load = self._load
        i = min(range(len(load)), key=load.__getitem__)
        load[i] += 1

        def release() -> None:
            load[i] -= 1

        try:
            response = await self._shards[i].handle_async_request(request)
        except BaseException:
            release()
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _Released(response.stream, release)
        return response

    async def aclose(self) -> None:
        for shard in self._shards:
            await shard.aclose()
