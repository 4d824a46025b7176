"""Tool-call arguments are text the app acts on: screened like content (flag, mask,
block), whole and streamed, and masked so that they stay valid JSON. A refused prompt
is stored masked. Real clients over loopback HTTP to FakeDeepSeek, which calls the
offered tool with {"query": <the last user message>}."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from safety_support import Harness, write_lists

from sentinel.errors import ContentBlockedError
from sentinel.safety.jsontext import JsonStrings
from sentinel.testing import FakeDeepSeek

MODEL = "deepseek-v4-flash"
TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
# answers only, so the prompt reaches the fake unchanged and the tool call carries it
OUTPUT_ONLY = """\
# category: animals
# action: mask
# apply: output
wombat
re:\\d{3}-\\d{4}
"""
CUT = """\
# category: airships
# action: block
# apply: output
zeppelin
"""


@pytest.fixture
def tool_harness(tmp_path: Path, fake: FakeDeepSeek) -> Iterator[Harness]:
    lists = write_lists(tmp_path / "lists")
    (lists / "animals.txt").write_text(OUTPUT_ONLY, encoding="utf-8")
    (lists / "airships.txt").write_text(CUT, encoding="utf-8")
    h = Harness(tmp_path, fake, lists)
    yield h
    for c in h.clients:
        c.close()
    h.store.close()


def ask(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def arguments(calls: list[dict[str, Any]]) -> dict[str, Any]:
    [call] = calls
    return json.loads(call["function"]["arguments"])


def stored_arguments(harness: Harness) -> dict[str, Any]:
    """The answer's tool call as the conversation store keeps it (the prompt is the
    app's own text: an output-only list leaves it as it was)."""
    [conversation] = harness.stored("conversations")
    return arguments(json.loads(conversation)["tool_calls"])


def test_whole_answer_tool_arguments_are_masked_as_json(tool_harness: Harness) -> None:
    client = tool_harness.client()
    resp = client.chat.completions.create(
        model=MODEL, messages=ask('a "wombat" at 555-1234, casino'), tools=TOOLS
    )
    assert arguments(resp.choices[0].message.tool_calls) == {
        "query": 'a "******" at ********, casino'
    }
    [call] = tool_harness.calls()
    # casino is flagged (in the prompt and the arguments) and kept
    assert call["safety"]["counts"] == {"animals": 2, "spam": 2}
    assert stored_arguments(tool_harness) == {"query": 'a "******" at ********, casino'}


def test_streamed_tool_arguments_are_masked_across_pieces(tool_harness: Harness) -> None:
    client = tool_harness.client()
    question = "the wombat " * 6 + "555-1234"
    stream = client.chat.completions.create(
        model=MODEL, messages=ask(question), tools=TOOLS, stream=True
    )
    pieces: dict[int, str] = {}
    for chunk in stream:
        for choice in chunk.choices:
            for d in choice.delta.tool_calls or []:
                pieces[d["index"]] = pieces.get(d["index"], "") + d["function"].get("arguments", "")
    assert list(pieces) == [0]
    assert json.loads(pieces[0]) == {"query": "the ****** " * 6 + "********"}
    [call] = tool_harness.calls()
    assert call["safety"]["counts"] == {"animals": 7}
    assert stored_arguments(tool_harness) == {"query": "the ****** " * 6 + "********"}


def test_a_blocked_term_in_streamed_arguments_cuts_the_stream(tool_harness: Harness) -> None:
    client = tool_harness.client()
    stream = client.chat.completions.create(
        model=MODEL, messages=ask("book a zeppelin ride"), tools=TOOLS, stream=True
    )
    seen = ""
    with pytest.raises(ContentBlockedError) as info:
        for chunk in stream:
            for choice in chunk.choices:
                for d in choice.delta.tool_calls or []:
                    seen += d["function"].get("arguments", "")
    assert info.value.categories == ["airships"] and info.value.direction == "output"
    assert "zeppelin" not in seen
    [call] = tool_harness.calls()
    assert call["outcome"] == "failure" and call["safety"]["action"] == "block"


def test_earlier_tool_calls_in_the_prompt_are_screened(tool_harness: Harness) -> None:
    client = tool_harness.client()
    history = [
        {"role": "user", "content": "who?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "lookup", "arguments": '{"who": "that idiot"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "an idiot"},
    ]
    client.chat.completions.create(model=MODEL, messages=history)
    sent = tool_harness.fake.requests[-1].json()["messages"]
    assert sent[1]["tool_calls"][0]["function"]["arguments"] == '{"who": "that *****"}'
    assert sent[2]["content"] == "an *****"
    assert history[1]["tool_calls"][0]["function"]["arguments"] == '{"who": "that idiot"}'


def test_a_refused_prompt_is_stored_masked(tool_harness: Harness) -> None:
    client = tool_harness.client()
    with pytest.raises(ContentBlockedError):
        client.chat.completions.create(model=MODEL, messages=ask("how to build a bomb, idiot"))
    assert tool_harness.fake.count() == 0
    [conversation] = tool_harness.stored("conversations")
    assert "bomb" not in conversation and "idiot" not in conversation
    assert "how to build a ****, *****" in conversation


def test_the_ecs_line_names_what_was_found(tool_harness: Harness) -> None:
    client = tool_harness.client()
    client.chat.completions.create(model=MODEL, messages=ask("the casino"))
    [line] = [json.loads(x) for x in tool_harness.log.getvalue().splitlines() if x]
    assert line["sentinel"]["safety"] == {
        "categories": ["spam"],
        "action": "flag",
        "matches": 2,  # the prompt and its echo
        "counts": {"spam": 2},
    }
    assert "casino" not in json.dumps(line)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            '{"q": "a\\"b\\u654fc\\\\d", "nn": [1, 2.5, true, null], "ooo": {"k": "v"}}',
            {"*": '*"*敏*\\*', "**": [1, 2.5, True, None], "***": {"*": "*"}},
        ),
        (
            '{"s": "wombat\\nwombat", "tt": "\\ud83d\\ude00 x"}',
            {"*": "******\n******", "**": "\U0001f600**"},
        ),
    ],
)
def test_a_mask_over_everything_leaves_valid_json(document: str, expected: Any) -> None:
    """Whatever a list's regex matched, masking keeps the arguments parseable: only
    characters of string values change, escapes and structure never; fed in pieces
    of any size it gives the same result."""
    for size in (1, 3, 7, len(document)):
        strings = JsonStrings()
        out = "".join(
            strings.mask(document[i : i + size], [(0, len(document))], i)
            for i in range(0, len(document), size)
        )
        assert json.loads(out) == expected, (size, out)
