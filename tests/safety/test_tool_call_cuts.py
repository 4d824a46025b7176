"""A block in a streamed tool call's arguments cuts the stream as one in its content
does: the app gets every argument character before the term, then the error (the
exception in either client, a final SSE error event from the proxy). Real clients and
the real proxy over loopback HTTP to FakeDeepSeek, which calls the offered tool with
{"query": <the last user message>} in two argument pieces."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from safety_support import Harness, write_lists

from sentinel.errors import ContentBlockedError

MODEL = "deepseek-v4-flash"
TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
AIRSHIPS = "# category: airships\n# action: block\n# apply: output\nzeppelin\n"
QUESTION = "please book the long flight across the bay and then a zeppelin ride home"
ARGS = json.dumps({"query": QUESTION})
BEFORE = ARGS[: ARGS.index("zeppelin")]  # what the app must get, all of it


@pytest.fixture
def lists_dir(tmp_path: Path) -> Path:
    root = write_lists(tmp_path / "lists")
    (root / "airships.txt").write_text(AIRSHIPS, encoding="utf-8")
    return root


def _kwargs() -> dict[str, Any]:
    return {
        "model": MODEL, "messages": [{"role": "user", "content": QUESTION}], "tools": TOOLS,
        "stream": True, "thinking": {"type": "disabled"},
    }  # fmt: skip


def _args(chunks: list[Any]) -> str:
    return "".join(
        (d.get("function") or {}).get("arguments") or ""
        for c in chunks
        for ch in c["choices"]
        for d in (ch.get("delta") or {}).get("tool_calls") or []
    )


def test_the_sync_client_gets_the_arguments_before_the_term(harness: Harness) -> None:
    assert len(ARGS) // 2 < ARGS.index("zeppelin")  # the term comes in the second piece
    got: list[Any] = []
    with pytest.raises(ContentBlockedError) as info:
        for chunk in harness.client().chat.completions.create(**_kwargs()):
            got.append(chunk.model_dump())
    assert info.value.categories == ["airships"]
    assert _args(got) == BEFORE
    # the cut chunk is not a finish: the stream was cut, not ended
    assert all(ch.get("finish_reason") is None for c in got for ch in c["choices"])
    [call] = harness.calls()
    assert call["outcome"] == "failure" and call["error_type"] == "ContentBlockedError"


def test_the_async_client_gets_the_arguments_before_the_term(harness: Harness) -> None:
    async def read() -> list[Any]:
        got: list[Any] = []
        stream = await harness.aclient().chat.completions.create(**_kwargs())
        with pytest.raises(ContentBlockedError):
            async for chunk in stream:
                got.append(chunk.model_dump())
        return got

    assert _args(asyncio.run(read())) == BEFORE


def test_the_proxy_relays_the_arguments_before_the_term_then_the_error(
    proxy: tuple[str, dict[str, str]],
) -> None:
    url, headers = proxy
    body = _kwargs()
    resp = httpx.post(f"{url}/v1/chat/completions", json=body, headers=headers, timeout=10)
    data = [line[6:] for line in resp.text.splitlines() if line.startswith("data: ")]
    assert "[DONE]" not in data
    events = [orjson.loads(d) for d in data]
    assert events[-1]["error"]["code"] == "content_blocked"
    assert _args(events[:-1]) == BEFORE
    assert "zeppelin" not in resp.text
