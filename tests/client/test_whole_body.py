"""A call that does not stream goes through `send_whole` of our transports: head and
body in wire form in, the whole answer out (`sentinel.client.http1_wire.Answer`, no
httpx Request or Response), the connection back in the pool before it returns, coded
bodies still httpx's to decode, and a body cut short or late failing with the same
httpx errors as when it is read as a stream. Both transports, against a real loopback
server; the client-level behaviour (timeouts, failover, errors) is in
test_total_timeout.py, test_timeout_messages.py and test_call_attempts.py, which go
through it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from http1_servers import BODY, MSG, Server
from loopback import http_server

from sentinel.client.ahttp1 import AsyncHTTP1Transport
from sentinel.client.http1 import HTTP1Transport, origin_of
from sentinel.client.http1_wire import Answer, WireBody, request_head
from sentinel.client.tls import ssl_context
from sentinel.errors import InsufficientBalanceError
from sentinel.testing import Fault


@pytest.fixture
def server() -> Iterator[str]:
    Server.peers = []
    with http_server(Server) as url:
        yield url


def timeouts(read: float = 5.0) -> dict[str, float | None]:
    return {"connect": 5.0, "read": read, "write": 5.0, "pool": 0.5}


def whole(url: str, *, read: float = 5.0) -> tuple[Any, ...]:
    """send_whole's arguments for a POST of `{}` to `url`."""
    u = httpx.URL(url)
    headers = [(b"host", u.netloc), (b"content-length", b"2")]
    return origin_of(u), request_head("POST", u.raw_path, headers), b"{}", timeouts(read)


def request(url: str) -> httpx.Request:
    return httpx.Request(
        "POST",
        url,
        stream=WireBody(b"{}"),
        headers={"content-length": "2"},
        extensions={"timeout": timeouts()},
    )


class Sync:
    def __init__(self) -> None:
        self.t = HTTP1Transport(verify=ssl_context(), limits=httpx.Limits(max_connections=1))

    def send(self, args: tuple[Any, ...]) -> Answer | httpx.Response:
        return self.t.send_whole(*args)

    def stream(self, req: httpx.Request) -> httpx.Response:
        return self.t.handle_request(req)

    def close(self) -> None:
        self.t.close()


class Async:
    def __init__(self) -> None:
        self.t = AsyncHTTP1Transport(verify=ssl_context(), limits=httpx.Limits(max_connections=1))
        self.loop = asyncio.new_event_loop()

    def send(self, args: tuple[Any, ...]) -> Answer | httpx.Response:
        return self.loop.run_until_complete(self.t.send_whole(*args))

    def stream(self, req: httpx.Request) -> httpx.Response:
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
    first = wire.send(whole(server + "/"))
    # one connection at most, the first answer never closed: the second could not get
    # a connection (PoolTimeout after 0.5 s) unless the first was handed back
    second = wire.send(whole(server + "/"))
    for answer in (first, second):
        assert type(answer) is Answer and answer.status_code == 200
        assert answer.content == BODY and answer.read() == BODY
        assert answer.headers.get("Content-Type") == "application/json"
        assert answer.headers.get("retry-after") is None
    assert len(Server.peers) == 2 and len(set(Server.peers)) == 1  # kept alive, reused


def test_a_request_through_httpx_is_still_a_stream(wire: Any, server: str) -> None:
    response = wire.stream(request(server + "/"))
    assert isinstance(response, httpx.Response)
    if isinstance(wire, Sync):
        assert response.read() == BODY
        response.close()
    else:
        assert wire.loop.run_until_complete(response.aread()) == BODY
        wire.loop.run_until_complete(response.aclose())


def test_a_coded_body_is_decoded_by_httpx(wire: Any, server: str) -> None:
    response = wire.send(whole(server + "/gzip"))
    assert isinstance(response, httpx.Response)  # httpx's decoders, from memory
    assert response.headers["content-encoding"] == "gzip"
    assert json.loads(response.read()) == {"ok": True} == json.loads(response.content)


def test_a_chunked_body_is_read_to_its_end(wire: Any, server: str) -> None:
    answer = wire.send(whole(server + "/chunked"))
    assert answer.content == b"data: 1\n\ndata: 2\n\n"
    assert wire.send(whole(server + "/")).content == BODY  # the one connection is free


@pytest.mark.parametrize("path", ["/cut", "/chunked-cut"])
def test_a_body_cut_short_fails_and_gives_the_connection_back(
    wire: Any, server: str, path: str
) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        wire.send(whole(server + path))
    assert wire.send(whole(server + "/")).content == BODY  # its pool slot is free again


def test_a_body_that_stops_coming_is_a_read_timeout(wire: Any, server: str) -> None:
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        wire.send(whole(server + "/slow", read=0.2))
    assert time.monotonic() - started < 0.9  # the server's 1 s was not waited out
    assert wire.send(whole(server + "/")).content == BODY


# -- through the clients, against FakeDeepSeek ---------------------------------------


def _spy(monkeypatch: pytest.MonkeyPatch, cls: type, names: tuple[str, ...]) -> list[str]:
    used: list[str] = []
    for name in names:
        real = getattr(cls, name)

        def spy(self: Any, *args: Any, _real: Any = real, _name: str = name) -> Any:
            used.append(_name)
            return _real(self, *args)

        monkeypatch.setattr(cls, name, spy)
    return used


def test_sync_calls_use_send_whole_and_streams_httpx(harness: Any, monkeypatch: Any) -> None:
    used = _spy(monkeypatch, HTTP1Transport, ("send_whole", "handle_request"))
    client = harness.client()
    assert client.chat.completions.create(model="deepseek-v4-flash", messages=MSG).content
    with client.chat.completions.create(model="deepseek-v4-flash", messages=MSG, stream=True) as s:
        assert "".join(c.choices[0].delta.content or "" for c in s if c.choices)
    assert used == ["send_whole", "handle_request"]
    harness.assert_one_each(2)


def test_async_calls_use_send_whole_and_streams_httpx(harness: Any, monkeypatch: Any) -> None:
    used: list[str] = []
    for name in ("send_whole", "handle_async_request"):
        real = getattr(AsyncHTTP1Transport, name)

        async def spy(self: Any, *args: Any, _real: Any = real, _name: str = name) -> Any:
            used.append(_name)
            return await _real(self, *args)

        monkeypatch.setattr(AsyncHTTP1Transport, name, spy)

    async def run() -> None:
        client = harness.aclient()
        answer = await client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
        assert answer.content
        stream = await client.chat.completions.create(
            model="deepseek-v4-flash", messages=MSG, stream=True
        )
        assert "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        await client.aclose()

    asyncio.run(run())
    assert used == ["send_whole", "handle_async_request"]
    harness.assert_one_each(2)


@pytest.mark.parametrize("side", ["sync", "async"])
def test_an_error_answer_keeps_its_status_message_and_retry_after(harness: Any, side: str) -> None:
    harness.fake.script(
        Fault.rate_limited(retry_after=5), 200, Fault.error(402, message="Insufficient Balance")
    )
    if side == "sync":
        client = harness.client()
        assert client.chat.completions.create(model="deepseek-v4-flash", messages=MSG).content
        with pytest.raises(InsufficientBalanceError, match="Insufficient Balance"):
            client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    else:

        async def run() -> None:
            client = harness.aclient()
            answer = await client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
            assert answer.content
            with pytest.raises(InsufficientBalanceError, match="Insufficient Balance"):
                await client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
            await client.aclose()

        asyncio.run(run())
    assert harness.clock.sleeps == [5.0]  # the 429's Retry-After, read off the Answer
    harness.assert_one_each(2)
