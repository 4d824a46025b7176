"""`AsyncSentinel`: the asyncio twin of `Sentinel`, over the same policy objects."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import httpx

from sentinel.client import flow, outbound
from sentinel.client.answers import balance_in, get_result, models_in
from sentinel.client.attempts import CONNECTION_ERRORS, TIMEOUT_ERRORS, Attempts
from sentinel.client.base import ClientBase
from sentinel.client.core import get_span
from sentinel.client.feedback import record_feedback
from sentinel.client.flow import DRAIN_S, Build, StreamCall, batch_item, check_concurrency
from sentinel.client.http1_wire import Answer
from sentinel.client.observation import Observation
from sentinel.client.params import build_chat_request, build_fim_request
from sentinel.client.sse import LineSplitter, by_event
from sentinel.client.transport import async_transport
from sentinel.client.types import (
    Balance,
    ChatCompletion,
    ChatCompletionChunk,
    Model,
)
from sentinel.errors import SentinelAPIError, SentinelError


class AsyncStream:
    """`async for` chunks; use `async with` (or `aclose()`) to release the connection
    early. An unfinished stream that is garbage-collected is still reported, as
    abandoned, but its connection is only reclaimed by the pool later.

    `batches()` is the same iteration for relays: what each upstream read brought,
    including its SSE comment lines (`: keep-alive` while the model thinks) as `str`."""

    def __init__(self, call: StreamCall) -> None:
        self._call = call
        self._iter = self._batches()
        self._pending: deque[ChatCompletionChunk] = deque()
        self._raw: AsyncIterator[bytes] | None = None
        self._bad: SentinelAPIError | None = None
        self._relay = False  # batches(): a read at a time, else an event at a time
        self.request_id = call.obs.request_id

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        return self

    async def __anext__(self) -> ChatCompletionChunk:
        pending = self._pending
        while not pending:
            pending.extend(e for e in await self._iter.__anext__() if not isinstance(e, str))
        return pending.popleft()

    @property
    def done(self) -> bool:
        """The upstream sent `data: [DONE]`: no event follows the last batch."""
        return self._call.parser.done

    def batches(self) -> AsyncIterator[list[ChatCompletionChunk | str]]:
        """For relays such as the proxy: the chunks and SSE comment lines of each read
        from the upstream, in order, one list per read, so a relay writes what arrived
        together in one go (and its chunks are screened in one pass). Use either this or
        `async for`, which parses one event at a time, not both."""
        self._relay = True
        return self._iter

    async def _batches(self) -> AsyncIterator[list[ChatCompletionChunk | str]]:
        call = self._call
        if (only := call.fallback_answer()) is not None:
            yield [only]
            return
        assert call.response is not None
        parser = call.parser
        lines = LineSplitter()
        self._raw = raw = call.response.aiter_bytes()
        try:
            async for data in raw:
                read = lines.feed(data)
                # an app stops where it likes: what it never asked for is not parsed
                for event in [read] if self._relay else by_event(read):
                    batch = self._parse(event)
                    if batch:
                        yield batch
                    if self._bad is not None:
                        raise self._bad
                if parser.done:
                    break
            else:  # the last event may lack its blank line; the held text goes out
                if batch := self._parse([*lines.end(), ""], final=True):
                    yield batch
                if self._bad is not None:
                    raise self._bad
        except asyncio.CancelledError:
            call.cancelled()
            raise
        except (httpx.HTTPError, SentinelAPIError) as exc:
            call.failed(exc)
            if isinstance(exc, httpx.HTTPError) and (batch := self._parse([], final=True)):
                yield batch  # cut off: what was screened goes out (a block: the error)
        else:
            call.ended()
        finally:
            await self._end()
        call.raise_error()

    def _parse(self, lines: list[str], final: bool = False) -> list[ChatCompletionChunk | str]:
        """One read's events, up to [DONE] or an unparseable chunk (kept in `_bad`, to
        raise once the events before it are out, as when they went one by one)."""
        batch: list[ChatCompletionChunk | str] = []
        try:
            for item in self._call.parser.read(lines, final):  # screened together
                batch.append(item)  # type: ignore[arg-type]
        except SentinelAPIError as exc:
            self._bad = exc
        return batch

    async def _end(self) -> None:
        call = self._call
        drain = call.report()
        response = call.response
        if response is None:
            return
        try:
            if drain and self._raw is not None and not response.is_closed:
                await _drain(self._raw)
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self._iter.aclose()
        await self._end()

    async def cancel(self) -> None:
        """Stop reading because the consumer went away (a relay's client hung up): the
        call is recorded as cancelled (`StreamCall.cancelled`), not as a stream its
        reader chose to stop, which `aclose` records."""
        self._call.cancelled()
        await self.aclose()

    async def __aenter__(self) -> AsyncStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __del__(self) -> None:
        self._call.report()


async def _drain(raw: AsyncIterator[bytes]) -> None:
    """Read what follows `data: [DONE]` (normally just the body's end) so the connection
    goes back to the pool: closing a response with unread bytes drops its connection,
    and every stream then paid a new TCP connection before its first byte. Bounded in
    time; an upstream that keeps the body open after [DONE] only loses the reuse."""
    try:
        async with asyncio.timeout(DRAIN_S):
            async for _ in raw:
                pass
    except (TimeoutError, httpx.HTTPError):
        pass


class AsyncCompletions:
    def __init__(self, client: AsyncSentinel) -> None:
        self._client = client

    async def create(self, **kwargs: Any) -> Any:
        """Returns ChatCompletion, or an AsyncStream with stream=True."""
        return await self._client._create(kwargs)

    async def batch(
        self, requests: Sequence[Mapping[str, Any]], *, concurrency: int = 8
    ) -> list[ChatCompletion | SentinelError]:
        """Like `Sentinel.chat.completions.batch`, on the event loop."""
        check_concurrency(concurrency)
        gate = asyncio.Semaphore(concurrency)

        async def one(req: Any) -> ChatCompletion | SentinelError:
            kwargs = batch_item(req)
            if isinstance(kwargs, SentinelError):
                return kwargs
            async with gate:
                try:
                    return await self._client._create(kwargs)
                except SentinelError as exc:
                    return exc

        return list(await asyncio.gather(*(one(r) for r in requests)))


class AsyncChat:
    def __init__(self, client: AsyncSentinel) -> None:
        self.completions = AsyncCompletions(client)


class AsyncModels:
    def __init__(self, client: AsyncSentinel) -> None:
        self._client = client

    async def list(self) -> list[Model]:
        data = await self._client._get("/models")
        return models_in(data)


class AsyncFIMCompletions:
    def __init__(self, client: AsyncSentinel) -> None:
        self._client = client

    async def create(self, **kwargs: Any) -> Any:
        """FIM completion (beta); see Sentinel.completions.create."""
        return await self._client._create(kwargs, build_fim_request)


class AsyncSentinel(ClientBase[httpx.AsyncBaseTransport]):
    """The async client; constructor arguments as for `Sentinel`."""

    _http_class = httpx.AsyncClient
    _make_transport = async_transport

    def _attach(self) -> None:
        self.chat = AsyncChat(self)
        self.models = AsyncModels(self)
        self.completions = AsyncFIMCompletions(self)

    async def _create(self, kwargs: dict[str, Any], build: Build = build_chat_request) -> Any:
        settings = self._core.settings
        if outbound.enabled(kwargs, settings):  # the analysis must not block the event loop
            kwargs, mask = await asyncio.to_thread(outbound.mask_request, kwargs, settings)
        else:
            kwargs, mask = outbound.mask_request(kwargs, settings)
        return outbound.unmask(await self._call(kwargs, mask, build), mask)

    async def _call(
        self, kwargs: dict[str, Any], mask: outbound.OutboundMask | None, build: Build
    ) -> Any:
        core = self._core
        obs, key = flow.begin(core, kwargs, mask, build)
        # In a thread: an Elasticsearch lookup must not block the event loop.
        if key:
            hit = await asyncio.to_thread(core.cache.get, key, obs.request.model)
            if (cached := flow.from_cache(obs, hit)) is not None:
                return cached
        try:
            result = await self._send(obs)
        except BaseException as exc:  # incl. CancelledError: the call is still reported
            flow.abort(obs, exc)
            raise
        if obs.request.stream:
            call = StreamCall.of(obs, result)
            core.streams.add(call)
            return AsyncStream(call)
        return flow.complete(core, obs, key, result)

    async def _send(self, obs: Observation) -> httpx.Response | Answer | ChatCompletion:
        core, http = self._core, self._http
        await core.guard.await_first()  # not on the loop: the first read may take a while
        attempts = Attempts(core, obs, "async")
        try:
            while True:
                if wait := attempts.admit():
                    await core.clock.asleep(wait)
                token = await core.auth.atoken(http)
                transport = self._chat[attempts.index]
                try:
                    if attempts.whole(transport):
                        resp = await transport.send_whole(*attempts.wire(token))  # type: ignore[attr-defined]
                    else:
                        req = attempts.request(token)
                        resp = await transport.handle_async_request(req)
                        if attempts.received(resp, req):
                            await resp.aread()
                except TIMEOUT_ERRORS as exc:
                    raise attempts.timed_out(exc) from None
                except CONNECTION_ERRORS as exc:
                    then = attempts.follow(*attempts.unreachable(exc))
                else:
                    if (failed := attempts.answered(resp)) is None:
                        return resp
                    await resp.aclose()
                    then = attempts.follow(*failed)
                if isinstance(then, ChatCompletion):
                    return then
                if then:
                    await core.clock.asleep(then)
                if flow.caller_gone():  # nobody would receive the answer it bills
                    raise asyncio.CancelledError("the caller hung up before a retry")
        finally:
            attempts.end()

    async def balance(self) -> Balance:
        """GET /user/balance: whether the account can call, and what is left."""
        return balance_in(await self._get("/user/balance"))

    async def _get(self, path: str) -> dict[str, Any]:
        core, http = self._core, self._http
        with get_span(core, path) as span:
            for attempt in (0, 1):
                token = await core.auth.atoken(http)
                resp = await http.get(
                    core.endpoints[0] + path, headers={"authorization": f"Bearer {token}"}
                )
                if resp.status_code == 401 and attempt == 0 and core.auth.refreshable:
                    core.auth.invalidate(token)
                    continue
                break
            return get_result(span, resp.status_code, resp.content, token)

    async def feedback(
        self,
        request_id: str,
        *,
        score: float | None = None,
        satisfied: bool | None = None,
        comment: str | None = None,
    ) -> None:
        """Record business metrics for a call (never blocks the loop)."""
        record_feedback(self._core.reporter, request_id, score, satisfied, comment)

    async def flush(self, timeout: float | None = 10.0) -> bool:
        """Wait until every call so far has its span, metrics and log line built and
        written out (they are built off the calling thread: certain only after this)
        and every record (and cache entry) is stored; True if all records were."""
        return await asyncio.to_thread(self._core.flush, timeout)

    async def aclose(self) -> None:
        await self._http.aclose()
        for t in self._own_transports:
            await t.aclose()
        await asyncio.to_thread(self._core.close)

    async def close(self) -> None:
        await self.aclose()

    async def __aenter__(self) -> AsyncSentinel:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
