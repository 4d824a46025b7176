"""The total timeout holds once a response has started: an upstream that answers and
then only sends `: keep-alive` (resetting every per-read timeout) fails the call at the
total budget, streamed or not, in both clients (the proxy: tests/proxy)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from loopback import KeepAliveForever, http_server

from sentinel.clock import SYSTEM_CLOCK
from sentinel.errors import APITimeoutError

MSG = [{"role": "user", "content": "hello"}]
TOTAL = 2.0
BOUND = 6.0  # seconds: the budget plus slack for a loaded 2-core machine


@pytest.fixture
def upstream() -> Iterator[str]:
    with http_server(KeepAliveForever) as url:
        yield url


def _client(harness: Any, upstream: str, *, aio: bool = False) -> Any:
    # the system clock: the deadline is real time here (the harness's clock is fake)
    make = harness.aclient if aio else harness.client
    return make(base_url=upstream, timeout=TOTAL, max_retries=0, clock=SYSTEM_CLOCK)


def _assert_timed_out(harness: Any, exc: pytest.ExceptionInfo[Any], took: float) -> None:
    assert TOTAL * 0.9 <= took < BOUND, took
    assert "total timeout of 2s" in str(exc.value)
    [call] = harness.calls()
    assert call.error_type == "APITimeoutError"


def test_keepalives_do_not_extend_a_streamed_call_past_the_total_timeout(harness, upstream):
    client = _client(harness, upstream)
    t0 = time.monotonic()
    stream = client.chat.completions.create(model="deepseek-v4-flash", messages=MSG, stream=True)
    with pytest.raises(APITimeoutError) as exc:
        list(stream)
    _assert_timed_out(harness, exc, time.monotonic() - t0)
    [call] = harness.calls()
    assert call.keepalives >= 3  # the keep-alives were seen, and did not count as output


def test_a_response_body_that_never_ends_fails_at_the_total_timeout(harness, upstream):
    client = _client(harness, upstream)
    t0 = time.monotonic()
    with pytest.raises(APITimeoutError) as exc:
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    _assert_timed_out(harness, exc, time.monotonic() - t0)


async def test_async_streamed_call_fails_at_the_total_timeout(harness, upstream):
    client = _client(harness, upstream, aio=True)
    t0 = time.monotonic()
    stream = await client.chat.completions.create(
        model="deepseek-v4-flash", messages=MSG, stream=True
    )
    with pytest.raises(APITimeoutError) as exc:
        async for _ in stream:
            pass
    _assert_timed_out(harness, exc, time.monotonic() - t0)


async def test_async_response_body_that_never_ends_fails_at_the_total_timeout(harness, upstream):
    client = _client(harness, upstream, aio=True)
    t0 = time.monotonic()
    with pytest.raises(APITimeoutError) as exc:
        await client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    _assert_timed_out(harness, exc, time.monotonic() - t0)


class KeepAliveThenSilence(KeepAliveForever):
    silent_after = 3.5


@pytest.mark.parametrize("aio", [False, True], ids=["sync", "async"])
async def test_a_stream_that_goes_quiet_near_the_end_still_stops_at_the_budget(
    harness: Any, aio: bool
) -> None:
    # Each read may wait up to the read timeout, capped at what was left when the request
    # went out (4 s): a body quiet from 3.5 s would end at ~7.5 s unless the transport
    # caps every read at what is left of the call.
    with http_server(KeepAliveThenSilence) as url:
        make = harness.aclient if aio else harness.client
        client = make(base_url=url, timeout=4.0, max_retries=0, clock=SYSTEM_CLOCK)
        t0 = time.monotonic()
        with pytest.raises(APITimeoutError, match="total timeout"):
            if aio:
                stream = await client.chat.completions.create(
                    model="deepseek-v4-flash", messages=MSG, stream=True
                )
                async for _ in stream:
                    pass
            else:
                stream = client.chat.completions.create(
                    model="deepseek-v4-flash", messages=MSG, stream=True
                )
                list(stream)
        took = time.monotonic() - t0
    assert 3.6 <= took < 6.5, took
