"""What a stream through the proxy looks like on the wire: the upstream's keep-alive
comments reach the app, streams reuse the upstream connection, and an upstream that
keeps its body open after `[DONE]` does not hold the app's stream open."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from loopback import serve
from proxy_support import Proxy, ServerThread
from starlette.types import Receive, Scope, Send

from sentinel.client.async_ import AsyncSentinel
from sentinel.config import Settings
from sentinel.proxy.app import create_proxy_app
from sentinel.store.sqlite import SQLiteStore
from sentinel.web.state import web_state

MESSAGES = [{"role": "user", "content": "a b"}]
STREAM = {"model": "deepseek-v4-flash", "messages": MESSAGES, "stream": True}


def stream_lines(url: str, token: str) -> tuple[str, list[str]]:
    """(X-Request-Id, the body's lines) of one streamed call through the proxy."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.stream(
        "POST", f"{url}/v1/chat/completions", json=STREAM, headers=headers, timeout=10
    ) as resp:
        assert resp.status_code == 200
        return resp.headers["x-request-id"], list(resp.iter_lines())


def test_keepalive_comments_reach_the_app_before_the_first_event(proxy: Proxy) -> None:
    proxy.fake.keepalive_comments = 2
    _, lines = stream_lines(proxy.url, proxy.tokens["proxy"])
    first_data = next(i for i, line in enumerate(lines) if line.startswith("data:"))
    assert [line for line in lines[:first_data] if line] == [": keep-alive", ": keep-alive"]
    assert lines[-2:] == ["data: [DONE]", ""]
    # the comments are not events: the stream's content is unchanged
    events = [orjson.loads(line[6:]) for line in lines if line.startswith("data: {")]
    text = "".join(e["choices"][0]["delta"].get("content") or "" for e in events)
    assert text == "Echo: a b"


def test_streams_reuse_the_upstream_connection(proxy: Proxy) -> None:
    for _ in range(4):
        stream_lines(proxy.url, proxy.tokens["proxy"])
    # one keep-alive connection for all four: closing each stream at [DONE] without
    # reading the body's end used to cost a new connection before every first byte
    assert proxy.fake.connections_opened == 1
    assert proxy.fake.count("chat") == 4


async def _lingering_upstream(scope: Scope, receive: Receive, send: Send) -> None:
    """A DeepSeek-like upstream that sends `[DONE]` and then keeps the body open for up
    to 10 s (until the client hangs up), like a misbehaving intermediary."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    chunk = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "deepseek-v4-flash",
        "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}],
    }
    headers = [(b"content-type", b"text/event-stream")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    body = b"data: " + orjson.dumps(chunk) + b"\n\ndata: [DONE]\n\n"
    await send({"type": "http.response.body", "body": body, "more_body": True})
    try:
        async with asyncio.timeout(10):
            while (await receive())["type"] != "http.disconnect":
                pass
    except TimeoutError:
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture
def lingering(sqlite_store: SQLiteStore, tmp_path: Path) -> Iterator[tuple[str, str]]:
    upstream, thread, upstream_url = serve(_lingering_upstream)
    client = AsyncSentinel(
        api_key="sk-test",
        base_url=upstream_url,
        store=sqlite_store,
        settings=Settings(spool_dir=tmp_path / "spool"),
    )
    app = create_proxy_app(client, close_client=True)
    token, _ = web_state(app).tokens.create("t", ["proxy"])
    try:
        with ServerThread(app) as proxy:
            yield proxy.url, token
    finally:
        upstream.should_exit = True
        thread.join(15)


def test_upstream_holding_its_body_open_after_done_does_not_hold_the_app(
    lingering: tuple[str, str], sqlite_store: SQLiteStore
) -> None:
    url, token = lingering
    started = time.monotonic()
    request_id, lines = stream_lines(url, token)
    assert time.monotonic() - started < 2  # not the upstream's 10 s
    assert lines[-2:] == ["data: [DONE]", ""]
    deadline = time.monotonic() + 5
    while (record := sqlite_store.get_call(request_id)) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert record is not None and record.outcome == "success"
