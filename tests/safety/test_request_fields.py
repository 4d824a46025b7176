"""Every text a prompt sends upstream is screened, and no listed term reaches telemetry:
message `name`s are screened like content (flag, mask, block), `stop` sequences by
their categories' actions, and the request parameters the span, the ECS line and the
call record carry (stop sequences, tool names, the tool choice) have every listed term
masked, a flagged one too. Real clients over loopback HTTP to FakeDeepSeek, and the
real proxy."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from safety_support import Harness

from sentinel.errors import ContentBlockedError
from sentinel.testing import FakeDeepSeek

MODEL = "deepseek-v4-flash"
OFF = {"type": "disabled"}


def sent(fake: FakeDeepSeek) -> dict[str, Any]:
    return fake.requests[-1].json()


def telemetry(harness: Harness) -> str:
    """Everything telemetry and the call record hold, as one text to search."""
    for c in harness.clients:
        c.flush()
    spans = [dict(s.attributes or {}) for s in harness.spans.get_finished_spans()]
    return json.dumps([spans, harness.log.getvalue(), harness.stored("calls")], default=str)


def test_a_message_name_is_masked_counted_and_blocked(harness: Harness, fake: FakeDeepSeek) -> None:
    client = harness.client()
    client.chat.completions.create(
        model=MODEL, thinking=OFF,
        messages=[
            {"role": "system", "name": "casino_host", "content": "be brief"},
            {"role": "user", "name": "idiot_bob", "content": "hi"},
        ],
    )  # fmt: skip
    names = [m.get("name") for m in sent(fake)["messages"]]
    assert names == ["casino_host", "*****_bob"]  # flag: sent as it is; mask: masked
    [call] = harness.calls()
    assert call["safety"]["counts"] == {"spam": 1, "insult-en": 1}
    with pytest.raises(ContentBlockedError) as info:
        client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "name": "bomb", "content": "hi"}]
        )
    assert info.value.categories == ["violence"] and info.value.direction == "input"
    assert fake.count() == 1  # the blocked one was never sent
    assert "bomb" not in "".join(harness.stored("conversations"))


def test_a_tool_result_is_screened_as_content(harness: Harness, fake: FakeDeepSeek) -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "look", "arguments": "{}"}}
    harness.client().chat.completions.create(
        model=MODEL, thinking=OFF,
        messages=[
            {"role": "user", "content": "look it up"},
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "name": "look", "content": "an idiot wrote it"},
        ],
    )  # fmt: skip
    assert sent(fake)["messages"][2]["content"] == "an ***** wrote it"


def test_stop_sequences_are_screened_and_never_reach_telemetry(
    harness: Harness, fake: FakeDeepSeek
) -> None:
    client = harness.client()
    client.chat.completions.create(
        model=MODEL, thinking=OFF, messages=[{"role": "user", "content": "hello"}],
        stop=["idiot", "casino", "\n\n"],
    )  # fmt: skip
    assert sent(fake)["stop"] == ["*****", "casino", "\n\n"]  # by each category's action
    [call] = harness.calls()
    assert call["safety"]["counts"] == {"insult-en": 1, "spam": 1}
    assert call["params"]["stop"] == ["*****", "******", "\n\n"]  # every term masked
    seen = telemetry(harness)
    assert "idiot" not in seen and "casino" not in seen
    spans = harness.spans.get_finished_spans()
    assert list(spans[-1].attributes["gen_ai.request.stop_sequences"]) == [
        "*****",
        "******",
        "\n\n",
    ]


def test_a_blocked_stop_sequence_refuses_the_call_and_is_not_in_telemetry(
    harness: Harness, fake: FakeDeepSeek
) -> None:
    with pytest.raises(ContentBlockedError):
        harness.client().chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "hello"}], stop=["a 炸弹 b"]
        )
    assert fake.count() == 0
    seen = telemetry(harness)
    assert "炸弹" not in seen and "\\u70b8\\u5f39" not in seen
    [call] = harness.calls()
    assert call["outcome"] == "failure" and call["params"]["stop"] == ["a ** b"]


def test_tool_names_and_the_tool_choice_never_carry_a_term_to_telemetry(
    harness: Harness, fake: FakeDeepSeek
) -> None:
    tools = [
        {"type": "function", "function": {"name": "casino_odds", "parameters": {"type": "object"}}},
        {"type": "function", "function": {"name": "idiot_check", "parameters": {"type": "object"}}},
    ]
    choice = {"type": "function", "function": {"name": "idiot_check"}}
    harness.client().chat.completions.create(
        model=MODEL, thinking=OFF, messages=[{"role": "user", "content": "hello"}],
        tools=tools, tool_choice=choice,
    )  # fmt: skip
    body = sent(fake)
    assert [t["function"]["name"] for t in body["tools"]] == ["casino_odds", "*****_check"]
    # the choice names the tool as its screened definition does, or it names no tool
    assert body["tool_choice"]["function"]["name"] == "*****_check"
    seen = telemetry(harness)
    assert "casino" not in seen and "idiot" not in seen
    [call] = harness.calls()
    assert call["params"]["tool_names"] == ["******_odds", "*****_check"]
    assert call["params"]["tool_choice"] == "function:*****_check"


def test_the_proxy_screens_names_and_stop_sequences(
    proxy: tuple[str, dict[str, str]], fake: FakeDeepSeek
) -> None:
    url, headers = proxy
    body = {
        "model": MODEL, "thinking": OFF, "stop": ["idiot"],
        "messages": [{"role": "user", "name": "idiot_bob", "content": "hello"}],
    }  # fmt: skip
    resp = httpx.post(f"{url}/v1/chat/completions", json=body, headers=headers, timeout=10)
    assert resp.status_code == 200
    upstream = sent(fake)
    assert upstream["stop"] == ["*****"] and upstream["messages"][0]["name"] == "*****_bob"
    blocked = httpx.post(
        f"{url}/v1/chat/completions", json=body | {"stop": ["bomb"]}, headers=headers, timeout=10
    )
    assert blocked.status_code == 400
    assert blocked.json()["error"]["code"] == "content_blocked"
    assert fake.count() == 1
