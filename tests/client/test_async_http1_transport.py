"""The asyncio HTTP/1.1 transport the async client's chat calls use
(sentinel.client.ahttp1), against real loopback servers: keep-alive reuse, servers that
close idle connections, bodies cut short (sized and chunked), streamed chunked bodies,
gzip, timeouts and the pool bound mapped to httpx's exceptions (which the client's
failover logic keys on), one pool per event loop, and TLS 1.2 minimum over https
through the client itself."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from http1_servers import MSG, Server, tls_server
from loopback import free_port, http_server

from sentinel.client.ahttp1 import AsyncHTTP1Transport
from sentinel.client.tls import ssl_context
from sentinel.errors import APIConnectionError


@pytest.fixture
def server() -> Iterator[str]:
    Server.peers = []
    with http_server(Server) as url:
        yield url


def client(base_url: str | None = None, **limits: Any) -> httpx.AsyncClient:
    transport = AsyncHTTP1Transport(verify=ssl_context(), limits=httpx.Limits(**limits))
    return httpx.AsyncClient(base_url=base_url or "", transport=transport)


async def post(http: httpx.AsyncClient, path: str, **kwargs: Any) -> httpx.Response:
    return await http.post(path, content=b"{}", **kwargs)


async def test_sequential_requests_share_one_kept_alive_connection(server: str) -> None:
    async with client(server) as http:
        for _ in range(20):
            assert (await post(http, "/")).json() == {"ok": True}
    assert len(Server.peers) == 20 and len(set(Server.peers)) == 1


@pytest.mark.parametrize("path", ["/close-header", "/close-quietly"])
async def test_connections_the_server_closes_are_replaced_without_errors(
    server: str, path: str
) -> None:
    async with client(server) as http:
        for _ in range(5):
            assert (await post(http, path)).json() == {"ok": True}
            await asyncio.sleep(0.02)  # let the quiet close land before the next request
    assert len(set(Server.peers)) == 5


async def test_idle_connections_expire(server: str) -> None:
    async with client(server, keepalive_expiry=0.1) as http:
        await post(http, "/")
        await post(http, "/")
        await asyncio.sleep(0.25)
        await post(http, "/")
    assert Server.peers[0] == Server.peers[1] != Server.peers[2]


async def test_chunked_bodies_stream_piece_by_piece(server: str) -> None:
    async with client(server) as http:
        async with http.stream("POST", "/chunked", content=b"{}") as resp:
            lines = [line async for line in resp.aiter_lines() if line]
        assert lines == ["data: 1", "data: 2"]
        assert (await post(http, "/")).json() == {"ok": True}
    assert len(set(Server.peers)) == 1  # read to the end: the connection was reused


@pytest.mark.parametrize("path", ["/cut", "/chunked-cut"])
async def test_a_body_cut_short_is_a_protocol_error(server: str, path: str) -> None:
    async with client(server) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await post(http, path)
        assert (await post(http, "/")).json() == {"ok": True}  # the pool is not poisoned


async def test_gzip_bodies_are_decoded_by_httpx(server: str) -> None:
    async with client(server) as http:
        assert (await post(http, "/gzip")).json() == {"ok": True}


async def test_an_informational_response_is_skipped_for_the_final_one(server: str) -> None:
    async with client(server) as http:
        resp = await post(http, "/early-hints")
        assert resp.status_code == 200 and resp.json() == {"ok": True}
        assert "link" not in resp.headers
        assert (await post(http, "/")).json() == {"ok": True}
    assert len(set(Server.peers)) == 1


async def test_read_timeout_and_refused_connect_raise_httpx_errors(server: str) -> None:
    async with client(server) as http:
        with pytest.raises(httpx.ReadTimeout):
            await post(http, "/slow", timeout=httpx.Timeout(0.2))
        assert (await post(http, "/")).json() == {"ok": True}
    async with client() as http:
        with pytest.raises(httpx.ConnectError):
            await post(http, f"http://127.0.0.1:{free_port()}/")


async def test_the_pool_bound_waits_then_raises_pool_timeout(server: str) -> None:
    async with client(server, max_connections=1) as http:
        held = await http.send(http.build_request("POST", "/", content=b"{}"), stream=True)
        with pytest.raises(httpx.PoolTimeout):
            await post(http, "/", timeout=httpx.Timeout(5.0, pool=0.2))
        asyncio.get_running_loop().call_later(0.2, asyncio.ensure_future, held.aclose())
        resp = await post(http, "/", timeout=httpx.Timeout(5.0, pool=5.0))  # freed meanwhile
        assert resp.json() == {"ok": True}


def test_each_event_loop_gets_its_own_connections(server: str) -> None:
    transport = AsyncHTTP1Transport(verify=ssl_context(), limits=httpx.Limits())

    async def two_calls() -> None:
        http = httpx.AsyncClient(base_url=server, transport=transport)
        for _ in range(2):
            assert (await post(http, "/")).json() == {"ok": True}

    asyncio.run(two_calls())
    asyncio.run(two_calls())  # the first loop's connection is not reused from this one
    assert len(Server.peers) == 4 and len(set(Server.peers)) == 2


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated")
@pytest.mark.parametrize("max_tls", [None, ssl.TLSVersion.TLSv1_1])
async def test_async_client_https_needs_tls_1_2(
    harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, max_tls: Any
) -> None:
    with tls_server(tmp_path, monkeypatch, max_tls) as url:
        aclient = harness.aclient(base_url=url)
        assert isinstance(aclient._chat[0], AsyncHTTP1Transport)
        if max_tls is None:
            completion = await aclient.chat.completions.create(
                model="deepseek-v4-flash", messages=MSG
            )
            assert completion.content == "tls"
        else:
            with pytest.raises(APIConnectionError):
                await aclient.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
        await aclient.aclose()
    harness.assert_one_each(1)


async def test_a_header_value_smuggling_a_line_break_is_refused(server: str) -> None:
    """The head is built by the transport (`http1_wire.request_head`, shared with the
    sync one): a value with CR/LF would put a header of the caller's choosing on the
    wire, so it is refused before anything is sent, and the pool keeps working."""
    async with client(server, max_connections=1) as http:
        with pytest.raises(ValueError, match="invalid header"):
            await post(http, "/", headers={"x-note": "a\r\nx-injected: 1"})
        assert (await post(http, "/", headers={"x-note": "fine"})).json() == {"ok": True}
    assert len(Server.peers) == 1
