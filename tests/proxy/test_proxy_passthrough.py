"""A streamed chunk the proxy does not change reaches the app as the upstream sent it:
the same bytes, keys and size, not a re-serialisation that adds `null` fields
(`"role": null`, `"usage": null`, ...) the upstream never sent."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from loopback import QuietHandler, http_server
from proxy_support import Proxy, ServerThread

from sentinel.client.async_ import AsyncSentinel
from sentinel.config import Settings
from sentinel.proxy.app import create_proxy_app
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek
from sentinel.web.state import web_state

MESSAGES = [{"role": "user", "content": "a b"}]

# An upstream's own spelling: spaces, a field order of its own, escapes, fields Sentinel
# does not model (logprobs, system_fingerprint), a multi-line event and CRLF line ends.
SENT = [
    b'{"id":"c1", "object":"chat.completion.chunk","created":1,"model":"deepseek-v4-flash",'
    b'"system_fingerprint":"fp_x","choices":[{"index":0,"delta":{"role":"assistant",'
    b'"content":""},"logprobs":null,"finish_reason":null}]}',
    b'{"id":"c1","object":"chat.completion.chunk","created":1,"model":"deepseek-v4-flash",'
    b'"choices":[{"index":0,"delta":{"content":"\\u4f60\\u597d caf\xc3\xa9"},'
    b'"finish_reason":null}]}',
    b'{"id":"c1","object":"chat.completion.chunk","created":1,\n"model":"deepseek-v4-flash",'
    b'"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],'
    b'"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5}}',
]


class Upstream(QuietHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = b"".join(
            b"".join(b"data: " + line + b"\r\n" for line in event.split(b"\n")) + b"\r\n"
            for event in SENT
        )
        body += b"data: [DONE]\r\n\r\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def data_events(body: str) -> list[str]:
    """Each event's data (its `data:` lines joined), in order."""
    out = []
    for block in body.split("\n\n"):
        lines = [line[6:] for line in block.split("\n") if line.startswith("data: ")]
        if lines:
            out.append("\n".join(lines))
    return out


def test_unchanged_chunks_are_relayed_byte_for_byte(
    sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    with http_server(Upstream) as upstream:
        client = AsyncSentinel(
            api_key="sk-upstream",
            base_url=upstream,
            store=sqlite_store,
            settings=Settings(spool_dir=tmp_path / "spool"),
        )
        app = create_proxy_app(client, close_client=True)
        token, _ = web_state(app).tokens.create("t", ["proxy"])
        with ServerThread(app) as proxy:
            resp = httpx.post(
                f"{proxy.url}/v1/chat/completions",
                json={"model": "deepseek-v4-flash", "messages": MESSAGES, "stream": True},
                headers={"authorization": f"Bearer {token}"},
                timeout=10,
            )
    assert resp.status_code == 200
    assert data_events(resp.content.decode()) == [e.decode() for e in SENT] + ["[DONE]"]


def test_fake_deepseek_chunks_keep_their_bytes_through_the_proxy(proxy: Proxy) -> None:
    resp = httpx.post(
        f"{proxy.url}/v1/chat/completions",
        json={"model": "deepseek-v4-flash", "messages": MESSAGES, "stream": True},
        headers={"authorization": f"Bearer {proxy.tokens['proxy']}"},
        timeout=10,
    )
    events = data_events(resp.text)
    assert events[-1] == "[DONE]" and len(events) > 3
    for data in events[:-1]:
        # FakeDeepSeek writes json.dumps(event): the same call on what the app got gives
        # the same bytes only if nothing was re-serialised (orjson is compact and adds
        # every unset field as null)
        assert data == json.dumps(json.loads(data)), data
        assert 'null, "reasoning_content": null' not in data


def test_restored_placeholders_are_not_relayed_as_the_upstream_sent_them(
    fake: FakeDeepSeek, sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    # With outbound redaction the upstream answers with placeholders and Sentinel puts
    # the values back: those chunks changed, so the app must get Sentinel's version.
    client = AsyncSentinel(
        api_key=fake.api_key,
        base_url=fake.url,
        store=sqlite_store,
        settings=Settings(spool_dir=tmp_path / "spool", redact_outbound=True),
    )
    app = create_proxy_app(client, close_client=True)
    token, _ = web_state(app).tokens.create("t", ["proxy"])
    prompt = "Hi, I'm Brandon Gaines, mail brandon.gaines@example.com please."
    with ServerThread(app) as proxy:
        resp = httpx.post(
            f"{proxy.url}/v1/chat/completions",
            json={
                "model": "deepseek-v4-flash",
                "messages": [{"role": "user", "content": prompt}],
                "stream": True,
            },
            headers={"authorization": f"Bearer {token}"},
            timeout=60,
        )
    assert resp.status_code == 200
    sent = fake.requests[-1].json()["messages"][-1]["content"]
    assert "<EMAIL_ADDRESS_1>" in sent and "brandon.gaines@example.com" not in sent
    events = [json.loads(d) for d in data_events(resp.text)[:-1]]
    text = "".join(e["choices"][0]["delta"].get("content") or "" for e in events)
    assert text == f"Echo: {prompt}"
