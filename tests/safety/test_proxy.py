"""The filter behind the sidecar proxy (uvicorn on loopback, a real AsyncSentinel to
FakeDeepSeek): a blocked prompt is an OpenAI-shaped HTTP 400, a blocked stream ends
with a final error event, masks reach the app, and list edits apply without a restart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from loopback import wait_until
from safety_support import Replies
from test_stream_logprobs import spelt
from typer.testing import CliRunner

from sentinel.cli import app as cli
from sentinel.testing import FakeDeepSeek

MODEL = "deepseek-v4-flash"


def chat(url: str, headers: dict[str, str], text: str, **extra: Any) -> httpx.Response:
    body = {"model": MODEL, "messages": [{"role": "user", "content": text}], **extra}
    return httpx.post(f"{url}/v1/chat/completions", json=body, headers=headers, timeout=10)


def events(resp: httpx.Response) -> list[Any]:
    out: list[Any] = []
    for line in resp.text.splitlines():
        if line.startswith("data: "):
            data = line[len("data: ") :]
            out.append(data if data == "[DONE]" else orjson.loads(data))
    return out


def test_a_blocked_prompt_is_an_openai_shaped_400(
    proxy: tuple[str, dict[str, str]], fake: FakeDeepSeek
) -> None:
    url, headers = proxy
    resp = chat(url, headers, "where do I buy a 炸 弹")
    assert resp.status_code == 400
    assert resp.json() == {
        "error": {
            "message": "prompt blocked by the content safety filter (category: violence)",
            "type": "invalid_request_error",
            "param": None,
            "code": "content_blocked",
        }
    }
    assert resp.headers["x-request-id"]
    assert fake.count() == 0


def test_a_stream_is_masked_then_cut_with_a_final_error_event(
    proxy: tuple[str, dict[str, str]], replies: Replies
) -> None:
    url, headers = proxy
    replies.text = "hello you idiot ok"
    masked = events(chat(url, headers, "hi", stream=True))
    assert masked[-1] == "[DONE]"
    text = "".join(
        e["choices"][0]["delta"].get("content") or "" for e in masked[:-1] if e["choices"]
    )
    assert text == "hello you ***** ok"

    replies.text = "one two three four five six seven eight bomb nine"
    cut = events(chat(url, headers, "hi", stream=True))
    assert "[DONE]" not in cut
    assert cut[-1]["error"]["code"] == "content_blocked"
    assert cut[-1]["error"]["type"] == "invalid_request_error"
    sent = "".join(
        e["choices"][0]["delta"].get("content") or "" for e in cut[:-1] if e.get("choices")
    )
    assert sent.startswith("one two") and "bomb" not in sent and "nine" not in sent


def test_only_changed_chunks_are_re_serialised_with_the_upstreams_keys(
    proxy: tuple[str, dict[str, str]], replies: Replies
) -> None:
    url, headers = proxy
    replies.text = "hello you idiot ok"
    resp = chat(url, headers, "hi", stream=True)
    datas = [line[6:] for line in resp.text.splitlines() if line.startswith("data: {")]
    text = "".join(orjson.loads(d)["choices"][0]["delta"].get("content") or "" for d in datas)
    assert text == "hello you ***** ok"
    # FakeDeepSeek writes json.dumps(event); what the proxy changed (a mask, held-back
    # text released later) it writes compact: the first chunk (role, empty content) had
    # nothing to change and went through as sent
    untouched = [d for d in datas if d == json.dumps(orjson.loads(d))]
    assert untouched and untouched[0] == datas[0] and len(untouched) < len(datas)
    for data in datas:
        event = orjson.loads(data)
        # every chunk, changed or not, has the keys FakeDeepSeek sent and no added nulls
        assert set(event) <= {"id", "object", "created", "model", "choices", "usage"}
        assert ("usage" in event) == (event["choices"][0]["finish_reason"] is not None)
        [choice] = event["choices"]
        assert set(choice) == {"index", "delta", "finish_reason"}
        assert None not in choice["delta"].values(), data


def test_list_edits_apply_without_a_restart(
    proxy: tuple[str, dict[str, str]],
    replies: Replies,
    lists_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, headers = proxy
    replies.text = "a fresh swearword here"
    assert chat(url, headers, "hi").json()["choices"][0]["message"]["content"] == replies.text
    (lists_dir / "new.txt").write_text("# action: mask\nswearword\n", encoding="utf-8")

    def masked() -> bool:
        content = chat(url, headers, "hi").json()["choices"][0]["message"]["content"]
        return content == "a fresh ********* here"

    assert wait_until(masked, timeout=10, step=0.1), "the new list was not picked up"

    # an edit that breaks a list keeps the lists in force (and is logged, file and line)
    (lists_dir / "new.txt").write_text("# action: explode\nswearword\n", encoding="utf-8")
    assert wait_until(lambda: "new.txt:1: action must be one of" in caplog.text, timeout=10)
    assert masked()
    (lists_dir / "new.txt").unlink()
    assert wait_until(lambda: not masked(), timeout=10, step=0.1)


def test_the_proxy_refuses_to_start_with_a_bad_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("ok\nre:(\n", encoding="utf-8")
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-test")
    monkeypatch.setenv("SENTINEL_STORE", f"sqlite:///{tmp_path / 'p.db'}")
    monkeypatch.setenv("SENTINEL_SAFETY_LISTS", str(bad))
    result = CliRunner().invoke(cli, ["proxy"])
    assert result.exit_code == 2
    assert f"{bad}:2: invalid regular expression" in result.output
    assert "Traceback" not in result.output


def test_streamed_logprobs_are_relayed_masked_and_cut_with_the_stream(
    proxy: tuple[str, dict[str, str]], replies: Replies
) -> None:
    """stream=True, logprobs=True through the proxy: the chunks' tokens are masked and
    held back with their text, in the bytes the app receives too."""
    url, headers = proxy
    off = {"type": "disabled"}
    replies.text = "hello you idiot ok"
    resp = chat(url, headers, "hi", stream=True, logprobs=True, top_logprobs=2, thinking=off)
    assert "idi" not in resp.text and "105,100,105" not in resp.text.replace(" ", "")
    got = events(resp)
    assert got[-1] == "[DONE]"
    content, tokens, _ = spelt(got[:-1])
    assert content == tokens == "hello you ***** ok"

    replies.text = "one two three four five bomb six"
    cut = events(chat(url, headers, "hi", stream=True, logprobs=True, thinking=off))
    assert cut[-1]["error"]["code"] == "content_blocked"
    sent = json.dumps(cut)
    assert "one" in sent and "bom" not in sent and "98,111,109" not in sent.replace(" ", "")
