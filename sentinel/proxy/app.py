"""The proxy's ASGI app: OpenAI's chat and models routes in front of one AsyncSentinel.

Every call goes through that client, so a Node or Go service behind the sidecar gets
what a Python app gets in-process: the upstream key (which never leaves the sidecar),
rate limit, retries, breaker, failover, telemetry and stored records. Apps
authenticate with Sentinel tokens of scope `proxy` (see `sentinel.proxy.auth`).
Streams are relayed event by event as the upstream produces them; nothing is buffered.
Any other path is a 404: the proxy forwards only what it observes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Send

from sentinel.client.async_ import AsyncSentinel, AsyncStream
from sentinel.client.types import ChatCompletion, ChatCompletionChunk, TextCompletion
from sentinel.clock import SYSTEM_CLOCK, Clock
from sentinel.compliance.tokens import TokenInfo, TokenRegistry
from sentinel.errors import SentinelError
from sentinel.proxy.answer import NOT_RELAYED as _WIRE
from sentinel.proxy.answer import answer_body, model_json
from sentinel.proxy.auth import SCOPE, bind_app
from sentinel.proxy.errors import describe, error_body, error_response, failure_response
from sentinel.proxy.hangup import watching_hangup
from sentinel.proxy.request import (
    beta_chat_request,
    create_kwargs,
    fim_kwargs,
    hold_outbound,
    parse_body,
)
from sentinel.proxy.state import ProxyState, proxy_state
from sentinel.proxy.stream import EventStreamResponse, Pieces
from sentinel.web.middleware import BodySizeLimit, CatchAll
from sentinel.web.state import install_state
from sentinel.web.tokens import VerifiedTokens, authenticate

log = logging.getLogger("sentinel.proxy")

_NOT_FOUND = (
    "no such route: the Sentinel proxy serves POST /v1/chat/completions, POST "
    "/beta/chat/completions, POST /beta/completions, GET /v1/models and GET /user/balance "
    "only, and forwards nothing else upstream"
)
_SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}
_DONE = b"data: [DONE]\n\n"
_KEEP_ALIVE = b": keep-alive\n\n"


def _event(payload: bytes) -> bytes:
    return b"data: " + payload + b"\n\n"


def _chunk_event(chunk: ChatCompletionChunk | TextCompletion) -> bytes:
    """The upstream's own event data when Sentinel changed nothing in the chunk (its
    bytes, keys and size as sent); else the chunk with the keys the upstream sent (a
    masked text, a held-back tail), or all of them for one Sentinel made (a fallback)."""
    wire = chunk._wire
    if wire is not None:  # one `data:` line per line of the event's data
        return b"data: " + wire.replace("\n", "\ndata: ").encode() + b"\n\n"
    return _event(model_json(chunk, exclude=_WIRE, exclude_unset=chunk._upstream))


class _BodyLimit(BodySizeLimit):
    """The API's body cap, answered in OpenAI's error shape."""

    async def _reject(self, send: Send) -> None:
        payload = orjson.dumps(
            error_body(f"request body larger than {self.max_bytes} bytes", "invalid_request_error")
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status == 404:
        return error_response(404, _NOT_FOUND, "invalid_request_error", "not_found")
    if status == 405:
        return error_response(405, f"method not allowed: {_NOT_FOUND}", "invalid_request_error")
    type_ = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}
    return error_response(
        status,
        str(exc.detail),
        type_.get(status, "invalid_request_error"),
        headers=dict(exc.headers or {}),
    )


async def _relay(stream: AsyncStream, retry_in: Callable[[], float]) -> Pieces:
    """Upstream events out as they come, what arrived together in one piece (each
    write wakes the app's process), `[DONE]` with the last one. The upstream's
    comments go along as a fixed `: keep-alive` (they keep the app's idle-read timeout
    from firing while the model thinks; SDKs skip them; their text is the upstream's).
    A failure after the first byte can only be reported in-band, as an SSE error event
    (what OpenAI SDKs raise on)."""
    try:
        async for batch in stream.batches():
            data = b"".join(
                _KEEP_ALIVE  # the upstream's comment text stays here: it may echo the key
                if isinstance(item, str)
                else _chunk_event(item)
                for item in batch
            )
            if stream.done:  # the call is recorded before the app sees the stream end
                await stream.aclose()
                yield data + _DONE, False
                return
            yield data, True
        yield _DONE, False
    except SentinelError as exc:
        yield _event(orjson.dumps(describe(exc, retry_in())[1])), False
    except (asyncio.CancelledError, GeneratorExit):
        await stream.cancel()  # the app hung up mid-stream (EventStreamResponse)
        raise
    finally:
        await stream.aclose()


async def _caller(request: Request) -> tuple[TokenInfo, AsyncSentinel]:
    state = proxy_state(request.app)
    return await authenticate(request, SCOPE, state.verified), state.client


async def chat_completions(request: Request) -> Response:
    info, client = await _caller(request)
    try:
        kwargs = create_kwargs(parse_body(await request.body()), request.headers)
        hold_outbound(kwargs, client._core.settings.redact_outbound)
        bind_app(kwargs, info)
        async with watching_hangup(request):
            result = await client.chat.completions.create(**kwargs)
    except SentinelError as exc:
        return failure_response(exc, client.breaker.retry_in())
    return _answer(result, client)


async def beta_chat_completions(request: Request) -> Response:
    """Chat under DeepSeek's beta base URL (an SDK pointed at `<proxy>/beta`): the same
    auth, safety, telemetry and records as /v1/chat/completions."""
    info, client = await _caller(request)
    try:
        kwargs = create_kwargs(parse_body(await request.body()), request.headers)
        hold_outbound(kwargs, client._core.settings.redact_outbound)
        bind_app(kwargs, info)
        async with watching_hangup(request):
            result = await client._create(kwargs, beta_chat_request)
    except SentinelError as exc:
        return failure_response(exc, client.breaker.retry_in())
    return _answer(result, client)


def _answer(
    result: ChatCompletion | TextCompletion | AsyncStream, client: AsyncSentinel
) -> Response:
    """A completion as JSON (the upstream's own where unchanged: answer_body), a stream
    relayed as SSE (chat and FIM alike)."""
    if isinstance(result, ChatCompletion | TextCompletion):
        return Response(
            answer_body(result),
            media_type="application/json",
            headers={"x-request-id": result.request_id},
        )
    return EventStreamResponse(
        _relay(result, client.breaker.retry_in),
        headers={**_SSE_HEADERS, "x-request-id": result.request_id},
    )


async def fim_completions(request: Request) -> Response:
    info, client = await _caller(request)
    try:
        kwargs = fim_kwargs(parse_body(await request.body()), request.headers)
        hold_outbound(kwargs, client._core.settings.redact_outbound)
        bind_app(kwargs, info)
        async with watching_hangup(request):
            result = await client.completions.create(**kwargs)
    except SentinelError as exc:
        return failure_response(exc, client.breaker.retry_in())
    return _answer(result, client)


async def balance(request: Request) -> Response:
    _, client = await _caller(request)
    try:
        result = await client.balance()
    except SentinelError as exc:
        return failure_response(exc, client.breaker.retry_in())
    return Response(result.model_dump_json(), media_type="application/json")


async def list_models(request: Request) -> Response:
    _, client = await _caller(request)
    try:
        models = await client.models.list()
    except SentinelError as exc:
        return failure_response(exc, client.breaker.retry_in())
    data = [m.model_dump() for m in models]
    return Response(orjson.dumps({"object": "list", "data": data}), media_type="application/json")


def create_proxy_app(
    client: AsyncSentinel,
    *,
    close_client: bool = False,
    clock: Clock = SYSTEM_CLOCK,
    token_ttl: float = 2.0,
) -> Starlette:
    """The proxy over `client`, whose settings and store also verify the apps' tokens
    (a verified token is trusted for `token_ttl` seconds, see `sentinel.web.tokens`).
    With `close_client` the server closes the client (flushing its records) when it
    stops, on the event loop that used it. Plain Starlette, not FastAPI: the proxy has
    no schema to publish, and per-request dependency solving was a cost on every call."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if close_client:
                await client.aclose()

    routes = [
        Route(path, endpoint, methods=[method])
        for prefix in ("/v1", "")
        for path, endpoint, method in (
            (f"{prefix}/chat/completions", chat_completions, "POST"),
            (f"{prefix}/models", list_models, "GET"),
            (f"{prefix}/user/balance", balance, "GET"),
        )
    ]
    routes.append(Route("/beta/completions", fim_completions, methods=["POST"]))
    routes.append(Route("/beta/chat/completions", beta_chat_completions, methods=["POST"]))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(_BodyLimit, max_bytes=client._core.settings.proxy_max_body_bytes),
            Middleware(CatchAll),
        ],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    settings = client._core.settings
    install_state(
        app,
        ProxyState(
            store=client.store,
            settings=settings,
            clock=clock,
            tokens=TokenRegistry(client.store, settings.subject_secret_bytes(), clock),
            client=client,
            verified=VerifiedTokens(token_ttl, clock),
        ),
    )
    return app
