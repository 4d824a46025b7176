"""Outbound redaction of every field that goes upstream, and restoring of every field
that comes back (issue 19): over real HTTP to FakeDeepSeek, asserting on the request
bytes it received, and to a loopback upstream that streams its answer one character
per event (tests/outbound_support.py), so every placeholder arrives split anywhere."""

from __future__ import annotations

import json
from typing import Any

import client_harness
import pytest
from loopback import http_server
from outbound_support import (
    EMAIL,
    NAME,
    OTHER,
    PHONE,
    PROMPT,
    QUOTED,
    VALUES,
    CharByChar,
    assert_not_upstream,
    conversation,
    tool_request,
)

from sentinel.client.outbound import MASKED_ATTR, unmask
from sentinel.privacy.outbound import PLACEHOLDER, OutboundMask

fake_deepseek = client_harness.fake_deepseek
fake_deepseek_factory = client_harness.fake_deepseek_factory
harness = client_harness.harness


def _create(client: Any, **kwargs: Any) -> Any:
    return client.chat.completions.create(model="deepseek-v4-flash", redact_outbound=True, **kwargs)


async def _acreate(client: Any, **kwargs: Any) -> Any:
    return await client.chat.completions.create(
        model="deepseek-v4-flash", redact_outbound=True, **kwargs
    )


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_no_message_field_reaches_upstream_raw(
    harness: Any, redactor: Any, kind: str
) -> None:
    if kind == "sync":
        resp = _create(harness.client(), messages=conversation())
    else:
        client = harness.aclient()
        resp = await _acreate(client, messages=conversation())
        await client.aclose()
    body = harness.fake.requests[-1].body
    assert_not_upstream(body)
    sent = json.loads(body)["messages"]
    person = sent[1]["name"]
    email = PLACEHOLDER.search(sent[1]["content"][0]["text"])
    assert PLACEHOLDER.fullmatch(person) and email is not None
    # one numbering for the request: a value is one placeholder in every field
    arguments = json.loads(sent[2]["tool_calls"][0]["function"]["arguments"])
    assert arguments["guest"] == person and arguments["contact"]["email"] == email.group()
    assert arguments["seats"] == 2  # still JSON, keys and numbers kept
    assert person in sent[2]["reasoning_content"] and email.group() in sent[2]["reasoning_content"]
    assert json.loads(sent[3]["content"])["sent_to"] == email.group()
    assert json.loads(sent[4]["function_call"]["arguments"]) == {"who": person}
    phone = json.loads(sent[2]["tool_calls"][0]["function"]["arguments"])["contact"]["phone"]
    assert phone in sent[1]["content"][1]["text"] and phone in sent[5]["content"]
    # the app's own words and code stay as written
    assert sent[0] == {"role": "system", "content": "You book tables."}
    assert sent[2]["tool_calls"][0]["id"] == "call_1"
    assert sent[2]["tool_calls"][0]["function"]["name"] == "book_table"
    assert sent[4]["function_call"]["name"] == "notify" and sent[3]["tool_call_id"] == "call_1"
    assert resp.content is not None and OTHER in resp.content and PHONE in resp.content
    harness.flush()
    stored = harness.store.get_conversation(resp.request_id)
    assert stored is not None
    assert not any(v in json.dumps(stored.messages, ensure_ascii=False) for v in VALUES)
    span = harness.spans.get_finished_spans()[-1]
    assert span.attributes[MASKED_ATTR] >= 12


def test_prefix_completion_message_is_masked(harness: Any, redactor: Any) -> None:
    resp = _create(
        harness.client(),
        messages=[
            {"role": "user", "content": "Write the greeting."},
            {"role": "assistant", "content": f"Dear {NAME}, ", "prefix": True},
        ],
    )
    request = harness.fake.requests[-1]
    assert request.path == "/beta/chat/completions"
    assert_not_upstream(request.body)
    last = request.json()["messages"][-1]
    assert last["prefix"] is True and PLACEHOLDER.search(last["content"])
    assert resp.choices


def _arguments(resp: Any, stream: bool) -> str:
    if not stream:
        return resp.choices[0].message.tool_calls[0]["function"]["arguments"]
    return "".join(
        call["function"].get("arguments") or ""
        for chunk in resp
        for choice in chunk.choices
        for call in choice.delta.tool_calls or []
    )


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_tool_call_arguments_come_back_as_valid_json(
    harness: Any, redactor: Any, stream: bool, kind: str
) -> None:
    if kind == "sync":
        arguments = _arguments(_create(harness.client(), **tool_request(stream)), stream)
    else:
        client = harness.aclient()
        resp = await _acreate(client, **tool_request(stream))
        if stream:
            chunks = [chunk async for chunk in resp]
            arguments = _arguments(chunks, True)
        else:
            arguments = _arguments(resp, False)
        await client.aclose()
    sent = harness.fake.requests[-1].json()
    masked = sent["messages"][-1]["content"]
    assert '"Bee"' not in masked and "Gaines" not in masked
    # the tool definition is the app's schema: sent as written
    assert sent["tools"][0]["function"]["description"].startswith("Books a table")
    if stream:  # FakeDeepSeek streams the arguments in two halves: cut inside the name
        upstream_arguments = json.dumps({"query": masked})
        half = len(upstream_arguments) // 2
        assert any(m.start() < half < m.end() for m in PLACEHOLDER.finditer(upstream_arguments))
    assert json.loads(arguments) == {"query": QUOTED}


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_json_answer_with_a_backslash_and_quotes_stays_json(
    harness: Any, redactor: Any, stream: bool
) -> None:
    # a participant's name is masked whole, whatever it holds
    name = 'Gaines\\Brandon "B"'
    harness.fake.reply = lambda messages: json.dumps({"user": messages[-1]["name"]})
    resp = _create(
        harness.client(),
        messages=[{"role": "user", "name": name, "content": "Who am I? Answer in JSON."}],
        response_format={"type": "json_object"},
        thinking={"type": "disabled"},
        stream=stream,
    )
    assert name not in harness.fake.requests[-1].json()["messages"][-1]["name"]
    if stream:
        content = "".join(c.choices[0].delta.content or "" for c in resp if c.choices)
    else:
        content = resp.content
    assert json.loads(content) == {"user": name}


def _fields(chunks: list[Any]) -> tuple[str, str, str]:
    """(reasoning, content, arguments) the app assembled from the chunks."""
    reasoning = content = arguments = ""
    for chunk in chunks:
        for choice in chunk.choices:
            reasoning += choice.delta.reasoning_content or ""
            content += choice.delta.content or ""
            for call in choice.delta.tool_calls or []:
                arguments += call["function"].get("arguments") or ""
    return reasoning, content, arguments


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_every_streamed_field_is_restored_when_split_anywhere(
    harness: Any, redactor: Any, kind: str
) -> None:
    CharByChar.bodies = []
    with http_server(CharByChar) as url:
        messages = [{"role": "user", "content": PROMPT}]
        if kind == "sync":
            chunks = list(_create(harness.client(base_url=url), messages=messages, stream=True))
        else:
            client = harness.aclient(base_url=url)
            chunks = [c async for c in await _acreate(client, messages=messages, stream=True)]
            await client.aclose()
    assert_not_upstream(CharByChar.bodies[-1])
    reasoning, content, arguments = _fields(chunks)
    assert reasoning == f"Thinking about: {PROMPT}"
    assert content == f"You said: {PROMPT}"
    assert json.loads(arguments) == {"query": PROMPT}
    assert chunks[-1].choices[-1].finish_reason == "tool_calls"
    harness.flush()
    stored = harness.store.get_conversation(chunks[0].request_id)
    assert stored is not None  # the masked form only, the answer's fields too
    dumped = json.dumps(stored.model_dump(mode="json"), ensure_ascii=False)
    assert "<EMAIL_ADDRESS_1>" in dumped
    assert not any(v in dumped for v in (EMAIL, PHONE, "Gaines"))


def _chunks(pieces: list[str], field: str) -> list[Any]:
    from sentinel.client.types import ChatCompletionChunk

    def delta(piece: str) -> dict[str, Any]:
        if field == "arguments":
            return {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}
        return {field: piece}

    events = [{"index": 0, "delta": delta(p)} for p in pieces]
    events.append({"index": 0, "delta": {}, "finish_reason": "stop"})
    return [ChatCompletionChunk.model_validate({"choices": [e]}) for e in events]


class _Chunks:
    """A finished stream's chunks, as the client's Stream yields them."""

    request_id = "r1"

    def __init__(self, chunks: list[Any]) -> None:
        self._chunks = iter(chunks)

    def __iter__(self) -> Any:
        return self._chunks

    def close(self) -> None:
        pass


@pytest.mark.parametrize("field", ["content", "reasoning_content", "arguments"])
def test_split_at_every_pair_of_points_restores_every_field(field: str) -> None:
    value = 'Ana "Q" Garc\\ía'
    mask = OutboundMask(values={"<PERSON_1>": value, "<EMAIL_ADDRESS_2>": "a@b.cn"})
    text = "<PERSON_1> at <EMAIL_ADDRESS_2>, not <PHONE_9>; 1 < 2 <"
    upstream = json.dumps({"q": text}, ensure_ascii=False)
    restored = text.replace("<PERSON_1>", value).replace("<EMAIL_ADDRESS_2>", "a@b.cn")
    if field == "arguments":  # JSON: the values JSON-escaped, so it parses to them
        want = json.dumps({"q": restored}, ensure_ascii=False)
    else:  # text: the values as written
        want = upstream.replace("<PERSON_1>", value).replace("<EMAIL_ADDRESS_2>", "a@b.cn")
    n = ("reasoning_content", "content", "arguments").index(field)
    for i in range(0, len(upstream) + 1, 3):
        for j in range(i, len(upstream) + 1, 2):
            pieces = [upstream[:i], upstream[i:j], upstream[j:]]
            out = _fields(list(unmask(_Chunks(_chunks(pieces, field)), mask)))[n]
            assert out == want, (i, j)
    if field == "arguments":
        assert json.loads(want) == {"q": restored}


def test_arguments_that_are_not_json_are_restored_as_text() -> None:
    from sentinel.client.types import ChatCompletion

    mask = OutboundMask(values={"<PERSON_1>": 'Ana "Q"'})
    answer = ChatCompletion.model_validate(
        {"choices": [{"message": {"tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "f", "arguments": "<PERSON_1>"}},
            {"id": "d", "function": {"name": "g", "arguments": '["<PERSON_1>"]'}},
        ]}}]}
    )  # fmt: skip
    calls = unmask(answer, mask).choices[0].message.tool_calls
    assert calls[0]["function"]["arguments"] == 'Ana "Q"'
    assert json.loads(calls[1]["function"]["arguments"]) == ['Ana "Q"']
    assert answer.choices[0].message.tool_calls[0]["function"]["arguments"] == "<PERSON_1>"


def test_messages_as_tuples_and_read_only_mappings_are_masked(harness: Any, redactor: Any) -> None:
    # the client accepts any sequence of mappings: none of them may go up unmasked
    from types import MappingProxyType

    parts = (MappingProxyType({"type": "text", "text": f"Mail me at {EMAIL}"}),)
    messages = (
        MappingProxyType({"role": "user", "name": NAME, "content": parts}),
        MappingProxyType({"role": "user", "content": f"Tell {OTHER}, at {PHONE}."}),
    )
    resp = _create(harness.client(), messages=messages)
    assert_not_upstream(harness.fake.requests[-1].body)
    assert resp.content is not None and OTHER in resp.content
