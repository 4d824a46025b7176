"""Cross-cutting HTTP behaviour for every route, installed by `install(app)`:

* every response carries `X-Content-Type-Options: nosniff` (HTML also a
  Content-Security-Policy, a strict one unless the page set its own) and an `X-Request-ID`
  (the caller's, if it is a sane token, else a fresh one) that audit entries and logs
  share, so one request can be followed from the HTTP log to the audit chain;
* request bodies are capped (`Content-Length` checked up front, chunked bodies
  counted as they stream) and answered with 413, before any JSON parsing;
* validation errors (422) list where and why, but never echo the input back: hostile
  values (markup, 10 KB strings) stay out of responses;
* an unavailable store answers 503 with Retry-After;
* a client that went away mid-request is one INFO line, no traceback;
* any other exception is logged with an error id and answered with a generic JSON
  500 naming that id: no traceback, SQL or file path ever reaches the client.

Everything is answered as JSON; pure ASGI middleware is used (not BaseHTTPMiddleware)
so streaming downloads are not buffered.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sentinel.store.base import StoreUnavailable

log = logging.getLogger("sentinel.api")

DEFAULT_MAX_BODY_BYTES = 64 * 1024
# Any HTML page without a policy of its own may load nothing at all.
HTML_CSP = b"default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _json_message(status: int, body: dict[str, Any]) -> tuple[Message, Message]:
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    return (
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": payload},
    )


class _BodyTooLarge(HTTPException):
    """An HTTPException so that FastAPI's body parsing passes it through as 413 instead
    of wrapping it into a 400."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"request body larger than {max_bytes} bytes")


class BodySizeLimit:
    """Reject request bodies larger than `max_bytes` with 413."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                await self._reject(send)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await self._reject(send)

    async def _reject(self, send: Send) -> None:
        detail = f"request body larger than {self.max_bytes} bytes"
        for message in _json_message(413, {"detail": detail}):
            await send(message)


class ResponseHeaders:
    """nosniff and the request id on every response, including errors."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                candidate = value.decode("latin-1")
                if _REQUEST_ID_RE.fullmatch(candidate):
                    request_id = candidate
        request_id = request_id or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"x-content-type-options", b"x-request-id")
                ]
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-request-id", request_id.encode()),
                ]
                if _is_html(headers) and not any(
                    k.lower() == b"content-security-policy" for k, _ in headers
                ):
                    headers.append((b"content-security-policy", HTML_CSP))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers)


class CatchAll:
    """Turn any exception that escaped the app into a logged, opaque JSON 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            # Not an error of ours, and free for anyone to cause: one line, no traceback.
            log.info("client disconnected during %s %s", scope["method"], _route(scope))
        except Exception:
            error_id = uuid.uuid4().hex
            # The method and route template only: the path may carry ids, never secrets,
            # but the query string and body are not logged at all.
            log.exception("unhandled error %s in %s %s", error_id, scope["method"], _route(scope))
            if started:
                return  # the client sees a truncated response; nothing else can be sent
            body = {"detail": "internal error", "error_id": error_id}
            for message in _json_message(500, body):
                await send(message)


def _route(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "(unrouted)"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", "invalid"), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


async def _store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("store unavailable during %s %s: %s", request.method, _route(request.scope), exc)
    return JSONResponse(
        {"detail": "store temporarily unavailable"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def install(app: FastAPI, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
    """Wire the middleware and error handlers into `app` (called by `create_app`)."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StoreUnavailable, _store_unavailable)
    # add_middleware wraps outermost-last: headers go on everything, including 413/500.
    app.add_middleware(CatchAll)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(ResponseHeaders)
