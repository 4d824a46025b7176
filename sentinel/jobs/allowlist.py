"""Which hosts a job's `webhook_url` may point at (no server-side request forgery).

The sidecar sits next to things an attacker would love to reach: its own API, the
Elasticsearch store, cloud metadata endpoints. So a webhook may only go to a host the
operator listed in SENTINEL_WEBHOOK_ALLOWED_HOSTS (comma list of `host` or
`host:port`; an entry `*.example.com` allows its subdomains). The default is an empty
list: webhooks are refused until an operator opts in, loopback included (loopback is
where the store and the API live).

Hosts must be written in canonical form, so the spellings that smuggle an address past
a string comparison do not work: IPv4 in short, octal, hex or integer form (`127.1`,
`0x7f.1`, `2130706433`, which the C resolver accepts), IPv4-mapped and -compatible
IPv6 (`[::ffff:127.0.0.1]`) and trailing dots (`127.0.0.1.`, which delivery would
resolve as a name) are refused with the spelling to use instead; upper case is folded.
Entries of the list itself are canonicalised. URLs carrying
credentials are refused (they would end up stored with the job).

Allowing a host *name* trusts its DNS: the name is not resolved here, so the
operator lists names whose records they control. The check runs at submit and again
before every delivery (the list may have shrunk since), and deliveries never follow
redirects (`sentinel.jobs.delivery`).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

MAX_URL_LENGTH = 2048


class WebhookNotAllowed(ValueError):
    """The webhook URL is malformed or its host is not allowed; the message says which."""


def canonical_host(host: str) -> str:
    """Lower-case name without a trailing dot, or the compressed IP address the text
    denotes however it is spelled (see the module docstring)."""
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = _inet_aton(host)
        if ip is None:
            return host
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or _ipv4_compatible(ip)
        if mapped is not None:
            return str(mapped)
    return str(ip)


def _inet_aton(host: str) -> ipaddress.IPv4Address | None:
    """IPv4 spellings the C resolver accepts (127.1, 0x7f.0.0.1, 2130706433)."""
    if not host or not all(c in "0123456789abcdefx." for c in host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _ipv4_compatible(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    # ::a.b.c.d (deprecated, still routed to a.b.c.d by some stacks); not :: or ::1.
    if int(ip) >> 32 == 0 and int(ip) > 1:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


@dataclass(frozen=True)
class _Entry:
    host: str  # canonical; "*.example.com" keeps its star
    port: int | None

    def matches(self, host: str, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.host.startswith("*."):
            return host.endswith(self.host[1:])
        return host == self.host


def _parse_entry(text: str) -> _Entry:
    wildcard = text.strip().startswith("*.")
    parts = urlsplit("//" + (text.strip()[2:] if wildcard else text.strip()))
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"SENTINEL_WEBHOOK_ALLOWED_HOSTS entry {text!r} has a bad port") from None
    if not parts.hostname or parts.username or parts.path:
        raise ValueError(
            f"SENTINEL_WEBHOOK_ALLOWED_HOSTS entry {text!r} is not a host or host:port"
        )
    host = canonical_host(parts.hostname)
    return _Entry("*." + host if wildcard else host, port)


class AllowList:
    """The operator's webhook hosts; `check(url)` returns the URL or raises."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.entries = tuple(_parse_entry(e) for e in entries if e.strip())

    def check(self, url: object) -> str:
        if not isinstance(url, str) or not url:
            raise WebhookNotAllowed("webhook_url must be a non-empty string")
        if len(url) > MAX_URL_LENGTH:
            raise WebhookNotAllowed(f"webhook_url is longer than {MAX_URL_LENGTH} characters")
        # Parsed by httpx, the library that will connect: no parser differential
        # between the check and the request (`a.com\\@b.com` and friends).
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, ValueError):
            raise WebhookNotAllowed("webhook_url is not a valid URL") from None
        if parsed.scheme not in ("http", "https"):
            raise WebhookNotAllowed("webhook_url must be an http:// or https:// URL")
        if parsed.userinfo:
            raise WebhookNotAllowed("webhook_url must not carry credentials (user:pass@)")
        if not parsed.host:
            raise WebhookNotAllowed("webhook_url has no host")
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        if not 0 < port < 65536:
            raise WebhookNotAllowed("webhook_url has an invalid port")
        if not self.entries:
            raise WebhookNotAllowed(
                "webhooks are disabled: no host is allowed until the operator sets "
                "SENTINEL_WEBHOOK_ALLOWED_HOSTS"
            )
        host = canonical_host(parsed.host)
        if not any(e.matches(host, port) for e in self.entries):
            raise WebhookNotAllowed(
                f"webhook host {host}:{port} is not in SENTINEL_WEBHOOK_ALLOWED_HOSTS"
            )
        if host != parsed.host.lower():
            # Delivery connects to what the text says, through a resolver that may read
            # `127.0.0.1.` or `0x7f.1` differently from this check: only the one spelling.
            raise WebhookNotAllowed(
                f"webhook_url host must be written as {host} (no trailing dot, no short, "
                "octal, hex, integer or IPv4-mapped address forms)"
            )
        return url
