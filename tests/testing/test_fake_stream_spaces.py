"""FakeDeepSeek's stream dropped every space but one between words (and leading and
trailing ones), so a streamed answer was not the non-streamed one: an app test of
"Anne  Lynch" (or of an aligned table) saw other text streamed than whole. Found by an
outside tester of issue 19. Real FakeDeepSeek over loopback HTTP."""

from __future__ import annotations

import json

import httpx
import pytest

from sentinel.testing import FakeDeepSeek


@pytest.mark.parametrize("reply", ["Anne  Lynch", "  indented\tand   aligned  ", "a", ""])
def test_the_streamed_pieces_join_to_the_whole_answer(reply: str) -> None:
    with FakeDeepSeek(reply=lambda _messages: reply) as fake:
        body = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "x"}]}
        headers = {"Authorization": f"Bearer {fake.api_key}"}
        whole = httpx.post(f"{fake.url}/chat/completions", json=body, headers=headers).json()
        streamed = httpx.post(
            f"{fake.url}/chat/completions", json={**body, "stream": True}, headers=headers
        )
    pieces = []
    for line in streamed.text.splitlines():
        if line.startswith("data: {"):
            chunk = json.loads(line[6:])
            pieces += [c["delta"].get("content") or "" for c in chunk["choices"]]
    assert whole["choices"][0]["message"]["content"] == reply
    assert "".join(pieces) == reply
