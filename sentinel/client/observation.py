"""Everything learnt about one call while it runs; at the end it becomes one span, one
log line, metrics, one CallRecord and (with content capture) one Conversation.

`finish()` is idempotent, so every exit path (success, error, stream end, abandoned
stream, garbage-collected stream) may call it and the call is still reported once.
"""

from __future__ import annotations

import random
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sentinel.client.params import ChatRequest
from sentinel.errors import SentinelAPIError

if TYPE_CHECKING:
    from sentinel.client.reporter import Reporter


def new_request_id() -> str:
    """128 random bits as 32 hex digits, like a uuid4 hex. From `random`, as OpenTelemetry
    makes trace ids: uuid4's os.urandom is a syscall that drops the GIL on every call,
    and on a busy event loop the sink's writer thread then holds it for a switch
    interval. The id only has to be unique, not unguessable."""
    return f"{random.getrandbits(128):032x}"


class Observation:
    __slots__ = (
        "abandoned",
        "attempts",
        "cache_hit",
        "cache_hit_tokens",
        "cache_miss_tokens",
        "circuit_open",
        "completion",
        "elapsed",
        "endpoint",
        "error",
        "error_type",
        "failovers",
        "fallback",
        "finish_reasons",
        "finished",
        "first_chunk",
        "first_content",
        "http_status",
        "input_tokens",
        "keepalive_time",
        "keepalives",
        "output_tokens",
        "rate_limited",
        "reasoning",
        "reasoning_tokens",
        "reporter",
        "request",
        "request_id",
        "response_id",
        "response_model",
        "retries",
        "safety",
        "span",
        "span_id",
        "start_ns",
        "started",
        "subject_key",
        "t0",
        "tool_calls",
        "total_tokens",
        "trace_id",
    )

    def __init__(
        self, request: ChatRequest, reporter: Reporter, started: datetime, subject_key: str | None
    ) -> None:
        self.request = request
        self.reporter = reporter
        self.request_id = new_request_id()
        self.started = started
        # the span's start and (with the frozen duration) end: the call's true times,
        # whenever the span is built or ended
        self.start_ns = time.time_ns()
        self.t0 = time.perf_counter()
        self.elapsed: float | None = None
        self.subject_key = subject_key
        self.span: Any = None
        self.trace_id: str | None = None
        self.span_id: str | None = None
        self.endpoint: str | None = None
        self.http_status: int | None = None
        self.error: BaseException | None = None
        self.error_type: str | None = None
        self.retries = 0
        self.rate_limited = False
        self.failovers = 0
        self.attempts: list[dict[str, Any]] | None = None  # those followed by another
        self.fallback = False
        self.circuit_open = False
        self.abandoned = False
        self.cache_hit: bool | None = None  # None: the response cache was not consulted
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.total_tokens: int | None = None
        self.cache_hit_tokens: int | None = None
        self.cache_miss_tokens: int | None = None
        self.reasoning_tokens: int | None = None
        self.finish_reasons: list[str] = []
        self.completion: str | None = None
        self.safety: Any = None  # the call's sentinel.safety CallGuard, if lists are set
        self.reasoning: str | None = None  # reasoning_content: content, like the completion
        self.tool_calls: list[dict[str, Any]] = []  # the answer's, assembled from deltas
        # streams, seconds from the call's start: first chunk, first chunk with output
        self.first_chunk: float | None = None
        self.first_content: float | None = None
        self.keepalive_time: float | None = None  # queued: first keep-alive to first chunk
        self.keepalives: int | None = None
        self.finished = False

    @property
    def ok(self) -> bool:
        return self.error is None

    def duration_s(self) -> float:
        """Frozen at finish, so span, log line and record agree on the duration."""
        if self.elapsed is not None:
            return self.elapsed
        return time.perf_counter() - self.t0

    def end_ns(self) -> int:
        """Wall-clock end of the call (epoch ns), from the same duration as the record."""
        return self.start_ns + int(self.duration_s() * 1e9)

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.error_type = type(error).__name__
        if isinstance(error, SentinelAPIError) and error.status_code is not None:
            self.http_status = error.status_code

    def usage(self, usage: Any) -> None:
        if usage is not None:
            self.input_tokens = usage.prompt_tokens
            self.output_tokens = usage.completion_tokens
            self.total_tokens = usage.total_tokens
            self.cache_hit_tokens = usage.prompt_cache_hit_tokens
            self.cache_miss_tokens = usage.prompt_cache_miss_tokens
            self.reasoning_tokens = usage.reasoning_tokens

    def finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        self.elapsed = time.perf_counter() - self.t0
        self.reporter.report(self)
