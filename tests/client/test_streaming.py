"""Streaming: chunks over SSE with keep-alive comments, usage from the last chunk, and
one span / log line / record whether the stream completes, breaks or is abandoned."""

from __future__ import annotations

import gc
import json

import pytest

from sentinel.client.sse import ChunkParser
from sentinel.errors import APIConnectionError, SentinelAPIError
from sentinel.testing import Fault

MSG = [{"role": "user", "content": "one two three"}]


def test_stream_yields_text_and_records_usage(harness):
    harness.fake.keepalive_comments = 3
    client = harness.client()
    stream = client.chat.completions.create(model="deepseek-v4-flash", messages=MSG, stream=True)
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Echo: one two three"
    assert chunks[-1].usage is not None
    assert all(c.request_id == stream.request_id for c in chunks)
    harness.assert_one_each(1)
    rec = harness.store.get_call(stream.request_id)
    assert rec.outcome == "success" and rec.params.stream
    assert rec.total_tokens == chunks[-1].usage.total_tokens
    assert rec.finish_reasons == ["stop"]
    assert harness.store.get_conversation(stream.request_id).completion == text
    assert harness.fake.requests[0].json()["stream"] is True


def test_truncated_stream_raises_and_is_recorded_as_failure(harness):
    harness.fake.fail(Fault.truncate(after_chunks=2))
    client = harness.client()
    stream = client.chat.completions.create(model="deepseek-v4-flash", messages=MSG, stream=True)
    got = []
    with pytest.raises(APIConnectionError, match="stream"):
        for chunk in stream:
            got.append(chunk)
    assert len(got) == 2
    harness.assert_one_each(1)
    rec = harness.store.get_call(stream.request_id)
    assert rec.outcome == "failure" and rec.error_type == "APIConnectionError"


def test_error_reply_cut_mid_body_raises_a_sentinel_error(harness):
    harness.fake.fail(Fault.error(500, cut_body=True))  # status sent, body cut short
    client = harness.client()
    with pytest.raises(APIConnectionError, match="connection"):
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG, stream=True)
    harness.assert_one_each(1)
    [rec] = harness.calls()
    assert rec.outcome == "failure" and rec.error_type == "APIConnectionError"


async def test_async_error_reply_cut_mid_body_raises_a_sentinel_error(harness):
    harness.fake.fail(Fault.error(503, cut_body=True))
    client = harness.aclient()
    with pytest.raises(APIConnectionError, match="connection"):
        await client.chat.completions.create(model="deepseek-v4-flash", messages=MSG, stream=True)
    await client.aclose()
    harness.assert_one_each(1)
    [rec] = harness.calls()
    assert rec.outcome == "failure" and rec.error_type == "APIConnectionError"


def test_stream_closed_early_is_reported_once_as_abandoned(harness):
    client = harness.client()
    with client.chat.completions.create(model="deepseek-v4-flash", messages=MSG, stream=True) as s:
        next(s)
    s.close()  # a second close does not report again
    harness.assert_one_each(1)
    line = harness.log_lines()[0]
    assert line["sentinel"]["stream_abandoned"] is True
    span = harness.spans.get_finished_spans()[0]
    assert span.attributes["sentinel.stream_abandoned"] is True


def test_stream_dropped_by_the_app_is_reported_when_collected(harness):
    client = harness.client()

    def read_one():
        stream = client.chat.completions.create(
            model="deepseek-v4-flash", messages=MSG, stream=True
        )
        for _chunk in stream:
            break

    read_one()
    gc.collect()
    harness.assert_one_each(1)


def test_stream_retries_before_first_byte(harness):
    harness.fake.script(429)
    client = harness.client()
    stream = client.chat.completions.create(model="deepseek-v4-flash", messages=MSG, stream=True)
    assert list(stream)
    assert harness.clock.sleeps == [1.0]
    harness.assert_one_each(1)
    assert harness.store.get_call(stream.request_id).retries == 1


async def test_async_stream(harness):
    client = harness.aclient()
    stream = await client.chat.completions.create(
        model="deepseek-v4-flash", messages=MSG, stream=True
    )
    text = ""
    async for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
    assert text == "Echo: one two three"
    abandoned = await client.chat.completions.create(
        model="deepseek-v4-flash", messages=MSG, stream=True
    )
    async with abandoned:
        await abandoned.__anext__()
    harness.fake.fail(Fault.truncate(after_chunks=1))
    broken = await client.chat.completions.create(
        model="deepseek-v4-flash", messages=MSG, stream=True
    )
    with pytest.raises(APIConnectionError):
        async for _ in broken:
            pass
    await client.aclose()
    harness.assert_one_each(3)
    outcomes = [r.outcome for r in harness.calls()]
    assert outcomes == ["success", "success", "failure"]


async def test_async_stream_dropped_by_the_app_is_reported_when_collected(harness):
    client = harness.aclient()

    async def read_one():
        stream = await client.chat.completions.create(
            model="deepseek-v4-flash", messages=MSG, stream=True
        )
        async for _chunk in stream:
            break

    await read_one()
    gc.collect()
    await client.aclose()
    harness.assert_one_each(1)
    assert harness.log_lines()[0]["sentinel"]["stream_abandoned"] is True


def _chunk(content=None, finish=None, usage=None):
    choice = {"index": 0, "delta": {"content": content}, "finish_reason": finish}
    doc = {"id": "c1", "model": "deepseek-v4-flash", "choices": [choice]}
    if usage:
        doc["usage"] = usage
    return "data: " + json.dumps(doc)


def test_parser_skips_keepalives_and_takes_usage_from_the_last_chunk():
    p = ChunkParser("rid")
    usage = {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}
    lines = [": keep-alive", "", _chunk("Hi"), "", ": keep-alive", "", ": keep-alive"]
    lines += ["", _chunk(" there", "stop", usage), "", "data: [DONE]", ""]
    chunks = [c for c in map(p.feed, lines) if c is not None]
    assert [c.request_id for c in chunks] == ["rid", "rid"]
    assert p.acc.text == "Hi there" and p.acc.usage.total_tokens == 5
    assert p.done and p.complete and p.acc.finish_reasons == ["stop"]


def test_parser_tolerates_a_missing_terminator_but_not_garbage():
    p = ChunkParser("rid")
    assert p.feed(_chunk("Hi", "stop")) is None  # event not terminated yet
    assert p.end().choices[0].delta.content == "Hi"
    assert p.complete and not p.done
    garbled = ChunkParser("rid")
    garbled.feed("data: {not json")
    with pytest.raises(SentinelAPIError, match="unparseable stream chunk"):
        garbled.feed("")


def test_finished_streams_hand_their_connection_back(harness):
    """After `data: [DONE]` the client reads the body's end, so the next call reuses the
    connection instead of paying a new TCP (and TLS) handshake before its first byte."""
    client = harness.client()
    for _ in range(4):
        with client.chat.completions.create(
            model="deepseek-v4-flash", messages=MSG, stream=True
        ) as s:
            assert list(s)
    client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert harness.fake.count() == 5 and harness.fake.connections_opened == 1
    harness.assert_one_each(5)
