"""`AsyncSentinel`: the asyncio twin of `Sentinel`, over the same policy objects."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, TextIO

import httpx
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider

from sentinel.client import outbound
from sentinel.client.ahttp1 import AsyncHTTP1Transport
from sentinel.client.attempts import CONNECTION_ERRORS, TIMEOUT_ERRORS, Attempts
from sentinel.client.cache import answer_from_cache
from sentinel.client.core import (
    ClientCore,
    ClientOptions,
    Fallback,
    get_result,
    get_span,
    models_in,
)
from sentinel.client.feedback import record_feedback
from sentinel.client.observation import Observation
from sentinel.client.outcome import apply_completion, apply_stream, parse_answer
from sentinel.client.params import build_chat_request, build_fim_request
from sentinel.client.resilience import TokenBucket
from sentinel.client.sse import ChunkParser, LineSplitter, is_comment, sent_credential
from sentinel.client.sync import DRAIN_S, batch_item, check_concurrency, fallback_chunk
from sentinel.client.transport import ShardedAsyncTransport, transports_for
from sentinel.client.types import (
    Balance,
    ChatCompletion,
    ChatCompletionChunk,
    Model,
    TextCompletion,
)
from sentinel.clock import Clock
from sentinel.config import Settings
from sentinel.errors import APIConnectionError, SentinelAPIError, SentinelError
from sentinel.store import Store


class AsyncStream:
    """`async for` chunks; use `async with` (or `aclose()`) to release the connection
    early. An unfinished stream that is garbage-collected is still reported, as
    abandoned, but its connection is only reclaimed by the pool later.

    `batches()` is the same iteration for relays: what each upstream read brought,
    including its SSE comment lines (`: keep-alive` while the model thinks) as `str`."""

    def __init__(
        self, obs: Observation, response: httpx.Response | None, fallback: ChatCompletion | None
    ) -> None:
        self._obs = obs
        self._response = response
        self._fallback = fallback
        self._parser = ChunkParser(
            obs.request_id, obs.safety, obs.t0, secrets=sent_credential(response)
        )
        self._iter = self._batches()
        self._pending: deque[ChatCompletionChunk] = deque()
        self._raw: AsyncIterator[bytes] | None = None
        self._bad: SentinelAPIError | None = None
        self.request_id = obs.request_id

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
        return self._parser.done

    def batches(self) -> AsyncIterator[list[ChatCompletionChunk | str]]:
        """For relays such as the proxy: the chunks and SSE comment lines of each read
        from the upstream, in order, one list per read, so a relay writes what arrived
        together in one go. Use either this or `async for`, not both."""
        return self._iter

    async def _batches(self) -> AsyncIterator[list[ChatCompletionChunk | str]]:
        obs = self._obs
        if self._fallback is not None:
            apply_completion(obs, self._fallback)
            obs.finish()
            yield [fallback_chunk(self._fallback)]
            return
        assert self._response is not None
        parser = self._parser
        lines = LineSplitter()
        self._raw = raw = self._response.aiter_bytes()
        try:
            async for data in raw:
                batch = self._parse(lines.feed(data))
                if batch:
                    yield batch
                if self._bad is not None:
                    raise self._bad
                if parser.done:
                    break
            else:
                batch = self._parse(lines.end())
                if self._bad is None and not parser.done and (last := parser.end()) is not None:
                    batch.append(last)
                if batch:
                    yield batch
                if self._bad is not None:
                    raise self._bad
        except httpx.HTTPError as exc:
            obs.fail(
                APIConnectionError(
                    f"stream interrupted: {type(exc).__name__}", request_id=obs.request_id
                )
            )
        except SentinelAPIError as exc:
            obs.fail(exc)
        else:
            if not parser.complete:
                obs.fail(
                    APIConnectionError("stream ended before completion", request_id=obs.request_id)
                )
        finally:
            await self._end()
        if obs.error is not None:
            raise obs.error

    def _parse(self, lines: list[str]) -> list[ChatCompletionChunk | str]:
        """One read's events, up to [DONE] or an unparseable chunk (kept in `_bad`, to
        raise once the events before it are out, as when they went one by one)."""
        batch: list[ChatCompletionChunk | str] = []
        parser = self._parser
        try:
            for line in lines:
                if is_comment(line):
                    parser.acc.timing.keepalive()
                    batch.append(line)
                    continue
                chunk = parser.feed(line)
                if parser.done:
                    break
                if chunk is not None:
                    batch.append(chunk)
        except SentinelAPIError as exc:
            self._bad = exc
        return batch

    def _report(self) -> None:
        obs = self._obs
        if obs.finished:
            return
        apply_stream(obs, self._parser.acc)
        if obs.error is None and not self._parser.complete:
            obs.abandoned = True
        obs.finish()

    async def _end(self) -> None:
        self._report()
        response = self._response
        if response is None:
            return
        try:
            if self._parser.done and self._raw is not None and not response.is_closed:
                await _drain(self._raw)
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self._iter.aclose()
        await self._end()

    async def __aenter__(self) -> AsyncStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __del__(self) -> None:
        if not self._obs.finished:
            self._report()


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

    async def create(self, **kwargs: Any) -> TextCompletion:
        """FIM completion (beta); see Sentinel.completions.create."""
        return await self._client._create(kwargs, build_fim_request)  # type: ignore[no-any-return]


def _chat_transport(core: ClientCore, proxy: str | None) -> httpx.AsyncBaseTransport:
    """The asyncio HTTP/1.1 transport for direct connections; httpx's (sharded) where
    HTTP/2 or an outbound proxy needs httpcore."""
    if proxy is None and not core.settings.http2:
        return AsyncHTTP1Transport(verify=core.ssl, limits=core.limits)
    return ShardedAsyncTransport(
        lambda limits: httpx.AsyncHTTPTransport(**core.transport_kwargs(proxy, limits)),
        core.limits,
    )


class AsyncSentinel:
    """The async client; constructor arguments as for `Sentinel`."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        backup_base_urls: list[str] | None = None,
        store: Store | str | None = None,
        app: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        fallback: Fallback | None = None,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        settings: Settings | None = None,
        rate_limiter: TokenBucket | int | str | None = None,
        log_stream: TextIO | None = None,
        http2: bool | None = None,
        gzip_min_bytes: int | None = None,
        capture_content: bool | None = None,
        cache: bool | None = None,
    ) -> None:
        self._core = ClientCore(
            ClientOptions(
                api_key,
                base_url,
                backup_base_urls,
                store,
                app,
                timeout,
                max_retries,
                fallback,
                tracer_provider,
                meter_provider,
                clock,
                settings,
                rate_limiter,
                log_stream,
                http2,
                gzip_min_bytes,
                capture_content,
                cache,
            )
        )
        core = self._core
        self._http = httpx.AsyncClient(transport=transport, **core.http_kwargs())
        self._chat, self._own_transports = transports_for(
            core.chat_urls, lambda proxy: _chat_transport(core, proxy), transport
        )
        self.chat = AsyncChat(self)
        self.models = AsyncModels(self)
        self.completions = AsyncFIMCompletions(self)

    @property
    def store(self) -> Store:
        return self._core.store

    @property
    def breaker(self) -> Any:
        return self._core.breaker

    async def _create(self, kwargs: dict[str, Any], build: Any = build_chat_request) -> Any:
        settings = self._core.settings
        if outbound.enabled(kwargs, settings):  # the analysis must not block the event loop
            kwargs, mask = await asyncio.to_thread(outbound.mask_request, kwargs, settings)
        else:
            kwargs, mask = outbound.mask_request(kwargs, settings)
        return outbound.unmask(await self._call(kwargs, mask, build), mask)

    async def _call(
        self, kwargs: dict[str, Any], mask: outbound.OutboundMask | None, build: Any
    ) -> Any:
        request = build(**kwargs)
        core = self._core
        core.resolve(request)
        obs = core.reporter.begin(request)
        outbound.annotate(obs, mask)
        core.warn(obs)
        key = None
        if core.cache is not None and (key := core.cache.key(request, obs.subject_key)):
            # In a thread: an Elasticsearch lookup must not block the event loop.
            hit = await asyncio.to_thread(core.cache.get, key, request.model)
            obs.cache_hit = hit is not None
            if hit is not None:
                return answer_from_cache(obs, hit)
        try:
            result = await self._send(obs)
        except BaseException as exc:  # incl. CancelledError: the call is still reported
            obs.fail(exc)
            obs.finish()
            raise
        if request.stream:
            if isinstance(result, ChatCompletion):
                return AsyncStream(obs, None, result)
            return AsyncStream(obs, result, None)
        try:
            completion = (
                result
                if isinstance(result, ChatCompletion)
                else parse_answer(request, result.content)
            )
            apply_completion(obs, completion)
            if key and core.cache is not None and not obs.fallback:
                core.cache.put(key, request, obs.subject_key, completion, obs.started)
            return completion
        except ValueError:
            error = SentinelAPIError(
                "unparseable response body", status_code=obs.http_status, request_id=obs.request_id
            )
            obs.fail(error)
            raise error from None
        finally:
            obs.finish()

    async def _send(self, obs: Observation) -> httpx.Response | ChatCompletion:
        core, http = self._core, self._http
        attempts = Attempts(core, obs)
        stream = obs.request.stream
        try:
            while True:
                if wait := attempts.admit():
                    await core.clock.asleep(wait)
                req = attempts.request(await core.auth.atoken(http))
                try:
                    resp = await self._chat[attempts.index].handle_async_request(req)
                    resp.request = req  # as httpx.Client sets it: the stream scrubs its key
                    # An error reply is read whole even when streaming, here, so that a
                    # connection dropping mid-body maps like any other drop.
                    if not stream or resp.status_code >= 400:
                        await resp.aread()
                except TIMEOUT_ERRORS as exc:
                    raise attempts.timed_out(exc) from None
                except CONNECTION_ERRORS as exc:
                    step, error = attempts.unreachable(exc)
                else:
                    failed = attempts.answered(resp)
                    if failed is None:
                        return resp
                    await resp.aclose()
                    step, error = failed
                then = attempts.follow(step, error)
                if isinstance(then, ChatCompletion):
                    return then
                if then:
                    await core.clock.asleep(then)
        finally:
            attempts.end()

    async def balance(self) -> Balance:
        """GET /user/balance: whether the account can call, and what is left."""
        return Balance.model_validate(await self._get("/user/balance"))

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
        """Wait until every record (and cache entry) so far is stored and every call
        line written out; True if all records were."""
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

    def __repr__(self) -> str:
        return (
            f"AsyncSentinel(app={self._core.settings.app!r}, base_url={self._core.endpoints[0]!r})"
        )
