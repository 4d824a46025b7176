"""A sidecar whose redaction policy is broken (a SENTINEL_REDACT_DENY file that does
not exist) cannot mask, so nothing goes upstream; the app is told it is the sidecar,
not DeepSeek (a 502 "upstream_error" sends the operator to the wrong place)."""

from __future__ import annotations

from pathlib import Path

import httpx
from proxy_support import ServerThread

from sentinel.client.async_ import AsyncSentinel
from sentinel.config import Settings
from sentinel.proxy.app import create_proxy_app
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek
from sentinel.web.state import web_state


def test_a_broken_redaction_policy_is_the_sidecars_503_naming_the_setting(
    fake: FakeDeepSeek, sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    missing = tmp_path / "deny.txt"
    settings = Settings(spool_dir=tmp_path / "spool", redact_outbound=True, redact_deny=missing)
    client = AsyncSentinel(
        api_key=fake.api_key, base_url=fake.url, store=sqlite_store, settings=settings
    )
    app = create_proxy_app(client, close_client=True)
    token = web_state(app).tokens.create("t-proxy", ["proxy"])[0]
    body = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "hi"}]}
    with ServerThread(app) as server:
        resp = httpx.post(
            f"{server.url}/v1/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
    assert resp.status_code == 503, resp.text
    error = resp.json()["error"]
    assert error["code"] == "sidecar_misconfigured"
    assert "SENTINEL_REDACT_DENY" in error["message"]
    assert fake.count("chat") == 0
