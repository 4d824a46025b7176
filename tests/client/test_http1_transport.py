"""The stdlib HTTP/1.1 transport the sync client's chat calls use (sentinel.client.http1),
against real loopback servers: keep-alive reuse, servers that close idle connections,
bodies cut short (sized and chunked), gzip, timeouts and the pool bound mapped to
httpx's exceptions (which the client's failover logic keys on), and TLS 1.2 minimum
over https through the client itself."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from http1_servers import MSG, Server, tls_server
from loopback import free_port, http_server

from sentinel.client.http1 import HTTP1Transport
from sentinel.client.tls import ssl_context
from sentinel.errors import APIConnectionError


@pytest.fixture
def server() -> Iterator[str]:
    Server.peers = []
    with http_server(Server) as url:
        yield url


def transport(**limits: Any) -> HTTP1Transport:
    return HTTP1Transport(verify=ssl_context(), limits=httpx.Limits(**limits))


def post(client: httpx.Client, path: str, **kwargs: Any) -> httpx.Response:
    return client.post(path, content=b"{}", **kwargs)


def test_sequential_requests_share_one_kept_alive_connection(server: str) -> None:
    with httpx.Client(base_url=server, transport=transport()) as client:
        for _ in range(20):
            assert post(client, "/").json() == {"ok": True}
    assert len(Server.peers) == 20 and len(set(Server.peers)) == 1


@pytest.mark.parametrize("path", ["/close-header", "/close-quietly"])
def test_connections_the_server_closes_are_replaced_without_errors(server: str, path: str) -> None:
    with httpx.Client(base_url=server, transport=transport()) as client:
        for _ in range(5):
            assert post(client, path).json() == {"ok": True}
            time.sleep(0.02)  # let the quiet close land before the next request
    assert len(set(Server.peers)) == 5


def test_idle_connections_expire(server: str) -> None:
    with httpx.Client(base_url=server, transport=transport(keepalive_expiry=0.1)) as client:
        post(client, "/")
        post(client, "/")
        time.sleep(0.25)
        post(client, "/")
    assert Server.peers[0] == Server.peers[1] != Server.peers[2]


@pytest.mark.parametrize("path", ["/cut", "/chunked-cut"])
def test_a_body_cut_short_is_a_protocol_error(server: str, path: str) -> None:
    with httpx.Client(base_url=server, transport=transport()) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            post(client, path).read()
        assert post(client, "/").json() == {"ok": True}  # the pool is not poisoned


def test_gzip_bodies_are_decoded_by_httpx(server: str) -> None:
    with httpx.Client(base_url=server, transport=transport()) as client:
        assert post(client, "/gzip").json() == {"ok": True}


def test_read_timeout_and_refused_connect_raise_httpx_errors(server: str) -> None:
    with httpx.Client(base_url=server, transport=transport()) as client:
        with pytest.raises(httpx.ReadTimeout):
            post(client, "/slow", timeout=httpx.Timeout(0.2))
        assert post(client, "/").json() == {"ok": True}
    with httpx.Client(transport=transport()) as client, pytest.raises(httpx.ConnectError):
        post(client, f"http://127.0.0.1:{free_port()}/")


def test_the_pool_bound_waits_then_raises_pool_timeout(server: str) -> None:
    with httpx.Client(base_url=server, transport=transport(max_connections=1)) as client:
        held = client.send(client.build_request("POST", "/", content=b"{}"), stream=True)
        with pytest.raises(httpx.PoolTimeout):
            post(client, "/", timeout=httpx.Timeout(5.0, pool=0.2))
        threading.Timer(0.2, held.close).start()  # freed while the next one waits
        assert post(client, "/", timeout=httpx.Timeout(5.0, pool=5.0)).json() == {"ok": True}


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated")
@pytest.mark.parametrize("max_tls", [None, ssl.TLSVersion.TLSv1_1])
def test_sync_client_https_needs_tls_1_2(
    harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, max_tls: Any
) -> None:
    with tls_server(tmp_path, monkeypatch, max_tls) as url:
        client = harness.client(base_url=url)
        assert isinstance(client._chat[0], HTTP1Transport)
        if max_tls is None:
            completion = client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
            assert completion.content == "tls"
        else:
            with pytest.raises(APIConnectionError):
                client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    harness.assert_one_each(1)


def test_a_stream_whose_body_stays_open_after_done_ends_at_once(harness: Any, server: str) -> None:
    """The client reads a finished stream's tail for reuse, but only briefly."""
    client = harness.client(base_url=server)
    started = time.monotonic()
    with client.chat.completions.create(model="deepseek-v4-flash", messages=MSG, stream=True) as s:
        assert "".join(c.choices[0].delta.content or "" for c in s) == "hi"
    assert time.monotonic() - started < 1.5  # not the server's 3 s
    harness.assert_one_each(1)


def test_chunked_bodies_stream_piece_by_piece(server: str) -> None:
    with httpx.Client(base_url=server, transport=transport()) as client:
        with client.stream("POST", "/chunked", content=b"{}") as resp:
            lines = [line for line in resp.iter_lines() if line]
        assert lines == ["data: 1", "data: 2"]
        assert post(client, "/").json() == {"ok": True}
    assert len(set(Server.peers)) == 1  # read to the end: the connection was reused


def test_request_head_and_body_leave_in_one_write_and_header_injection_is_refused(
    server: str,
) -> None:
    """The head is built by the transport itself (one `sendall` with the body), so it
    must refuse what http.client's putheader refused: a value carrying CR/LF would
    smuggle a second header (or request) onto the wire."""
    sent: list[bytes] = []
    with httpx.Client(base_url=server, transport=transport()) as client:
        assert post(client, "/").json() == {"ok": True}
        conn = client._transport._idle[next(iter(client._transport._idle))][0].conn  # type: ignore[attr-defined]
        real = conn.sock.sendall
        conn.sock = _Recording(conn.sock, sent, real)
        assert post(client, "/", headers={"x-note": "fine"}).json() == {"ok": True}
        assert len(sent) == 1 and sent[0].startswith(b"POST / HTTP/1.1\r\n")
        assert b"\r\nx-note: fine\r\n" in sent[0] and sent[0].endswith(b"\r\n\r\n{}")
        with pytest.raises(ValueError, match="invalid header"):
            post(client, "/", headers={"x-note": "a\r\nx-injected: 1"})
        assert len(sent) == 1  # nothing of the refused request went out
        assert post(client, "/").json() == {"ok": True}  # and the pool still works


class _Recording:
    """A socket whose sendall calls are recorded (everything else passes through)."""

    def __init__(self, sock: Any, sent: list[bytes], real: Any) -> None:
        self._sock, self._sent, self._real = sock, sent, real

    def sendall(self, data: bytes) -> None:
        self._sent.append(bytes(data))
        self._real(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)
