"""URLs in settings, errors and telemetry: credentials never ride inside them.

A URL such as `https://user:pass@host` would put a password wherever the URL is
printed (configuration errors, the failover span event's `url.full`, logs), and
Sentinel authenticates with its own settings anyway, so such URLs are refused when
settings are read, and every URL that leaves the process goes through `redact_url`.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def has_userinfo(url: str) -> bool:
    """True when the URL's authority carries `user@` or `user:pass@`."""
    try:
        return "@" in urlsplit(url.strip()).netloc
    except ValueError:
        return "@" in url


def redact_url(url: str) -> str:
    """The URL without userinfo, query and fragment (where tokens hide); text that does
    not parse as a URL is replaced whole rather than echoed."""
    try:
        parts = urlsplit(str(url).strip())
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    except ValueError:
        return "<unparsable URL>"
