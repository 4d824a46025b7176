"""An app that hangs up on the proxy while its non-streamed call waits to retry (a 429
with Retry-After): no retry is sent for it, since nobody would receive the answer the
upstream bills, and the call is recorded as cancelled without a traceback in the
server's log. The real proxy (uvicorn on loopback) in front of a real AsyncSentinel and
FakeDeepSeek; the app is a raw socket that closes after sending its request."""

from __future__ import annotations

import contextlib
import json
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from proxy_support import ServerThread

from sentinel.client.async_ import AsyncSentinel
from sentinel.config import Settings
from sentinel.proxy.app import create_proxy_app
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek, Fault
from sentinel.web.state import web_state


@pytest.fixture
def proxied(
    fake: FakeDeepSeek, sqlite_store: SQLiteStore, tmp_path: Path
) -> Iterator[tuple[str, str, AsyncSentinel]]:
    client = AsyncSentinel(
        api_key=fake.api_key, base_url=fake.url, store=sqlite_store, app="hangup",
        settings=Settings(spool_dir=tmp_path / "spool"),
    )  # fmt: skip
    app = create_proxy_app(client, close_client=True)
    token, _ = web_state(app).tokens.create("t-proxy", ["proxy"])
    with ServerThread(app) as server:
        yield server.url, token, client


def _hang_up_after_sending(url: str, token: str, body: dict[str, Any]) -> None:
    host, port = url.removeprefix("http://").split(":")
    data = json.dumps(body).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer {token}"
        f"\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    )
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(head.encode() + data)
        time.sleep(0.3)  # the first attempt's 429 is in; the client waits to retry


def _calls(client: AsyncSentinel, db: Path) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        assert client._core.sink.flush(10)
        with contextlib.closing(sqlite3.connect(db)) as conn:
            rows = [json.loads(r[0]) for r in conn.execute("SELECT doc FROM calls")]
        if rows:
            return rows
        time.sleep(0.05)
    raise AssertionError("the call was not recorded")


def test_no_retry_is_sent_for_an_app_that_hung_up(
    capfd: pytest.CaptureFixture[str],  # (first: before the server's log handler exists)
    proxied: tuple[str, str, AsyncSentinel],
    fake: FakeDeepSeek,
    tmp_path: Path,
) -> None:
    url, token, client = proxied
    fake.script(Fault.rate_limited(retry_after=1), Fault.rate_limited(retry_after=1), 200)
    body = {
        "model": "deepseek-v4-flash", "thinking": {"type": "disabled"},
        "messages": [{"role": "user", "content": "hello there"}],
    }  # fmt: skip
    _hang_up_after_sending(url, token, body)
    [record] = _calls(client, tmp_path / "sentinel.db")
    assert record["outcome"] == "failure"
    assert record["error_type"] == "CancelledError"
    time.sleep(1.2)  # a retry would be sent by now
    assert fake.count() == 1  # the first attempt only: no billed answer for nobody
    assert "Exception in ASGI" not in capfd.readouterr().err  # uvicorn's own log
