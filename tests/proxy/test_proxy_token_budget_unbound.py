"""A budget on an unbound proxy token (no `--app`: the caller names any app) follows the
token whatever app each call names, and the token's secret reaches neither the store's
file, the call records nor the logs, refused calls included. Real HTTP over loopback,
real SQLite."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from proxy_support import ServerThread

from sentinel.client.async_ import AsyncSentinel
from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.proxy.app import create_proxy_app
from sentinel.store.budget_state import Budget, period_bounds, put_budget
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek
from sentinel.web.state import web_state

NOW = datetime(2026, 5, 1, 21, 30, tzinfo=UTC)
BODY = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def fake() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek() as server:
        yield server


def test_an_unbound_tokens_budget_follows_the_token_across_apps(
    fake: FakeDeepSeek, sqlite_store: SQLiteStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings(spool_dir=tmp_path / "spool", spend_cache_ttl="30s")
    client = AsyncSentinel(api_key=fake.api_key, base_url=fake.url, store=sqlite_store,
                           app="proxy-default", clock=FakeClock(NOW),
                           settings=settings)  # fmt: skip
    app = create_proxy_app(client, close_client=True)
    token, info = web_state(app).tokens.create("roaming", ["proxy"])
    other = web_state(app).tokens.create("other", ["proxy"])[0]
    assert info.app is None
    secret = token.rsplit("_", 1)[1]
    with ServerThread(app) as server:

        def post(app_name: str, bearer: str = token) -> httpx.Response:
            headers = {"authorization": f"Bearer {bearer}", "x-sentinel-app": app_name}
            return httpx.post(f"{server.url}/v1/chat/completions", json=BODY, headers=headers,
                              timeout=30)  # fmt: skip

        for _ in range(2):  # the second call hits DeepSeek's cache, as every later one does
            probe = post("probe", other)
        assert probe.status_code == 200
        assert client._core.sink.flush(10)
        cost = sqlite_store.get_call(probe.headers["x-request-id"]).cost  # type: ignore[union-attr]
        assert cost
        put_budget(sqlite_store, Budget(token=info.id, per="hour", limit=2.5 * cost,
                                        currency="USD"))  # fmt: skip
        client._core.guard.refresh()
        # spent 0, 1, 2 x cost < 2.5 x cost pass; the app named changes every call
        answers = [post(name) for name in ("alpha", "beta", "gamma", "delta", "probe")]
        assert [r.status_code for r in answers] == [200, 200, 200, 429, 429]
        end = period_bounds("hour", NOW)[1]
        assert int(answers[-1].headers["retry-after"]) == math.ceil((end - NOW).total_seconds())
        assert secret not in answers[-1].text
        assert client._core.sink.flush(10)
    stored = sqlite_store._op(lambda c: c.execute("SELECT doc FROM calls").fetchall())
    assert len(stored) == 7  # the refused calls are recorded too
    assert sum(info.id in doc for (doc,) in stored) == 5
    assert not any(secret in doc for (doc,) in stored)
    sqlite_store.close()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    assert secret not in caplog.text
