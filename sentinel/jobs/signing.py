"""Signing job results for their webhook, so a receiver can tell a genuine delivery
from a forged or replayed one.

Every delivery carries::

    X-Sentinel-Timestamp: 1767225600            (Unix seconds when this attempt was sent)
    X-Sentinel-Signature: sha256=<hex>          HMAC-SHA256(secret, f"{timestamp}.".encode() + body)
    Idempotency-Key: job_<job id>               the same on every attempt of one job

Receiver recipe (any language): take the raw body bytes as received (before any JSON
parsing), compute HMAC-SHA256 with the shared secret over `timestamp + "." + body`,
compare it to the hex after `sha256=` in constant time, reject the request if the
timestamp is more than five minutes away from your clock (a captured delivery cannot
be replayed later: the timestamp is inside the signature), then process each
Idempotency-Key once (deliveries are at least once: a retry after a lost answer
repeats one). `verify` below is that recipe in Python.

The secret is SENTINEL_WEBHOOK_SECRET or the file SENTINEL_WEBHOOK_SECRET_FILE (read
again on every delivery, so rotating the file needs no restart).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import TYPE_CHECKING

from sentinel.client.secrets import SecretSource
from sentinel.errors import ConfigurationError

if TYPE_CHECKING:
    from sentinel.config import Settings

SIGNATURE_HEADER = "X-Sentinel-Signature"
TIMESTAMP_HEADER = "X-Sentinel-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_TOLERANCE = 300


def secret_source(settings: Settings) -> SecretSource:
    """Where the signing secret comes from; ConfigurationError if nowhere."""
    if settings.webhook_secret is not None:
        return SecretSource("SENTINEL_WEBHOOK_SECRET", value=settings.webhook_secret)
    if settings.webhook_secret_file is not None:
        return SecretSource("SENTINEL_WEBHOOK_SECRET_FILE", path=settings.webhook_secret_file)
    raise ConfigurationError(
        "webhooks need a signing secret: set SENTINEL_WEBHOOK_SECRET or "
        "SENTINEL_WEBHOOK_SECRET_FILE"
    )


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(secret: bytes, timestamp: int, body: bytes, key: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        IDEMPOTENCY_HEADER: key,
    }


def verify(
    secret: bytes,
    headers: Mapping[str, str],
    body: bytes,
    now: float,
    tolerance: float = DEFAULT_TOLERANCE,
) -> bool:
    """The receiver's check (module docstring); `headers` must be case-insensitive
    (httpx, Starlette, `http.server` headers all are)."""
    try:
        timestamp = int(headers[TIMESTAMP_HEADER])
        given = headers[SIGNATURE_HEADER]
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), given)
