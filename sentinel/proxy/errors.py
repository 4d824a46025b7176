"""Errors as OpenAI-compatible SDKs expect them: `{"error": {"message", "type", "param",
"code"}}` with a status their retry and exception logic understands.

Upstream failures keep the server's own message (what tells a developer what to fix),
but the status is the sidecar's view: a 401 from DeepSeek means the *sidecar's* key is
wrong, so the app gets 502 rather than a 401 that would blame its own proxy token.
"""

from __future__ import annotations

import math
from typing import Any

import orjson
from starlette.responses import Response

from sentinel.errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BudgetExceededError,
    CircuitOpenError,
    ConfigurationError,
    ContentBlockedError,
    InsufficientBalanceError,
    InvalidRequestError,
    RateLimitError,
    SentinelAPIError,
    SentinelError,
    ServiceUnavailableError,
)

# (status, type, code) the app sees for each kind of failure; the first match wins.
_MAPPING: tuple[tuple[type[SentinelError], int, str, str], ...] = (
    (InvalidRequestError, 400, "invalid_request_error", "invalid_request"),
    (ContentBlockedError, 400, "invalid_request_error", "content_blocked"),
    (CircuitOpenError, 503, "service_unavailable", "circuit_open"),
    (APITimeoutError, 504, "timeout", "upstream_timeout"),
    (APIConnectionError, 503, "service_unavailable", "upstream_unreachable"),
    (ServiceUnavailableError, 503, "service_unavailable", "upstream_unavailable"),
    (BudgetExceededError, 429, "budget_exceeded", "budget_exceeded"),
    (RateLimitError, 429, "rate_limit_error", "rate_limited"),
    (AuthenticationError, 502, "upstream_error", "upstream_authentication_failed"),
    (InsufficientBalanceError, 402, "insufficient_balance", "insufficient_balance"),
    # the sidecar's own settings (a redaction policy file): it cannot serve, DeepSeek is fine
    (ConfigurationError, 503, "service_unavailable", "sidecar_misconfigured"),
)


def error_body(message: str, type_: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def error_response(
    status: int,
    message: str,
    type_: str,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(
        orjson.dumps(error_body(message, type_, code)),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )


def upstream_message(exc: SentinelAPIError) -> str:
    """The server's own message when its body has one, else Sentinel's."""
    body = exc.body
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return err["message"]
        if isinstance(err, str):
            return err
    return exc.message


def _classify(exc: SentinelError) -> tuple[int, str, str]:
    for cls, status, type_, code in _MAPPING:
        if isinstance(exc, cls):
            return status, type_, code
    if getattr(exc, "status_code", None) in (400, 422):  # the server refused the request
        return exc.status_code, "invalid_request_error", "upstream_rejected"  # type: ignore[attr-defined]
    # 5xx after retries, unparseable answers: the upstream failed, not the app
    return 502, "upstream_error", "upstream_error"


def describe(exc: SentinelError, retry_in: float) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, OpenAI error body, headers) for a failed call. `retry_in` is the
    breaker's time to its next probe, sent as Retry-After when the circuit is open."""
    status, type_, code = _classify(exc)
    headers: dict[str, str] = {}
    request_id = getattr(exc, "request_id", None)
    if request_id:
        headers["x-request-id"] = request_id
    if isinstance(exc, CircuitOpenError):
        headers["retry-after"] = str(max(1, math.ceil(retry_in)))
    if isinstance(exc, BudgetExceededError):  # the period's end: when calls work again
        headers["retry-after"] = str(max(1, math.ceil(exc.retry_after)))
    message = upstream_message(exc) if isinstance(exc, SentinelAPIError) else str(exc)
    return status, error_body(message, type_, code), headers


def failure_response(exc: SentinelError, retry_in: float) -> Response:
    status, body, headers = describe(exc, retry_in)
    return Response(
        orjson.dumps(body), status_code=status, headers=headers, media_type="application/json"
    )
