"""Loopback helpers shared by every area's tests: a free port, polling for a condition,
and a uvicorn server in a thread. (Importable as `loopback`: pytest puts tests/ on
sys.path for the root conftest.)"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
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
