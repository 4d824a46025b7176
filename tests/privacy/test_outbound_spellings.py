"""Outbound redaction leftovers of issue 19, found by outside testers: a placeholder the
model writes JSON-escaped (`\\u003cPERSON_1\\u003e`, as Go's encoder and some models
write `<` and `>` inside a JSON string) is restored, and one value written two ways in a
request is one placeholder upstream and each spelling comes back as written. Real
client, real HTTP over loopback to FakeDeepSeek."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sentinel.privacy.outbound import PLACEHOLDER, OutboundMask, placeholder_name
from sentinel.privacy.redactor import Placeholders, value_key

MODEL = "deepseek-v4-flash"
NAME, EMAIL = "Brandon Gaines", "brandon.gaines@example.com"


def _go_style(messages: list[dict[str, Any]]) -> str:
    """A JSON answer quoting the (masked) prompt with `<` and `>` escaped."""
    prompt = messages[-1]["content"]
    answer = json.dumps({"guest": prompt, "status": "booked"})
    return answer.replace("<", "\\u003c").replace(">", "\\u003e")


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_a_json_escaped_placeholder_in_the_answer_is_restored(
    harness: Any, redactor: Any, stream: bool
) -> None:
    harness.fake.reply = _go_style
    client = harness.client()
    prompt = f'Book for {NAME} "VIP", mail {EMAIL}'
    kwargs: dict[str, Any] = {
        "model": MODEL,
        "messages": [{"role": "user", "content": prompt}],
        "response_format": {"type": "json_object"},
        "redact_outbound": True,
    }
    if stream:
        pieces = [
            c.choices[0].delta.content or ""
            for c in client.chat.completions.create(stream=True, **kwargs)
            if c.choices
        ]
        content = "".join(pieces)
    else:
        content = client.chat.completions.create(**kwargs).content
    sent = harness.fake.requests[-1].body
    assert NAME.encode() not in sent and EMAIL.encode() not in sent
    assert b"<PERSON_1>" in sent
    assert content is not None and "\\u003c" not in content  # every placeholder restored
    assert json.loads(content) == {"guest": prompt, "status": "booked"}  # still valid JSON


def test_escaped_placeholders_split_at_every_point_are_restored() -> None:
    mask = OutboundMask()
    mask.add("<PERSON_1>", 'Ana "Q"')
    answer = (
        '{"a": "\\u003cPERSON_1\\u003e", "b": "\\u003CPERSON_1>", "c": "\\\\u003cPERSON_1\\u003e"}'
    )
    want = '{"a": "Ana \\"Q\\"", "b": "Ana \\"Q\\"", "c": "\\\\u003cPERSON_1\\u003e"}'
    assert mask.restore(answer) == want  # the last is an escaped backslash's text
    for i in range(len(answer) + 1):
        for j in range(i, len(answer) + 1):
            r = mask.restorer()
            out = r.feed(answer[:i]) + r.feed(answer[i:j]) + r.feed(answer[j:]) + r.flush()
            assert out == want, (i, j)


SPELLED_TWICE = [
    "call 138 1234 5678 or, on WhatsApp, 13812345678 tonight",
    "card 4111 1111 1111 1111 (4111111111111111 on the form) expires",
    "Ask Anne Lynch, or ANNE LYNCH as the badge says, to call.",
    '客户张伟的资料：{"name": "\\u5f20\\u4f1f"}',  # the same name as prose and as JSON
]


@pytest.mark.parametrize("prompt", SPELLED_TWICE)
def test_a_value_written_two_ways_is_one_placeholder_and_each_comes_back(
    harness: Any, redactor: Any, prompt: str
) -> None:
    client = harness.client()
    resp = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": prompt}], redact_outbound=True
    )
    sent = json.loads(harness.fake.requests[-1].body)["messages"][-1]["content"]
    found = [placeholder_name(m) for m in PLACEHOLDER.finditer(sent)]
    assert len(found) == 2 and len(set(found)) == 1, sent  # one value upstream
    assert resp.content == f"Echo: {prompt}"  # the echo gets each spelling back as written
    streamed = "".join(
        c.choices[0].delta.content or ""
        for c in client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": prompt}],
            redact_outbound=True,
            stream=True,
        )
        if c.choices
    )
    assert streamed == f"Echo: {prompt}"


def test_past_the_request_s_spellings_the_first_one_is_used() -> None:
    mask = OutboundMask()
    mask.add("<PHONE_NUMBER_1>", "138 1234 5678")
    mask.add("<PHONE_NUMBER_1>", "13812345678")
    text = "<PHONE_NUMBER_1>, <PHONE_NUMBER_1>, <PHONE_NUMBER_1>"
    assert mask.restore(text) == "138 1234 5678, 13812345678, 138 1234 5678"
    assert mask.restore("<PHONE_NUMBER_1>") == "138 1234 5678"  # each text counts anew


def test_which_spellings_are_one_value() -> None:
    assert value_key("138 1234 5678") == value_key("13812345678")
    assert value_key("DE89 3704 0044 0532 0130 00") == value_key("de89370400440532013000")
    assert value_key("Anne  Lynch") == value_key("anne lynch")
    assert value_key("Li Na") != value_key("Lina")  # a space between words is a word break
    p = Placeholders()
    assert p.for_value("PERSON", "Jose\u0301") == p.for_value("PERSON", "JOSÉ") == "<PERSON_1>"
