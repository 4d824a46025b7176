"""An upstream that echoes the credential where no error status warns of it: in a
streamed answer's comment lines, in a mid-stream `data: {"error": ...}` event, in the
`/models` list. Each was relayed to proxy clients verbatim (the key below is not
key-shaped, so only scrubbing of the credential actually sent can catch it); the
same list reached `Sentinel.models.list()` and with it `sentinel doctor`."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from loopback import QuietHandler, free_port, http_server

from sentinel import Sentinel
from sentinel.compliance.service import Compliance
from sentinel.config import Settings
from sentinel.errors import SentinelAPIError
from sentinel.proxy.server import proxy_server
from sentinel.store.sqlite import SQLiteStore

KEY = "gateway0key0Z9q8w7e6r5t4y3u2i1o0p"  # no sk- prefix: the pattern layer misses it
CHUNK = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
         "choices": [{"index": 0, "delta": {"role": "assistant", "content": "a"},
                      "finish_reason": None}]}  # fmt: skip


class EchoInSuccess(QuietHandler):
    """200 answers that quote the request's Authorization header."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        auth = self.headers.get("authorization", "")
        key = auth.partition(" ")[2]
        if self.path.endswith("/models"):
            body = json.dumps({"object": "list", "data": [
                {"id": key, "object": "model", "owned_by": auth}]}).encode()  # fmt: skip
            kind = "application/json"
        else:
            error = {"error": {"message": f"mid-stream failure for {key}", "type": "server"}}
            body = (f": keep-alive {key}\n\ndata: {json.dumps(CHUNK)}\n\n"
                    f"data: {json.dumps(error)}\n\n").encode()  # fmt: skip
            kind = "text/event-stream"
        self.send_response(200)
        self.send_header("content-type", kind)
        self.send_header("x-echo", auth)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST


@pytest.fixture
def proxied(sqlite_store: SQLiteStore, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(proxy URL, proxy token) in front of the echoing upstream."""
    with http_server(EchoInSuccess) as url:
        settings = Settings(api_key=KEY, base_url=url, proxy_port=free_port(), max_retries=0,
                            spool_dir=tmp_path / "spool")  # fmt: skip
        server: Any = proxy_server(settings, sqlite_store)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        token, _ = Compliance.build(sqlite_store, settings).tokens.create("app", ["proxy"])
        try:
            for _ in range(400):
                if server.started:
                    break
                threading.Event().wait(0.05)
            yield f"http://127.0.0.1:{settings.proxy_port}", token
        finally:
            server.should_exit = True
            thread.join(15)


def test_a_stream_relays_neither_echoed_comments_nor_echoed_error_events(
    proxied: tuple[str, str],
) -> None:
    proxy, token = proxied
    answer = httpx.post(
        f"{proxy}/v1/chat/completions",
        json={"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": True},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert KEY not in answer.text, answer.text
    assert ": keep-alive" in answer.text  # the comment still keeps the app's read alive
    events = [json.loads(line[6:]) for line in answer.text.splitlines()
              if line.startswith("data: {")]  # fmt: skip
    assert events[0]["choices"][0]["delta"]["content"] == "a"
    assert "error" in events[-1] and "[REDACTED]" in events[-1]["error"]["message"]
    assert all("error" not in e for e in events[:-1])  # the upstream's event is not a chunk


def test_the_models_list_is_scrubbed_at_the_proxy(proxied: tuple[str, str]) -> None:
    proxy, token = proxied
    answer = httpx.get(f"{proxy}/v1/models", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    assert KEY not in answer.text and "x-echo" not in answer.headers, answer.text
    assert answer.json()["data"][0]["id"] == "[REDACTED]"


def test_the_client_scrubs_models_and_stream_errors(sqlite_store: SQLiteStore) -> None:
    with http_server(EchoInSuccess) as url:
        client = Sentinel(api_key=KEY, base_url=url, store=sqlite_store, max_retries=0)
        try:
            models = client.models.list()
            assert KEY not in repr(models)
            stream = client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "x"}], stream=True
            )
            with pytest.raises(SentinelAPIError) as caught:
                for _ in stream:
                    pass
        finally:
            client.close()
    assert KEY not in str(caught.value) and "[REDACTED]" in str(caught.value)


class NotAModelList(QuietHandler):
    def do_GET(self) -> None:
        body = b'["not", "a", "dict"]'
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_malformed_models_answer_is_an_upstream_error(sqlite_store: SQLiteStore) -> None:
    with http_server(NotAModelList) as url:
        client = Sentinel(api_key=KEY, base_url=url, store=sqlite_store, max_retries=0)
        try:
            with pytest.raises(SentinelAPIError, match="not a model list"):
                client.models.list()
        finally:
            client.close()
