"""Transport security: https with TLS >= 1.2 everywhere except loopback.

Plain http is allowed only to loopback hosts so local fakes and sidecars work while a
typo such as http://api.deepseek.com can never send a key in clear text.
"""

from __future__ import annotations

import ipaddress
import re
import ssl

import httpx

from sentinel.errors import ConfigurationError
from sentinel.urls import has_userinfo, redact_url

_HOST_RE = re.compile(r"[A-Za-z0-9._\-]+|\[?[0-9A-Fa-f:.]+\]?")


def is_loopback(host: str) -> bool:
    """Literal loopback only: 127.0.0.0/8, ::1 and the name `localhost`. Other names
    (`*.localhost`, `localhost.localdomain`) go through a resolver that may send them
    anywhere, so they get no plain-http exception."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_base_url(url: str, name: str = "base_url") -> str:
    """Return the URL without a trailing slash, or raise naming what is wrong with it."""
    if not isinstance(url, str) or not url.strip():
        raise ConfigurationError(f"{name} must be a URL such as https://api.deepseek.com")
    shown = redact_url(url)
    if any(c.isspace() for c in url.strip()):
        raise ConfigurationError(f"{name} {shown!r} is not a valid URL: it contains whitespace")
    if has_userinfo(url):
        raise ConfigurationError(
            f"{name} must not carry credentials (user:pass@host); use the setting for the secret"
        )
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise ConfigurationError(f"{name} {shown!r} is not a valid URL: {exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise ConfigurationError(
            f"{name} {shown!r} must start with https:// (got scheme {parsed.scheme or 'none'!r})"
        )
    if not parsed.host:
        raise ConfigurationError(f"{name} {shown!r} has no host")
    if not _HOST_RE.fullmatch(parsed.host):
        raise ConfigurationError(f"{name} {shown!r} is not a valid URL: bad host {parsed.host!r}")
    if parsed.scheme == "http" and not is_loopback(parsed.host):
        raise ConfigurationError(
            f"{name} {shown!r} uses plain http to a non-loopback host; use https:// "
            "(http is only allowed for localhost, 127.0.0.0/8 and ::1)"
        )
    if parsed.query or parsed.fragment:
        raise ConfigurationError(f"{name} {shown!r} must not have a query or fragment")
    return str(parsed).rstrip("/")


def ssl_context() -> ssl.SSLContext:
    """System trust store, hostname checks, and nothing older than TLS 1.2."""
    ctx = ssl.create_default_context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx
