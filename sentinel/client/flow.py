"""One call's body without the I/O, shared by `Sentinel` and `AsyncSentinel`: the
request built and checked, the cache consulted, a non-streamed answer parsed, applied
and cached, and a stream's end, errors and report. The clients keep only what must
block or await: the cache lookup, the attempts loop (`sentinel.client.attempts`) and
reading the stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

import httpx

from sentinel.client import outbound
from sentinel.client.cache import answer_from_cache
from sentinel.client.core import ClientCore
from sentinel.client.http1_wire import Answer
from sentinel.client.observation import Observation
from sentinel.client.outcome import apply_completion, apply_stream, parse_answer
from sentinel.client.sse import ChunkParser, sent_credential
from sentinel.client.types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChunkChoice,
    Delta,
    TextCompletion,
)
from sentinel.errors import (
    APIConnectionError,
    APITimeoutError,
    InvalidRequestError,
    SentinelAPIError,
)

DRAIN_S = 0.05  # after [DONE]; the body's end comes in the same segment or right after
Build = Callable[..., Any]
# Set by a caller that can tell its own caller went away (the proxy: the app hung up
# while a non-streamed call was upstream): True then. The answer is still read and
# priced (the upstream may bill it), but nobody received it: the call is a failure of
# type CancelledError, as a stream the app hangs up on is (StreamCall.cancelled).
CALLER_GONE: ContextVar[Callable[[], bool] | None] = ContextVar("caller_gone", default=None)


def caller_gone() -> bool:
    """Whether the caller said its own caller went away (CALLER_GONE)."""
    return (gone := CALLER_GONE.get()) is not None and gone()


def begin(
    core: ClientCore, kwargs: dict[str, Any], mask: outbound.OutboundMask | None, build: Build
) -> tuple[Observation, str | None]:
    """The call's Observation (its warnings given), and its cache key if it may be cached."""
    request = build(**kwargs)
    core.resolve(request)
    obs = core.reporter.begin(request)
    outbound.annotate(obs, mask)
    core.warn(obs)
    if core.cache is None:
        return obs, None
    masked = mask.values if mask is not None else None
    return obs, core.cache.key(request, obs.subject_key, masked)


def from_cache(obs: Observation, hit: ChatCompletion | None) -> ChatCompletion | None:
    """The call finished with a cached answer, or None (a miss: send it)."""
    obs.cache_hit = hit is not None
    return answer_from_cache(obs, hit) if hit is not None else None


def abort(obs: Observation, exc: BaseException) -> None:
    """No answer (incl. cancellation): the call is still reported, as failed."""
    obs.fail(exc)
    obs.finish()


def complete(
    core: ClientCore,
    obs: Observation,
    key: str | None,
    result: httpx.Response | Answer | ChatCompletion,
) -> ChatCompletion | TextCompletion:
    """A non-streamed call's answer: parsed, applied, cached, reported."""
    try:
        completion = (
            result
            if isinstance(result, ChatCompletion)
            else parse_answer(obs.request, result.content)
        )
        apply_completion(obs, completion)
        if key and core.cache is not None and not obs.fallback:
            core.cache.put(key, obs.request, obs.subject_key, completion, obs.started)
        return completion
    except ValueError:
        error = SentinelAPIError(
            "unparseable response body", status_code=obs.http_status, request_id=obs.request_id
        )
        obs.fail(error)
        raise error from None
    finally:
        if obs.error is None and caller_gone():
            obs.fail(asyncio.CancelledError("the caller hung up before the answer"))
        obs.finish()


def check_concurrency(concurrency: Any) -> None:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidRequestError(f"concurrency must be an integer >= 1, got {concurrency!r}")


def batch_item(req: Any) -> dict[str, Any] | InvalidRequestError:
    """One item's create() arguments, or why it cannot run as a batch item (its result)."""
    if not isinstance(req, Mapping):
        return InvalidRequestError(
            f"batch items must be dicts of create() arguments, got {type(req).__name__}"
        )
    if req.get("stream"):
        return InvalidRequestError("batch items cannot stream (stream=True)")
    return dict(req)


def fallback_chunk(completion: ChatCompletion) -> ChatCompletionChunk:
    return ChatCompletionChunk(
        id=completion.id,
        model=completion.model,
        choices=[
            ChunkChoice(
                delta=Delta(role="assistant", content=completion.content),
                finish_reason="stop",
            )
        ],
        usage=completion.usage,
        request_id=completion.request_id,
    )


class StreamCall:
    """A stream's state and outcome; `Stream` and `AsyncStream` only read the body.

    `response` is None when the answer is a fallback completion (`fallback`)."""

    def __init__(
        self, obs: Observation, response: httpx.Response | None, fallback: ChatCompletion | None
    ) -> None:
        self.obs = obs
        self.response = response
        self.fallback = fallback
        fim = obs.request.operation == "text_completion"
        self.parser = ChunkParser(
            obs.request_id,
            obs.safety,
            obs.t0,
            secrets=sent_credential(response),
            chunk_type=TextCompletion if fim else ChatCompletionChunk,
        )

    @classmethod
    def of(cls, obs: Observation, result: httpx.Response | Answer | ChatCompletion) -> StreamCall:
        if isinstance(result, ChatCompletion):
            return cls(obs, None, result)
        assert isinstance(result, httpx.Response)  # a stream never goes through send_whole
        return cls(obs, result, None)

    def fallback_answer(self) -> ChatCompletionChunk | None:
        """The only chunk of a fallback answer (the call is then finished), or None."""
        if self.fallback is None:
            return None
        apply_completion(self.obs, self.fallback)
        self.obs.finish()
        return fallback_chunk(self.fallback)

    def failed(self, exc: httpx.HTTPError | SentinelAPIError) -> None:
        """The body could not be read to its end (or carried an error)."""
        obs = self.obs
        if isinstance(exc, httpx.TimeoutException):
            exc = APITimeoutError(
                f"stream timed out: {exc or type(exc).__name__}", request_id=obs.request_id
            )
        elif isinstance(exc, httpx.HTTPError):
            exc = APIConnectionError(
                f"stream interrupted: {type(exc).__name__}", request_id=obs.request_id
            )
        obs.fail(exc)

    def cancelled(self) -> None:
        """The reader went away mid-stream (its task was cancelled; the proxy's app hung
        up): the call is recorded as that cancellation, a failure of type CancelledError
        like a call cancelled before its answer (`abort`), and abandoned. Not a stream
        the app chose to stop reading (`report`), which leaves the outcome success."""
        obs = self.obs
        if not obs.finished and obs.error is None and not self.parser.complete:
            obs.fail(asyncio.CancelledError("the stream's reader was cancelled"))
            obs.abandoned = True

    def ended(self) -> None:
        """The body ended: a stream without a finished choice or [DONE] failed."""
        if not self.parser.complete:
            self.obs.fail(
                APIConnectionError("stream ended before completion", request_id=self.obs.request_id)
            )

    def raise_error(self) -> None:
        if self.obs.error is not None:
            raise self.obs.error

    def report(self) -> bool:
        """Report the call (once; unfinished = abandoned); True if the connection may
        be drained for reuse first (the body is at [DONE])."""
        obs = self.obs
        if obs.finished:
            return False
        apply_stream(obs, self.parser.acc)
        if obs.error is None and not self.parser.complete:
            obs.abandoned = True
        obs.finish()
        return self.parser.done and self.response is not None
