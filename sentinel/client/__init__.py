"""The instrumented DeepSeek client: `Sentinel` (sync) and `AsyncSentinel` (async).

Imported lazily: modules that need one small piece of the client package (the secret
sources, for the webhook signer) must not load httpx, OpenTelemetry and the records
pipeline with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sentinel.client.async_ import AsyncSentinel, AsyncStream
    from sentinel.client.sync import Sentinel, Stream

__all__ = ["AsyncSentinel", "AsyncStream", "Sentinel", "Stream"]


def __getattr__(name: str) -> Any:
    if name in ("AsyncSentinel", "AsyncStream"):
        from sentinel.client import async_

        return getattr(async_, name)
    if name in ("Sentinel", "Stream"):
        from sentinel.client import sync

        return getattr(sync, name)
    raise AttributeError(f"module 'sentinel.client' has no attribute {name!r}")
