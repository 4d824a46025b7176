"""The request body on the wire (orjson, json.dumps for what orjson refuses) is the JSON
of exactly the body the client built: what DeepSeek receives is unchanged by the encoder."""

from __future__ import annotations

import json
from typing import Any

from sentinel.client.attempts import encode_body


def test_body_round_trips_and_is_compact_utf8() -> None:
    body = {
        "model": "deepseek-v4-flash",
        "messages": [{"role": "user", "content": '你好, café \u2028 "q" \\ \n'}],
        "temperature": 0.3,
        "stop": ["\n\n"],
        "max_tokens": 200,
        "logprobs": False,
        "response_format": None,
    }
    wire = encode_body(body)
    assert json.loads(wire) == body
    assert "你好".encode() in wire  # UTF-8, not \\u escapes
    assert b", " not in wire.split(b'"content"')[0]  # compact separators


def test_what_orjson_refuses_is_sent_as_json_dumps_would() -> None:
    huge: dict[str, Any] = {"model": "m", "extra": 2**70}
    assert encode_body(huge) == json.dumps(huge).encode()
    keyed: dict[Any, Any] = {"model": "m", "extra": {1: "a", 2.5: "b"}}
    assert encode_body(keyed) == json.dumps(keyed).encode()


def test_a_call_sends_that_body(harness: Any) -> None:
    client = harness.client()
    messages = [{"role": "user", "content": "héllo 你好"}]
    client.chat.completions.create(
        model="deepseek-v4-flash", messages=messages, extra_body={"seed": 2**70}
    )
    sent = harness.fake.requests[-1]
    assert sent.json()["messages"] == messages and sent.json()["seed"] == 2**70
