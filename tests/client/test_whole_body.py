"""A call that does not stream has its answer read by the transport itself (the
`WHOLE_BODY` request extension, `sentinel.client.http1_wire.read_whole`): the body is in
the response before `handle_request` returns, the connection is back in the pool by
then, coded bodies are still httpx's to decode, and a body cut short or late fails
with the same httpx errors as when it is read as a stream. Both transports, against a
real loopback server; the client-level behaviour (timeouts, failover) is in
test_total_timeout.py, test_timeout_messages.py and test_call_attempts.py."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from http1_servers import BODY, Server
from loopback import http_server

from sentinel.client.ahttp1 import AsyncHTTP1Transport
from sentinel.client.http1 import HTTP1Transport
from sentinel.client.http1_wire import WHOLE_BODY, WireBody
from sentinel.client.tls import ssl_context


@pytest.fixture
def server() -> Iterator[str]:
    Server.peers = []
    with http_server(Server) as url:
        yield url


def request(url: str, *, whole: bool = True, read: float = 5.0) -> httpx.Request:
    timeout = {"connect": 5.0, "read": read, "write": 5.0, "pool": 0.5}
    extensions: dict[str, Any] = {"timeout": timeout}
    if whole:
        extensions[WHOLE_BODY] = True
    return httpx.Request(
        "POST", url, stream=WireBody(b"{}"), headers={"content-length": "2"}, extensions=extensions
    )


class Sync:
    def __init__(self) -> None:
        self.t = HTTP1Transport(verify=ssl_context(), limits=httpx.Limits(max_connections=1))

    def send(self, req: httpx.Request) -> httpx.Response:
        return self.t.handle_request(req)

    def close(self) -> None:
        self.t.close()


class Async:
    def __init__(self) -> None:
        self.t = AsyncHTTP1Transport(verify=ssl_context(), limits=httpx.Limits(max_connections=1))
        self.loop = asyncio.new_event_loop()

    def send(self, req: httpx.Request) -> httpx.Response:
        return self.loop.run_until_complete(self.t.handle_async_request(req))

    def close(self) -> None:
        self.loop.run_until_complete(self.t.aclose())
        self.loop.close()


@pytest.fixture(params=[Sync, Async], ids=["sync", "async"])
def wire(request: pytest.FixtureRequest) -> Iterator[Any]:
    w = request.param()
    yield w
    w.close()


def test_the_body_is_read_and_the_connection_free_before_the_response_returns(
    wire: Any, server: str
) -> None:
    first = wire.send(request(server + "/"))
    # one connection at most, the first response never closed: the second could not
    # get a connection (PoolTimeout after 0.5 s) unless the first was handed back
    second = wire.send(request(server + "/"))
    for response in (first, second):
        assert type(response.stream) is httpx.ByteStream
        assert response.content == BODY and response.read() == BODY
        assert response.json() == {"ok": True}
    assert len(Server.peers) == 2 and len(set(Server.peers)) == 1  # kept alive, reused


def test_without_the_extension_the_body_is_still_a_stream(wire: Any, server: str) -> None:
    response = wire.send(request(server + "/", whole=False))
    assert type(response.stream) is not httpx.ByteStream
    if isinstance(wire, Sync):
        assert response.read() == BODY
        response.close()
    else:
        assert wire.loop.run_until_complete(response.aread()) == BODY
        wire.loop.run_until_complete(response.aclose())


def test_a_coded_body_is_decoded_by_httpx(wire: Any, server: str) -> None:
    response = wire.send(request(server + "/gzip"))
    assert response.headers["content-encoding"] == "gzip"
    assert json.loads(response.read()) == {"ok": True}


def test_a_chunked_body_is_read_to_its_end(wire: Any, server: str) -> None:
    response = wire.send(request(server + "/chunked"))
    assert response.content == b"data: 1\n\ndata: 2\n\n"
    assert wire.send(request(server + "/")).content == BODY  # the one connection is free


@pytest.mark.parametrize("path", ["/cut", "/chunked-cut"])
def test_a_body_cut_short_fails_and_gives_the_connection_back(
    wire: Any, server: str, path: str
) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        wire.send(request(server + path))
    assert wire.send(request(server + "/")).content == BODY  # its pool slot is free again


def test_a_body_that_stops_coming_is_a_read_timeout(wire: Any, server: str) -> None:
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        wire.send(request(server + "/slow", read=0.2))
    assert time.monotonic() - started < 0.9  # the server's 1 s was not waited out
    assert wire.send(request(server + "/")).content == BODY
