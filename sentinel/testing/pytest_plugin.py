"""pytest fixtures for apps that use Sentinel (and for Sentinel's own tests).

Enable in your conftest.py:

    pytest_plugins = ["sentinel.testing.pytest_plugin"]

    def test_reply(fake_deepseek, sentinel_client):
        fake_deepseek.script(429, 200)           # one rate limit, then success
        resp = sentinel_client.chat.completions.create(
            model="deepseek-v4-flash", messages=[{"role": "user", "content": "hi"}])
        assert resp.content == "Echo: hi"

Fixtures: `fake_deepseek` (a started FakeDeepSeek, stopped afterwards),
`fake_deepseek_factory` (start more, e.g. a primary and a backup), `sentinel_client`
(a Sentinel pointed at `fake_deepseek`, storing into a temporary SQLite file and spool
dir, logging into `sentinel_log`, with retry sleeps on `sentinel_clock`, a FakeClock, so
tests do not wait and can assert the exact schedule).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sentinel.clock import FakeClock
from sentinel.testing.fake import FakeDeepSeek
from sentinel.testing.telemetry import FlushingLog


@pytest.fixture
def fake_deepseek_factory() -> Iterator[Callable[..., FakeDeepSeek]]:
    """Call with FakeDeepSeek keyword arguments; every server is stopped at teardown."""
    started: list[FakeDeepSeek] = []

    def make(**kwargs: Any) -> FakeDeepSeek:
        fake = FakeDeepSeek(**kwargs).start()
        started.append(fake)
        return fake

    yield make
    for fake in started:
        fake.stop()


@pytest.fixture
def fake_deepseek(fake_deepseek_factory: Callable[..., FakeDeepSeek]) -> FakeDeepSeek:
    return fake_deepseek_factory()


@pytest.fixture
def sentinel_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sentinel_log() -> io.StringIO:
    """The ECS lines `sentinel_client` wrote, one JSON document per line. Lines are
    written off the calling thread; `getvalue()` flushes `sentinel_client` first."""
    return FlushingLog()


@pytest.fixture
def sentinel_client(
    fake_deepseek: FakeDeepSeek,
    tmp_path: Path,
    sentinel_clock: FakeClock,
    sentinel_log: io.StringIO,
) -> Iterator[Any]:
    from sentinel.client import Sentinel
    from sentinel.config import Settings

    client = Sentinel(
        api_key=fake_deepseek.api_key,
        base_url=fake_deepseek.url,
        store=f"sqlite:///{tmp_path / 'sentinel-test.db'}",
        clock=sentinel_clock,
        log_stream=sentinel_log,
        settings=Settings(spool_dir=tmp_path / "sentinel-spool"),
    )
    if isinstance(sentinel_log, FlushingLog):
        sentinel_log.flush_clients = lambda: client.flush()
    yield client
    client.close()
