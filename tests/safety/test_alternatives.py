"""A listed term among an answer token's alternatives (`top_logprobs`) never reaches the
app: masked (token and bytes) for a mask list, dropped for a block list, in whole and
streamed answers, both clients and the proxy, over real loopback HTTP to an upstream
whose alternatives carry the terms (FakeDeepSeek's are the token itself and " x")."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
from loopback import QuietHandler, http_server, serve
from safety_support import Harness

from sentinel.client import AsyncSentinel, Sentinel
from sentinel.config import Settings
from sentinel.proxy.app import create_proxy_app
from sentinel.store.sqlite import SQLiteStore
from sentinel.web.state import web_state

MODEL = "deepseek-v4-flash"
TOKENS = ["you", " are", " kind"]
# per token: itself, a masked term, a blocked term, a masked CJK term, a clean one
ALTERNATIVES = [" idiot", " bomb", " 笨蛋", " nice"]
TERMS = (" idiot", " bomb", "笨蛋")


def _alt(token: str, logprob: float) -> dict[str, Any]:
    return {"token": token, "logprob": logprob, "bytes": list(token.encode())}


def _entry(token: str) -> dict[str, Any]:
    top = [_alt(token, -0.1)] + [_alt(a, -2.0 - i) for i, a in enumerate(ALTERNATIVES)]
    return _alt(token, -0.1) | {"top_logprobs": top}


class Upstream(QuietHandler):
    """Chat answers "you are kind" with logprobs, whole or streamed (a token a chunk);
    FIM answers the legacy shape, whose alternatives are maps."""

    def do_POST(self) -> None:
        req = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        base = {"id": "c1", "created": 1, "model": MODEL}
        if "prompt" in req:  # FIM, whole
            tops = [{t: -0.1, **{a: -2.0 for a in ALTERNATIVES}} for t in TOKENS]
            logprobs = {
                "tokens": TOKENS, "token_logprobs": [-0.1] * 3, "top_logprobs": tops,
                "text_offset": [0, 3, 7],
            }  # fmt: skip
            choice = {"index": 0, "text": "".join(TOKENS), "finish_reason": "stop"}
            return self._json(
                base | {"object": "text_completion", "choices": [choice | {"logprobs": logprobs}]}
            )
        if not req.get("stream"):
            message = {"role": "assistant", "content": "".join(TOKENS)}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            logprobs = {"content": [_entry(t) for t in TOKENS]}
            return self._json(
                base | {"object": "chat.completion", "choices": [choice | {"logprobs": logprobs}]}
            )
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        base |= {"object": "chat.completion.chunk"}
        for t in TOKENS:
            choice = {"index": 0, "delta": {"content": t}, "finish_reason": None}
            event = base | {"choices": [choice | {"logprobs": {"content": [_entry(t)]}}]}
            self.wfile.write(b"data: " + orjson.dumps(event) + b"\n\n")
            self.wfile.flush()
        end = base | {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(b"data: " + orjson.dumps(end) + b"\n\ndata: [DONE]\n\n")

    def _json(self, body: dict[str, Any]) -> None:
        data = orjson.dumps(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def leaked(dumped: str) -> list[str]:
    """The terms (or their UTF-8 bytes, as chat's `bytes` lists write them) in `dumped`."""
    compact = dumped.replace(" ", "")
    return [t for t in TERMS if t in dumped or ",".join(map(str, t.encode())) in compact]


def check_alternatives(entries: list[Any]) -> None:
    """Every token kept its clean alternatives and got the masked one masked, bytes too."""
    assert [e["token"] for e in entries] == TOKENS
    for e in entries:
        tokens = [a["token"] for a in e["top_logprobs"]]
        assert tokens == [e["token"], " *****", " **", " nice"]  # " bomb" dropped
        for a in e["top_logprobs"]:
            assert a["bytes"] == list(a["token"].encode())


@contextmanager
def upstream() -> Iterator[str]:
    with http_server(Upstream) as url:
        yield url


def test_a_whole_answers_alternatives_are_masked_or_dropped(harness: Harness) -> None:
    with upstream() as url:
        client = Sentinel(**{**harness.kwargs(), "base_url": url})
        harness.clients.append(client)
        resp = client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "x"}], thinking={"type": "disabled"},
            logprobs=True, top_logprobs=5,
        )  # fmt: skip
    assert resp.choices[0].message.content == "you are kind"
    dumped = resp.model_dump_json()
    assert leaked(dumped) == []
    check_alternatives(resp.choices[0].model_dump()["logprobs"]["content"])
    # alternatives are not what the answer said: nothing counted, the call succeeded
    (record,) = harness.calls()
    assert record.get("outcome") == "success" and not record.get("safety")


def test_streamed_alternatives_are_screened_sync_and_async(harness: Harness) -> None:
    kwargs = {
        "model": MODEL, "messages": [{"role": "user", "content": "x"}], "stream": True,
        "thinking": {"type": "disabled"}, "logprobs": True, "top_logprobs": 5,
    }  # fmt: skip
    with upstream() as url:
        client = Sentinel(**{**harness.kwargs(), "base_url": url})
        harness.clients.append(client)
        chunks = [c.model_dump() for c in client.chat.completions.create(**kwargs)]

        async def read() -> list[Any]:
            async with AsyncSentinel(**{**harness.kwargs(), "base_url": url}) as aclient:
                stream = await aclient.chat.completions.create(**kwargs)
                return [c.model_dump() async for c in stream]

        achunks = asyncio.run(read())
    for got in (chunks, achunks):
        entries = [
            e
            for c in got
            for ch in c["choices"]
            for e in (ch.get("logprobs") or {}).get("content") or []
        ]
        assert (
            "".join(ch["delta"].get("content") or "" for c in got for ch in c["choices"])
            == "you are kind"
        )
        assert leaked(json.dumps(got, ensure_ascii=False)) == []
        check_alternatives(entries)


def test_a_whole_fim_answers_alternative_maps_are_screened(harness: Harness) -> None:
    with upstream() as url:
        client = Sentinel(**{**harness.kwargs(), "base_url": url})
        harness.clients.append(client)
        resp = client.completions.create(model=MODEL, prompt="def f():", extra_body={"logprobs": 5})
    logprobs = resp.choices[0].model_dump()["logprobs"]
    assert leaked(json.dumps(logprobs, ensure_ascii=False)) == []
    for token, top in zip(TOKENS, logprobs["top_logprobs"], strict=True):
        assert top == {token: -0.1, " *****": -2.0, " **": -2.0, " nice": -2.0}
    assert logprobs["text_offset"] == [0, 3, 7]


@contextmanager
def proxy_over(url: str, tmp_path: Path, lists_dir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    store = SQLiteStore(tmp_path / "proxy.db")
    store.setup()
    settings = Settings(
        spool_dir=tmp_path / "pspool", safety_lists=[str(lists_dir)], safety_reload="0s"
    )
    client = AsyncSentinel(api_key="k", base_url=url, store=store, settings=settings)
    app = create_proxy_app(client, close_client=True)
    token, _ = web_state(app).tokens.create("t-proxy", ["proxy"])
    server, thread, proxy_url = serve(app)
    try:
        yield proxy_url, {"authorization": f"Bearer {token}"}
    finally:
        server.should_exit = True
        thread.join(10)
        store.close()


def test_the_proxy_relays_alternatives_screened_whole_and_streamed(
    tmp_path: Path, lists_dir: Path
) -> None:
    body = {
        "model": MODEL, "messages": [{"role": "user", "content": "x"}],
        "thinking": {"type": "disabled"}, "logprobs": True, "top_logprobs": 5,
    }  # fmt: skip
    with upstream() as url, proxy_over(url, tmp_path, lists_dir) as (proxy, headers):
        whole = httpx.post(f"{proxy}/v1/chat/completions", json=body, headers=headers, timeout=10)
        streamed = httpx.post(
            f"{proxy}/v1/chat/completions",
            json=body | {"stream": True},
            headers=headers,
            timeout=10,
        )
    assert whole.status_code == streamed.status_code == 200
    assert leaked(whole.text) == [] and leaked(streamed.text) == []
    check_alternatives(whole.json()["choices"][0]["logprobs"]["content"])
    events = [
        orjson.loads(line[6:]) for line in streamed.text.splitlines() if line.startswith("data: {")
    ]
    entries = [
        e
        for ev in events
        for ch in ev["choices"]
        for e in (ch.get("logprobs") or {}).get("content") or []
    ]
    check_alternatives(entries)
