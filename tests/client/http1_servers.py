"""Loopback servers for the HTTP/1.1 transport tests (sentinel.client.http1 and
sentinel.client.ahttp1): one handler whose behaviour the request path picks, and an
https server with a chosen TLS ceiling answering one chat completion."""

from __future__ import annotations

import gzip
import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from loopback import QuietHandler
from test_http2_tls import _certificate

BODY = json.dumps({"ok": True}).encode()
MSG = [{"role": "user", "content": "hello"}]


class Server(QuietHandler):
    """Behaviour chosen by the request path; remembers the client port per request."""

    protocol_version = "HTTP/1.1"
    peers: ClassVar[list[int]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).peers.append(self.client_address[1])
        path = self.path
        if path == "/slow":
            time.sleep(1.0)
        if path in ("/chunked", "/chunked-cut"):
            self._chunked((b"data: 1\n\n", b"data: 2\n\n"), end=path == "/chunked")
            return
        if path == "/chat/completions":  # a stream whose body stays open after [DONE]
            event = b'data: {"id":"c1","model":"deepseek-v4-flash","choices":[{"index":0,'
            event += b'"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
            self._chunked((event,), end=True, linger=3.0)
            return
        if path == "/early-hints":
            self.send_response_only(103)
            self.send_header("Link", "</style.css>; rel=preload")
            self.end_headers()
        body, headers = BODY, {"Content-Type": "application/json"}
        if path == "/gzip":
            body, headers["Content-Encoding"] = gzip.compress(BODY), "gzip"
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        declared = len(body) + 10 if path == "/cut" else len(body)
        self.send_header("Content-Length", str(declared))
        if path == "/close-header":
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        if path in ("/cut", "/close-quietly"):
            self.close_connection = True  # /close-quietly: an idle-timeout close, unannounced

    def _chunked(self, parts: tuple[bytes, ...], *, end: bool, linger: float = 0.0) -> None:
        """Chunked body, a piece at a time; without `end` the last chunk never comes."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for part in parts:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.flush()
            time.sleep(0.05)
        if not end:
            self.close_connection = True
            return
        time.sleep(linger)
        self.wfile.write(b"0\r\n\r\n")


class TLSServer:
    """https on loopback answering COMPLETION; `max_tls` caps the protocol version."""

    def __init__(self, cert: Path, key: Path, max_tls: ssl.TLSVersion | None) -> None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        if max_tls is not None:
            ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            ctx.maximum_version = max_tls
            ctx.set_ciphers("ALL:@SECLEVEL=0")
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Completion)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"https://localhost:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def tls_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, max_tls: ssl.TLSVersion | None
) -> Iterator[str]:
    """A TLSServer with a certificate made for it, trusted by the client through
    SSL_CERT_FILE (which Sentinel's TLS context honours); yields its URL."""
    cert, key = _certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    server = TLSServer(cert, key, max_tls)
    try:
        yield server.url
    finally:
        server.close()


class _Completion(QuietHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = json.dumps(
            {
                "id": "chatcmpl-tls",
                "object": "chat.completion",
                "model": "deepseek-v4-flash",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "tls"}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
