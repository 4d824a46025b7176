"""Outside attacks on the content-safety filter (att22d): each test is a bypass or a
wrong result found from the public surfaces, through the real client over loopback HTTP
to FakeDeepSeek with real list files."""

from __future__ import annotations

import asyncio
import random
import unicodedata
from typing import Any, ClassVar

import httpx
import orjson
import pytest
from loopback import http_server
from safety_support import Harness, Replies, SSEUpstream

from sentinel.client import AsyncSentinel, Sentinel
from sentinel.errors import ContentBlockedError
from sentinel.safety.normalize import fold

# Superscript and subscript letters NFKC maps to one letter but the fold left as they
# were: the modifier letters (`ᵈ`, `ʰ`), the Latin subscripts (`ᵢ`, `ⱼ`), the long s
# and the one-letter Roman numerals. `ⁱ` was folded, `ᵈ` next to it was not.


@pytest.mark.parametrize("spelling", ["ⁱᵈⁱᵒᵗ", "ᵢdᵢot", "ᴵᴰᴵᴼᵀ", "ⅰdⅰot"])
def test_modifier_and_subscript_letters_are_masked(
    harness: Harness, replies: Replies, spelling: str
) -> None:
    replies.text = f"you {spelling}!"
    client = harness.client()
    whole = client.chat.completions.create(
        model="deepseek-v4-flash", messages=[{"role": "user", "content": "hi"}]
    )
    assert whole.choices[0].message.content == "you " + "*" * len(spelling) + "!"
    streamed = client.chat.completions.create(
        model="deepseek-v4-flash", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    text = "".join(c.choices[0].delta.content or "" for c in streamed if c.choices)
    assert text == "you " + "*" * len(spelling) + "!"


def test_every_one_letter_compatibility_form_below_u10000_folds() -> None:
    """Every BMP character NFKC writes as one ASCII letter or digit folds to it, so no
    such look-alike is left for a sender to find (the ones above U+FFFF that are not
    searched for, U+107A5 and the segmented digits, excepted)."""
    missed = [
        f"U+{cp:04X}"
        for cp in [*range(0x80, 0xD800), *range(0xE000, 0x10000)]
        if len(n := unicodedata.normalize("NFKC", chr(cp))) == 1
        and n.isascii()
        and n.isalnum()
        and fold(chr(cp)) != n.lower()
    ]
    assert missed == []


class TwoChoices(SSEUpstream):
    """n=2: choice 0 holds `bo`; then one event brings choice 1's next words first and
    choice 0's `mb!` (the block) after them."""

    def do_POST(self) -> None:
        self.begin()
        for choices in (
            [_piece(0, "a bo"), _piece(1, "hello")],
            [_piece(1, " world"), _piece(0, "mb!")],
            [_piece(0, " after", "stop"), _piece(1, " after", "stop")],
        ):
            chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 1}
            chunk |= {"model": self.model, "choices": choices}
            self.wfile.write(b"data: " + orjson.dumps(chunk) + b"\n\n")
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def _piece(index: int, text: str, finish: str | None = None) -> dict[str, Any]:
    return {"index": index, "delta": {"content": text}, "finish_reason": finish}


def _texts(chunks: Any, got: dict[int, str]) -> None:
    for chunk in chunks:
        for c in chunk.choices:
            got[c.index] = got.get(c.index, "") + (c.delta.content or "")


def test_a_block_at_a_choices_first_character_keeps_the_choices_before_it(
    harness: Harness,
) -> None:
    """The other choice's ` world`, screened in the blocked chunk before choice 0's
    block, reaches the app: the chunk was dropped whole because choice 0 had no text
    before its term, and choice 1's masker had already moved past ` world`."""
    with http_server(TwoChoices) as url:
        client = Sentinel(**(harness.kwargs() | {"base_url": url}))
        harness.clients.append(client)
        got: dict[int, str] = {}
        stream = client.chat.completions.create(
            model="deepseek-v4-flash",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            extra_body={"n": 2},
        )
        with pytest.raises(ContentBlockedError):
            _texts(stream, got)
        assert got == {0: "a ", 1: "hello world"}

        async def main() -> dict[int, str]:
            aclient = AsyncSentinel(**(harness.kwargs() | {"base_url": url}))
            harness.clients.append(aclient)
            seen: dict[int, str] = {}
            astream = await aclient.chat.completions.create(
                model="deepseek-v4-flash",
                messages=[{"role": "user", "content": "hi"}],
                stream=True,
                extra_body={"n": 2},
            )
            with pytest.raises(ContentBlockedError):
                async for chunk in astream:
                    _texts([chunk], seen)
            return seen

        assert asyncio.run(main()) == {0: "a ", 1: "hello world"}


# `idio` spelt with 200 zero-width spaces after each letter: 4 letters folded, 804
# raw characters, more than the tail of the prefix the answer was screened with.
PADDED_IDIO = ("\u200b" * 200).join("idio") + "\u200b" * 200


@pytest.mark.parametrize("stream", [False, True])
def test_a_prefix_padded_with_invisible_characters_still_begins_the_term(
    harness: Harness, replies: Replies, stream: bool
) -> None:
    """A prefix completion whose prefix ends `idio` (invisible characters between the
    letters) and whose answer brings `t`: the app shows `idiot`, so the `t` is masked.
    The prefix's tail was cut by raw length, so the term's start fell outside it."""
    replies.text = "t, said the model"
    client = harness.client()
    messages = [
        {"role": "user", "content": "go on"},
        {"role": "assistant", "content": "you " + PADDED_IDIO, "prefix": True},
    ]
    if stream:
        chunks = client.chat.completions.create(
            model="deepseek-v4-flash", messages=messages, stream=True
        )
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    else:
        text = (
            client.chat.completions.create(model="deepseek-v4-flash", messages=messages)
            .choices[0]
            .message.content
        )
    assert text == "*, said the model"


class Chunked(SSEUpstream):
    """Answers `Chunked.pieces`: streamed as one choice's content pieces, else whole."""

    pieces: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = orjson.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        if not body.get("stream"):
            answer = {
                "id": "c1", "object": "chat.completion", "created": 1, "model": self.model,
                "choices": [{"index": 0, "finish_reason": "stop", "message": {
                    "role": "assistant", "content": "".join(self.pieces)}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }  # fmt: skip
            data = orjson.dumps(answer)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        for piece in self.pieces:
            self.content(piece)
        self.event({"index": 0, "delta": {}, "finish_reason": "stop"})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


# look-alikes, ligatures, whitespace runs, invisible characters and CJK padding
# around the lists' terms (idiot, ass, 笨蛋 masked; bomb, 炸弹 blocked)
ATOMS = [
    "idiot", "idi", "ot", "ﬁ", "ﬀ", "ⁱ", "ᵈ", "𝐢", "🅘", "ｉ", "\u0301", "\u200b",
    "\u3164", " ", "\t", "\n\n", "\u2028", " " * 40, "ass", "a", "s", "class", "笨",
    "蛋", "，", " . ", "\U0001f600", "x", "1", "bo", "mb", "炸", "弹", "!", "bomb", "炸 弹",
]  # fmt: skip


def _answer(client: Sentinel, stream: bool) -> tuple[str, bool]:
    """(the text the app got, whether the call was blocked)."""
    text = ""
    try:
        kwargs: dict[str, Any] = {"model": "deepseek-v4-flash", "stream": stream}
        answer = client.chat.completions.create(
            messages=[{"role": "user", "content": "hi"}], **kwargs
        )
        if not stream:
            return answer.choices[0].message.content or "", False
        for chunk in answer:
            text += "".join(c.delta.content or "" for c in chunk.choices)
    except ContentBlockedError:
        return text, True
    return text, False


def test_whole_and_streamed_answers_agree_under_random_chunkings(harness: Harness) -> None:
    """The app gets the same text whether the answer comes whole or in any chunking,
    and a block either way (the stream cut before the term: no blocked term in what
    it delivered): random texts of the atoms above, split at random, real client."""
    rnd = random.Random(22)
    with http_server(Chunked) as url:
        client = Sentinel(**(harness.kwargs() | {"base_url": url}))
        harness.clients.append(client)
        seen: set[tuple[bool, bool]] = set()
        for _ in range(60):
            text = "".join(rnd.choice(ATOMS) for _ in range(rnd.randint(1, 14)))
            cuts = sorted(rnd.sample(range(1, len(text)), min(len(text) - 1, 6)))
            spans = zip([0, *cuts], [*cuts, len(text)], strict=True)
            Chunked.pieces = [text[a:b] for a, b in spans]
            whole, whole_blocked = _answer(client, stream=False)
            streamed, blocked = _answer(client, stream=True)
            assert blocked == whole_blocked, Chunked.pieces
            if not blocked:
                assert streamed == whole, Chunked.pieces
            else:
                assert "violence" not in harness_matches(client, streamed), Chunked.pieces
            seen.add((blocked, streamed != "".join(Chunked.pieces)))
        assert seen == {(True, True), (False, True), (False, False)}  # blocks, masks, neither


def harness_matches(client: Sentinel, text: str) -> list[str]:
    """The categories the client's lists find in `text`."""
    return [m.category for m in client._core.safety.matcher.scan(text)[1]]


@pytest.mark.parametrize("stream", [False, True])
def test_the_proxy_takes_a_prompt_with_a_lone_surrogate(
    proxy: tuple[str, dict[str, str]], fake: Any, replies: Replies, stream: bool
) -> None:
    """JSON that escapes a lone surrogate (JavaScript's JSON.stringify of a broken
    string) is JSON: the proxy screened and sent it as the Python client does, rather
    than answering 400 "request body must be JSON"."""
    url, headers = proxy
    replies.text = "fine"
    body = (
        b'{"model": "deepseek-v4-flash", "thinking": {"type": "disabled"}, "stream": '
        + (b"true" if stream else b"false")
        + b', "messages": [{"role": "user", "content": "hi idiot \\ud800 there"}]}'
    )
    headers = headers | {"content-type": "application/json"}
    resp = httpx.post(f"{url}/v1/chat/completions", content=body, headers=headers, timeout=10)
    assert resp.status_code == 200, resp.text
    assert "fine" in resp.text
    sent = fake.requests[-1].json()["messages"][-1]["content"]
    assert sent.startswith("hi ***** ") and sent.endswith(" there")
