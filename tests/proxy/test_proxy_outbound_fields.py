"""The proxy's apps get what a Python app gets from outbound redaction (issue 19): no
message field reaches the upstream raw, and every answer field (reasoning, content,
tool-call arguments as valid JSON) comes back restored, whole and streamed, over real
HTTP: app -> proxy -> FakeDeepSeek or a loopback upstream streaming one character per
event (tests/outbound_support.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from loopback import http_server
from outbound_support import (
    PROMPT,
    QUOTED,
    CharByChar,
    assert_not_upstream,
    conversation,
    tool_request,
)
from proxy_support import ServerThread
from test_proxy_passthrough import data_events

from sentinel.client.async_ import AsyncSentinel
from sentinel.config import Settings
from sentinel.proxy.app import create_proxy_app
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek
from sentinel.web.state import web_state


@contextmanager
def _proxy(
    base_url: str, api_key: str, store: SQLiteStore, tmp_path: Path, masks: bool = True
) -> Iterator[tuple[str, str]]:
    client = AsyncSentinel(
        api_key=api_key,
        base_url=base_url,
        store=store,
        settings=Settings(spool_dir=tmp_path / "spool", redact_outbound=masks),
    )
    app = create_proxy_app(client, close_client=True)
    token, _ = web_state(app).tokens.create("t", ["proxy"])
    with ServerThread(app) as server:
        yield server.url, token


def _post(url: str, token: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        f"{url}/v1/chat/completions",
        json={"model": "deepseek-v4-flash", **body},
        headers={"authorization": f"Bearer {token}"},
        timeout=60,
    )


def _streamed(resp: httpx.Response) -> tuple[str, str, str]:
    """(reasoning, content, arguments) the app assembles from the SSE events."""
    reasoning = content = arguments = ""
    for data in data_events(resp.text)[:-1]:
        for choice in json.loads(data)["choices"]:
            delta = choice["delta"]
            reasoning += delta.get("reasoning_content") or ""
            content += delta.get("content") or ""
            for call in delta.get("tool_calls") or []:
                arguments += call["function"].get("arguments") or ""
    return reasoning, content, arguments


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_proxy_masks_every_field_and_restores_tool_arguments(
    fake: FakeDeepSeek, sqlite_store: SQLiteStore, tmp_path: Path, stream: bool
) -> None:
    with _proxy(fake.url, fake.api_key, sqlite_store, tmp_path) as (url, token):
        whole = _post(url, token, {"messages": conversation()})
        resp = _post(url, token, tool_request(stream))
    assert whole.status_code == 200 and resp.status_code == 200
    assert_not_upstream(fake.requests[-2].body)
    assert_not_upstream(fake.requests[-1].body)
    if stream:
        arguments = _streamed(resp)[2]
    else:
        arguments = resp.json()["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(arguments) == {"query": QUOTED}


def test_proxy_restores_every_streamed_field_split_anywhere(
    sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    CharByChar.bodies = []
    with (
        http_server(CharByChar) as upstream,
        _proxy(upstream, "k", sqlite_store, tmp_path) as (
            url,
            token,
        ),
    ):
        resp = _post(
            url, token, {"messages": [{"role": "user", "content": PROMPT}], "stream": True}
        )
    assert resp.status_code == 200
    assert_not_upstream(CharByChar.bodies[-1])
    reasoning, content, arguments = _streamed(resp)
    assert reasoning == f"Thinking about: {PROMPT}"
    assert content == f"You said: {PROMPT}"
    assert json.loads(arguments) == {"query": PROMPT}


def test_proxy_per_request_flag_masks_and_is_never_forwarded(
    fake: FakeDeepSeek, sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    body = {"messages": conversation(), "redact_outbound": True}
    with _proxy(fake.url, fake.api_key, sqlite_store, tmp_path, masks=False) as (url, token):
        assert _post(url, token, body).status_code == 200
        sent = fake.requests[-1].body
        refused = _post(url, token, {**body, "redact_outbound": "yes"})
    assert_not_upstream(sent)
    assert "redact_outbound" not in json.loads(sent)
    assert refused.status_code == 400 and "redact_outbound" in refused.text
    with _proxy(fake.url, fake.api_key, sqlite_store, tmp_path) as (url, token):
        off = _post(url, token, {**body, "redact_outbound": False})
    assert off.status_code == 400 and "SENTINEL_REDACT_OUTBOUND" in off.text
    assert fake.requests[-1].body == sent  # the refused requests never went upstream
