"""The instrumented DeepSeek client: `Sentinel` (sync) and `AsyncSentinel` (async)."""

from sentinel.client.async_ import AsyncSentinel, AsyncStream
from sentinel.client.sync import Sentinel, Stream

__all__ = ["AsyncSentinel", "AsyncStream", "Sentinel", "Stream"]
