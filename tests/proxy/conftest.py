"""Proxy fixtures: the real proxy app served by uvicorn on a loopback port (in a thread),
in front of a real AsyncSentinel talking HTTP to FakeDeepSeek, storing into SQLite."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from sentinel.api.deps import compliance_for
from sentinel.client.async_ import AsyncSentinel
from sentinel.config import Settings
from sentinel.proxy.app import create_proxy_app
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek


class ServerThread:
    """uvicorn on an ephemeral loopback port, in a background thread."""

    def __init__(self, app: object) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", access_log=False, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="proxy-test", daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "proxy did not start"
            time.sleep(0.01)
        return self

    @property
    def url(self) -> str:
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@dataclass
class Proxy:
    url: str
    fake: FakeDeepSeek
    client: AsyncSentinel
    store: SQLiteStore
    tokens: dict[str, str]  # "proxy", "alerts:read", "revoked" -> bearer token
    app: Any

    @property
    def base_url(self) -> str:
        """What an OpenAI SDK's base_url is set to."""
        return f"{self.url}/v1"

    def flush(self) -> None:
        assert self.client._core.sink.flush(10)


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
        settings=Settings(spool_dir=tmp_path / "spool", breaker_threshold=2),
    )
    app = create_proxy_app(client, close_client=True)
    registry = compliance_for(app).tokens
    tokens = {s: registry.create(f"t-{s}", [s])[0] for s in ("proxy", "alerts:read")}
    revoked, info = registry.create("t-revoked", ["proxy"])
    registry.revoke(info.id)
    tokens["revoked"] = revoked
    with ServerThread(app) as server:
        yield Proxy(server.url, fake, client, sqlite_store, tokens, app)
