"""Errors a Sentinel call can raise.

API errors mirror the HTTP status DeepSeek returned so apps can branch on the class
instead of parsing messages; each carries `status_code`, `request_id` (Sentinel's id
of the call, the id of its stored record) and `body` (the server's parsed error). The
message is the server's own message, because that is what tells a developer what to
fix (e.g. "Insufficient Balance"). Nothing here ever holds a credential.

`ConfigurationError` and `InvalidRequestError` are raised before anything is sent, so
they are `ValueError`s rather than API errors.
"""

from __future__ import annotations

from typing import Any


class SentinelError(Exception):
    """Base class of every error Sentinel raises on purpose."""


class ConfigurationError(SentinelError, ValueError):
    """The client cannot be built as configured (missing key, bad URL, insecure scheme)."""


class InvalidRequestError(SentinelError, ValueError):
    """A request parameter is invalid; raised before the request is sent."""


class SentinelAPIError(SentinelError):
    """A call failed; `status_code` is None when no HTTP response was received."""

    status_code: int | None = None

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        request_id: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.request_id = request_id
        self.body = body

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, status_code={self.status_code}, "
            f"request_id={self.request_id!r})"
        )


class BadRequestError(SentinelAPIError):
    status_code = 400


class AuthenticationError(SentinelAPIError):
    status_code = 401


class InsufficientBalanceError(SentinelAPIError):
    status_code = 402


class UnprocessableEntityError(SentinelAPIError):
    status_code = 422


class RateLimitError(SentinelAPIError):
    status_code = 429


class ServerError(SentinelAPIError):
    status_code = 500


class ServiceUnavailableError(SentinelAPIError):
    status_code = 503


class APITimeoutError(SentinelAPIError):
    """No response within the configured connect/read/total timeout."""


class APIConnectionError(SentinelAPIError):
    """Could not connect, or the connection dropped (including a truncated stream)."""


class CircuitOpenError(SentinelAPIError):
    """The circuit breaker is open after repeated 500s; failing fast without a request."""


_BY_STATUS: dict[int, type[SentinelAPIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientBalanceError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    500: ServerError,
    503: ServiceUnavailableError,
}


def error_for_status(
    status_code: int, message: str, *, request_id: str | None, body: Any
) -> SentinelAPIError:
    """The error class for a status; unknown 5xx are ServerErrors, other 4xx BadRequest."""
    cls = _BY_STATUS.get(status_code)
    if cls is None:
        cls = ServerError if status_code >= 500 else BadRequestError
    return cls(message, status_code=status_code, request_id=request_id, body=body)


class ContentBlockedError(SentinelAPIError):
    """The safety filter refused a prompt before it was sent (`direction` "input") or
    cut an answer (`direction` "output") because it holds a term of a `block` category.
    Names the categories, never the matched text."""

    status_code = 400

    def __init__(
        self, categories: list[str], direction: str, *, request_id: str | None = None
    ) -> None:
        where = "prompt" if direction == "input" else "answer"
        message = (
            f"{where} blocked by the content safety filter (category: {', '.join(categories)})"
        )
        body = {
            "error": {
                "message": message,
                "type": "invalid_request_error",
                "param": None,
                "code": "content_blocked",
            }
        }
        super().__init__(message, request_id=request_id, body=body)
        self.categories = categories
        self.direction = direction


class BudgetExceededError(SentinelAPIError):
    """The hard budget (`sentinel budgets set`) of the call's app or proxy token is
    spent for the current period; raised before anything is sent. `retry_after` is the
    seconds until the period ends (what the proxy sends as Retry-After with its 429)."""

    status_code = 429

    def __init__(
        self,
        app: str,
        spent: float,
        limit: float,
        currency: str,
        per: str,
        retry_after: float,
        *,
        request_id: str | None = None,
        token: str | None = None,
    ) -> None:
        owner = f"proxy token {token!r}" if token else f"app {app!r}"
        message = (
            f"budget of {owner} exhausted: {spent:.2f} of {limit:.2f} {currency} spent "
            f"this {per}; calls resume when the period ends in {retry_after:.0f}s"
        )
        body = {"error": {"message": message, "type": "budget_exceeded", "param": None,
                          "code": "budget_exceeded"}}  # fmt: skip
        super().__init__(message, request_id=request_id, body=body)
        self.app = app
        self.token = token  # the proxy token's id when its budget is the one spent
        self.spent = spent
        self.limit = limit
        self.currency = currency
        self.retry_after = retry_after
