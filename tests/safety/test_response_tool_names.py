"""The answer's tool-call names reach the span (`sentinel.response.tool_names`), the ECS
call line and the call record with every listed term masked, as the request's tool
names already did: the model names a tool the request offered, and a tool named with
a flagged term is offered as it is, so the term came back in the answer and reached
telemetry unmasked (only categories and counts may). The app still gets the name.
Real client over loopback to FakeDeepSeek, whole and streamed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from safety_support import Harness

MODEL = "deepseek-v4-flash"
TOOLS = [
    {
        "type": "function",
        "function": {"name": "casino_lookup", "parameters": {"type": "object"}},
    }
]


def telemetry(harness: Harness) -> str:
    spans = [dict(s.attributes or {}) for s in harness.spans.get_finished_spans()]
    calls = json.dumps(harness.calls(), ensure_ascii=False)
    return json.dumps(spans, ensure_ascii=False, default=str) + harness.log.getvalue() + calls


@pytest.mark.parametrize("stream", [False, True])
def test_the_answers_tool_names_never_carry_a_term_to_telemetry(
    harness: Harness, stream: bool
) -> None:
    client = harness.client()
    messages: list[dict[str, Any]] = [{"role": "user", "content": "find it"}]
    resp = client.chat.completions.create(
        model=MODEL, messages=messages, tools=TOOLS, stream=stream
    )
    if stream:
        calls = [c for chunk in resp for ch in chunk.choices for c in ch.delta.tool_calls or []]
    else:
        calls = resp.choices[0].message.tool_calls
    names = [c["function"]["name"] for c in calls if c.get("function", {}).get("name")]
    assert names == ["casino_lookup"]  # the app gets the tool it offered
    [span] = harness.spans.get_finished_spans()
    assert span.attributes["sentinel.response.tool_names"] == ("******_lookup",)
    [call] = harness.calls()
    assert call["tool_call_names"] == ["******_lookup"]
    assert call["safety"]["categories"] == ["spam"]  # the flagged tool name, counted
    assert "casino" not in telemetry(harness)
