"""A shim upstream (a gateway in front of DeepSeek) may send usage that is not what
DeepSeek sends: nulls, negative, fractional, string or absurd counts, a details list
instead of an object, usage as a string. The answer is fine; usage is only telemetry, so
the app gets its answer, and the record, span and ECS line carry the counts that make
sense (the others unknown), never a value the stores or the histogram refuse. Likewise
streamed tool-call deltas whose `index` is a string, null or missing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from loopback import QuietHandler, http_server

MSG = [{"role": "user", "content": "hi"}]
GOOD = {"prompt_tokens": "12", "completion_tokens": 5.0, "total_tokens": 17}
USAGES: dict[str, Any] = {
    "nulls": {"prompt_tokens": None, "completion_tokens": None, "total_tokens": None,
              "prompt_cache_hit_tokens": None, "completion_tokens_details": None},
    "negative": {"prompt_tokens": -5, "completion_tokens": 3, "total_tokens": -2,
                 "prompt_cache_hit_tokens": -3,
                 "completion_tokens_details": {"reasoning_tokens": -7}},
    "words": {"prompt_tokens": "lots", "completion_tokens": 2.5, "total_tokens": True,
              "completion_tokens_details": [1, 2]},
    "huge": {"prompt_tokens": 10**30, "completion_tokens": 1, "total_tokens": 10**30,
             "prompt_cache_hit_tokens": 10**20},
    "usage_string": "lots",
}  # fmt: skip


def _body(usage: Any, stream: bool) -> bytes:
    if not stream:
        return json.dumps({
            "id": "c1", "object": "chat.completion", "created": 1, "model": "deepseek-v4-flash",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "hello"}}],
            "usage": usage,
        }).encode()  # fmt: skip
    chunks = [
        {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "hello"}}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": usage},
    ]
    events = b"".join(
        b"data: " + json.dumps({"id": "c1", "object": "chat.completion.chunk", "created": 1,
                                "model": "deepseek-v4-flash", **c}).encode() + b"\n\n"
        for c in chunks
    )  # fmt: skip
    return events + b"data: [DONE]\n\n"


def _shim(usage: Any, stream: bool, body: bytes | None = None) -> type[QuietHandler]:
    body = _body(usage, stream) if body is None else body

    class Shim(QuietHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            self.send_response(200)
            kind = "text/event-stream" if stream else "application/json"
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Shim


def _answer(client: Any, stream: bool) -> str:
    kw = {"model": "deepseek-v4-flash", "messages": MSG, "thinking": {"type": "disabled"}}
    if not stream:
        return client.chat.completions.create(**kw).content
    return "".join(
        c.choices[0].delta.content or ""
        for c in client.chat.completions.create(**kw, stream=True)
        if c.choices
    )


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize("name", list(USAGES))
def test_odd_usage_never_fails_the_call(harness: Any, name: str, stream: bool) -> None:
    with http_server(_shim(USAGES[name], stream)) as url:
        assert _answer(harness.client(base_url=url), stream) == "hello"
    harness.assert_one_each(1)
    record = harness.calls()[0]
    span = harness.spans.get_finished_spans()[0]
    assert record.outcome == "success" and record.error_type is None
    assert span.status.is_ok
    for value in (record.input_tokens, record.output_tokens, record.cache_hit_tokens,
                  record.reasoning_tokens):  # fmt: skip
        assert value is None or 0 <= value < 2**63
    if name == "negative":
        assert record.output_tokens == 3 and record.cache_hit_tokens is None


def test_count_strings_and_whole_floats_are_kept(harness: Any) -> None:
    with http_server(_shim(GOOD, False)) as url:
        _answer(harness.client(base_url=url), False)
    record = harness.calls()[0]
    assert (record.input_tokens, record.output_tokens) == (12, 5)


def test_tool_call_deltas_with_odd_indexes_are_assembled(harness: Any) -> None:
    def tool(index: Any, **fields: Any) -> dict[str, Any]:
        return {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": index, **fields}]}}]}

    chunks = [
        tool(0, type="function", function={"name": "get_weather"}),
        tool("0", id="call_1", function={"arguments": '{"city"'}),
        tool("0", function={"arguments": ': "Paris"}'}),
        tool(None, id="call_2", function={"name": "lookup", "arguments": "{}"}),
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    ]
    events = b"".join(
        b"data: " + json.dumps({"id": "c1", "object": "chat.completion.chunk", "created": 1,
                                "model": "deepseek-v4-flash", **c}).encode() + b"\n\n"
        for c in chunks
    ) + b"data: [DONE]\n\n"  # fmt: skip
    kw = {"model": "deepseek-v4-flash", "messages": MSG, "stream": True}
    with http_server(_shim(None, True, events)) as url:
        assert len(list(harness.client(base_url=url).chat.completions.create(**kw))) == 5
    harness.assert_one_each(1)
    record = harness.calls()[0]
    assert record.tool_call_names == ["get_weather", "lookup"]
    calls = harness.store.get_conversation(record.request_id).tool_calls
    assert calls[0]["id"] == "call_1" and json.loads(calls[0]["function"]["arguments"]) == {
        "city": "Paris"
    }
