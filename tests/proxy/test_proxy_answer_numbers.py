"""A masked non-streamed answer keeps every number of the upstream's document as it was
spelt: the patched copy used to go through Python floats, so `1e400` came out as
`Infinity` (not JSON: an app's JSON.parse fails on the whole answer), `1E5` as
`100000.0` and a long decimal rounded to a double. Through the real proxy and client
over loopback, with a hand-written upstream (FakeDeepSeek writes only what
json.dumps writes)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from loopback import QuietHandler, http_server
from proxy_support import ServerThread

from sentinel.client.async_ import AsyncSentinel
from sentinel.config import Settings
from sentinel.proxy.app import create_proxy_app
from sentinel.store.sqlite import SQLiteStore
from sentinel.web.state import web_state

NUMBERS = (
    b'"x":1e400,"y":1E5,"z":-0.0,"w":0.1000000000000000055511151231257827,'
    b'"v":1.50,"seed":123456789012345678901234567890,"s":NaN'
)
BODY = (
    b'{"id":"c1","object":"chat.completion","created":1,"model":"deepseek-v4-flash",'
    b'"choices":[{"index":0,"message":{"role":"assistant","content":"you idiot"},'
    b'"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,'
    b'"total_tokens":3},' + NUMBERS + b"}"
)


class Upstream(QuietHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)


@pytest.fixture
def upstream() -> Iterator[str]:
    with http_server(Upstream) as url:
        yield url


def test_a_masked_answer_keeps_the_upstreams_numbers_as_spelt(
    upstream: str, sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    (tmp_path / "insult.txt").write_text("# action: mask\n# apply: output\nidiot\n", "utf-8")
    client = AsyncSentinel(
        api_key="sk-upstream",
        base_url=upstream,
        store=sqlite_store,
        settings=Settings(
            spool_dir=tmp_path / "spool",
            safety_lists=[str(tmp_path / "insult.txt")],
            safety_reload="0s",
        ),
    )
    app = create_proxy_app(client, close_client=True)
    token, _ = web_state(app).tokens.create("t", ["proxy"])
    body = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "hi"}]}
    with ServerThread(app) as proxy:
        resp = httpx.post(
            f"{proxy.url}/v1/chat/completions",
            json=body,
            headers={"authorization": f"Bearer {token}"},
            timeout=10,
        )
    assert resp.status_code == 200, resp.text
    assert json.loads(resp.content)["choices"][0]["message"]["content"] == "you *****"
    # the only change is the masked text: every number byte for byte
    assert resp.content == BODY.replace(b"you idiot", b"you *****")
    assert b"Infinity" not in resp.content
