"""The client's one hook for outbound redaction (see sentinel.privacy.outbound).

`mask_request` runs before the request is built: the messages (a FIM call's prompt and
suffix) sent upstream, cached and stored are the masked ones. `annotate` puts the count
on the call's span, and `unmask` gives the app the answer with the values back, for a
completion or a stream (sync or async), whatever the path that produced it (upstream,
fallback, cache).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

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
from sentinel.privacy.outbound import OutboundMask, StreamRestorer, mask_messages

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
        return _mask_fim(kwargs)
    messages = kwargs.get("messages")
    if not isinstance(messages, list):  # bad messages: the builder says why
        return kwargs, None
    from sentinel.privacy.job import default_redactor

    kwargs["messages"], mask = mask_messages(messages, default_redactor())
    return kwargs, mask


def _mask_fim(kwargs: dict[str, Any]) -> tuple[dict[str, Any], OutboundMask | None]:
    """A FIM call's `prompt` and `suffix`, masked as one text set (one numbering: a
    name in both becomes the same placeholder)."""
    names = [n for n in ("prompt", "suffix") if isinstance(kwargs.get(n), str)]
    if not names:  # a bad prompt: the builder says why
        return kwargs, None
    from sentinel.privacy.job import default_redactor

    as_messages = [{"role": "user", "content": kwargs[n]} for n in names]
    masked, mask = mask_messages(as_messages, default_redactor())
    for name, message in zip(names, masked, strict=True):
        kwargs[name] = message["content"]
    return kwargs, mask


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
            if choice.message.content is not None:
                choice.message.content = mask.restore(choice.message.content)
        return restored
    if isinstance(result, TextCompletion):
        restored_text = result.model_copy(deep=True)
        for text_choice in restored_text.choices:
            text_choice.text = mask.restore(text_choice.text)
        return restored_text
    if hasattr(result, "__anext__"):
        return AsyncRestoringStream(result, mask)
    return RestoringStream(result, mask)


class _Restoring:
    """Per-choice restorers; a choice's held-back tail goes out with its finish_reason."""

    def __init__(self, stream: Any, mask: OutboundMask) -> None:
        self._stream = stream
        self._mask = mask
        self._restorers: dict[int, StreamRestorer] = {}
        self._last: ChatCompletionChunk | TextCompletion | None = None
        self.request_id = stream.request_id

    def _restore(self, chunk: Any) -> Any:
        """A chat chunk's `delta.content`, or a FIM chunk's `text`, restored."""
        self._last = chunk
        choices = []
        changed = False
        for choice in chunk.choices:
            restorer = self._restorers.setdefault(choice.index, self._mask.restorer())
            fim = isinstance(choice, TextChoice)
            content = choice.text if fim else choice.delta.content
            text = restorer.feed(content) if content is not None else None
            if choice.finish_reason is not None:
                text = (text or "") + restorer.flush()
            if fim and (text or "") != content:
                choice = choice.model_copy(update={"text": text or ""})
                changed = True
            elif not fim and text != content:
                delta = choice.delta.model_copy(update={"content": text})
                choice = choice.model_copy(update={"delta": delta})
                changed = True
            choices.append(choice)
        if not changed:  # the upstream's chunk as it came (a relay passes its bytes on)
            return chunk
        restored = chunk.model_copy(update={"choices": choices})
        restored._wire = None
        return restored

    def _tail(self) -> ChatCompletionChunk | None:
        """A last chunk for text still held when the stream ended without finish_reason."""
        held = [(i, r.flush()) for i, r in sorted(self._restorers.items())]
        choices: list[Any]
        if isinstance(self._last, TextCompletion):
            choices = [TextChoice(index=i, text=t) for i, t in held if t]
        else:
            choices = [ChunkChoice(index=i, delta=Delta(content=t)) for i, t in held if t]
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
