"""What an upstream's answer means, apart from any client: the error an HTTP status and
body map to (DeepSeek's own message, scrubbed of credentials), a GET's JSON, a model
list. Shared by both clients and their attempt loop."""

from __future__ import annotations

import json
from typing import Any

from sentinel.client.types import Balance, Model
from sentinel.errors import SentinelAPIError, error_for_status
from sentinel.scrub import scrub_text, scrub_value


def get_result(span: Any, status: int, content: bytes, token: str) -> dict[str, Any]:
    """The JSON of a GET's answer, or the error it maps to (recorded on the span)."""
    span.set_attribute("http.response.status_code", status)
    if status != 200:
        error = api_error(status, content, "", (token,))
        span.set_attribute("error.type", type(error).__name__)
        raise error
    try:
        data = scrub_value(json.loads(content), (token,))
    except ValueError:
        raise SentinelAPIError("upstream answer is not JSON", status_code=status) from None
    return data if isinstance(data, dict) else {}


def api_error(
    status: int, content: bytes, request_id: str, secrets: tuple[str | None, ...] = ()
) -> SentinelAPIError:
    """The server's own message, so "Insufficient Balance" reaches the developer as is,
    scrubbed of `secrets` (the credential just sent) and of anything key-shaped: an
    upstream that echoes the request must not leak it into errors, logs and spans."""
    content = scrub_text(content.decode("utf-8", "replace"), secrets).encode()
    body: Any = None
    message = f"HTTP {status}"
    try:
        body = json.loads(content) if content else None
    except ValueError:
        body = content[:500].decode("utf-8", "replace")
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and err.get("message"):
            message = f"HTTP {status}: {err['message']}"
        elif isinstance(err, str):
            message = f"HTTP {status}: {err}"
    elif isinstance(body, str) and body:
        message = f"HTTP {status}: {body}"
    return error_for_status(status, message, request_id=request_id, body=body)


def models_in(data: dict[str, Any]) -> list[Model]:
    """The models of an upstream `/models` answer (already scrubbed by get_result: the
    proxy relays them and `doctor` prints them). A body that is not a model list is an
    upstream error, never an exception of ours (a 500 at the proxy)."""
    try:
        listed = data["data"]
        if not isinstance(listed, list):
            raise TypeError("data is not a list")
        return [Model.model_validate(m) for m in listed]
    except (KeyError, ValueError, TypeError, AttributeError):
        raise SentinelAPIError(
            "upstream /models answer is not a model list", status_code=200
        ) from None


def balance_in(data: dict[str, Any]) -> Balance:
    """The balance in an upstream `/user/balance` answer. One that does not say
    `is_available` (`[]`, `{}`, a gateway's own JSON) is an upstream error: read as "not
    available" it would make the poller fail every call fast with a 402."""
    try:
        if not isinstance(data.get("is_available"), bool):
            raise TypeError("is_available is not a boolean")
        return Balance.model_validate(data)
    except (ValueError, TypeError):
        raise SentinelAPIError(
            "upstream /user/balance answer does not say is_available", status_code=200
        ) from None
