"""A chunked body's trailer section is headers by another name: before it was counted,
an unauthenticated client streamed 400 MB of trailer lines into the API (or the proxy)
in two seconds, each buffered, and each appended to the request's headers after the
middleware had checked them. Trailers now share the header budget and are dropped."""

from __future__ import annotations

import pytest
from probes import connect, flood, read_answer, rss_bytes, status_of
from security_support import Target

PATHS = {"api": "/v1/gdpr/exports", "proxy": "/v1/chat/completions"}


@pytest.fixture(params=["api", "proxy"])
def target(request: pytest.FixtureRequest) -> Target:
    return request.getfixturevalue(request.param)


def _chunked_head(target: Target) -> bytes:
    return (
        f"POST {PATHS[target.kind]} HTTP/1.1\r\nHost: localhost\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        "2\r\n{}\r\n0\r\n"
    ).encode()


def test_an_endless_trailer_section_is_cut_at_the_header_limit(target: Target) -> None:
    before = rss_bytes()
    with connect(target.url) as sock:
        sock.sendall(_chunked_head(target))
        sent = flood(sock, 64 * 1024 * 1024, b"X-T: " + b"a" * 4000 + b"\r\n")
        answer = read_answer(sock, 5)
    grown = rss_bytes() - before
    assert sent < 64 * 1024 * 1024, "the server kept reading trailers"
    assert grown < 16 * 1024 * 1024, f"RSS grew by {grown / 1e6:.1f} MB"
    status = status_of(answer)
    assert status is None or status < 500, answer[:200]


def test_a_short_trailer_is_still_a_normal_request(target: Target) -> None:
    with connect(target.url) as sock:
        sock.sendall(_chunked_head(target) + b"X-Sentinel-App: smuggled\r\n\r\n")
        answer = read_answer(sock, 3)
    assert status_of(answer) == 401, answer[:200]  # no token: the app answered as usual
