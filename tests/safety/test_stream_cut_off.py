"""An upstream that stops mid-stream (no finishing chunk, no [DONE]) must not swallow
the end of the answer the guard was holding back: what was received is screened and
delivered, then the stream fails, whether the body ended cleanly (a `Connection: close`
body that stops) or broke off (FakeDeepSeek's truncate fault aborts the socket). Both
clients and the proxy, over real loopback HTTP."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import orjson
import pytest
from loopback import http_server
from safety_support import Harness, SSEUpstream

from sentinel.client import AsyncSentinel, Sentinel
from sentinel.errors import APIConnectionError
from sentinel.testing import FakeDeepSeek, Fault

MODEL = "deepseek-v4-flash"
OFF = {"type": "disabled"}


class StopsEarly(SSEUpstream):
    """Three content chunks, then the body ends: no finish_reason, no [DONE]."""

    pieces = ("hello there", " my friend", " you idiot")

    def do_POST(self) -> None:
        self.begin()
        for text in self.pieces:
            self.content(text)


def _kwargs(text: str = "x") -> dict[str, Any]:
    return {
        "model": MODEL, "messages": [{"role": "user", "content": text}], "stream": True,
        "thinking": OFF,
    }  # fmt: skip


def _read_sync(client: Sentinel, text: str = "x") -> tuple[str, BaseException | None]:
    got = ""
    try:
        for chunk in client.chat.completions.create(**_kwargs(text)):
            got += "".join(c.delta.content or "" for c in chunk.choices)
    except APIConnectionError as exc:
        return got, exc
    return got, None


def _read_async(harness: Harness, url: str, text: str = "x") -> tuple[str, BaseException | None]:
    async def run() -> tuple[str, BaseException | None]:
        got = ""
        async with AsyncSentinel(**{**harness.kwargs(), "base_url": url}) as aclient:
            try:
                async for chunk in await aclient.chat.completions.create(**_kwargs(text)):
                    got += "".join(c.delta.content or "" for c in chunk.choices)
            except APIConnectionError as exc:
                return got, exc
        return got, None

    return asyncio.run(run())


def test_a_body_that_stops_delivers_the_held_end_then_fails(harness: Harness) -> None:
    with http_server(StopsEarly) as url:
        client = Sentinel(**{**harness.kwargs(), "base_url": url})
        harness.clients.append(client)
        got, error = _read_sync(client)
        agot, aerror = _read_async(harness, url)
    for text, exc in ((got, error), (agot, aerror)):
        assert text == "hello there my friend you *****"  # the end held back, masked
        assert exc is not None and "ended before completion" in str(exc)
    calls = harness.calls()
    assert [c["outcome"] for c in calls] == ["failure", "failure"]
    assert all(c["safety"]["counts"] == {"insult-en": 1} for c in calls)


def test_a_stream_cut_off_mid_body_delivers_what_was_screened(
    harness: Harness, fake: FakeDeepSeek
) -> None:
    harness.fake.reply = lambda _messages: "one two three you idiot four five"
    fake.fail(Fault.truncate(after_chunks=6), times=2)  # role + five words, then abort
    got, error = _read_sync(harness.client())
    agot, aerror = _read_async(harness, fake.url)
    for text, exc in ((got, error), (agot, aerror)):
        assert text == "one two three you *****"
        assert isinstance(exc, APIConnectionError)


def test_the_proxy_relays_the_held_end_before_the_error_event(
    proxy: tuple[str, dict[str, str]], fake: FakeDeepSeek
) -> None:
    fake.reply = lambda _messages: "one two three you idiot four five"
    fake.fail(Fault.truncate(after_chunks=6))
    url, headers = proxy
    resp = httpx.post(f"{url}/v1/chat/completions", json=_kwargs(), headers=headers, timeout=10)
    data = [line[6:] for line in resp.text.splitlines() if line.startswith("data: ")]
    assert "[DONE]" not in data
    events = [orjson.loads(d) for d in data]
    assert "error" in events[-1]
    text = "".join(ch["delta"].get("content") or "" for ev in events[:-1] for ch in ev["choices"])
    assert text == "one two three you *****"
    assert "idiot" not in resp.text


@pytest.mark.parametrize("pieces", [("you idi", "ot"), ("hello", " 笨", " . 蛋")])
def test_a_term_completed_by_the_last_piece_is_still_masked(
    harness: Harness, pieces: tuple[str, ...]
) -> None:
    class Split(StopsEarly):
        pass

    Split.pieces = pieces
    with http_server(Split) as url:
        client = Sentinel(**{**harness.kwargs(), "base_url": url})
        harness.clients.append(client)
        got, error = _read_sync(client)
    assert error is not None
    assert "idiot" not in got and "蛋" not in got and "*" in got


def test_a_fim_stream_cut_off_before_its_finish_delivers_its_held_end(
    harness: Harness, fake: FakeDeepSeek
) -> None:
    fim = {"model": MODEL, "prompt": "def add(a, b):\n", "suffix": "\n    return c"}
    client = harness.client()
    whole = "".join(c.choices[0].text for c in client.completions.create(**fim, stream=True))
    pieces = len([p for p in re.split(r"(?<= )", whole) if p])  # the fake's FIM pieces
    fake.fail(Fault.truncate(after_chunks=pieces), endpoint="fim")  # all but the finish
    got = ""
    with pytest.raises(APIConnectionError):
        for chunk in client.completions.create(**fim, stream=True):
            got += "".join(c.text for c in chunk.choices)
    assert whole.rstrip().endswith("*/") and got == whole
