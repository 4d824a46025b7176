"""Raw-socket probes for the attack suite: what a hostile client on the same host sends,
byte by byte, without an HTTP library smoothing anything over."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

READ_LIMIT = 1 << 16


def connect(url: str, timeout: float = 10.0) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def status_of(answer: bytes) -> int | None:
    """The status code of an HTTP/1.1 answer, None for no answer (closed)."""
    if not answer.startswith(b"HTTP/1."):
        return None
    return int(answer.split(b" ", 2)[1])


def read_answer(sock: socket.socket, timeout: float = 10.0) -> bytes:
    """Whatever the server sends until it closes (or `timeout`)."""
    sock.settimeout(timeout)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(READ_LIMIT)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def request(url: str, raw: bytes, timeout: float = 10.0) -> bytes:
    """Send `raw` on a fresh connection and read the answer until the server closes."""
    with connect(url, timeout) as sock:
        sock.sendall(raw)
        return read_answer(sock, timeout)


def flood(sock: socket.socket, total: int, chunk: bytes) -> int:
    """Send up to `total` bytes of `chunk` repeated; stop when the server hangs up.
    Returns how many bytes the kernel accepted."""
    sent = 0
    sock.settimeout(5)
    try:
        while sent < total:
            sent += sock.send(chunk)
    except OSError:  # reset, broken pipe or a full window the server stopped reading
        pass
    return sent


def rss_bytes() -> int:
    """Resident set size of this process (the servers run in its threads)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")
