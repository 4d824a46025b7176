"""Host header spellings the allow-list took for loopback: `[::1]evil.example` (the
name was cut at the bracket and the rest ignored), `localhost:abc`, and two Host
headers, of which the first counted (a front proxy may route by the other)."""

from __future__ import annotations

import pytest
from probes import request, status_of
from security_support import Target


def _status(api: Target, *hosts: str) -> int | None:
    lines = "".join(f"Host: {h}\r\n" for h in hosts)
    raw = f"GET /v1/status HTTP/1.1\r\n{lines}Connection: close\r\n\r\n".encode()
    return status_of(request(api.url, raw, 5))


@pytest.mark.parametrize("host", ["[::1]evil.example", "[::1]:x", "localhost:abc", "localhost:"])
def test_junk_after_an_allowed_name_is_refused(api: Target, host: str) -> None:
    assert _status(api, host) == 421


def test_two_host_headers_are_refused(api: Target) -> None:
    assert _status(api, "localhost", "evil.example") == 421
    assert _status(api, "evil.example", "localhost") == 421


LOOPBACK = ["localhost", "LOCALHOST.", "localhost:1", "[::1]:80", "127.0.0.1."]


@pytest.mark.parametrize("host", LOOPBACK)
def test_the_loopback_spellings_still_pass(api: Target, host: str) -> None:
    assert _status(api, host) == 200
