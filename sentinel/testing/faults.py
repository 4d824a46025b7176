"""Fault scripts for FakeDeepSeek: what the next requests to one endpoint should suffer.

Kept apart from the server so the order in which faults apply is plain data a test can
read: scripted faults are consumed one per request, first in first out; when the
script is empty a persistent fault (`always`) or a seeded random one (`randomly`)
applies; otherwise the request is served normally. Latency adds to all of them.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

ENDPOINTS = ("chat", "models", "token", "fim", "balance")


@dataclass(frozen=True)
class Fault:
    """One misbehaviour. Build it with the class methods; `Fault.ok()` means "serve"."""

    status: int | None = None  # reply with this error status
    retry_after: float | None = None  # Retry-After header (seconds) on that reply
    message: str | None = None  # error message in the OpenAI-shaped body
    delay: float = 0.0  # extra seconds before replying
    drop: bool = False  # close the connection without any response
    truncate_after: int | None = None  # streams: abort after this many data chunks
    cut_body: bool = False  # error replies: headers and half the body, then drop

    @classmethod
    def ok(cls) -> Fault:
        return cls()

    @classmethod
    def error(
        cls,
        status: int,
        *,
        retry_after: float | None = None,
        message: str | None = None,
        cut_body: bool = False,
    ) -> Fault:
        """`cut_body`: the connection drops halfway through the error body, after the
        status line and headers went out (a proxy or server dying mid-reply)."""
        if not 400 <= status <= 599:
            raise ValueError(f"fault status must be a 4xx or 5xx code, got {status}")
        return cls(status=status, retry_after=retry_after, message=message, cut_body=cut_body)

    @classmethod
    def rate_limited(cls, retry_after: float | None = None) -> Fault:
        return cls.error(429, retry_after=retry_after, message="Rate limit reached")

    @classmethod
    def drop_connection(cls) -> Fault:
        return cls(drop=True)

    @classmethod
    def truncate(cls, after_chunks: int = 1) -> Fault:
        return cls(truncate_after=after_chunks)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        return cls(delay=seconds)


def as_fault(item: Fault | int) -> Fault:
    """Scripts may say 429 or 200 instead of Fault.error(429) / Fault.ok()."""
    if isinstance(item, Fault):
        return item
    if item == 200:
        return Fault.ok()
    return Fault.error(item)


class FaultPlan:
    """Thread-safe: the test thread scripts it while the server thread consumes it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._script: deque[Fault] = deque()
        self._always: Fault | None = None
        self._random: tuple[float, Fault, random.Random] | None = None
        self.latency = 0.0

    def script(self, items: Iterable[Fault | int]) -> None:
        with self._lock:
            self._script.extend(as_fault(i) for i in items)

    def always(self, fault: Fault | int | None) -> None:
        with self._lock:
            self._always = None if fault is None else as_fault(fault)

    def randomly(self, rate: float, fault: Fault | int, seed: int = 0) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be within [0, 1], got {rate}")
        with self._lock:
            self._random = (rate, as_fault(fault), random.Random(seed))

    def clear(self) -> None:
        with self._lock:
            self._script.clear()
            self._always = None
            self._random = None
            self.latency = 0.0

    def next(self) -> Fault:
        """The fault for the request arriving now (consumes one scripted entry)."""
        with self._lock:
            if self._script:
                fault = self._script.popleft()
            elif self._always is not None:
                fault = self._always
            elif self._random is not None and self._random[2].random() < self._random[0]:
                fault = self._random[1]
            else:
                fault = Fault.ok()
            if self.latency:
                fault = Fault(**{**fault.__dict__, "delay": fault.delay + self.latency})
            return fault

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._script)
