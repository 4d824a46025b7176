"""Streamed `logprobs` screened like the text they spell (stream=True, logprobs=True),
over real loopback HTTP to FakeDeepSeek (the proxy's side: test_proxy.py): a token of
a term the masker holds back or masks never reaches the app unmasked (its `token`, its
`bytes`, its `top_logprobs`), nor ahead of the text it spells."""

from __future__ import annotations

import json
from typing import Any

import pytest
from loopback import http_server
from safety_support import Harness, SSEUpstream

from sentinel.client import Sentinel
from sentinel.errors import ContentBlockedError

MODEL = "deepseek-v4-flash"
OFF = {"type": "disabled"}


def _chunks(harness: Harness, text: str, client: Sentinel | None = None) -> list[Any]:
    harness.fake.reply = lambda _messages: text
    stream = (client or harness.client()).chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "x"}], stream=True, thinking=OFF,
        logprobs=True, top_logprobs=2,
    )  # fmt: skip
    return [c.model_dump() for c in stream]


def spelt(chunks: list[Any], aligned: bool = True) -> tuple[str, str, str]:
    """(the content, what the tokens spell, every token's JSON) of a stream's chunks
    (as JSON), checking on the way that tokens never run ahead of the content."""
    content = tokens = ""
    dumped: list[str] = []
    for chunk in chunks:
        for choice in chunk.get("choices") or ():
            content += choice["delta"].get("content") or ""
            entries = (choice.get("logprobs") or {}).get("content") or []
            tokens += "".join(e["token"] for e in entries)
            dumped.append(json.dumps(entries, ensure_ascii=False))
            assert not aligned or content.startswith(tokens), (content, tokens)
    return content, tokens, "\n".join(dumped)


def leaks(dumped: str, term: str) -> bool:
    """`term`'s first three characters in a token, an alternative or the bytes."""
    head = term[:3]
    return head in dumped or ", ".join(map(str, head.encode())) in dumped


def _chunks_spelt(harness: Harness, text: str) -> tuple[str, str, str]:
    return spelt(_chunks(harness, text))


def test_streamed_logprobs_are_masked_with_the_text(harness: Harness) -> None:
    content, tokens, dumped = _chunks_spelt(harness, "hello you idiot ok and fine")
    assert content == "hello you ***** ok and fine"
    assert tokens == content  # every token released, aligned with the masked text
    assert not leaks(dumped, "idiot")
    assert '"token": " x"' in dumped  # alternatives of unmasked tokens stay


def test_a_cjk_term_padded_across_chunks_is_masked_in_the_tokens(harness: Harness) -> None:
    content, tokens, dumped = _chunks_spelt(harness, "你 是 笨 . 蛋 吗")
    assert "笨" not in content and "蛋" not in content
    assert tokens == content
    assert "笨" not in dumped and "蛋" not in dumped
    assert not leaks(dumped, "笨蛋") and not leaks(dumped, "蛋")


def test_a_stream_blocked_mid_way_leaks_no_token_of_the_term(harness: Harness) -> None:
    harness.fake.reply = lambda _messages: "one two three four five bomb six"
    stream = harness.client().chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "x"}], stream=True, thinking=OFF,
        logprobs=True, top_logprobs=2,
    )  # fmt: skip
    got: list[Any] = []
    with pytest.raises(ContentBlockedError):
        for chunk in stream:
            got.append(chunk.model_dump())
    content, _, dumped = spelt(got)
    assert content.startswith("one two") and "bomb" not in content
    assert not leaks(dumped, "bomb") and "six" not in dumped


class ByteTokens(SSEUpstream):
    """A stream whose tokens do not spell their chunk's text (byte-level pieces of a CJK
    character, as DeepSeek sends them): they cannot be lined up with a mask."""

    pieces = (("hello", ["hel"]), (" 笨蛋", [" ", "\\xe7\\xac", "\\xa8蛋"]), (" ok", [" ok"]))

    def do_POST(self) -> None:
        self.begin()
        for text, tokens in self.pieces:
            entries = [{"token": t, "logprob": -0.1, "bytes": list(t.encode())} for t in tokens]
            self.content(text, logprobs={"content": entries})
        self.event({"index": 0, "delta": {}, "finish_reason": "stop"})
        self.wfile.write(b"data: [DONE]\n\n")


def test_tokens_that_cannot_be_lined_up_are_dropped_when_masked(harness: Harness) -> None:
    with http_server(ByteTokens) as url:
        client = Sentinel(**{**harness.kwargs(), "base_url": url})
        harness.clients.append(client)
        chunks = _chunks(harness, "", client)
    content, tokens, dumped = spelt(chunks, aligned=False)
    assert content == "hello ** ok"
    assert "蛋" not in dumped and "xe7" not in dumped
    assert tokens == "hel ok"  # unmasked, they go out whole with their text
