"""Server-sent events as DeepSeek sends them: `data:` lines, blank-line separated,
`: keep-alive` comment lines while the model thinks, `data: [DONE]` at the end, and
usage in the last chunk. Pure, fed line by line by the sync or async stream.
"""

from __future__ import annotations

from sentinel.client.types import ChatCompletionChunk

DONE = "[DONE]"


class SSEDecoder:
    """Collects `data:` lines into events; comments and other fields are ignored."""

    def __init__(self) -> None:
        self._data: list[str] = []

    def feed(self, line: str) -> str | None:
        """One line without its newline; returns an event's data when one completes."""
        if not line:
            if not self._data:
                return None
            data = "\n".join(self._data)
            self._data.clear()
            return data
        if line.startswith(":"):
            return None
        field, _, value = line.partition(":")
        if field == "data":
            self._data.append(value[1:] if value.startswith(" ") else value)
        return None

    def end(self) -> str | None:
        """Data of an event the stream ended without terminating (tolerated)."""
        return self.feed("")


class StreamAccumulator:
    """What the chunks add up to: text, finish reasons, usage, ids."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.finish_reasons: list[str] = []
        self.usage = None
        self.id: str | None = None
        self.model: str | None = None

    def add(self, chunk: ChatCompletionChunk) -> None:
        if self.id is None and chunk.id:
            self.id = chunk.id
        if chunk.model:
            self.model = chunk.model
        for choice in chunk.choices:
            if choice.delta.content:
                self.parts.append(choice.delta.content)
            if choice.finish_reason:
                self.finish_reasons.append(choice.finish_reason)
        if chunk.usage is not None:
            self.usage = chunk.usage

    @property
    def text(self) -> str:
        return "".join(self.parts)
