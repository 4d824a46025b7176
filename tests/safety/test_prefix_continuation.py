"""Chat prefix completion (DeepSeek beta: the last message is the assistant's, with
`prefix: True`): the app shows the prefix and the answer as one text, so the answer is
screened as the prefix's continuation. A term the prefix begins and the answer ends
(`you idi` + `ot`) is found: masked in the answer's characters, blocked before any of
them. Both clients, whole and streamed, and the proxy, over loopback to FakeDeepSeek."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest
from safety_support import Harness

from sentinel.errors import ContentBlockedError
from sentinel.testing import FakeDeepSeek

MODEL = "deepseek-v4-flash"


def _kwargs(prefix: str, stream: bool = False) -> dict[str, Any]:
    return {
        "model": MODEL, "thinking": {"type": "disabled"}, "stream": stream,
        "messages": [{"role": "user", "content": "go on"},
                     {"role": "assistant", "content": prefix, "prefix": True}],
    }  # fmt: skip


def _sync(harness: Harness, prefix: str, stream: bool) -> str:
    client = harness.client()
    if not stream:
        return client.chat.completions.create(**_kwargs(prefix)).content or ""
    chunks = client.chat.completions.create(**_kwargs(prefix, True))
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def _async(harness: Harness, prefix: str, stream: bool) -> str:
    async def run() -> str:
        client = harness.aclient()
        if not stream:
            text = (await client.chat.completions.create(**_kwargs(prefix))).content or ""
        else:
            chunks = await client.chat.completions.create(**_kwargs(prefix, True))
            text = "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])
        await client.flush()  # (stored before the test reads the records)
        return text

    return asyncio.run(run())


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("read", [_sync, _async])
def test_a_term_the_prefix_begins_is_masked_in_the_answer(
    harness: Harness, fake: FakeDeepSeek, read: Any, stream: bool
) -> None:
    fake.reply = lambda _messages: "ot, you see"
    assert read(harness, "you idi", stream) == "**, you see"
    fake.reply = lambda _messages: "蛋吗"
    assert read(harness, "他是笨", stream) == "*吗"  # insult-zh: output only
    fake.reply = lambda _messages: "matic phrase"
    assert read(harness, "an idio", stream) == "matic phrase"  # idiomatic: no term
    fake.reply = lambda _messages: " you idiot"
    assert read(harness, "well", stream) == " you *****"  # the answer's own, as ever
    counts = [c["safety"]["counts"] for c in harness.calls() if c.get("safety")]
    assert counts == [{"insult-en": 1}, {"insult-zh": 1}, {"insult-en": 1}]


@pytest.mark.parametrize("stream", [False, True])
def test_a_blocked_term_the_prefix_begins_fails_the_call(
    harness: Harness, fake: FakeDeepSeek, stream: bool
) -> None:
    fake.reply = lambda _messages: "mb is here"
    client = harness.client()
    got = ""
    with pytest.raises(ContentBlockedError):
        result = client.chat.completions.create(**_kwargs("where the bo", stream))
        for chunk in result if stream else ():
            got += "".join(c.delta.content or "" for c in chunk.choices)
    assert got == ""  # not one character of the term


@pytest.mark.parametrize("stream", [False, True])
def test_the_proxy_screens_the_answer_as_the_prefix_continued(
    proxy: tuple[str, dict[str, str]], fake: FakeDeepSeek, stream: bool
) -> None:
    fake.reply = lambda _messages: "ot, you see"
    url, headers = proxy
    for path in ("/v1/chat/completions", "/beta/chat/completions"):
        body = _kwargs("you idi", stream)
        resp = httpx.post(f"{url}{path}", json=body, headers=headers, timeout=10)
        assert resp.status_code == 200, resp.text
        if stream:
            data = [ln[6:] for ln in resp.text.splitlines() if ln.startswith("data: {")]
            events = [orjson.loads(d) for d in data]
            text = "".join(c["delta"].get("content") or "" for e in events for c in e["choices"])
        else:
            text = resp.json()["choices"][0]["message"]["content"]
        assert text == "**, you see"
