"""FakeDeepSeek's HTTP/1.1 wire over h11: reading one request, writing one JSON answer
(whole, or cut in half for `Fault.error(cut_body=True)`), DeepSeek's error shape."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11

_REASONS = {
    200: b"OK",
    400: b"Bad Request",
    401: b"Unauthorized",
    402: b"Payment Required",
    404: b"Not Found",
    422: b"Unprocessable Entity",
    429: b"Too Many Requests",
    500: b"Internal Server Error",
    503: b"Service Unavailable",
}
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "insufficient_balance",
    422: "invalid_request_error",
    429: "rate_limit_error",
    500: "server_error",
    503: "server_overloaded",
}


def error_body(status: int, message: str) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": _ERROR_TYPES.get(status, "error"),
            "code": status,
        }
    }


async def read_request(
    conn: h11.Connection, reader: asyncio.StreamReader
) -> tuple[h11.Request | None, bytes]:
    """The next request and its body; (None, b"") when the client closed instead."""
    request: h11.Request | None = None
    body = bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await reader.read(65536))
        elif isinstance(event, h11.Request):
            request = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            return request, bytes(body)
        else:  # ConnectionClosed
            return None, b""


async def send_json(
    conn: h11.Connection,
    writer: asyncio.StreamWriter,
    status: int,
    payload: Any,
    date: str,
    extra: dict[str, str] | None = None,
    cut: bool = False,
) -> None:
    """`cut`: send half the body, then drop the connection (Fault.error(cut_body=))."""
    data = json.dumps(payload).encode()
    headers = [
        ("content-type", "application/json"),
        ("content-length", str(len(data))),
        ("date", date),
    ]
    headers += list((extra or {}).items())
    reason = _REASONS.get(status, b"Error")
    writer.write(conn.send(h11.Response(status_code=status, headers=headers, reason=reason)))
    if cut:
        writer.write(conn.send(h11.Data(data=data[: len(data) // 2])))
        await writer.drain()
        writer.transport.abort()
        return
    writer.write(conn.send(h11.Data(data=data)))
    writer.write(conn.send(h11.EndOfMessage()))
    await writer.drain()
