"""Outbound redaction of every field that goes upstream, and restoring of every field
that comes back (issue 19): over real HTTP to FakeDeepSeek, asserting on the request
bytes it received, and to a loopback upstream that streams its answer one character
per event, so every placeholder arrives split at every point."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import client_harness
import pytest
from loopback import QuietHandler, http_server

from sentinel.client.outbound import MASKED_ATTR, unmask
from sentinel.privacy.outbound import PLACEHOLDER, OutboundMask

fake_deepseek = client_harness.fake_deepseek
fake_deepseek_factory = client_harness.fake_deepseek_factory
harness = client_harness.harness

NAME, EMAIL, PHONE = "Brandon Gaines", "brandon.gaines@example.com", "1-619-582-5697"
OTHER = "Anne Lynch"
VALUES = (NAME, EMAIL, PHONE, OTHER)
QUOTED = 'My name is Brandon "Bee" Gaines, book the table please.'  # found with its quotes


def _conversation() -> list[dict[str, Any]]:
    """Every message shape an app sends: a named participant, text parts, the thinking
    sent back, tool-call and legacy function_call arguments (JSON), a tool result."""
    arguments = {"guest": NAME, "contact": {"email": EMAIL, "phone": PHONE}, "seats": 2}
    return [
        {"role": "system", "content": "You book tables."},
        {
            "role": "user",
            "name": NAME,
            "content": [
                {"type": "text", "text": f"Mail me at {EMAIL}"},
                {"type": "text", "text": f"or call {PHONE}."},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "reasoning_content": f"{NAME} wants a table; confirm to {EMAIL}.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "book_table", "arguments": json.dumps(arguments)},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "call_1",
            "content": json.dumps({"status": "booked", "sent_to": EMAIL}),
        },
        {
            "role": "assistant",
            "content": None,
            "function_call": {"name": "notify", "arguments": json.dumps({"who": NAME})},
        },
        {"role": "user", "content": f"Thanks! Tell {OTHER} too, at {PHONE}."},
    ]


def _assert_not_upstream(body: bytes) -> None:
    """Neither in the bytes sent nor in their JSON's decoded strings (an escape)."""
    decoded = json.dumps(json.loads(body), ensure_ascii=False)
    for value in VALUES:
        assert value.encode() not in body and value not in decoded, value


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
        resp = _create(harness.client(), messages=_conversation())
    else:
        client = harness.aclient()
        resp = await _acreate(client, messages=_conversation())
        await client.aclose()
    body = harness.fake.requests[-1].body
    _assert_not_upstream(body)
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
    _assert_not_upstream(request.body)
    last = request.json()["messages"][-1]
    assert last["prefix"] is True and PLACEHOLDER.search(last["content"])
    assert resp.choices


def _tool_answer(stream: bool) -> dict[str, Any]:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "book_table",
                "description": "Books a table for the guest named in the query.",
                "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
            },
        }
    ]
    return {"messages": [{"role": "user", "content": QUOTED}], "tools": tools, "stream": stream}


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
        arguments = _arguments(_create(harness.client(), **_tool_answer(stream)), stream)
    else:
        client = harness.aclient()
        resp = await _acreate(client, **_tool_answer(stream))
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


# A loopback upstream that streams reasoning, content and a tool call's arguments one
# character per event, each echoing the (masked) last user message.
def _echo_events(text: str) -> list[dict[str, Any]]:
    arguments = json.dumps({"query": text})
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
    deltas += [{"reasoning_content": c} for c in f"Thinking about: {text}"]
    deltas += [{"content": c} for c in f"You said: {text}"]
    deltas.append({"tool_calls": [{"index": 0, "id": "call_9", "type": "function",
                                   "function": {"name": "echo", "arguments": ""}}]})  # fmt: skip
    deltas += [{"tool_calls": [{"index": 0, "function": {"arguments": c}}]} for c in arguments]
    events = [{"index": 0, "delta": d, "finish_reason": None} for d in deltas]
    events.append({"index": 0, "delta": {}, "finish_reason": "tool_calls"})
    return [
        {"id": "c1", "object": "chat.completion.chunk", "created": 1,
         "model": "deepseek-v4-flash", "choices": [e]}
        for e in events
    ]  # fmt: skip


class CharByChar(QuietHandler):
    protocol_version = "HTTP/1.1"
    bodies: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["content-length"]))
        type(self).bodies.append(raw)
        text = json.loads(raw)["messages"][-1]["content"]
        body = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in _echo_events(text))
        body += b"data: [DONE]\n\n"
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


PROMPT = f'{QUOTED} Mail {EMAIL} or call {PHONE}; C:\\path "x" stays.'


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
    _assert_not_upstream(CharByChar.bodies[-1])
    reasoning, content, arguments = _fields(chunks)
    assert reasoning == f"Thinking about: {PROMPT}"
    assert content == f"You said: {PROMPT}"
    assert json.loads(arguments) == {"query": PROMPT}
    assert chunks[-1].choices[-1].finish_reason == "tool_calls"
    harness.flush()
    stored = harness.store.get_conversation(chunks[0].request_id)
    assert stored is not None and EMAIL not in str(stored.completion)


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
