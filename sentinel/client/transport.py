"""The connection pools chat calls go through: httpx transports, driven directly.

Sentinel does its own retries, auth and timeouts, and the chat API never redirects or
sets cookies, so the `httpx.Client` layer above the transport (cookie jar, auth flow,
redirect loop, URL merging) would be pure per-call cost; it is a third of a raw
`httpx.Client.post` on loopback. The transport keeps what matters: the keep-alive pool,
optional HTTP/2, the TLS context, and the proxy `httpx.Client` would have chosen from
HTTP(S)_PROXY / ALL_PROXY / NO_PROXY.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Sequence
from typing import TypeVar

import httpx

from sentinel.client.tls import is_loopback

T = TypeVar("T")


def proxy_for(url: httpx.URL) -> str | None:
    """The environment's proxy for `url`, as httpx would pick it (loopback never proxied)."""
    host = url.host
    if is_loopback(host) or urllib.request.proxy_bypass(host):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(url.scheme) or proxies.get("all")


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
