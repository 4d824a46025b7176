"""The filter on the client's call path, over real loopback HTTP to FakeDeepSeek:
flag, mask and block on prompts and answers, whole and streamed (sync and async), and
what the span, the call record, the counter and the log line say (categories and
counts, never the matched text)."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from safety_support import Harness, Replies

from sentinel.errors import ConfigurationError, ContentBlockedError, SentinelAPIError
from sentinel.safety.normalize import normalize

MODEL = "deepseek-v4-flash"
TERMS = ("idiot", "笨蛋", "炸弹", "bomb", "casino", "发票")


def ask(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def no_terms_in(blob: str) -> None:
    for term in TERMS:
        assert term not in blob, term


def test_mask_and_flag_in_an_answer(harness: Harness, replies: Replies) -> None:
    client = harness.client()
    replies.text = "you Idiot, 笨 蛋! win at the casino"
    resp = client.chat.completions.create(model=MODEL, messages=ask("hi"))
    assert resp.content == "you *****, ***! win at the casino"  # casino: flag only
    [call] = harness.calls()
    assert call["safety"] == {
        "categories": ["insult-en", "insult-zh", "spam"],
        "action": "mask",
        "matches": 3,
        "counts": {"insult-en": 1, "insult-zh": 1, "spam": 1},
    }
    [span] = harness.spans.get_finished_spans()
    assert span.attributes["sentinel.safety.categories"] == ("insult-en", "insult-zh", "spam")
    assert span.attributes["sentinel.safety.matches"] == 3
    assert harness.counted() == {
        ("insult-en", "mask", "output"): 1,
        ("insult-zh", "mask", "output"): 1,
        ("spam", "flag", "output"): 1,
    }
    no_terms_in(json.dumps(call, ensure_ascii=False))
    no_terms_in(json.dumps(dict(span.attributes), ensure_ascii=False))
    no_terms_in(harness.log.getvalue())


def test_a_masked_prompt_is_what_the_upstream_receives(harness: Harness) -> None:
    client = harness.client()
    messages = ask("you idiot, 笨蛋")
    resp = client.chat.completions.create(model=MODEL, messages=messages)
    sent = harness.fake.requests[-1].json()["messages"]
    # insult-en applies to both sides; insult-zh to answers only
    assert sent == [{"role": "user", "content": "you *****, 笨蛋"}]
    assert messages == ask("you idiot, 笨蛋"), "the app's own messages were changed"
    assert resp.content == "you *****, **"  # the echo, masked again on the way back
    [call] = harness.calls()
    assert call["safety"]["counts"] == {"insult-en": 1, "insult-zh": 1}  # in, out


def test_a_blocked_prompt_is_never_sent(harness: Harness) -> None:
    client = harness.client()
    with pytest.raises(ContentBlockedError) as info:
        client.chat.completions.create(
            model=MODEL,
            messages=[
                {"role": "user", "content": [{"type": "text", "text": "how to build a Ｂｏｍｂ"}]}
            ],
        )
    err = info.value
    assert isinstance(err, SentinelAPIError) and err.status_code == 400
    assert err.categories == ["violence"] and err.direction == "input"
    assert "bomb" not in str(err).lower()
    assert harness.fake.count() == 0
    [call] = harness.calls()
    assert call["outcome"] == "failure" and call["error_type"] == "ContentBlockedError"
    assert call["request_id"] == err.request_id
    assert call["safety"]["categories"] == ["violence"] and call["safety"]["action"] == "block"


def _stream_text(chunks: list[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_a_streamed_answer_is_masked_across_chunk_boundaries(
    harness: Harness, replies: Replies
) -> None:
    """FakeDeepSeek sends one word per chunk, so "笨 蛋" arrives as "笨" and " 蛋"."""
    client = harness.client()
    replies.text = "一 二 三 你 是 笨 蛋 吗 ？ 四 五 六 七 八 九 十 idiot end"
    chunks = list(client.chat.completions.create(model=MODEL, messages=ask("hi"), stream=True))
    text = _stream_text(chunks)
    assert text == "一 二 三 你 是 *** 吗 ？ 四 五 六 七 八 九 十 ***** end"
    [call] = harness.calls()
    assert call["safety"]["counts"] == {"insult-zh": 1, "insult-en": 1}
    assert call["outcome"] == "success"


def test_a_streamed_chunk_is_never_delayed_by_more_than_the_longest_term(
    harness: Harness, replies: Replies
) -> None:
    client = harness.client()
    words = [f"词{i}" if i % 3 else "w" for i in range(60)]
    replies.text = " ".join(words)
    longest = client._core.safety.matcher.longest
    # thinking off: the chunks after the role are the answer's words, one each
    stream = client.chat.completions.create(
        model=MODEL, messages=ask("hi"), stream=True, thinking={"type": "disabled"}
    )
    upstream = ""
    released = ""
    for i, chunk in enumerate(stream):
        if not chunk.choices:
            continue
        released += chunk.choices[0].delta.content or ""
        if i >= 1 and i - 1 < len(words):  # chunk 0 is the role; then one word each
            upstream += ("" if i == 1 else " ") + words[i - 1]
        behind = normalize(upstream[len(released) :]).text.strip()
        assert len(behind) <= longest, (i, upstream, released)
    assert released == " ".join(words)


def test_blocking_mid_stream_cuts_the_answer(harness: Harness, replies: Replies) -> None:
    client = harness.client()
    replies.text = "one two three four five six seven 炸 弹 and the rest"
    got: list[Any] = []
    stream = client.chat.completions.create(model=MODEL, messages=ask("hi"), stream=True)
    with pytest.raises(ContentBlockedError) as info:
        for chunk in stream:
            got.append(chunk)
    assert info.value.direction == "output" and info.value.categories == ["violence"]
    text = _stream_text(got)
    assert text.startswith("one two three")
    assert "炸" not in text and "弹" not in text and "rest" not in text
    [call] = harness.calls()
    assert call["outcome"] == "failure" and call["error_type"] == "ContentBlockedError"
    assert call["safety"]["action"] == "block"


def test_async_client_masks_and_blocks_streams(harness: Harness, replies: Replies) -> None:
    async def run() -> tuple[str, BaseException | None, str]:
        client = harness.aclient()
        replies.text = "你 是 笨 蛋 , and an idiot"
        stream = await client.chat.completions.create(model=MODEL, messages=ask("hi"), stream=True)
        masked = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        replies.text = "a b c d e f g bomb h"
        stream = await client.chat.completions.create(model=MODEL, messages=ask("hi"), stream=True)
        seen, error = "", None
        try:
            async for c in stream:
                seen += c.choices[0].delta.content or "" if c.choices else ""
        except ContentBlockedError as exc:
            error = exc
        await client.flush()
        return masked, error, seen

    masked, error, seen = asyncio.run(run())
    assert masked == "你 是 *** , and an *****"
    assert isinstance(error, ContentBlockedError)
    assert seen.startswith("a b c") and "bomb" not in seen
    calls = harness.calls()
    assert [c["error_type"] for c in calls] == [None, "ContentBlockedError"]


def test_without_lists_nothing_changes(harness: Harness, replies: Replies) -> None:
    client = harness.client(safety_lists=[])
    replies.text = "idiot 炸弹"
    assert client._core.safety is None
    assert client.chat.completions.create(model=MODEL, messages=ask("bomb")).content == "idiot 炸弹"
    [call] = harness.calls()
    assert call["safety"] is None


def test_a_bad_list_fails_the_constructor_naming_file_and_line(
    harness: Harness, lists_dir: Path
) -> None:
    (lists_dir / "broken.txt").write_text("# action: nuke\nfine\n", encoding="utf-8")
    threads = threading.active_count()
    with pytest.raises(ConfigurationError, match=r"broken\.txt:1: action must be one of"):
        harness.client()
    assert threading.active_count() == threads, "a half-built client left a thread running"


def test_earlier_reasoning_content_in_the_prompt_is_screened(harness: Harness) -> None:
    # apps send an assistant turn's reasoning_content back on tool-call turns: it is
    # sent upstream like the content beside it, so it is masked and blocked like it
    client = harness.client()
    turn = {"role": "assistant", "content": "ok", "reasoning_content": "the user is an idiot"}
    client.chat.completions.create(model=MODEL, messages=[*ask("hi"), turn, *ask("and?")])
    sent = harness.fake.requests[-1].json()["messages"]
    assert sent[1] == {**turn, "reasoning_content": "the user is an *****"}
    assert turn["reasoning_content"] == "the user is an idiot", "the app's message changed"
    before = harness.fake.count()
    bad = {**turn, "reasoning_content": "they want a bomb"}
    with pytest.raises(ContentBlockedError):
        client.chat.completions.create(model=MODEL, messages=[*ask("hi"), bad, *ask("and?")])
    assert harness.fake.count() == before
    assert not any("bomb" in doc for doc in harness.stored("conversations"))
