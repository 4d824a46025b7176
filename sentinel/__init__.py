"""DeepSeek Sentinel: resilient, observed, compliant DeepSeek API calls.

`from sentinel import Sentinel, AsyncSentinel`; errors are in `sentinel.errors`, the
fake server for tests in `sentinel.testing`. The clients are imported lazily so that
`sentinel --help` and the daemon do not pay for httpx and OpenTelemetry up front.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("deepseek-sentinel")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

if TYPE_CHECKING:
    from sentinel.client import AsyncSentinel, Sentinel

__all__ = ["AsyncSentinel", "Sentinel", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("Sentinel", "AsyncSentinel"):
        from sentinel import client

        return getattr(client, name)
    raise AttributeError(f"module 'sentinel' has no attribute {name!r}")
