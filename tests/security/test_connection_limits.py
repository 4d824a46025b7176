"""Connection limits of every server we start (API and proxy), probed with raw sockets:
oversized headers get 431 (or a closed connection) having cost bounded memory, slow
headers and slow bodies are cut at their timeouts, idle keep-alive connections close,
concurrency beyond the limit is a 503, and an oversized body is refused before it is
sent. Each probe is bounded in connections, bytes and time."""

from __future__ import annotations

import threading
import time

import pytest
from probes import connect, flood, read_answer, request, rss_bytes, status_of
from security_support import Target

SLACK = 5.0  # a loaded 2-core machine: the 1 s timeouts must hold within this


@pytest.fixture(params=["api", "proxy"])
def target(request: pytest.FixtureRequest) -> Target:
    return request.getfixturevalue(request.param)


def _get(path: str = "/healthz") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: localhost\r\n".encode()


OK = _get() + b"Connection: close\r\n\r\n"  # /healthz (the proxy: 404), then close
OK_STATUS = {"api": 200, "proxy": 404}


def test_a_64_mb_header_is_refused_with_431_and_bounded_memory(target: Target) -> None:
    before = rss_bytes()
    with connect(target.url) as sock:
        sock.sendall(_get() + b"X-Big: ")
        sent = flood(sock, 64 * 1024 * 1024, b"a" * 65536)
        answer = read_answer(sock, 5)
    grown = rss_bytes() - before
    assert status_of(answer) in (431, None), answer[:200]
    assert sent < 64 * 1024 * 1024, "the server kept reading a 64 MB header"
    assert grown < 16 * 1024 * 1024, f"RSS grew by {grown / 1e6:.1f} MB"


def test_header_limits_total_and_per_line(target: Target) -> None:
    line = target.settings.http_max_header_line_bytes
    long_line = _get() + b"X-Long: " + b"a" * line + b"\r\n\r\n"
    assert status_of(request(target.url, long_line)) == 431
    many = _get() + b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 1000) for i in range(40)) + b"\r\n"
    assert status_of(request(target.url, many)) == 431  # 40 KB of 1 KB lines
    long_url = f"GET /{'c' * line} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()
    assert status_of(request(target.url, long_url)) == 431
    assert status_of(request(target.url, OK)) == OK_STATUS[target.kind]  # still serving


def test_the_limit_holds_for_every_request_of_a_keep_alive_connection(target: Target) -> None:
    with connect(target.url) as sock:
        sock.sendall(_get() + b"\r\n")
        sock.settimeout(5)
        assert status_of(sock.recv(65536)) == OK_STATUS[target.kind]
        sock.sendall(_get() + b"X-Big: ")
        sent = flood(sock, 8 * 1024 * 1024, b"a" * 65536)
        answer = read_answer(sock, 5)
    assert status_of(answer) in (431, None) and sent < 8 * 1024 * 1024


def test_slow_headers_are_closed_within_the_header_timeout(target: Target) -> None:
    """Slowloris: 10 connections each trickling a header line every 0.2 s."""
    closed_after: list[float] = []
    answers: list[bytes] = []

    def trickle() -> None:
        start = time.monotonic()
        with connect(target.url) as sock:
            sock.sendall(_get())
            sock.settimeout(0.2)
            data = b""
            for i in range(100):  # 20 s at most
                try:
                    sock.sendall(b"X-Slow-%d: 1\r\n" % i)
                    data = sock.recv(4096)  # an answer, or b"" when closed
                    break
                except TimeoutError:
                    continue
                except OSError:  # reset
                    break
            answers.append(data)
            closed_after.append(time.monotonic() - start)

    threads = [threading.Thread(target=trickle) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(closed_after) == 10
    assert max(closed_after) < 1.0 + SLACK, closed_after
    assert {status_of(a) for a in answers} <= {408, None}
    assert status_of(request(target.url, OK)) == OK_STATUS[target.kind]


def test_a_connection_that_sends_nothing_is_closed(target: Target) -> None:
    start = time.monotonic()
    with connect(target.url) as sock:
        answer = read_answer(sock, 15)
    assert time.monotonic() - start < 1.0 + SLACK
    assert status_of(answer) in (408, None)


def test_slow_body_is_closed_within_the_body_timeout_and_logged_as_one_line(
    target: Target, caplog: pytest.LogCaptureFixture
) -> None:
    """With a valid token the app waits for the body; the body timeout ends the wait,
    and the app's side of it (a client gone mid-request) is one INFO line."""
    path, scope = {"api": ("/v1/gdpr/exports", "gdpr:export"),
                   "proxy": ("/v1/chat/completions", "proxy")}[target.kind]  # fmt: skip
    token, _ = target.token("slow", scope)
    start = time.monotonic()
    with caplog.at_level("INFO"), connect(target.url) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{".encode()
        )
        answer = read_answer(sock, 15)
        assert time.monotonic() - start < 1.0 + SLACK
        assert status_of(answer) in (408, None), answer[:200]
        time.sleep(0.3)  # the app's task sees the disconnect
    assert not [r for r in caplog.records if r.exc_info or r.levelname == "ERROR"], [
        r.getMessage() for r in caplog.records
    ]
    gone = [r for r in caplog.records if "client disconnected" in r.getMessage()]
    # FastAPI answers a body cut short itself; the proxy's Starlette app raises to CatchAll
    assert len(gone) == (1 if target.kind == "proxy" else 0)
    assert all(r.levelname == "INFO" for r in gone)


def test_idle_keep_alive_connections_are_closed(target: Target) -> None:
    with connect(target.url) as sock:
        sock.sendall(_get("/v1/models" if target.kind == "proxy" else "/healthz") + b"\r\n")
        sock.settimeout(5)
        first = sock.recv(65536)
        assert status_of(first) in (200, 401)
        start = time.monotonic()
        rest = read_answer(sock, 15)
    assert rest == b"" and time.monotonic() - start < 1.0 + SLACK


def test_concurrency_beyond_the_limit_is_503(target: Target) -> None:
    limit = target.settings.http_max_concurrency
    held = [connect(target.url) for _ in range(limit)]
    try:
        time.sleep(0.2)  # every held connection is accepted and counted
        assert status_of(request(target.url, OK)) == 503
    finally:
        for sock in held:
            sock.close()
    deadline = time.monotonic() + 10
    while status_of(request(target.url, OK)) != OK_STATUS[target.kind]:
        assert time.monotonic() < deadline, "the server did not recover below the limit"
        time.sleep(0.1)


def test_an_oversized_body_is_refused_before_it_is_sent(target: Target) -> None:
    path = "/v1/gdpr/exports" if target.kind == "api" else "/v1/chat/completions"
    raw = (
        f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        f"Content-Length: {10**9}\r\n\r\n"
    ).encode()
    answer = request(target.url, raw, 10)
    assert status_of(answer) == 413, answer[:200]  # refused before a byte of it, no token
