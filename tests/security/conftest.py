"""The attack suite's targets: the real API (`sentinel serve`'s Daemon, with its
uvicorn server, protocol limits and Host allow-list) and the real proxy
(`proxy_server`), each on a free loopback port in this process, over SQLite and, for
the proxy, FakeDeepSeek. The limits are set low so every probe ends in seconds."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from loopback import free_port
from security_support import Target, wait_listening

from sentinel.compliance.service import Compliance
from sentinel.config import Settings
from sentinel.daemon import Daemon
from sentinel.proxy.server import proxy_server
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek

LIMITS = {
    "http_header_timeout": "1s",
    "http_body_timeout": "1s",
    "http_keep_alive": "1s",
    "http_max_concurrency": 8,
}


@pytest.fixture
def api(sqlite_store: SQLiteStore, tmp_path: Path) -> Iterator[Target]:
    settings = Settings(api_port=free_port(), spool_dir=tmp_path / "spool", **LIMITS)
    daemon = Daemon(sqlite_store, settings)
    daemon.start(api=True)
    url = f"http://127.0.0.1:{settings.api_port}"
    try:
        wait_listening(url)
        compliance = Compliance.build(sqlite_store, settings)
        yield Target("api", url, sqlite_store, settings, compliance)
    finally:
        daemon.stop()


@pytest.fixture
def proxy(sqlite_store: SQLiteStore, tmp_path: Path) -> Iterator[Target]:
    with FakeDeepSeek() as fake:
        settings = Settings(
            api_key=fake.api_key, base_url=fake.url, proxy_port=free_port(),
            spool_dir=tmp_path / "spool", **LIMITS,
        )  # fmt: skip
        server: Any = proxy_server(settings, sqlite_store)
        thread = threading.Thread(target=server.run, name="security-proxy", daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{settings.proxy_port}"
        try:
            wait_listening(url)
            compliance = Compliance.build(sqlite_store, settings)
            yield Target("proxy", url, sqlite_store, settings, compliance)
        finally:
            server.should_exit = True
            thread.join(15)
