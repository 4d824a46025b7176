"""Loopback helpers shared by every area's tests: a free port, polling for a condition,
a uvicorn server in a thread, and a stdlib HTTP server in a thread for hand-written
stand-ins. (Importable as `loopback`: pytest puts tests/ on sys.path for the root
conftest.)"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import uvicorn


def free_port() -> int:
    """A loopback port that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(cond: Callable[[], Any], timeout: float, step: float = 0.05) -> Any:
    """cond()'s first truthy value within timeout, else its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(step)
    return cond()


def serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    """Run an ASGI app on a free loopback port in a thread; returns (server, thread, url)
    once it accepts connections. Stop it with `server.should_exit = True`."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


class QuietHandler(BaseHTTPRequestHandler):
    """Base for stand-in handlers: no access-log line on stderr per request."""

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on a free loopback port in a thread; yields the base URL
    (http://127.0.0.1:PORT) and stops the server, closing its socket, on exit."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class KeepAliveForever(QuietHandler):
    """An upstream that answers every POST at once and then only sends `: keep-alive`
    every 0.2 s (DeepSeek's sign of life for a queued request), until the client hangs
    up (or 60 s pass): a call to it can only end by the client's total timeout."""

    protocol_version = "HTTP/1.1"
    silent_after: float | None = None  # seconds of keep-alives, then silence (None: never)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")  # no length: the body ends with the connection
        self.end_headers()
        start = time.monotonic()
        deadline = start + 60
        try:
            while time.monotonic() < deadline:
                quiet = (
                    self.silent_after is not None and time.monotonic() - start > self.silent_after
                )
                if not quiet:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                time.sleep(0.2)
        except OSError:  # the client went away
            pass
        self.close_connection = True
