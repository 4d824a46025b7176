"""Outbound redaction (issue 19): over real HTTP to FakeDeepSeek, which echoes the last
user message, so what the provider received is what it answers with."""

from __future__ import annotations

from typing import Any

import pytest

from sentinel.client.outbound import MASKED_ATTR, MASKED_TYPES_ATTR
from sentinel.privacy.outbound import OutboundMask

PROMPT = "Hi, I'm Brandon Gaines, mail brandon.gaines@example.com or call 1-619-582-5697."
VALUES = ("Brandon Gaines", "brandon.gaines@example.com", "1-619-582-5697")


def _sent(fake: Any) -> str:
    return fake.requests[-1].json()["messages"][-1]["content"]


def test_prompt_is_masked_upstream_and_answer_restored(harness: Any, redactor: Any) -> None:
    client = harness.client()
    resp = client.chat.completions.create(
        model="deepseek-v4-flash",
        messages=[{"role": "user", "content": PROMPT}],
        redact_outbound=True,
    )
    upstream = _sent(harness.fake)
    for value in VALUES:
        assert value not in upstream
    assert "<PERSON_1>" in upstream and "<EMAIL_ADDRESS_1>" in upstream
    assert resp.content is not None and all(v in resp.content for v in VALUES)
    harness.flush()
    stored = harness.store.get_conversation(resp.request_id)
    assert stored is not None
    assert stored.messages[-1]["content"] == upstream  # the masked form
    assert stored.completion is not None and "Brandon Gaines" not in stored.completion
    span = harness.spans.get_finished_spans()[-1]
    assert span.attributes[MASKED_ATTR] == 3
    assert set(span.attributes[MASKED_TYPES_ATTR]) == {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER"}


def test_off_by_default_and_per_call_false_wins(
    harness: Any, redactor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = harness.client()
    client.chat.completions.create(
        model="deepseek-v4-flash", messages=[{"role": "user", "content": PROMPT}]
    )
    assert _sent(harness.fake) == PROMPT
    assert MASKED_ATTR not in harness.spans.get_finished_spans()[-1].attributes
    monkeypatch.setenv("SENTINEL_REDACT_OUTBOUND", "true")
    on = harness.client()
    on.chat.completions.create(
        model="deepseek-v4-flash", messages=[{"role": "user", "content": PROMPT}]
    )
    assert "Brandon Gaines" not in _sent(harness.fake)
    on.chat.completions.create(
        model="deepseek-v4-flash",
        messages=[{"role": "user", "content": PROMPT}],
        redact_outbound=False,
    )
    assert _sent(harness.fake) == PROMPT


def test_stream_is_restored_for_the_app(harness: Any, redactor: Any) -> None:
    client = harness.client()
    stream = client.chat.completions.create(
        model="deepseek-v4-flash",
        messages=[{"role": "user", "content": PROMPT}],
        stream=True,
        redact_outbound=True,
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert all(v in text for v in VALUES)
    assert "<PERSON_1>" not in text
    assert "Brandon Gaines" not in _sent(harness.fake)


async def test_async_stream_is_restored(harness: Any, redactor: Any) -> None:
    client = harness.aclient()
    stream = await client.chat.completions.create(
        model="deepseek-v4-flash",
        messages=[{"role": "user", "content": PROMPT}],
        stream=True,
        redact_outbound=True,
    )
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert all(v in text for v in VALUES)
    await client.aclose()


def test_bad_flag_is_refused(harness: Any) -> None:
    from sentinel.errors import InvalidRequestError

    with pytest.raises(InvalidRequestError, match="redact_outbound"):
        harness.client().chat.completions.create(
            model="deepseek-v4-flash",
            messages=[{"role": "user", "content": "x"}],
            redact_outbound=1,
        )


def test_placeholder_split_at_every_point_is_restored() -> None:
    mask = OutboundMask(values={"<PERSON_1>": "高阳", "<EMAIL_ADDRESS_12>": "a@b.cn"})
    answer = "你好<PERSON_1>，已发到<EMAIL_ADDRESS_12>。a < b, <UNKNOWN_3> stays; ends <"
    want = "你好高阳，已发到a@b.cn。a < b, <UNKNOWN_3> stays; ends <"
    for i in range(len(answer) + 1):
        for j in range(i, len(answer) + 1):
            r = mask.restorer()
            out = r.feed(answer[:i]) + r.feed(answer[i:j]) + r.feed(answer[j:]) + r.flush()
            assert out == want, (i, j)


def test_placeholder_already_in_the_prompt_keeps_its_meaning(harness: Any, redactor: Any) -> None:
    # A prompt quoting a literal "<PERSON_1>" (a template, a redacted log): the real
    # name must get another number, else the echo of the literal is "restored" to it.
    prompt = "Our template has a <PERSON_1> slot. My name is Siobhan Gallagher."
    resp = harness.client().chat.completions.create(
        model="deepseek-v4-flash",
        messages=[{"role": "user", "content": prompt}],
        redact_outbound=True,
    )
    upstream = _sent(harness.fake)
    assert "Siobhan Gallagher" not in upstream
    assert upstream.count("<PERSON_1>") == 1 and "<PERSON_2>" in upstream
    assert resp.content is not None
    assert "<PERSON_1> slot" in resp.content and "Siobhan Gallagher" in resp.content


def test_fim_prompt_and_suffix_are_masked_upstream(harness: Any, redactor: Any) -> None:
    client = harness.client()
    resp = client.completions.create(
        model="deepseek-v4-flash",
        prompt=f"# {PROMPT}\ndef greet():\n",
        suffix="\n# signed: Brandon Gaines\n",
        redact_outbound=True,
    )
    sent = harness.fake.requests[-1].json()
    for value in VALUES:
        assert value not in sent["prompt"] and value not in sent["suffix"]
    # one numbering for both ends: the same name is the same placeholder
    assert "<PERSON_1>" in sent["prompt"] and "<PERSON_1>" in sent["suffix"]
    assert resp.content  # the answer came back through unmask
    span = harness.spans.get_finished_spans()[-1]
    assert span.attributes[MASKED_ATTR] == 4
    harness.flush()
    stored = harness.store.get_conversation(resp.request_id)
    assert stored is not None and "Brandon Gaines" not in str(stored.messages)


def test_fim_answer_is_restored_for_the_app() -> None:
    from sentinel.client.outbound import unmask
    from sentinel.client.types import TextChoice, TextCompletion

    mask = OutboundMask(values={"<PERSON_1>": "Brandon Gaines"})
    answer = TextCompletion(choices=[TextChoice(text='print("hi <PERSON_1>")')])
    restored = unmask(answer, mask)
    assert restored.choices[0].text == 'print("hi Brandon Gaines")'
    assert answer.choices[0].text == 'print("hi <PERSON_1>")'  # the recorded answer is kept
