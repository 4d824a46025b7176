"""The proxy's upstream call keeps the total timeout once the upstream has answered: an
upstream that only sends `: keep-alive` ends a streamed relay with an in-band timeout
event, and a plain call with a 504, both at the budget (not when the upstream stops)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from loopback import KeepAliveForever, http_server
from proxy_support import ServerThread

from sentinel.client.async_ import AsyncSentinel
from sentinel.config import Settings
from sentinel.proxy.app import create_proxy_app
from sentinel.store.sqlite import SQLiteStore
from sentinel.web.state import web_state

BODY = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "hello"}]}
BOUND = 6.0  # seconds: the 2 s budget plus slack for a loaded 2-core machine


@pytest.fixture
def relay(sqlite_store: SQLiteStore, tmp_path: Path) -> Iterator[tuple[str, str, Any]]:
    with http_server(KeepAliveForever) as upstream:
        client = AsyncSentinel(
            api_key="sk-upstream",
            base_url=upstream,
            store=sqlite_store,
            max_retries=0,
            timeout=2.0,
            settings=Settings(spool_dir=tmp_path / "spool"),
        )
        app = create_proxy_app(client, close_client=True)
        token, _ = web_state(app).tokens.create("app", ["proxy"])
        with ServerThread(app) as server:
            yield server.url, token, client


def test_a_relayed_stream_of_keepalives_ends_with_a_timeout_event(relay, sqlite_store):
    url, token, client = relay
    t0 = time.monotonic()
    with httpx.stream(
        "POST",
        f"{url}/v1/chat/completions",
        json={**BODY, "stream": True},
        headers={"authorization": f"Bearer {token}"},
        timeout=30,
    ) as resp:
        assert resp.status_code == 200
        request_id = resp.headers["x-request-id"]
        lines = list(resp.iter_lines())
    took = time.monotonic() - t0
    assert 1.8 <= took < BOUND, took
    assert ": keep-alive" in lines  # relayed while it lasted
    [error] = [json.loads(line[6:]) for line in lines if line.startswith("data: {")]
    assert error["error"]["code"] == "upstream_timeout"
    assert "total timeout of 2s" in error["error"]["message"]
    assert client._core.sink.flush(10)
    call = sqlite_store.get_call(request_id)
    assert call is not None and call.error_type == "APITimeoutError"


def test_a_plain_call_to_a_body_that_never_ends_is_a_504_at_the_budget(relay):
    url, token, _ = relay
    t0 = time.monotonic()
    resp = httpx.post(
        f"{url}/v1/chat/completions",
        json=BODY,
        headers={"authorization": f"Bearer {token}"},
        timeout=30,
    )
    took = time.monotonic() - t0
    assert 1.8 <= took < BOUND, took
    assert resp.status_code == 504
    assert resp.json()["error"]["code"] == "upstream_timeout"
