"""The `Host` header allow-list (SENTINEL_API_ALLOWED_HOSTS): a defence against DNS
rebinding, where a web page the operator visits points its own name at 127.0.0.1 and
then reads the unauthenticated status page from the operator's browser.

The browser still sends the attacker's name as `Host`, so only requests naming this
server are served: by default the bound address, `localhost`, `127.0.0.1` and `[::1]`
(with any port). `*` switches the check off (behind a reverse proxy that does its own);
`*.example.com` allows subdomains. `/healthz` and `/readyz` answer any Host, because
orchestrators probe by pod IP and the answers hold nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

_LOCAL = ("localhost", "127.0.0.1", "::1")
_UNCHECKED_PATHS = frozenset({"/healthz", "/readyz"})
_ANY_ADDRESS = ("0.0.0.0", "::", "")


def default_hosts(bound: str) -> list[str]:
    hosts = list(_LOCAL)
    if bound.strip("[]") not in _ANY_ADDRESS and bound not in hosts:
        hosts.append(bound.strip("[]").lower())
    return hosts


def host_of(header: str) -> str:
    """The name in a Host header, lower case, without port, brackets or trailing dot;
    "" (never allowed) for anything else after the name than `:digits`, such as
    `[::1]evil.example`."""
    header = header.strip().lower()
    if header.startswith("["):
        name, _, rest = header[1:].partition("]")
    else:
        name, colon, port = header.rpartition(":") if ":" in header else (header, "", "")
        rest = colon + port
    if rest and not (rest.startswith(":") and rest[1:].isdigit()):
        return ""
    return name.rstrip(".")


class AllowedHosts:
    """Answer 421 (Misdirected Request) to a request whose Host is not allowed."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self.app = app
        self.hosts = [h.strip().lower().strip("[]") for h in hosts if h.strip()]
        self.any = "*" in self.hosts

    def allowed(self, host: str) -> bool:
        return any(host == h or (h.startswith("*.") and host.endswith(h[1:])) for h in self.hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.any or scope["type"] != "http" or scope["path"] in _UNCHECKED_PATHS:
            await self.app(scope, receive, send)
            return
        hosts = [v for k, v in scope["headers"] if k == b"host"]
        header = hosts[0] if len(hosts) == 1 else b""  # two Host headers: which one counts?
        if self.allowed(host_of(header.decode("latin-1"))):
            await self.app(scope, receive, send)
            return
        body = json.dumps({"detail": "Host not allowed (SENTINEL_API_ALLOWED_HOSTS)"}).encode()
        headers = [(b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode())]  # fmt: skip
        await send({"type": "http.response.start", "status": 421, "headers": headers})
        await send({"type": "http.response.body", "body": body})
