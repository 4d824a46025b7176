"""Safety fixtures: real list files (Chinese and English) in a temp dir, and real
clients over loopback HTTP to FakeDeepSeek, storing into SQLite, with the lists on; the
proxy in front of such a client."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback import serve
from safety_support import Harness, Replies, write_lists

from sentinel.client import Sentinel
from sentinel.client.async_ import AsyncSentinel
from sentinel.config import Settings
from sentinel.proxy.app import create_proxy_app
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek
from sentinel.web.state import web_state


@pytest.fixture
def lists_dir(tmp_path: Path) -> Path:
    return write_lists(tmp_path / "lists")


@pytest.fixture
def replies() -> Replies:
    return Replies()


@pytest.fixture
def fake(replies: Replies) -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek(reply=replies) as server:
        yield server


@pytest.fixture
def harness(tmp_path: Path, fake: FakeDeepSeek, lists_dir: Path) -> Iterator[Harness]:
    h = Harness(tmp_path, fake, lists_dir)
    yield h
    for c in h.clients:
        if isinstance(c, Sentinel):
            c.close()
        else:
            asyncio.run(c.aclose())
    h.store.close()


@pytest.fixture
def proxy(
    fake: FakeDeepSeek, sqlite_store: SQLiteStore, tmp_path: Path, lists_dir: Path
) -> Iterator[tuple[str, dict[str, str]]]:
    client = AsyncSentinel(
        api_key=fake.api_key,
        base_url=fake.url,
        store=sqlite_store,
        settings=Settings(
            spool_dir=tmp_path / "spool", safety_lists=[str(lists_dir)], safety_reload="100ms"
        ),
    )
    app = create_proxy_app(client, close_client=True)
    token, _ = web_state(app).tokens.create("t-proxy", ["proxy"])
    server, thread, url = serve(app)
    yield url, {"authorization": f"Bearer {token}"}
    server.should_exit = True
    thread.join(10)
