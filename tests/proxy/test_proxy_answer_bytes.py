"""A non-streamed answer the proxy does not change reaches the app as the upstream sent
it (the same bytes: its spelling, key order, nulls and fields Sentinel does not model),
not a re-serialisation of the typed completion (`"reasoning_content": null`,
`"tool_calls": null` added, a null count written as 0). When a mask changes it, only
the masked values differ from the upstream's document. Chat and FIM, through the real
proxy and client over loopback, as streamed chunks already are (test_proxy_passthrough)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from loopback import QuietHandler, http_server
from proxy_support import ServerThread

from sentinel.client.async_ import AsyncSentinel
from sentinel.config import Settings
from sentinel.proxy.app import create_proxy_app
from sentinel.store.sqlite import SQLiteStore
from sentinel.web.state import web_state

MODEL = "deepseek-v4-flash"
# An upstream's own spelling: spaces, its field order, escapes, raw UTF-8, fields
# Sentinel does not model, nulls (one where Sentinel's type says 0), no reasoning key,
# an integer past 64 bits and a NaN (both read by pydantic, not by orjson as they are).
CHAT = (
    b'{"id": "c1", "object":"chat.completion", "created":1, "model":"deepseek-v4-flash",'
    b'"choices":[{"index":0,"message":{"role":"assistant","content":"\\u4f60\\u597d caf'
    b'\xc3\xa9, you idiot"},"logprobs":null,"finish_reason":"stop"}],'
    b'"usage":{"prompt_tokens":2,"completion_tokens":null,"total_tokens":5,'
    b'"prompt_cache_hit_tokens":null},"system_fingerprint":"fp_x",'
    b'"seed":123456789012345678901234567890}'
)
FIM = (
    b'{"id":"f1","object":"text_completion","created":1,"model":"deepseek-v4-flash",'
    b'"choices":[{"text":"x = 1  # idiot\\n","index":0,"logprobs":null,'
    b'"finish_reason":"stop","score":NaN}],"usage":{"prompt_tokens":3,"completion_tokens":4,'
    b'"total_tokens":7}}'
)
LIST = "# category: insult\n# action: mask\n# apply: output\nidiot\n"


class Upstream(QuietHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = FIM if self.path.endswith("/beta/completions") else CHAT
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def upstream() -> Iterator[str]:
    with http_server(Upstream) as url:
        yield url


def ask(
    upstream: str, store: SQLiteStore, tmp_path: Path, lists: list[str], path: str
) -> httpx.Response:
    client = AsyncSentinel(
        api_key="sk-upstream",
        base_url=upstream,
        store=store,
        settings=Settings(spool_dir=tmp_path / "spool", safety_lists=lists, safety_reload="0s"),
    )
    app = create_proxy_app(client, close_client=True)
    token, _ = web_state(app).tokens.create("t", ["proxy"])
    if path == "/beta/completions":
        body: dict[str, Any] = {"model": MODEL, "prompt": "x = ", "suffix": "\n"}
    else:
        body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
    with ServerThread(app) as proxy:
        resp = httpx.post(
            f"{proxy.url}{path}",
            json=body,
            headers={"authorization": f"Bearer {token}"},
            timeout=10,
        )
    assert resp.status_code == 200, resp.text
    return resp


PATHS = [("/v1/chat/completions", CHAT), ("/beta/completions", FIM)]


@pytest.mark.parametrize(("path", "sent"), PATHS)
@pytest.mark.parametrize("with_lists", [False, True])
def test_an_unchanged_answer_is_relayed_byte_for_byte(
    upstream: str,
    sqlite_store: SQLiteStore,
    tmp_path: Path,
    path: str,
    sent: bytes,
    with_lists: bool,
) -> None:
    lists: list[str] = []
    if with_lists:  # screened, nothing matched: still the upstream's bytes
        (tmp_path / "other.txt").write_text("# action: mask\nwombat\n", encoding="utf-8")
        lists = [str(tmp_path / "other.txt")]
    resp = ask(upstream, sqlite_store, tmp_path, lists, path)
    assert resp.content == sent
    assert resp.headers["x-request-id"]


def _text(doc: dict[str, Any]) -> str:
    choice = doc["choices"][0]
    return choice["message"]["content"] if "message" in choice else choice["text"]


@pytest.mark.parametrize(("path", "sent"), PATHS)
def test_a_masked_answer_differs_from_the_upstreams_only_where_masked(
    upstream: str, sqlite_store: SQLiteStore, tmp_path: Path, path: str, sent: bytes
) -> None:
    (tmp_path / "insult.txt").write_text(LIST, encoding="utf-8")
    resp = ask(upstream, sqlite_store, tmp_path, [str(tmp_path / "insult.txt")], path)
    got, want = json.loads(resp.content), json.loads(sent)
    assert "idiot" not in _text(got) and "*****" in _text(got)
    assert _text(got) == _text(want).replace("idiot", "*****")
    # everything else as sent: no key added, none dropped, nulls kept, order kept
    choice = want["choices"][0]
    if "message" in choice:
        choice["message"]["content"] = _text(got)
    else:
        choice["text"] = _text(got)
    got["choices"][0].pop("score", None)  # NaN is never equal to itself: checked below
    choice.pop("score", None)
    assert got == want  # the 30-digit seed exactly too, not as a float
    assert list(got) == list(want) and list(got["choices"][0]) == list(choice)
    if path == "/beta/completions":
        assert b'"score":NaN' in resp.content
    assert "reasoning_content" not in resp.text and "request_id" not in resp.text
