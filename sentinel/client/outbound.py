"""The client's one hook for outbound redaction (see sentinel.privacy.outbound).

`mask_request` runs before the request is built: the messages (every text in them; a
FIM call's prompt and suffix) sent upstream, cached and stored are the masked ones.
`annotate` puts the count on the call's span, and `unmask` gives the app the answer
with the values back in every field that carries text (content, `reasoning_content`,
tool-call arguments as JSON, a FIM `text`), for a completion or a stream (sync or
async), whatever the path that produced it (upstream, fallback, cache). The proxy
calls through the same client, so its apps get the same.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from sentinel.client.observation import Observation
from sentinel.client.types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChunkChoice,
    Delta,
    TextChoice,
    TextCompletion,
)
from sentinel.config import Settings
from sentinel.errors import InvalidRequestError
from sentinel.privacy.outbound import OutboundMask, StreamRestorer, mask_document

if TYPE_CHECKING:
    from sentinel.privacy.redactor import Redactor

MASKED_ATTR = "sentinel.redact.outbound.masked"  # how many values were masked
MASKED_TYPES_ATTR = "sentinel.redact.outbound.types"  # which types (never the values)


def enabled(kwargs: dict[str, Any], settings: Settings) -> bool:
    """Whether this call masks: its `redact_outbound`, else SENTINEL_REDACT_OUTBOUND."""
    wanted = kwargs.get("redact_outbound")
    if wanted is None:
        return settings.redact_outbound
    if not isinstance(wanted, bool):
        raise InvalidRequestError(f"redact_outbound must be True or False, got {wanted!r}")
    return wanted


def mask_request(
    kwargs: dict[str, Any], settings: Settings
) -> tuple[dict[str, Any], OutboundMask | None]:
    """`kwargs` without `redact_outbound` and, when redaction is on, with masked messages."""
    if "redact_outbound" not in kwargs and not settings.redact_outbound:
        return kwargs, None  # the common case costs one lookup
    wanted = enabled(kwargs, settings)
    kwargs = {k: v for k, v in kwargs.items() if k != "redact_outbound"}
    if not wanted:
        return kwargs, None
    if "messages" not in kwargs and "prompt" in kwargs:
        return _mask_fim(kwargs, settings)
    messages = kwargs.get("messages")
    if not isinstance(messages, list | tuple):  # bad messages: the builder says why
        return kwargs, None
    rest = {k: v for k, v in kwargs.items() if k != "messages"}
    kwargs["messages"], mask = mask_document(messages, redactor_for(settings), rest)
    response_format = kwargs.get("response_format")
    mask.json_answer = (
        isinstance(response_format, dict) and response_format.get("type") == "json_object"
    )
    return kwargs, mask


def _mask_fim(
    kwargs: dict[str, Any], settings: Settings
) -> tuple[dict[str, Any], OutboundMask | None]:
    """A FIM call's `prompt` and `suffix`, masked as one text set (one numbering: a
    name in both becomes the same placeholder)."""
    names = [n for n in ("prompt", "suffix") if isinstance(kwargs.get(n), str)]
    if not names:  # a bad prompt: the builder says why
        return kwargs, None
    masked, mask = mask_document({n: kwargs[n] for n in names}, redactor_for(settings))
    kwargs.update(masked)
    return kwargs, mask


def _policy_key(settings: Settings) -> tuple[Any, ...]:
    return (
        settings.redact_allow,
        settings.redact_deny,
        tuple(settings.redact_entities),
        settings.redact_thresholds,
    )


_redactors: dict[tuple[Any, ...], Redactor] = {}
_redactors_lock = threading.Lock()


def redactor_for(settings: Settings) -> Redactor:
    """The Redactor of this client's redaction policy: its Settings may not be the
    environment's (`Sentinel(settings=...)`), and the process-wide one (the job's, the
    CLI's) reads the environment. One per policy per process, the shared one where
    they agree: a Redactor loads models for seconds."""
    key = _policy_key(settings)
    with _redactors_lock:
        if key not in _redactors:
            from sentinel.privacy.job import default_redactor
            from sentinel.privacy.policy import policy_from_settings
            from sentinel.privacy.redactor import Redactor

            _redactors[key] = (
                default_redactor()
                if key == _policy_key(Settings())
                else Redactor(policy=policy_from_settings(settings))
            )
        return _redactors[key]


def annotate(obs: Observation, mask: OutboundMask | None) -> None:
    if mask is not None and obs.span is not None:
        obs.span.set_attribute(MASKED_ATTR, sum(mask.counts.values()))
        obs.span.set_attribute(MASKED_TYPES_ATTR, sorted(mask.counts))


def unmask(result: Any, mask: OutboundMask | None) -> Any:
    """What the app gets: `result` with the placeholders of this request restored."""
    if mask is None or not mask.values:
        return result
    if isinstance(result, ChatCompletion):
        restored = result.model_copy(deep=True)
        for choice in restored.choices:
            message = choice.message
            if message.content is not None:
                message.content = mask.restore_json(message.content, mask.json_answer)
            if message.reasoning_content is not None:
                message.reasoning_content = mask.restore(message.reasoning_content)
            if message.tool_calls:
                message.tool_calls = [_restored_call(c, mask) for c in message.tool_calls]
            legacy = getattr(message, "function_call", None)
            if isinstance(legacy, dict):
                message.function_call = _restored_function(legacy, mask)  # type: ignore[attr-defined]
        return restored
    if isinstance(result, TextCompletion):
        restored_text = result.model_copy(deep=True)
        for text_choice in restored_text.choices:
            text_choice.text = mask.restore(text_choice.text)
        return restored_text
    if hasattr(result, "__anext__"):
        return AsyncRestoringStream(result, mask)
    return RestoringStream(result, mask)


def _restored_call(call: Any, mask: OutboundMask) -> Any:
    if not isinstance(call, dict) or not isinstance(call.get("function"), dict):
        return call
    return {**call, "function": _restored_function(call["function"], mask)}


def _restored_function(function: dict[str, Any], mask: OutboundMask) -> dict[str, Any]:
    arguments = function.get("arguments")
    if not isinstance(arguments, str):
        return function
    return {**function, "arguments": mask.restore_json(arguments, document=True)}


def _call_key(call: dict[str, Any]) -> int | str | None:
    """Which streamed tool call a delta continues (a shim's index may be odd)."""
    index = call.get("index")
    return index if isinstance(index, int | str) else None


class _ChoiceRestorers:
    """One stream choice's restorers: content, reasoning, each tool call's arguments
    (JSON-escaped), a FIM text."""

    def __init__(self, mask: OutboundMask) -> None:
        self.mask = mask
        self.content = mask.restorer(escape=mask.json_answer)
        self.reasoning = mask.restorer()
        self.calls: dict[int | str | None, StreamRestorer] = {}

    def delta(self, delta: Delta, finished: bool) -> Delta:
        """`delta` restored; a finished choice's held-back tails go out with it."""
        update: dict[str, Any] = {}
        reasoning = delta.reasoning_content
        if reasoning is not None:
            reasoning = self.reasoning.feed(reasoning)
        if (delta.content is not None or finished) and self.reasoning.holding:
            reasoning = (reasoning or "") + self.reasoning.flush()  # the thinking is over
        if reasoning != delta.reasoning_content:
            update["reasoning_content"] = reasoning
        content = delta.content
        if content is not None:
            content = self.content.feed(content)
        if finished and self.content.holding:
            content = (content or "") + self.content.flush()
        if content != delta.content:
            update["content"] = content
        calls = self._calls(delta.tool_calls, finished)
        if calls != delta.tool_calls:
            update["tool_calls"] = calls
        return delta.model_copy(update=update) if update else delta

    def _calls(self, calls: list[Any] | None, finished: bool) -> list[Any] | None:
        out = []
        for call in calls or []:
            function = call.get("function") if isinstance(call, dict) else None
            arguments = function.get("arguments") if isinstance(function, dict) else None
            if isinstance(arguments, str):
                key = _call_key(call)
                restorer = self.calls.setdefault(key, self.mask.restorer(escape=True))
                call = {**call, "function": {**function, "arguments": restorer.feed(arguments)}}
            out.append(call)
        if finished:
            out += self.call_tails()
        return out if out or calls is not None else None

    def call_tails(self) -> list[dict[str, Any]]:
        tails = []
        for key, restorer in self.calls.items():
            if restorer.holding:
                head = {"index": key} if key is not None else {}
                tails.append(head | {"function": {"arguments": restorer.flush()}})
        return tails

    def tail(self, index: int) -> ChunkChoice | None:
        """What is still held when the stream ended without a finish_reason."""
        delta = self.delta(Delta(), finished=True)
        if delta.content is None and delta.reasoning_content is None and not delta.tool_calls:
            return None
        return ChunkChoice(index=index, delta=delta)


class _Restoring:
    """Per-choice restorers; a choice's held-back tail goes out with its finish_reason."""

    def __init__(self, stream: Any, mask: OutboundMask) -> None:
        self._stream = stream
        self._mask = mask
        self._choices: dict[int, _ChoiceRestorers] = {}
        self._texts: dict[int, StreamRestorer] = {}
        self._last: ChatCompletionChunk | TextCompletion | None = None
        self.request_id = stream.request_id

    def _restore(self, chunk: Any) -> Any:
        """A chat chunk's delta, or a FIM chunk's `text`, restored."""
        self._last = chunk
        choices = []
        changed = False
        for choice in chunk.choices:
            finished = choice.finish_reason is not None
            if isinstance(choice, TextChoice):
                restorer = self._texts.setdefault(choice.index, self._mask.restorer())
                text = restorer.feed(choice.text)
                if finished:
                    text += restorer.flush()
                new = choice.model_copy(update={"text": text}) if text != choice.text else choice
            else:
                restorers = self._choices.setdefault(choice.index, _ChoiceRestorers(self._mask))
                delta = restorers.delta(choice.delta, finished)
                new = (
                    choice.model_copy(update={"delta": delta})
                    if delta is not choice.delta
                    else choice
                )
            changed = changed or new is not choice
            choices.append(new)
        if not changed:  # the upstream's chunk as it came (a relay passes its bytes on)
            return chunk
        restored = chunk.model_copy(update={"choices": choices})
        restored._wire = None
        return restored

    def _tail(self) -> ChatCompletionChunk | TextCompletion | None:
        """A last chunk for text still held when the stream ended without finish_reason."""
        choices: list[Any]
        if isinstance(self._last, TextCompletion):
            held = [(i, r.flush()) for i, r in sorted(self._texts.items())]
            choices = [TextChoice(index=i, text=t) for i, t in held if t]
        else:
            tails = (r.tail(i) for i, r in sorted(self._choices.items()))
            choices = [c for c in tails if c is not None]
        if not choices or self._last is None:
            return None
        tail = self._last.model_copy(update={"choices": choices, "usage": None})
        tail._wire = None  # made here, not sent by the upstream
        return tail

    def close(self) -> None:
        self._stream.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class RestoringStream(_Restoring):
    def __init__(self, stream: Any, mask: OutboundMask) -> None:
        super().__init__(stream, mask)
        self._iter = self._chunks()

    def _chunks(self) -> Iterator[ChatCompletionChunk]:
        for chunk in self._stream:
            yield self._restore(chunk)
        if (tail := self._tail()) is not None:
            yield tail

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        return self

    def __next__(self) -> ChatCompletionChunk:
        return next(self._iter)

    def __enter__(self) -> RestoringStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncRestoringStream(_Restoring):
    def __init__(self, stream: Any, mask: OutboundMask) -> None:
        super().__init__(stream, mask)
        self._aiter = self._chunks()

    async def _chunks(self) -> AsyncIterator[ChatCompletionChunk]:
        async for chunk in self._stream:
            yield self._restore(chunk)
        if (tail := self._tail()) is not None:
            yield tail

    async def _batches(self) -> AsyncIterator[list[Any]]:
        async for batch in self._stream.batches():
            yield [e if isinstance(e, str) else self._restore(e) for e in batch]
        if (tail := self._tail()) is not None:
            yield [tail]

    def batches(self) -> AsyncIterator[list[Any]]:
        """The relay view (see AsyncStream.batches), restored the same way."""
        return self._batches()

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        return self

    async def __anext__(self) -> ChatCompletionChunk:
        return await self._aiter.__anext__()

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def __aenter__(self) -> AsyncRestoringStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
