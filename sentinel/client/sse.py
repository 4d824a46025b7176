"""Server-sent events as DeepSeek sends them: `data:` lines, blank-line separated,
`: keep-alive` comment lines while the model thinks, `data: [DONE]` at the end, and
usage in the last chunk. Pure, fed each network read's lines by the sync or async stream.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from sentinel.client.lonejson import loads_lone_surrogates
from sentinel.client.types import ChatCompletionChunk, TextChoice, TextCompletion
from sentinel.errors import SentinelAPIError
from sentinel.scrub import scrub_text

if TYPE_CHECKING:
    import httpx

DONE = "[DONE]"


def sent_credential(response: httpx.Response | None) -> tuple[str, ...]:
    """The bearer credential a streamed response was requested with (none for a
    fallback answer), for scrubbing what the upstream streams back."""
    if response is None:
        return ()
    auth = response.request.headers.get("authorization", "")
    return (auth.partition(" ")[2],) if auth else ()


def is_comment(line: str) -> bool:
    """An SSE comment line (`: keep-alive`): no event, only a sign of life."""
    return line.startswith(":")


class LineSplitter:
    """Raw body bytes in, complete lines out (without their `\\n`, `\\r\\n` or `\\r`); a
    partial line, or one whose `\\r` may yet be followed by `\\n`, waits for more."""

    def __init__(self) -> None:
        self._rest = b""

    def feed(self, data: bytes) -> list[str]:
        buf = self._rest + data if self._rest else data
        lines = buf.splitlines(keepends=True)
        self._rest = b""
        if lines and (buf.endswith(b"\r") or not lines[-1].endswith((b"\n", b"\r"))):
            self._rest = lines.pop()
        return [line.rstrip(b"\r\n").decode("utf-8", "replace") for line in lines]

    def end(self) -> list[str]:
        """The last line, if the body ended without a line break."""
        rest, self._rest = self._rest, b""
        return [rest.rstrip(b"\r\n").decode("utf-8", "replace")] if rest else []


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
        if is_comment(line):
            return None
        field, _, value = line.partition(":")
        if field == "data":
            self._data.append(value[1:] if value.startswith(" ") else value)
        return None

    def end(self) -> str | None:
        """Data of an event the stream ended without terminating (tolerated)."""
        return self.feed("")


Chunk = ChatCompletionChunk | TextCompletion


def by_event(lines: list[str]) -> list[list[str]]:
    """A read's lines cut after each event's blank line: for a reader that takes the
    stream one event at a time (an app iterating it), so what it stops before is
    neither parsed nor recorded as received."""
    groups: list[list[str]] = []
    start = 0
    for i, line in enumerate(lines):
        if not line:
            groups.append(lines[start : i + 1])
            start = i + 1
    if start < len(lines):
        groups.append(lines[start:])
    return groups


def _screened(items: list[Any], n: int) -> list[Any]:
    """`items` up to their `n`-th chunk (comments kept): what a block leaves to deliver."""
    for i, item in enumerate(items):
        if not isinstance(item, str):
            if n == 0:
                return items[:i]
            n -= 1
    return items


class ChunkParser:
    """Lines in, typed chunks out, for one stream; shared by the sync and async streams.
    The chunks of the lines `read` is given are screened together: with safety lists a
    stream pays per screening pass, so a relay hands it a whole network read (all here
    already), an app's iteration one event at a time (`by_event`).

    `done` is set by `data: [DONE]`; a stream that ends without it still counts as
    complete once a choice has finished (some proxies drop the terminator).
    """

    def __init__(
        self,
        request_id: str,
        safety: Any = None,
        t0: float = 0.0,
        now: Callable[[], float] = time.perf_counter,
        *,
        secrets: tuple[str, ...] = (),
        chunk_type: type[ChatCompletionChunk] | type[TextCompletion] = ChatCompletionChunk,
    ) -> None:
        self.request_id = request_id
        self.chunk_type = chunk_type  # a FIM stream's chunks are TextCompletions (`text`)
        self.safety = safety  # a sentinel.safety CallGuard: masks or cuts each chunk
        self.secrets = secrets  # the credential sent, scrubbed from in-band errors
        self.decoder = SSEDecoder()
        self.acc = StreamAccumulator(Timing(t0, now))
        self.done = False

    @property
    def complete(self) -> bool:
        return self.done or bool(self.acc.finish_reasons)

    def read(self, lines: list[str], final: bool = False) -> Iterator[Chunk | str]:
        """One network read's lines: its chunks and comment lines (`: keep-alive`, as
        str), in order, up to [DONE]. An unparseable, error or blocked event is raised
        once the events before it are out, as when the lines came one by one. `final`:
        the body ended (or broke off) with these lines, [DONE] or not: what the guard
        holds goes out after them, as at [DONE]."""
        items: list[tuple[Chunk, str] | str] = []
        chunks: list[Chunk] = []
        error: SentinelAPIError | None = None
        ended = False  # [DONE] came; `done` once the events before it are out
        try:
            for line in lines:
                if is_comment(line):
                    self.acc.timing.keepalive()
                    items.append(line)
                    continue
                data = self.decoder.feed(line)
                if data == DONE and not self.done:
                    ended = True
                    break
                chunk = self._event(data)
                if chunk is not None:
                    items.append((chunk, data))  # type: ignore[arg-type]
                    chunks.append(chunk)
        except SentinelAPIError as exc:
            error = exc
        changed: list[bool] = []
        if self.safety is None:
            changed = [False] * len(chunks)
        else:
            try:
                self.safety.screen(chunks, changed)  # all at once: they are all here
            except SentinelAPIError as exc:  # a block: before any parse error after it
                error = exc
                if held := self.safety.holding():  # n > 1: the other choices' held text
                    items = _screened(items, len(changed))
                    self._release(held, items, changed)  # (a block in it: the first stands)
            if (
                (ended or (final and not self.done))
                and error is None
                and (held := self.safety.holding())
            ):
                error = self._release(held, items, changed)
        screened = iter(changed)
        for item in items:
            if isinstance(item, str):
                yield item
                continue
            chunk, data = item
            if (was_changed := next(screened, None)) is None:
                break  # blocked here
            if not was_changed:  # nothing masked or held back: relayed as sent
                chunk._wire = data
            self.acc.add(chunk)
            yield chunk
        if error is not None:
            raise error  # (a block cuts before [DONE]: the stream did not end)
        self.done = ended or self.done

    def _release(
        self, held: list[int], items: list[tuple[Chunk, str] | str], changed: list[bool]
    ) -> SentinelAPIError | None:
        """[DONE] came while the guard still holds the end of choices that sent no
        finishing chunk: it goes out (screened) as a last content chunk before [DONE],
        not lost. Returns the error of a block the held text completes."""
        fim = self.chunk_type is TextCompletion
        chunk = self.chunk_type.model_validate(
            {
                "id": self.acc.id or "",
                "object": "text_completion" if fim else "chat.completion.chunk",
                "model": self.acc.model or "",
                "choices": [
                    {"index": i, "text": ""} if fim else {"index": i, "delta": {}} for i in held
                ],
            }
        )
        chunk.request_id = self.request_id
        chunk._upstream = True  # serialised with the keys set here and by the guard
        error = None
        n = len(changed)
        try:
            self.safety.release(chunk, changed)
        except SentinelAPIError as exc:
            error = exc
        if changed[n:] == [True]:
            items.append((chunk, ""))
        else:
            del changed[n:]
        return error

    def feed(self, line: str) -> Chunk | None:
        """One line; the chunk it completes, if any."""
        return next((c for c in self.read([line]) if not isinstance(c, str)), None)

    def end(self) -> Chunk | None:
        """The last event, if the body ended without its blank line."""
        return next((c for c in self.read([""]) if not isinstance(c, str)), None)

    def _event(self, data: str | None) -> Chunk | None:
        """The chunk an event's data holds (not yet screened), None for none."""
        if data is None or self.done:
            return None
        try:
            chunk = self.chunk_type.model_validate_json(data)
        except ValueError:
            chunk = self._lone_surrogates(data)
        extra = chunk.model_extra
        if extra and "error" in extra:
            raise self._in_band_error(extra["error"])
        chunk.request_id = self.request_id
        chunk._upstream = True
        return chunk

    def _lone_surrogates(self, data: str) -> Chunk:
        """An event pydantic's parser refused: JSON escaping a lone surrogate is read by
        the standard library (sentinel.client.lonejson); anything else is unparseable."""
        try:
            return self.chunk_type.model_validate(loads_lone_surrogates(data))
        except ValueError:
            raise SentinelAPIError(
                "unparseable stream chunk", status_code=200, request_id=self.request_id
            ) from None

    def _in_band_error(self, error: object) -> SentinelAPIError:
        """An upstream's mid-stream error event (`data: {"error": ...}`): an error, not a
        chunk to relay as is, and scrubbed like any upstream message (an upstream that
        echoes the request would otherwise stream the credential to the app)."""
        message = error.get("message") if isinstance(error, dict) else error
        text = scrub_text(str(message)[:500], self.secrets)
        return SentinelAPIError(
            f"upstream error in stream: {text}", status_code=200, request_id=self.request_id
        )


class Timing:
    """When a stream's first chunk and first output (content, reasoning or a tool call)
    came, in seconds from `t0`, and how long it sent keep-alives before (queued)."""

    def __init__(self, t0: float, now: Callable[[], float]) -> None:
        self.t0 = t0
        self.now = now
        self.first_chunk: float | None = None
        self.first_content: float | None = None
        self.keepalives = 0
        self._first_keepalive: float | None = None

    def keepalive(self) -> None:
        self.keepalives += 1
        if self._first_keepalive is None:
            self._first_keepalive = self.now() - self.t0

    def chunk(self, output: bool) -> None:
        if self.first_chunk is None:
            self.first_chunk = self.now() - self.t0
        if output and self.first_content is None:
            self.first_content = self.now() - self.t0

    def keepalive_time(self) -> float | None:
        if self._first_keepalive is None:
            return None
        end = self.first_chunk if self.first_chunk is not None else self.now() - self.t0
        return max(end - self._first_keepalive, 0.0)


class StreamAccumulator:
    """What the chunks add up to: text, reasoning, tool calls (their deltas assembled by
    index: id, name, then the arguments in pieces), finish reasons, usage, ids."""

    def __init__(self, timing: Timing | None = None) -> None:
        self.parts: list[str] = []
        self.reasoning_parts: list[str] = []
        self.calls: dict[int, dict[str, Any]] = {}
        self.finish_reasons: list[str] = []
        self.usage = None
        self.id: str | None = None
        self.model: str | None = None
        self.timing = timing or Timing(0.0, time.perf_counter)

    def add(self, chunk: ChatCompletionChunk | TextCompletion) -> None:
        if self.id is None and chunk.id:
            self.id = chunk.id
        if chunk.model:
            self.model = chunk.model
        output = False
        for choice in chunk.choices:
            if isinstance(choice, TextChoice):  # FIM
                if choice.text:
                    self.parts.append(choice.text)
                    output = True
                if choice.finish_reason:
                    self.finish_reasons.append(choice.finish_reason)
                continue
            delta = choice.delta
            if delta.content:
                self.parts.append(delta.content)
                output = True
            if delta.reasoning_content:
                self.reasoning_parts.append(delta.reasoning_content)
                output = True
            if delta.tool_calls:
                self._tool_deltas(delta.tool_calls)
                output = True
            if choice.finish_reason:
                self.finish_reasons.append(choice.finish_reason)
        if chunk.usage is not None:
            self.usage = chunk.usage
        self.timing.chunk(output)

    def _tool_deltas(self, deltas: list[dict[str, Any]]) -> None:
        for d in deltas:
            if not isinstance(d, dict):
                continue
            index = d.get("index")
            if isinstance(index, str) and index.isdigit():
                index = int(index)
            if not isinstance(index, int) or isinstance(index, bool):
                index = len(self.calls)  # a shim's odd index starts a call, never a crash
            call = self.calls.setdefault(
                index, {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
            )
            if d.get("id"):
                call["id"] = d["id"]
            if d.get("type"):
                call["type"] = d["type"]
            fn = d.get("function") or {}
            if fn.get("name"):
                call["function"]["name"] += fn["name"]
            if fn.get("arguments"):
                call["function"]["arguments"] += fn["arguments"]

    def tool_calls(self) -> list[dict[str, Any]]:
        return [self.calls[i] for i in sorted(self.calls)]

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def reasoning(self) -> str | None:
        return "".join(self.reasoning_parts) if self.reasoning_parts else None
