"""The issue's bar: one real `openai` SDK dialogue through the proxy and one through the
Python client, each in thinking mode with a tool call and a streamed answer, produce
records, spans and ECS lines carrying every V4 field (asserted by name). Also the
proxy's FIM and balance relays, scope-checked."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from proxy_support import ServerThread

from sentinel.client import Sentinel
from sentinel.client.async_ import AsyncSentinel
from sentinel.config import Settings
from sentinel.proxy.app import create_proxy_app
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek
from sentinel.web.state import web_state

SYSTEM = {"role": "system", "content": "You answer weather questions for ACME travellers."}
USER = {"role": "user", "content": "what is the weather in Paris"}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
        },
    }
]
# (record field, span attribute, ECS path) of every V4 field the dialogue must produce
V4_FIELDS = [
    ("params.thinking", "sentinel.request.thinking", "sentinel.request.thinking"),
    ("params.reasoning_effort", "sentinel.request.reasoning_effort",
     "sentinel.request.reasoning_effort"),
    ("params.tool_names", "sentinel.request.tool_names", "sentinel.request.tool_names"),
    ("params.tool_choice", "sentinel.request.tool_choice", "sentinel.request.tool_choice"),
    ("conversation_id", "gen_ai.conversation.id", "gen_ai.conversation.id"),
    ("response_model", "gen_ai.response.model", "gen_ai.response.model"),
    ("cache_hit_tokens", "gen_ai.usage.cache_read.input_tokens",
     "gen_ai.usage.cache_read.input_tokens"),
    ("cache_miss_tokens", "sentinel.usage.cache_miss.input_tokens",
     "sentinel.usage.cache_miss.input_tokens"),
    ("reasoning_tokens", "gen_ai.usage.reasoning.output_tokens",
     "gen_ai.usage.reasoning.output_tokens"),
    ("time_to_first_chunk", "gen_ai.response.time_to_first_chunk",
     "gen_ai.response.time_to_first_chunk"),
    ("time_to_first_content", "sentinel.response.time_to_first_content",
     "sentinel.response.time_to_first_content"),
    ("keepalives", "sentinel.response.keepalives", "sentinel.response.keepalives"),
    ("keepalive_time", "sentinel.response.keepalive_time", "sentinel.response.keepalive_time"),
]  # fmt: skip
TOOL_FIELDS = [
    ("tool_calls", "sentinel.response.tool_calls", "sentinel.response.tool_calls"),
    ("tool_call_names", "sentinel.response.tool_names", "sentinel.response.tool_names"),
]


class Observed:
    """In-memory spans and a captured ECS log beside a SQLite store."""

    def __init__(self, tmp_path: Path) -> None:
        self.spans = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.log = io.StringIO()
        self.store = SQLiteStore(tmp_path / "v4.db")
        self.store.setup()

    def kwargs(self, fake: FakeDeepSeek, tmp_path: Path) -> dict[str, Any]:
        return dict(
            api_key=fake.api_key, base_url=fake.url, store=self.store,
            tracer_provider=self.tracer_provider, log_stream=self.log,
            settings=Settings(spool_dir=tmp_path / "spool"),
        )  # fmt: skip

    def span(self, request_id: str) -> Any:
        return next(
            s
            for s in self.spans.get_finished_spans()
            if s.attributes["sentinel.request_id"] == request_id
        )

    def line(self, request_id: str) -> dict[str, Any]:
        lines = [json.loads(x) for x in self.log.getvalue().splitlines()]
        return next(x for x in lines if x["sentinel"]["request_id"] == request_id)


@pytest.fixture
def fake() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek(keepalive_comments=2, queue_delay=0.05) as server:
        yield server


def _at(doc: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        doc = doc[part]
    return doc


def _value(record: Any, name: str) -> Any:
    for part in name.split("."):
        record = getattr(record, part)
    return record


def assert_fields(obs: Observed, record: Any, fields: list[tuple[str, str, str]]) -> None:
    span, line = obs.span(record.request_id), obs.line(record.request_id)
    for name, attr, ecs in fields:
        value = _value(record, name)
        assert value is not None and value != [], name
        expected = tuple(value) if isinstance(value, list) else value
        assert span.attributes[attr] == expected, name
        assert _at(line, ecs) == value, name


def _dialogue_checks(obs: Observed, first_id: str, second_id: str) -> None:
    first, second = obs.store.get_call(first_id), obs.store.get_call(second_id)
    assert first.params.stream and second.params.stream
    assert first.params.thinking == "enabled" and first.finish_reasons == ["tool_calls"]
    assert_fields(obs, first, V4_FIELDS + TOOL_FIELDS)
    assert_fields(obs, second, V4_FIELDS)
    assert second.cache_hit_tokens > 0  # the second turn repeats the first's prefix
    assert [c.request_id for c in obs.store.conversation_calls("trip-1")] == [
        first_id,
        second_id,
    ]
    conv = obs.store.get_conversation(first_id)
    assert conv.reasoning_content and conv.tool_calls[0]["function"]["name"] == "get_weather"
    assert obs.store.get_conversation(second_id).completion.startswith("Echo:")


def _stream_turn(chunks: Any) -> tuple[str, dict[str, Any] | None, str]:
    reasoning, text, parts = "", "", {}
    for chunk in chunks:
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        reasoning += getattr(delta, "reasoning_content", None) or ""
        text += delta.content or ""
        for d in delta.tool_calls or []:
            entry = parts.setdefault(d.index, {"id": None, "name": "", "arguments": ""})
            entry["id"] = d.id or entry["id"]
            if d.function is not None:
                entry["name"] += d.function.name or ""
                entry["arguments"] += d.function.arguments or ""
    call = None
    if parts:
        p = parts[0]
        call = {"id": p["id"], "type": "function",
                "function": {"name": p["name"], "arguments": p["arguments"]}}  # fmt: skip
    return reasoning, call, text


def test_openai_sdk_dialogue_through_the_proxy(fake: FakeDeepSeek, tmp_path: Path) -> None:
    obs = Observed(tmp_path)
    client = AsyncSentinel(**obs.kwargs(fake, tmp_path))
    app = create_proxy_app(client, close_client=True)
    token = web_state(app).tokens.create("t-proxy", ["proxy"])[0]
    with ServerThread(app) as server:
        sdk = openai.OpenAI(base_url=f"{server.url}/v1", api_key=token, max_retries=0)
        headers = {"X-Sentinel-Conversation": "trip-1"}
        thinking = {"thinking": {"type": "enabled"}}
        with sdk.chat.completions.with_streaming_response.create(
            model="deepseek-v4-flash", messages=[SYSTEM, USER], tools=TOOLS, tool_choice="auto",
            reasoning_effort="high", stream=True, extra_headers=headers, extra_body=thinking,
        ) as raw:  # fmt: skip
            first_id = raw.headers["x-request-id"]
            reasoning, call, _ = _stream_turn(raw.parse())
        assert call is not None and call["function"]["name"] == "get_weather"
        follow = [
            SYSTEM, USER,
            {"role": "assistant", "content": "", "reasoning_content": reasoning,
             "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": "sunny"},
        ]  # fmt: skip
        with sdk.chat.completions.with_streaming_response.create(
            model="deepseek-v4-flash", messages=follow, tools=TOOLS, tool_choice="auto",
            reasoning_effort="high", stream=True, extra_headers=headers, extra_body=thinking,
        ) as raw:  # fmt: skip
            second_id = raw.headers["x-request-id"]
            _, _, text = _stream_turn(raw.parse())
        assert text.startswith("Echo:")
    obs.tracer_provider.force_flush()
    _dialogue_checks(obs, first_id, second_id)
    obs.store.close()


def test_python_client_dialogue(fake: FakeDeepSeek, tmp_path: Path) -> None:
    obs = Observed(tmp_path)
    with Sentinel(**obs.kwargs(fake, tmp_path)) as client:
        args = dict(
            model="deepseek-v4-flash", tools=TOOLS, tool_choice="auto",
            thinking={"type": "enabled"}, reasoning_effort="high", stream=True,
            conversation_id="trip-1",
        )  # fmt: skip
        first = client.chat.completions.create(messages=[SYSTEM, USER], **args)
        reasoning, call, _ = _stream_turn(_as_sdk_chunks(first))
        follow = [
            SYSTEM, USER,
            {"role": "assistant", "content": "", "reasoning_content": reasoning,
             "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": "sunny"},
        ]  # fmt: skip
        second = client.chat.completions.create(messages=follow, **args)
        list(second)
        client.flush()
    _dialogue_checks(obs, first.request_id, second.request_id)
    obs.store.close()


def _as_sdk_chunks(stream: Any) -> Iterator[Any]:
    """Sentinel's chunks with the tool-call deltas as attribute objects, like the SDK's."""
    from types import SimpleNamespace as NS

    for chunk in stream:
        for choice in chunk.choices:
            deltas = choice.delta.tool_calls or []
            choice.delta.tool_calls = [
                NS(index=d["index"], id=d.get("id"),
                   function=NS(name=d.get("function", {}).get("name"),
                               arguments=d.get("function", {}).get("arguments")))
                for d in deltas
            ] or None  # fmt: skip
        yield chunk


def test_proxy_relays_fim_and_balance_scope_checked(fake: FakeDeepSeek, tmp_path: Path) -> None:
    import httpx

    obs = Observed(tmp_path)
    client = AsyncSentinel(**obs.kwargs(fake, tmp_path))
    app = create_proxy_app(client, close_client=True)
    registry = web_state(app).tokens
    token = registry.create("t-proxy", ["proxy"])[0]
    other = registry.create("t-alerts", ["alerts:read"])[0]
    fake.balances = {"CNY": 12.5}
    with ServerThread(app) as server:
        auth = {"authorization": f"Bearer {token}"}
        resp = httpx.post(
            f"{server.url}/beta/completions",
            json={"model": "deepseek-v4-flash", "prompt": "def add(a, b):", "suffix": "return c",
                  "max_tokens": 20, "metadata": {"conversation_id": "code-1"}},
            headers=auth,
        )  # fmt: skip
        assert resp.status_code == 200, resp.text
        assert resp.json()["object"] == "text_completion"
        request_id = resp.headers["x-request-id"]
        balance = httpx.get(f"{server.url}/user/balance", headers=auth)
        assert balance.status_code == 200
        assert balance.json()["balance_infos"][0] == {
            "currency": "CNY", "total_balance": "12.50", "granted_balance": "0.00",
            "topped_up_balance": "12.50",
        }  # fmt: skip
        for path, method in (("/user/balance", "GET"), ("/beta/completions", "POST")):
            assert httpx.request(method, server.url + path).status_code == 401
            denied = httpx.request(
                method, server.url + path, headers={"authorization": f"Bearer {other}"}
            )
            assert denied.status_code == 403
    assert fake.requests[0].path == "/beta/completions"
    assert fake.requests[0].json()["suffix"] == "return c"
    record = obs.store.get_call(request_id)
    assert record.operation == "text_completion" and record.conversation_id == "code-1"
    assert record.input_tokens and record.cache_miss_tokens is not None
    conv = obs.store.get_conversation(request_id)
    assert conv.messages[0]["suffix"] == "return c" and conv.completion
    assert obs.span(request_id).name == "text_completion deepseek-v4-flash"
    obs.store.close()
