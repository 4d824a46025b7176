"""Secrets at every exit: an upstream that echoes the request's credential does not leak
it through the proxy's answers or the client's exceptions; URLs carrying credentials are
refused when settings are read, naming the setting and never the value; plain http is
allowed to literal loopback only; a webhook host has one spelling."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from loopback import QuietHandler, free_port, http_server
from pydantic import ValidationError

from sentinel import Sentinel
from sentinel.compliance.service import Compliance
from sentinel.config import Settings
from sentinel.errors import ConfigurationError, SentinelAPIError
from sentinel.jobs.allowlist import AllowList, WebhookNotAllowed
from sentinel.proxy.server import proxy_server
from sentinel.store.sqlite import SQLiteStore

KEY = "sk-live-7c1f0d9e2b4a4c8e9f00112233445566"


class EchoingUpstream(QuietHandler):
    """A misconfigured gateway: its errors quote the request's Authorization header."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        auth = self.headers.get("authorization", "")
        status = 401 if "chat" in self.path else 500
        message = f"invalid credential {auth} (key {auth[7:]})"
        echo = {"message": message, "type": "auth", "echo": {"key": auth[7:]}}
        body = json.dumps({"error": echo}).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST


def test_an_echoed_credential_never_reaches_exceptions(sqlite_store: SQLiteStore) -> None:
    with http_server(EchoingUpstream) as url:
        client = Sentinel(api_key=KEY, base_url=url, store=sqlite_store, max_retries=0)
        with pytest.raises(SentinelAPIError) as caught:
            client.chat.completions.create(
                model="deepseek-v4-flash", messages=[{"role": "user", "content": "hi"}]
            )
        client.close()
    exc = caught.value
    for text in (str(exc), repr(exc), json.dumps(exc.body)):
        assert KEY not in text and KEY[3:] not in text, text
    assert "[REDACTED]" in str(exc)


def test_an_echoed_credential_never_reaches_proxy_answers(
    sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    with http_server(EchoingUpstream) as url:
        settings = Settings(api_key=KEY, base_url=url, proxy_port=free_port(), max_retries=0,
                            spool_dir=tmp_path / "spool")  # fmt: skip
        server: Any = proxy_server(settings, sqlite_store)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        token, _ = Compliance.build(sqlite_store, settings).tokens.create("app", ["proxy"])
        proxy = f"http://127.0.0.1:{settings.proxy_port}"
        try:
            for _ in range(200):
                if server.started:
                    break
                threading.Event().wait(0.05)
            chat = httpx.post(
                f"{proxy}/v1/chat/completions",
                json={"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "x"}]},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert chat.status_code == 502, chat.text
            assert KEY not in chat.text and KEY[3:] not in chat.text, chat.text
        finally:
            server.should_exit = True
            thread.join(15)


@pytest.mark.parametrize(
    ("setting", "env", "value"),
    [
        ("base_url", "DEEPSEEK_BASE_URL", "https://user:hunter2pw@api.example.com"),
        ("backup_base_urls", "SENTINEL_BACKUP_BASE_URLS", "https://b.example,https://u:hunter2pw@c.example"),
        ("store", "SENTINEL_STORE", "https://elastic:hunter2pw@es.example:9200"),
        ("alertmanager_url", "SENTINEL_ALERTMANAGER_URL", "http://x:hunter2pw@am:9093"),
    ],
)  # fmt: skip
def test_urls_with_credentials_are_refused_naming_the_setting(
    setting: str, env: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert env in str(caught.value) and "hunter2pw" not in str(caught.value)


def test_serve_refuses_a_url_with_credentials_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "DEEPSEEK_BASE_URL": "https://u:hunter2pw@api.example.com",
           "SENTINEL_STORE": f"sqlite:///{tmp_path / 's.db'}"}  # fmt: skip
    sentinel = str(Path(sys.executable).with_name("sentinel"))
    result = subprocess.run([sentinel, "serve"], env=env, capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert result.returncode == 2
    assert "DEEPSEEK_BASE_URL" in result.stderr and "hunter2pw" not in result.stderr
    assert "Traceback" not in result.stderr


def test_plain_http_only_to_literal_loopback(sqlite_store: SQLiteStore) -> None:
    for url in ("http://a.localhost:8080", "http://localhost.localdomain:8080"):
        with pytest.raises(ConfigurationError, match="plain http"):
            Sentinel(api_key=KEY, base_url=url, store=sqlite_store)
    for url in ("http://localhost:1", "http://127.8.9.10:1", "http://[::1]:1"):
        Sentinel(api_key=KEY, base_url=url, store=sqlite_store).close()


def test_a_webhook_host_has_one_spelling() -> None:
    allow = AllowList(["127.0.0.1:9999", "hooks.example.com"])
    assert allow.check("http://127.0.0.1:9999/hook")
    tricks = ("http://127.0.0.1.:9999/hook", "http://127.1:9999/hook",
              "http://[::ffff:127.0.0.1]:9999/hook", "https://hooks.example.com./x")  # fmt: skip
    for trick in tricks:
        with pytest.raises(WebhookNotAllowed, match="must be written as"):
            allow.check(trick)
