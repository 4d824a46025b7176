"""Proxy fixtures: the real proxy app served by uvicorn on a loopback port (in a thread),
in front of a real AsyncSentinel talking HTTP to FakeDeepSeek, storing into SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from proxy_support import Proxy, ServerThread

from sentinel.client.async_ import AsyncSentinel
from sentinel.config import Settings
from sentinel.proxy.app import create_proxy_app
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek
from sentinel.web.state import web_state


@pytest.fixture
def fake() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek() as server:
        yield server


@pytest.fixture
def proxy(fake: FakeDeepSeek, sqlite_store: SQLiteStore, tmp_path: Path) -> Iterator[Proxy]:
    client = AsyncSentinel(
        api_key=fake.api_key,
        base_url=fake.url,
        store=sqlite_store,
        app="proxy-default",
        # one quick retry and a short breaker threshold keep the fault tests fast
        max_retries=1,
        settings=Settings(
            spool_dir=tmp_path / "spool", breaker_threshold=2, proxy_max_body_bytes=2**20
        ),
    )
    app = create_proxy_app(client, close_client=True)
    registry = web_state(app).tokens
    tokens = {s: registry.create(f"t-{s}", [s])[0] for s in ("proxy", "alerts:read")}
    revoked, info = registry.create("t-revoked", ["proxy"])
    registry.revoke(info.id)
    tokens["revoked"] = revoked
    with ServerThread(app) as server:
        yield Proxy(server.url, fake, client, sqlite_store, tokens, app)
