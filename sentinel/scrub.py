"""Scrubbing credentials out of text that came from elsewhere (an upstream's error
message, a response body) before it reaches an exception, a log line, a span or a
proxy response.

An upstream that echoes the request's `Authorization` header (a misconfigured
gateway, a debugging proxy) would otherwise hand the sidecar's DeepSeek key to every
app behind the proxy. Two layers: the credentials actually in use are replaced
wherever they appear, and anything shaped like a key or token is replaced too
(DeepSeek/OpenAI `sk-...`, Sentinel `sst_...`, `Bearer ...`, JWTs, `api_key=...`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

REDACTED = "[REDACTED]"
_MIN_SECRET = 6  # shorter "secrets" would blank ordinary words
_PATTERNS = re.compile(
    r"(?:\bsk-[A-Za-z0-9_-]{8,})"
    r"|(?:\bsst_[0-9A-Za-z]{8,}_[A-Za-z0-9_-]{8,})"
    r"|(?:\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)"
    r"|(?:(?<=[Bb]earer )[A-Za-z0-9._~+/=-]{8,})"
    r"|(?:(?<=[Bb]asic )[A-Za-z0-9+/=]{8,})"
    r"|(?:(?i:(?<=api[_-]key[=:])|(?<=api[_-]key\": \")|(?<=api[_-]key\":\")|(?<=token[=:]))"
    r"[A-Za-z0-9._~+/=-]{8,})"
)


def scrub_text(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every given secret and every key-shaped string replaced."""
    for secret in secrets:
        if secret and len(secret) >= _MIN_SECRET and secret in text:
            text = text.replace(secret, REDACTED)
    return _PATTERNS.sub(REDACTED, text)


def scrub_value(value: Any, secrets: Iterable[str | None] = ()) -> Any:
    """A parsed JSON value with every string in it scrubbed (keys included)."""
    secrets = tuple(secrets)
    if isinstance(value, str):
        return scrub_text(value, secrets)
    if isinstance(value, dict):
        return {scrub_text(str(k), secrets): scrub_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_value(v, secrets) for v in value]
    return value
