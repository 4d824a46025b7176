"""Outbound redaction of JSON written with `\\uXXXX` escapes in a message (issue 19):
over real HTTP to FakeDeepSeek, which echoes the last user message, checking the raw
request bytes."""

from __future__ import annotations

import json
from typing import Any


def test_escaped_json_values_never_go_upstream_and_come_back_as_written(
    harness: Any, redactor: Any
) -> None:
    record = {"name": "张伟", "addr": "上海市浦东新区世纪大道100号"}
    text = "客户资料：" + json.dumps(record)  # \u5f20\u4f1f: what the app wrote
    client = harness.client()
    resp = client.chat.completions.create(
        model="deepseek-v4-flash",
        messages=[{"role": "user", "content": text}],
        redact_outbound=True,
    )
    raw = harness.fake.requests[-1].body
    sent = json.loads(raw)["messages"][-1]["content"]
    for value in record.values():
        assert value.encode() not in raw
        assert json.dumps(value)[1:-1] not in sent  # the escaped form
    assert sent.startswith("客户资料：{") and "<PERSON_1>" in sent
    assert resp.content == f"Echo: {text}"  # restored byte for byte, escapes included
