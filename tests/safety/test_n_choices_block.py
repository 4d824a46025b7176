"""n > 1 streamed answers: a block in one choice cuts the stream, but the text another
choice was still holding back (a tail that could have started a term) was screened and
is releasable once nothing more comes: it goes out, screened, before the error (both
clients and the proxy, over real loopback HTTP from a raw SSE upstream)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from loopback import http_server, serve
from safety_support import Harness, SSEUpstream

from sentinel.client import AsyncSentinel, Sentinel
from sentinel.config import Settings
from sentinel.errors import ContentBlockedError
from sentinel.proxy.app import create_proxy_app
from sentinel.store.sqlite import SQLiteStore
from sentinel.web.state import web_state

MODEL = "deepseek-v4-flash"
KWARGS = {
    "model": MODEL, "messages": [{"role": "user", "content": "x"}], "stream": True,
    "thinking": {"type": "disabled"}, "extra_body": {"n": 2},
}  # fmt: skip
WIRE = {**{k: v for k, v in KWARGS.items() if k != "extra_body"}, "n": 2}


def _piece(index: int, text: str) -> dict[str, Any]:
    return {"index": index, "delta": {"content": text}, "finish_reason": None}


class TwoChoices(SSEUpstream):
    """Choice 0 ends on the start of a term ("idi": held back), choice 1 then brings a
    block term; in separate events, or (`together`) in one chunk of both choices."""

    together = False
    first = "hello you idi"

    def do_POST(self) -> None:
        self.begin()
        if self.together:
            chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 1}
            choices = [_piece(0, self.first), _piece(1, "a bomb here")]
            self.wfile.write(b"data: " + orjson.dumps(chunk | {"model": self.model,
                             "choices": choices}) + b"\n\n")  # fmt: skip
        else:
            self.event(_piece(0, self.first))
            self.event(_piece(1, "a bomb here"))
        self.event(_piece(0, "ot and more"))
        self.wfile.write(b"data: [DONE]\n\n")


def _texts(chunks: list[Any]) -> dict[int, str]:
    out: dict[int, str] = {}
    for chunk in chunks:
        for c in chunk.choices:
            out[c.index] = out.get(c.index, "") + (c.delta.content or "")
    return out


def _sync(harness: Harness, url: str) -> tuple[dict[int, str], BaseException | None]:
    client = Sentinel(**{**harness.kwargs(), "base_url": url})
    harness.clients.append(client)
    got: list[Any] = []
    try:
        for chunk in client.chat.completions.create(**KWARGS):
            got.append(chunk)
    except ContentBlockedError as exc:
        return _texts(got), exc
    return _texts(got), None


def _async(harness: Harness, url: str) -> tuple[dict[int, str], BaseException | None]:
    async def run() -> tuple[dict[int, str], BaseException | None]:
        got: list[Any] = []
        async with AsyncSentinel(**{**harness.kwargs(), "base_url": url}) as aclient:
            try:
                async for chunk in await aclient.chat.completions.create(**KWARGS):
                    got.append(chunk)
            except ContentBlockedError as exc:
                return _texts(got), exc
        return _texts(got), None

    return asyncio.run(run())


@pytest.fixture(params=[False, True], ids=["apart", "one-chunk"])
def upstream(request: pytest.FixtureRequest) -> Iterator[str]:
    class Shaped(TwoChoices):
        together = request.param

    with http_server(Shaped) as url:
        yield url


def test_a_block_in_one_choice_delivers_the_others_held_text_first(
    harness: Harness, upstream: str
) -> None:
    for texts, error in (_sync(harness, upstream), _async(harness, upstream)):
        assert isinstance(error, ContentBlockedError)
        assert texts == {0: "hello you idi", 1: "a "}  # "idi" was held; "bomb" never out


def test_the_released_held_text_is_still_screened(harness: Harness) -> None:
    class Masked(TwoChoices):
        first = "hello you idiot"  # the whole term, held as it may go on ("idiots")

    with http_server(Masked) as url:
        for texts, error in (_sync(harness, url), _async(harness, url)):
            assert isinstance(error, ContentBlockedError)
            assert texts == {0: "hello you *****", 1: "a "}


@pytest.fixture
def proxied(
    harness: Harness, upstream: str, sqlite_store: SQLiteStore, tmp_path: Path
) -> Iterator[tuple[str, dict[str, str]]]:
    client = AsyncSentinel(
        api_key="sk-test", base_url=upstream, store=sqlite_store,
        settings=Settings(spool_dir=tmp_path / "pspool", safety_lists=[str(harness.lists_dir)]),
    )  # fmt: skip
    app = create_proxy_app(client, close_client=True)
    token, _ = web_state(app).tokens.create("t-proxy", ["proxy"])
    server, thread, url = serve(app)
    yield url, {"authorization": f"Bearer {token}"}
    server.should_exit = True
    thread.join(10)


def test_the_proxy_relays_the_other_choices_held_text_before_the_error_event(
    proxied: tuple[str, dict[str, str]],
) -> None:
    url, headers = proxied
    resp = httpx.post(f"{url}/v1/chat/completions", json=WIRE, headers=headers, timeout=10)
    data = [line[6:] for line in resp.text.splitlines() if line.startswith("data: ")]
    assert "[DONE]" not in data
    events = [orjson.loads(d) for d in data]
    assert events[-1]["error"]["code"] == "content_blocked"
    texts: dict[int, str] = {}
    for ev in events[:-1]:
        for ch in ev["choices"]:
            texts[ch["index"]] = texts.get(ch["index"], "") + (ch["delta"].get("content") or "")
    assert texts == {0: "hello you idi", 1: "a "}
    assert "bomb" not in resp.text


class BothBlocked(SSEUpstream):
    """Both choices hold the start of a block term ("bo"), and one chunk brings the rest
    of it to both: the second choice was never screened, and its held "bo" went out."""

    def do_POST(self) -> None:
        self.begin()
        chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": self.model}
        for texts in (("a bo", "b bo"), ("mb here", "mb there")):
            choices = [_piece(i, t) for i, t in enumerate(texts)]
            self.wfile.write(b"data: " + orjson.dumps(chunk | {"choices": choices}) + b"\n\n")
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")


class LaterClean(SSEUpstream):
    """Choice 0 is blocked, choice 1 in the same chunk is clean and ends its piece on
    the start of a mask term: screened, it delivers its text and its held tail."""

    def do_POST(self) -> None:
        self.begin()
        chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": self.model}
        choices = [_piece(0, "a bomb"), _piece(1, "fine, you idiot")]
        self.wfile.write(b"data: " + orjson.dumps(chunk | {"choices": choices}) + b"\n\n")
        self.wfile.write(b"data: [DONE]\n\n")


def test_two_choices_blocked_in_one_chunk_deliver_neither_held_text(harness: Harness) -> None:
    with http_server(BothBlocked) as url:
        for texts, error in (_sync(harness, url), _async(harness, url)):
            assert isinstance(error, ContentBlockedError)
            assert texts == {0: "a ", 1: "b "}  # neither "bo", the start of its own term


def test_a_clean_choice_after_the_blocked_one_is_screened_and_delivered(
    harness: Harness,
) -> None:
    with http_server(LaterClean) as url:
        for texts, error in (_sync(harness, url), _async(harness, url)):
            assert isinstance(error, ContentBlockedError)
            assert texts == {0: "a ", 1: "fine, you *****"}


def test_the_proxy_delivers_neither_held_text_of_two_choices_blocked_together(
    harness: Harness, sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    with http_server(BothBlocked) as upstream_url:
        client = AsyncSentinel(
            api_key="sk-test", base_url=upstream_url, store=sqlite_store,
            settings=Settings(spool_dir=tmp_path / "pspool", safety_lists=[str(harness.lists_dir)]),
        )  # fmt: skip
        app = create_proxy_app(client, close_client=True)
        token, _ = web_state(app).tokens.create("t-proxy", ["proxy"])
        server, thread, url = serve(app)
        try:
            resp = httpx.post(
                f"{url}/v1/chat/completions", json=WIRE,
                headers={"authorization": f"Bearer {token}"}, timeout=10,
            )  # fmt: skip
        finally:
            server.should_exit = True
            thread.join(10)
    data = [line[6:] for line in resp.text.splitlines() if line.startswith("data: ")]
    events = [orjson.loads(d) for d in data]
    assert events[-1]["error"]["code"] == "content_blocked"
    texts: dict[int, str] = {}
    for ev in events[:-1]:
        for ch in ev["choices"]:
            texts[ch["index"]] = texts.get(ch["index"], "") + (ch["delta"].get("content") or "")
    assert texts == {0: "a ", 1: "b "}
