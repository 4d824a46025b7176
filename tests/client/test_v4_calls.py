"""DeepSeek V4 on the client: thinking mode and reasoning_content, tool calls, stream
timings, conversation ids, the model catalogue's warnings and model drift."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

import pytest

from sentinel.client import core as client_core
from sentinel.config import Settings
from sentinel.errors import InvalidRequestError

MSG = [{"role": "user", "content": "what is the weather in Paris"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
        },
    }
]


@pytest.fixture(autouse=True)
def _fresh_warnings() -> None:
    client_core._warned.clear()  # "once per process": each test is a fresh process here


def span_of(harness: Any, request_id: str) -> Any:
    return next(
        s
        for s in harness.spans.get_finished_spans()
        if s.attributes["sentinel.request_id"] == request_id
    )


def line_of(harness: Any, request_id: str) -> dict[str, Any]:
    return next(x for x in harness.log_lines() if x["sentinel"]["request_id"] == request_id)


def test_thinking_and_effort_are_sent_recorded_and_reasoning_is_stored(harness: Any) -> None:
    client = harness.client()
    resp = client.chat.completions.create(
        model="deepseek-v4-pro", messages=MSG, thinking={"type": "enabled"}, reasoning_effort="max"
    )
    sent = harness.fake.requests[-1].json()
    assert sent["thinking"] == {"type": "enabled"} and sent["reasoning_effort"] == "max"
    reasoning = resp.choices[0].message.reasoning_content
    assert reasoning
    harness.flush()
    record = harness.store.get_call(resp.request_id)
    assert record.params.thinking == "enabled" and record.params.reasoning_effort == "max"
    span = span_of(harness, resp.request_id)
    assert span.attributes["sentinel.request.thinking"] == "enabled"
    assert span.attributes["sentinel.request.reasoning_effort"] == "max"
    assert line_of(harness, resp.request_id)["sentinel"]["request"]["thinking"] == "enabled"
    conv = harness.store.get_conversation(resp.request_id)
    assert conv.reasoning_content == reasoning
    # content stays out of telemetry unless capture is on
    assert reasoning not in json.dumps(dict(span.attributes))
    assert reasoning not in harness.log.getvalue()


def test_thinking_default_comes_from_the_catalogue(harness: Any) -> None:
    client = harness.client()
    on = client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    off = client.chat.completions.create(
        model="deepseek-v4-flash", messages=MSG, thinking={"type": "disabled"}
    )
    assert "thinking" not in harness.fake.requests[0].json()  # the default is DeepSeek's
    harness.flush()
    assert harness.store.get_call(on.request_id).params.thinking == "enabled"
    assert harness.store.get_call(off.request_id).params.thinking == "disabled"
    assert off.choices[0].message.reasoning_content is None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"thinking": {"type": "on"}}, "thinking must be"),
        ({"thinking": True}, "thinking must be"),
        ({"reasoning_effort": "extreme"}, "reasoning_effort must be one of"),
        ({"tool_choice": "sometimes"}, "tool_choice must be"),
        ({"conversation_id": ""}, "conversation_id must be"),
        ({"logprobs": True}, "logprobs is not supported in thinking mode"),
    ],
)
def test_bad_v4_arguments_fail_before_sending(harness: Any, kwargs: Any, match: str) -> None:
    client = harness.client()
    with pytest.raises(InvalidRequestError, match=match):
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG, **kwargs)
    assert harness.fake.count() == 0


def test_logprobs_pass_without_thinking(harness: Any) -> None:
    client = harness.client()
    client.chat.completions.create(
        model="deepseek-v4-flash", messages=MSG, thinking={"type": "disabled"}, logprobs=True
    )
    assert harness.fake.requests[-1].json()["logprobs"] is True


def warnings_of(harness: Any) -> list[Any]:
    return [
        e
        for s in harness.spans.get_finished_spans()
        for e in s.events
        if e.name == "sentinel.warning"
    ]


def test_sampling_in_thinking_mode_warns_once(
    harness: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = harness.client()
    with caplog.at_level(logging.WARNING, logger="sentinel.client"):
        for _ in range(3):
            client.chat.completions.create(model="deepseek-v4-flash", messages=MSG, temperature=0.3)
    assert [r.getMessage() for r in caplog.records if "thinking mode" in r.getMessage()] == [
        "temperature has no effect in thinking mode (deepseek-v4-flash); DeepSeek ignores it"
    ]
    [event] = warnings_of(harness)
    assert event.attributes["sentinel.warning.kind"] == "sampling"
    [point] = harness.metric_points("sentinel.client.warnings")
    assert point.value == 1 and point.attributes["sentinel.warning.kind"] == "sampling"


def test_retired_alias_warns_once_and_fails_as_deepseek_answers(harness: Any) -> None:
    from datetime import UTC, datetime

    from sentinel.errors import BadRequestError

    harness.clock.set(datetime(2026, 7, 24, 16, 0, tzinfo=UTC))
    client = harness.client()
    for _ in range(2):
        with pytest.raises(BadRequestError, match="Model Not Exist") as info:
            client.chat.completions.create(model="deepseek-chat", messages=MSG)
        # the error names the alias and what the catalogue says to call instead
        assert "'deepseek-chat' was retired" in str(info.value)
        assert "use 'deepseek-v4-flash' with thinking={'type': 'disabled'}" in str(info.value)
    with pytest.raises(BadRequestError) as info:
        client.chat.completions.create(model="deepseek-reasoner", messages=MSG)
    assert "use 'deepseek-v4-flash' with thinking={'type': 'enabled'}" in str(info.value)
    with pytest.raises(BadRequestError) as info:  # not in the catalogue: DeepSeek's words only
        client.chat.completions.create(model="deepseek-v9", messages=MSG)
    assert str(info.value) == "HTTP 400: Model Not Exist"
    [event, _] = warnings_of(harness)
    message = event.attributes["sentinel.warning.message"]
    assert "retired on 2026-07-24" in message and "deepseek-v4-flash" in message


def test_models_file_extends_the_catalogue_and_model_drift_is_flagged(
    harness: Any, tmp_path: Any
) -> None:
    models = tmp_path / "models.yml"
    models.write_text(
        "models:\n  deepseek-v4-flash:\n    thinking_default: false\n"
        "aliases:\n  support-model:\n    target: deepseek-v4-flash\n    thinking: false\n"
    )
    harness.fake.models.append("support-model")
    client = harness.client(settings=Settings(models_file=models))
    plain = client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert plain.choices[0].message.reasoning_content  # the fake still thinks by default
    harness.flush()
    assert harness.store.get_call(plain.request_id).params.thinking == "disabled"
    alias = client.chat.completions.create(model="support-model", messages=MSG)
    [event] = warnings_of(harness)
    assert "alias of 'deepseek-v4-flash'" in event.attributes["sentinel.warning.message"]
    harness.flush()
    assert harness.store.get_call(alias.request_id).model_drift is False


def test_model_drift_when_the_answer_names_another_model(harness: Any) -> None:
    import sentinel.testing.v4 as fake_v4

    client = harness.client()
    original = fake_v4.completion

    def rerouted(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return original(*args, **kwargs) | {"model": "deepseek-flash"}

    fake_v4.completion = rerouted
    try:
        resp = client.chat.completions.create(model="deepseek-v4-pro", messages=MSG)
    finally:
        fake_v4.completion = original
    harness.flush()
    record = harness.store.get_call(resp.request_id)
    assert record.model == "deepseek-v4-pro" and record.response_model == "deepseek-flash"
    assert record.model_drift is True
    span = span_of(harness, resp.request_id)
    assert span.attributes["gen_ai.request.model"] == "deepseek-v4-pro"
    assert span.attributes["gen_ai.response.model"] == "deepseek-flash"
    assert span.attributes["sentinel.model_drift"] is True


def test_bad_models_file_names_file_and_line(harness: Any, tmp_path: Any) -> None:
    from sentinel.errors import ConfigurationError

    models = tmp_path / "models.yml"
    models.write_text("models:\n  m1:\n    context_tokens: -5\n")
    with pytest.raises(
        ConfigurationError, match=re.escape(f"{models}:3: m1: context_tokens must be")
    ):
        harness.client(settings=Settings(models_file=models))
    models.write_text("aliases:\n  a1:\n    thinking: false\n")
    with pytest.raises(
        ConfigurationError, match=re.escape(f"{models}:3: alias a1: target is required")
    ):
        harness.client(settings=Settings(models_file=models))
    with pytest.raises(ConfigurationError, match=r"SENTINEL_MODELS_FILE .*cannot read"):
        harness.client(settings=Settings(models_file=tmp_path / "missing.yml"))


def _tool_turns(client: Any, stream: bool, conversation_id: str) -> tuple[Any, Any]:
    """A tool-call turn, then the answer after the tool's result."""
    first = client.chat.completions.create(
        model="deepseek-v4-flash", messages=MSG, tools=TOOLS, tool_choice="auto",
        stream=stream, conversation_id=conversation_id,
    )  # fmt: skip
    if stream:
        chunks = list(first)
        calls: dict[int, Any] = {}
        reasoning = "".join(c.choices[0].delta.reasoning_content or "" for c in chunks if c.choices)
        for c in chunks:
            for d in (c.choices[0].delta.tool_calls or []) if c.choices else []:
                calls.setdefault(d["index"], []).append(d)
        call = {
            "id": calls[0][0]["id"],
            "type": "function",
            "function": {
                "name": calls[0][0]["function"]["name"],
                "arguments": "".join(d["function"].get("arguments", "") for d in calls[0]),
            },
        }
        request_id = first.request_id
    else:
        message = first.choices[0].message
        call, reasoning, request_id = (
            message.tool_calls[0],
            message.reasoning_content,
            first.request_id,
        )
    follow = [
        *MSG,
        {"role": "assistant", "content": "", "reasoning_content": reasoning, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": "sunny, 21 C"},
    ]
    second = client.chat.completions.create(
        model="deepseek-v4-flash", messages=follow, tools=TOOLS, stream=stream,
        conversation_id=conversation_id,
    )  # fmt: skip
    if stream:
        list(second)
    return request_id, second.request_id


def _advance(harness: Any) -> Any:
    """Client whose clock moves a second per call, as turns of a dialogue do."""
    original = harness.clock.now

    def ticking() -> Any:
        harness.clock.advance(1)
        return original()

    harness.clock.now = ticking
    return harness.client()


@pytest.mark.parametrize("stream", [False, True])
def test_tool_calls_are_stored_named_in_telemetry_and_the_conversation_is_listed(
    harness: Any, stream: bool
) -> None:
    client = _advance(harness)
    first_id, second_id = _tool_turns(client, stream, "conv-7")
    harness.flush()
    first = harness.store.get_call(first_id)
    assert first.tool_calls == 1 and first.tool_call_names == ["get_weather"]
    assert first.params.tool_names == ["get_weather"] and first.params.tool_choice == "auto"
    assert first.finish_reasons == ["tool_calls"]
    span = span_of(harness, first_id)
    assert span.attributes["sentinel.response.tool_names"] == ("get_weather",)
    assert span.attributes["sentinel.response.tool_calls"] == 1
    assert span.attributes["sentinel.request.tool_names"] == ("get_weather",)
    assert span.attributes["gen_ai.conversation.id"] == "conv-7"
    assert line_of(harness, first_id)["gen_ai"]["conversation"]["id"] == "conv-7"
    conv = harness.store.get_conversation(first_id)
    [call] = conv.tool_calls
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"query": MSG[0]["content"]}
    assert conv.tools == TOOLS and conv.tool_choice == "auto"
    assert conv.conversation_id == "conv-7" and conv.reasoning_content
    # the arguments are content: not in telemetry
    assert (
        "Paris" not in json.dumps(dict(span.attributes)) and "Paris" not in harness.log.getvalue()
    )
    calls = harness.store.conversation_calls("conv-7")
    assert [c.request_id for c in calls] == [first_id, second_id]
    assert harness.store.get_call(second_id).tool_calls is None


def test_stream_timings_separate_queueing_from_generation(harness: Any) -> None:
    harness.fake.keepalive_comments = 3
    harness.fake.queue_delay = 0.3
    client = harness.client()
    stream = client.chat.completions.create(model="deepseek-v4-flash", messages=MSG, stream=True)
    list(stream)
    harness.flush()
    record = harness.store.get_call(stream.request_id)
    assert record.keepalives == 3
    assert record.keepalive_time is not None and record.keepalive_time >= 0.15
    assert record.time_to_first_chunk >= record.keepalive_time
    assert record.time_to_first_content >= record.time_to_first_chunk
    assert record.duration_ms / 1000 >= record.time_to_first_content
    span = span_of(harness, stream.request_id)
    assert span.attributes["gen_ai.response.time_to_first_chunk"] == record.time_to_first_chunk
    assert span.attributes["sentinel.response.keepalives"] == 3
    line = line_of(harness, stream.request_id)
    assert line["gen_ai"]["response"]["time_to_first_chunk"] == record.time_to_first_chunk
    [point] = harness.metric_points("gen_ai.client.operation.time_to_first_chunk")
    assert point.count == 1 and point.sum == pytest.approx(record.time_to_first_chunk)
    start = record.timestamp.replace(microsecond=0)
    from datetime import timedelta

    [stats] = harness.store.call_stats(start - timedelta(seconds=1), start + timedelta(minutes=1))
    assert stats.ttft_p95_ms == pytest.approx(record.time_to_first_chunk * 1000)


def test_async_stream_assembles_reasoning_and_tool_calls(harness: Any) -> None:
    client = harness.aclient()

    async def run() -> str:
        stream = await client.chat.completions.create(
            model="deepseek-v4-flash", messages=MSG, tools=TOOLS, stream=True,
            conversation_id="conv-a",
        )  # fmt: skip
        async for _ in stream:
            pass
        await client.aclose()
        return stream.request_id

    request_id = asyncio.run(run())
    record = harness.store.get_call(request_id)
    conv = harness.store.get_conversation(request_id)
    assert record.tool_call_names == ["get_weather"] and record.time_to_first_chunk is not None
    assert conv.tool_calls[0]["function"]["arguments"] == json.dumps({"query": MSG[0]["content"]})
    assert conv.reasoning_content and record.conversation_id == "conv-a"


def test_response_cache_keys_on_the_thinking_mode(harness: Any) -> None:
    client = harness.client(settings=Settings(cache=True))
    base = dict(model="deepseek-v4-flash", messages=MSG, temperature=0.0)
    client.chat.completions.create(**base, thinking={"type": "disabled"})
    client.flush()
    client.chat.completions.create(**base, thinking={"type": "enabled"})
    client.flush()
    client.chat.completions.create(**base, thinking={"type": "enabled"})
    assert harness.fake.count() == 2  # one miss per mode, then a hit


def test_content_capture_puts_reasoning_and_tool_calls_in_telemetry(harness: Any) -> None:
    client = harness.client(settings=Settings(capture_content_in_telemetry=True))
    resp = client.chat.completions.create(model="deepseek-v4-flash", messages=MSG, tools=TOOLS)
    span = span_of(harness, resp.request_id)
    [out] = json.loads(span.attributes["gen_ai.output.messages"])
    assert out["reasoning_content"] == resp.choices[0].message.reasoning_content
    assert out["tool_calls"][0]["function"]["name"] == "get_weather"


def test_chat_prefix_completion_goes_to_the_beta_path(harness: Any) -> None:
    client = harness.client()
    resp = client.chat.completions.create(
        model="deepseek-v4-flash",
        messages=[*MSG, {"role": "assistant", "content": "```python\n", "prefix": True}],
        thinking={"type": "disabled"},
    )
    assert harness.fake.requests[-1].path == "/beta/chat/completions"
    harness.flush()
    assert harness.store.get_call(resp.request_id).params.prefix is True
