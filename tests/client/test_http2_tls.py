"""https for real on loopback: HTTP/2 when asked (ALPN), and TLS older than 1.2 refused.

The server is a minimal h2 endpoint (the `h2` library httpx itself uses) behind a
certificate made for this test; the client trusts it through SSL_CERT_FILE, which the
system trust store Sentinel's TLS context loads honours.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import ssl
from pathlib import Path

import h2.config
import h2.connection
import h2.events
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sentinel.errors import APIConnectionError

MSG = [{"role": "user", "content": "hello"}]
COMPLETION = {
    "id": "chatcmpl-h2",
    "object": "chat.completion",
    "model": "deepseek-v4-flash",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "over h2"}}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
}


def _certificate(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class H2Server:
    """Answers every request with COMPLETION over HTTP/2 and records the request."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], dict]] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        )
        conn.initiate_connection()
        writer.write(conn.data_to_send())
        pending: dict[int, tuple[dict[str, str], bytes]] = {}
        try:
            while data := await reader.read(65536):
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        pending[event.stream_id] = (dict(event.headers), b"")
                    elif isinstance(event, h2.events.DataReceived):
                        headers, body = pending[event.stream_id]
                        pending[event.stream_id] = (headers, body + event.data)
                        conn.acknowledge_received_data(
                            event.flow_controlled_length, event.stream_id
                        )
                    elif isinstance(event, h2.events.StreamEnded):
                        headers, body = pending.pop(event.stream_id)
                        self.requests.append((headers, json.loads(body)))
                        payload = json.dumps(COMPLETION).encode()
                        conn.send_headers(
                            event.stream_id,
                            [
                                (":status", "200"),
                                ("content-type", "application/json"),
                                ("content-length", str(len(payload))),
                            ],
                        )
                        conn.send_data(event.stream_id, payload, end_stream=True)
                writer.write(conn.data_to_send())
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()


async def _start(tmp_path, monkeypatch, *, max_tls=None):
    cert, key = _certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["h2"])
    if max_tls is not None:
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        ctx.maximum_version = max_tls
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    h2_server = H2Server()
    server = await asyncio.start_server(h2_server.serve, "127.0.0.1", 0, ssl=ctx)
    port = server.sockets[0].getsockname()[1]
    return h2_server, server, f"https://localhost:{port}"


async def test_http2_over_tls_when_enabled(harness, tmp_path, monkeypatch):
    h2_server, server, url = await _start(tmp_path, monkeypatch)
    async with server:
        client = harness.aclient(base_url=url, http2=True)
        resp = await client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
        await client.aclose()
    assert resp.content == "over h2"
    ((headers, body),) = h2_server.requests
    assert headers[":method"] == "POST" and headers[":path"] == "/chat/completions"
    assert headers["authorization"] == f"Bearer {harness.fake.api_key}"
    assert body["messages"] == MSG
    harness.assert_one_each(1)


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated")
async def test_tls_below_1_2_is_refused(harness, tmp_path, monkeypatch):
    h2_server, server, url = await _start(tmp_path, monkeypatch, max_tls=ssl.TLSVersion.TLSv1_1)
    async with server:
        # control: the server does complete TLS 1.1 handshakes with a permissive client
        permissive = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
        permissive.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        permissive.set_ciphers("ALL:@SECLEVEL=0")
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=permissive, server_hostname="localhost"
        )
        assert writer.get_extra_info("ssl_object").version() == "TLSv1.1"
        writer.close()
        client = harness.aclient(base_url=url, http2=True)
        with pytest.raises(APIConnectionError):
            await client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
        await client.aclose()
    assert h2_server.requests == []
    harness.assert_one_each(1)
