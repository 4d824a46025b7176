"""The sync transport's own response-head parser (sentinel.client.http1_wire) against
http.client's: the same status, framing (chunked, length, close) and headers for the
responses an upstream or a proxy in between may send, and http.client's limits; and the
request head's header checks, which remember the pairs that passed."""

from __future__ import annotations

import http.client
import io

import pytest

from sentinel.client import http1_wire
from sentinel.client.http1_wire import Response, request_head

RESPONSES = [
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\n\r\n{}",  # no length: read to the close
    b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.0 200 OK\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\nX-A: 1\r\n\r\nHTTP/1.1 429 Too Many\r\nRetry-After: 2\r\n"
    b"Content-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: -1\r\n\r\n",
    b"HTTP/1.1 503 Service Unavailable\r\nX-Folded: one\r\n two\r\nContent-Length: 0\r\n\r\n",
]


class _Sock:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(io.BytesIO(self.data))  # type: ignore[arg-type]


def _parsed(cls: type[http.client.HTTPResponse], data: bytes) -> tuple[object, ...]:
    r = cls(_Sock(data), method="POST")  # type: ignore[arg-type]
    r.begin()
    return (
        r.status, r.reason, r.version, r.chunked, r.length, r.will_close,
        [(k.lower(), " ".join(v.split())) for k, v in r.getheaders()],
        r.getheader("content-length"), r.getheader("set-cookie"), r.read(),
    )  # fmt: skip


@pytest.mark.parametrize("data", RESPONSES)
def test_same_head_as_http_client(data: bytes) -> None:
    assert _parsed(Response, data) == _parsed(http.client.HTTPResponse, data)


def test_http_clients_limits_hold() -> None:
    many = b"HTTP/1.1 200 OK\r\n" + b"X-A: 1\r\n" * 101 + b"\r\n"
    with pytest.raises(http.client.HTTPException, match="more than 100 headers"):
        Response(_Sock(many), method="POST").begin()  # type: ignore[arg-type]
    long = b"HTTP/1.1 200 OK\r\nX-A: " + b"a" * 70000 + b"\r\n\r\n"
    with pytest.raises(http.client.LineTooLong):
        Response(_Sock(long), method="POST").begin()  # type: ignore[arg-type]
    with pytest.raises(http.client.UnknownProtocol):
        Response(_Sock(b"HTTP/2.0 200 OK\r\n\r\n"), method="POST").begin()  # type: ignore[arg-type]


BAD = [
    (b"x-a", b"1\r\nx-injected: 1"), (b"x-a", b"1\n2"), (b"x-a", b"1\x002"),
    (b"x a", b"1"), (b"x:a", b"1"), (b"", b"1"), (b"x-\xe9", b"1"),
]  # fmt: skip


@pytest.mark.parametrize("bad", BAD, ids=repr)
def test_a_bad_header_is_refused_every_time_however_many_good_ones_passed(
    bad: tuple[bytes, bytes],
) -> None:
    good = [(b"accept", b"application/json"), (b"x-request-id", b"ab12")]
    assert request_head("POST", b"/p", good) == (
        b"POST /p HTTP/1.1\r\naccept: application/json\r\nx-request-id: ab12\r\n\r\n"
    )
    for _ in range(2):
        with pytest.raises(ValueError, match="invalid header"):
            request_head("POST", b"/p", [*good, bad])
    assert bad not in http1_wire._CHECKED


def test_the_remembered_pairs_stay_bounded() -> None:
    for i in range(3 * http1_wire._CHECKED_MAX):
        request_head("POST", b"/", [(b"x-request-id", b"%032x" % i)])
    assert len(http1_wire._CHECKED) <= http1_wire._CHECKED_MAX
