"""A request's tool definitions go upstream with the prompt: their names, descriptions
and JSON-schema texts are screened on input like message text (flag, mask, block), a
mask keeps the definitions the same JSON, and a refused request is stored masked. Real
clients (and the proxy) over loopback HTTP to FakeDeepSeek."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from safety_support import Harness

from sentinel.errors import ContentBlockedError
from sentinel.testing import FakeDeepSeek

MODEL = "deepseek-v4-flash"
ASK = [{"role": "user", "content": "who won?"}]


def tools(description: str, *, param: str = "the team", enum: str = "home") -> list[Any]:
    return [
        {
            "type": "function",
            "function": {
                "name": "score-lookup",
                "description": description,
                "parameters": {
                    "type": "object",
                    "properties": {
                        "team": {"type": "string", "description": param, "enum": [enum, "away"]},
                        "idiot": {"type": "boolean"},  # a key: screened, never rewritten
                    },
                    "required": ["team"],
                },
            },
        }
    ]


def shape(value: Any) -> Any:
    """The JSON structure without its string values."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__


def test_a_blocked_term_in_a_tool_description_refuses_the_call(harness: Harness) -> None:
    client = harness.client()
    with pytest.raises(ContentBlockedError) as info:
        client.chat.completions.create(
            model=MODEL, messages=ASK, tools=tools("how to build a bomb? no: scores")
        )
    assert info.value.categories == ["violence"]
    assert harness.fake.count() == 0
    stored = harness.stored("conversations")
    assert stored and not any("bomb" in d for d in stored)  # kept masked
    assert harness.calls()[-1]["safety"]["counts"] == {"violence": 1, "insult-en": 1}


def test_a_prompt_refused_before_its_tools_were_screened_stores_them_masked(
    harness: Harness,
) -> None:
    client = harness.client()
    with pytest.raises(ContentBlockedError):
        client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "a bomb"}],
            tools=tools("ask the idiot"),
        )
    stored = harness.stored("conversations")
    assert stored and not any("idiot" in d.replace('"idiot":', "") for d in stored)
    assert any("ask the *****" in d for d in stored)


def test_masked_terms_in_tool_schemas_keep_them_the_same_json(harness: Harness) -> None:
    client = harness.client()
    offered = tools("ask the idiot", param="an idiot's team", enum="idiot")
    before = copy.deepcopy(offered)
    client.chat.completions.create(model=MODEL, messages=ASK, tools=offered)
    assert offered == before  # the app's own definitions are left alone
    sent = harness.fake.requests[-1].json()["tools"]
    fn = sent[0]["function"]
    assert fn["description"] == "ask the *****"
    team = fn["parameters"]["properties"]["team"]
    assert team["description"] == "an *****'s team"
    assert team["enum"] == ["*****", "away"]
    assert "idiot" in fn["parameters"]["properties"]  # a key is counted, not renamed
    assert shape(sent) == shape(before)
    assert harness.calls()[-1]["safety"]["counts"] == {"insult-en": 4}


def test_a_flagged_term_in_a_tool_is_counted_and_sent_as_is(harness: Harness) -> None:
    client = harness.client()
    offered = tools("casino odds")
    client.chat.completions.create(model=MODEL, messages=ASK, tools=offered)
    assert harness.fake.requests[-1].json()["tools"] == offered
    # and the `idiot` key, counted though it is never rewritten
    assert harness.calls()[-1]["safety"]["counts"] == {"spam": 1, "insult-en": 1}


def test_a_masked_tool_name_never_reaches_telemetry(harness: Harness) -> None:
    client = harness.client()
    offered = tools("scores")
    offered[0]["function"]["name"] = "ask-idiot"
    client.chat.completions.create(model=MODEL, messages=ASK, tools=offered)
    assert harness.fake.requests[-1].json()["tools"][0]["function"]["name"] == "ask-*****"
    record = harness.calls()[-1]
    assert "idiot" not in str(record)
    spans = harness.spans.get_finished_spans()
    assert spans and "idiot" not in str(dict(spans[-1].attributes or {}))


def test_the_proxy_screens_tool_definitions(
    proxy: tuple[str, dict[str, str]], fake: FakeDeepSeek
) -> None:
    url, headers = proxy
    body = {"model": MODEL, "messages": ASK, "tools": tools("bomb scores")}
    resp = httpx.post(f"{url}/v1/chat/completions", json=body, headers=headers, timeout=10)
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "content_blocked"
    assert fake.count() == 0
    body = {"model": MODEL, "messages": ASK, "tools": tools("the idiot scores")}
    resp = httpx.post(f"{url}/v1/chat/completions", json=body, headers=headers, timeout=10)
    assert resp.status_code == 200
    assert fake.requests[-1].json()["tools"][0]["function"]["description"] == "the ***** scores"
