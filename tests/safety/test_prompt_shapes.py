"""Every text of a prompt that goes upstream is screened, whatever shape the app gave
it: an earlier tool call's function name (the model reads it, as it reads a message's
`name`), tool-call arguments sent as a JSON object instead of a string, a content
part whose `text` is a list or an object, and `reasoning_content` given as a list.
Each of them went upstream (and into the store) unscreened, so a block list's term
got past it and a mask list's term reached the model. Real client and proxy over
loopback to FakeDeepSeek."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from safety_support import Harness

from sentinel.errors import ContentBlockedError

MODEL = "deepseek-v4-flash"


def after_call(name: str, arguments: Any) -> list[dict[str, Any]]:
    call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}
    return [
        {"role": "user", "content": "look it up"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "done"},
        {"role": "user", "content": "thanks"},
    ]


BLOCKED = {
    "an earlier call's name": after_call("炸弹", "{}"),
    "arguments as an object": after_call("lookup", {"q": "make a bomb"}),
    "a part's text as an object": [
        {"role": "user", "content": [{"type": "text", "text": {"t": "炸弹"}}]}
    ],
    "a part's text as a list": [{"role": "user", "content": [{"type": "text", "text": ["炸弹"]}]}],
    "reasoning as a list": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "ok", "reasoning_content": ["a bomb"]},
        {"role": "user", "content": "go on"},
    ],
}


@pytest.mark.parametrize("shape", sorted(BLOCKED))
def test_a_blocked_term_in_any_shape_refuses_the_prompt(harness: Harness, shape: str) -> None:
    client = harness.client()
    with pytest.raises(ContentBlockedError):
        client.chat.completions.create(model=MODEL, messages=BLOCKED[shape])
    assert harness.fake.count() == 0
    [conversation] = harness.stored("conversations")
    assert "炸弹" not in conversation and "bomb" not in conversation


def test_masked_terms_in_earlier_calls_are_what_the_upstream_receives(harness: Harness) -> None:
    client = harness.client()
    messages = after_call("idiot", {"who": "an idiot", "n": 1})
    client.chat.completions.create(model=MODEL, messages=messages)
    sent = harness.fake.requests[-1].json()["messages"][1]["tool_calls"][0]["function"]
    assert sent == {"name": "*****", "arguments": {"who": "an *****", "n": 1}}
    assert messages == after_call("idiot", {"who": "an idiot", "n": 1})  # the app's own
    [call] = harness.calls()
    assert call["safety"]["counts"] == {"insult-en": 2}


def test_the_proxy_refuses_arguments_sent_as_an_object_with_a_blocked_term(
    proxy: tuple[str, dict[str, str]], fake: Any
) -> None:
    url, headers = proxy
    body = {"model": MODEL, "messages": after_call("lookup", {"q": "炸弹"})}
    r = httpx.post(f"{url}/v1/chat/completions", json=body, headers=headers, timeout=30)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "content_blocked"
    assert "炸弹" not in r.text
    assert fake.count() == 0
