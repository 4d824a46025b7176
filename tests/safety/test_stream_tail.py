"""The text the masker holds back is never lost: a stream that ends with `data: [DONE]`
and no chunk with a finish_reason gets it as a last content chunk (screened: masked if
it completes a term), and a block delivers everything before the term before its error.
Sync and async clients and the proxy, against a raw SSE upstream on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from loopback import http_server, serve
from safety_support import Harness, SSEUpstream
from test_proxy import events

from sentinel.client import AsyncSentinel, Sentinel
from sentinel.errors import ContentBlockedError
from sentinel.proxy.app import create_proxy_app
from sentinel.store.sqlite import SQLiteStore
from sentinel.web.state import web_state

MODEL = "deepseek-v4-flash"
ASK = [{"role": "user", "content": "hi"}]


class Pieces(SSEUpstream):
    """Streams `pieces` as content chunks (no finish_reason unless `finish`), then [DONE]."""

    pieces: tuple[str, ...] = ()
    finish = False

    def do_POST(self) -> None:
        self.begin()
        for text in self.pieces:
            self.content(text)
        if self.finish:
            self.event({"index": 0, "delta": {}, "finish_reason": "stop"})
        self.wfile.write(b"data: [DONE]\n\n")


def upstream(pieces: tuple[str, ...], finish: bool = False) -> type[Pieces]:
    return type("Upstream", (Pieces,), {"pieces": pieces, "finish": finish})


UNFINISHED = [
    (("the answer ", "is 42"), "the answer is 42"),
    (("you are an ", "idi", "ot"), "you are an *****"),  # the tail completes a term
]


@pytest.mark.parametrize(("pieces", "expected"), UNFINISHED)
def test_the_held_tail_is_released_at_done_sync(
    harness: Harness, pieces: tuple[str, ...], expected: str
) -> None:
    with http_server(upstream(pieces)) as url:
        client = Sentinel(**{**harness.kwargs(), "base_url": url})
        harness.clients.append(client)
        stream = client.chat.completions.create(model=MODEL, messages=ASK, stream=True)
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == expected


@pytest.mark.parametrize(("pieces", "expected"), UNFINISHED)
def test_the_held_tail_is_released_at_done_async(
    harness: Harness, pieces: tuple[str, ...], expected: str
) -> None:
    async def run(url: str) -> str:
        client = AsyncSentinel(**{**harness.kwargs(), "base_url": url})
        try:
            stream = await client.chat.completions.create(model=MODEL, messages=ASK, stream=True)
            return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        finally:
            await client.aclose()

    with http_server(upstream(pieces)) as url:
        assert asyncio.run(run(url)) == expected


@pytest.fixture
def proxy_to(
    sqlite_store: SQLiteStore, tmp_path: Path, lists_dir: Path, harness: Harness
) -> Iterator[object]:
    servers = []

    def start(url: str) -> tuple[str, dict[str, str]]:
        client = AsyncSentinel(**{**harness.kwargs(), "base_url": url, "store": sqlite_store})
        app = create_proxy_app(client, close_client=True)
        token, _ = web_state(app).tokens.create("t-proxy", ["proxy"])
        server, thread, proxy_url = serve(app)
        servers.append((server, thread))
        return proxy_url, {"authorization": f"Bearer {token}"}

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(10)


def _proxied(proxy_to: object, url: str) -> list[object]:
    proxy_url, headers = proxy_to(url)  # type: ignore[operator]
    body = {"model": MODEL, "messages": ASK, "stream": True}
    resp = httpx.post(f"{proxy_url}/v1/chat/completions", json=body, headers=headers, timeout=10)
    return events(resp)


def _content(sent: list[object]) -> str:
    return "".join(
        e["choices"][0]["delta"].get("content") or ""  # type: ignore[index]
        for e in sent
        if isinstance(e, dict) and e.get("choices")
    )


@pytest.mark.parametrize(("pieces", "expected"), UNFINISHED)
def test_the_held_tail_is_released_at_done_through_the_proxy(
    proxy_to: object, pieces: tuple[str, ...], expected: str
) -> None:
    with http_server(upstream(pieces)) as url:
        sent = _proxied(proxy_to, url)
    assert sent[-1] == "[DONE]"
    assert _content(sent) == expected


BLOCKED = ("one ", "two ", "bomb", " three")


def test_a_block_delivers_the_text_before_the_term_first(harness: Harness) -> None:
    with http_server(upstream(BLOCKED, finish=True)) as url:
        client = Sentinel(**{**harness.kwargs(), "base_url": url})
        harness.clients.append(client)
        got: list[str] = []
        with pytest.raises(ContentBlockedError):
            for c in client.chat.completions.create(model=MODEL, messages=ASK, stream=True):
                got.append(c.choices[0].delta.content or "")
    assert "".join(got) == "one two "


def test_a_block_delivers_the_text_before_the_term_through_the_proxy(proxy_to: object) -> None:
    with http_server(upstream(BLOCKED, finish=True)) as url:
        sent = _proxied(proxy_to, url)
    assert sent[-1]["error"]["code"] == "content_blocked"  # type: ignore[index]
    assert _content(sent[:-1]) == "one two "
