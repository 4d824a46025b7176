"""A prompt holding a lone surrogate (`"\\ud800"` in the app's JSON: half an emoji cut
by the app) with outbound redaction on made the proxy answer 500, and broke a stream
mid-way: the restored answer was re-serialised as UTF-8, which cannot carry a lone
surrogate. Unmasked, the upstream's own bytes (escaped as `\\ud800`) went through. Such
an answer is now written with that escape, as the upstream wrote it. Found by an
outside tester of issue 19. Real proxy over loopback in front of FakeDeepSeek."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

PROMPT = "I am Brandon Gaines\ud83d"  # the high half of an emoji, alone, after the name


def _post(proxy: Any, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        f"{proxy.base_url}/chat/completions",
        content=json.dumps(body).encode(),  # ASCII JSON: the surrogate as \ud83d
        headers={"Authorization": f"Bearer {proxy.tokens['proxy']}"},
        timeout=30,
    )


@pytest.mark.parametrize("redact", [True, False], ids=["masked", "unmasked"])
def test_a_lone_surrogate_in_a_masked_prompt_gets_the_answer(proxy: Any, redact: bool) -> None:
    body = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": PROMPT}]}
    r = _post(proxy, {**body, "redact_outbound": redact})
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["message"]["content"] == f"Echo: {PROMPT}"
    if redact:
        assert b"Gaines" not in proxy.fake.requests[-1].body


def test_a_lone_surrogate_in_a_masked_stream_gets_every_event(proxy: Any) -> None:
    body = {
        "model": "deepseek-v4-flash",
        "messages": [{"role": "user", "content": PROMPT}],
        "stream": True,
        "redact_outbound": True,
    }
    r = _post(proxy, body)
    assert r.status_code == 200
    lines = [ln[6:] for ln in r.text.splitlines() if ln.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    events = [json.loads(ln) for ln in lines[:-1]]
    assert not any("error" in e for e in events)
    content = "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e["choices"])
    assert content == f"Echo: {PROMPT}"
    assert b"Gaines" not in proxy.fake.requests[-1].body
