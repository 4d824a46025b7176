"""The call's total timeout (SENTINEL_TIMEOUT) after the response has started.

Before a response starts, each attempt's connect/first-byte/read timeouts are capped by
what is left of the total. After, the per-read idle timeout is all a transport knows,
and DeepSeek's `: keep-alive` lines (sent while a request is queued) reset it: a call
could outlive its total budget indefinitely. The response body is therefore wrapped, for
every transport (ours, httpx's, an app's), so that a read arriving after the deadline
ends the call with `TotalTimeout` (an `httpx.ReadTimeout`, mapped to APITimeoutError).
Our own transports (`http1`, `ahttp1`) also cap each wait at the deadline, so a body
that goes quiet near the end cannot overrun it by an idle timeout; httpx's (HTTP/2,
outbound proxies) stop at the next read or at the idle timeout, whichever is first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx

from sentinel.clock import Clock


def first_byte_timeout(seconds: float) -> httpx.ReadTimeout:
    """The response never started: says which setting, so the developer knows which
    of the four timeouts to raise (a bare "ReadTimeout" does not)."""
    return httpx.ReadTimeout(
        f"no response within the first-byte timeout of {seconds:g}s (SENTINEL_FIRST_BYTE_TIMEOUT)"
    )


def idle_timeout(seconds: float) -> httpx.ReadTimeout:
    """The response started, then went quiet longer than the idle timeout."""
    return httpx.ReadTimeout(
        f"no data for {seconds:g}s after the response started (SENTINEL_READ_TIMEOUT)"
    )


class TotalTimeout(httpx.ReadTimeout):
    """The call's total budget ran out while its response was being read."""


class Deadline:
    __slots__ = ("at", "clock", "total")

    def __init__(self, clock: Clock, at: float, total: float) -> None:
        self.clock = clock
        self.at = at
        self.total = total

    @property
    def message(self) -> str:
        return f"total timeout of {self.total:g}s (SENTINEL_TIMEOUT) exceeded"

    def passed(self) -> bool:
        return self.clock.monotonic() >= self.at

    def check(self) -> None:
        if self.passed():
            raise TotalTimeout(f"{self.message} while reading the response")


class DeadlineBody(httpx.SyncByteStream):
    """A sync response body that stops at the deadline (and drains like the one it wraps)."""

    def __init__(self, inner: httpx.SyncByteStream, deadline: Deadline) -> None:
        self.inner = inner
        self._deadline = deadline

    def __iter__(self) -> Iterator[bytes]:
        check = self._deadline.check
        try:
            for chunk in self.inner:
                check()
                yield chunk
        except httpx.TimeoutException:
            check()  # a read our transports cut at the deadline: say it was the total
            raise

    def drain(self, limit: float) -> None:
        drain = getattr(self.inner, "drain", None)
        if drain is not None:
            drain(limit)

    def close(self) -> None:
        self.inner.close()


class AsyncDeadlineBody(httpx.AsyncByteStream):
    """The asyncio twin of DeadlineBody."""

    def __init__(self, inner: httpx.AsyncByteStream, deadline: Deadline) -> None:
        self.inner = inner
        self._deadline = deadline

    async def __aiter__(self) -> AsyncIterator[bytes]:
        check = self._deadline.check
        try:
            async for chunk in self.inner:
                check()
                yield chunk
        except httpx.TimeoutException:
            check()
            raise

    async def aclose(self) -> None:
        await self.inner.aclose()
