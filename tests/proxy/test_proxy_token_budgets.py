"""Budgets per proxy token: each call through the proxy records the token's id (never
the token), and a token's budget stops that token's calls with 429, Retry-After at the
period's end and an OpenAI-shaped error, counting each call as it ends (a frozen
clock: no snapshot is re-read during the burst), while another token of the same app
goes on. Real HTTP over loopback, on SQLite and on the real Elasticsearch."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from proxy_support import ServerThread

from sentinel.client.async_ import AsyncSentinel
from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.models import CallRecord
from sentinel.proxy.app import create_proxy_app
from sentinel.store.base import Store
from sentinel.store.budget_state import Budget, period_bounds, put_budget
from sentinel.testing import FakeDeepSeek
from sentinel.web.state import web_state

NOW = datetime(2026, 5, 1, 21, 30, tzinfo=UTC)
PASSING = 3  # calls a limit of 2.5 call costs lets through: spent 0, 1, 2 < 2.5


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_store")
    return request.getfixturevalue("es_store_factory")()


@pytest.fixture
def served(
    fake: FakeDeepSeek, store: Store, tmp_path: Path
) -> Iterator[tuple[str, AsyncSentinel, dict[str, str]]]:
    settings = Settings(spool_dir=tmp_path / "spool", spend_cache_ttl="30s")
    client = AsyncSentinel(
        api_key=fake.api_key, base_url=fake.url, store=store, app="proxy-default",
        clock=FakeClock(NOW), settings=settings,
    )  # fmt: skip
    app = create_proxy_app(client, close_client=True)
    registry = web_state(app).tokens
    tokens = {name: registry.create(name, ["proxy"])[0] for name in ("limited", "free")}
    with ServerThread(app) as server:
        yield server.url, client, tokens


BODY = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "hi"}]}


def _post(url: str, token: str) -> httpx.Response:
    auth = {"authorization": f"Bearer {token}"}
    return httpx.post(f"{url}/v1/chat/completions", json=BODY, headers=auth, timeout=30)


def _stored(store: Store, request_id: str) -> CallRecord:
    deadline = time.monotonic() + 10
    while (record := store.get_call(request_id)) is None:  # the sink writes in the background
        assert time.monotonic() < deadline, f"call {request_id} never stored"
        time.sleep(0.05)
        store.refresh()
    return record


def test_a_token_budget_stops_that_token_call_by_call(
    fake: FakeDeepSeek, store: Store, served: tuple[str, AsyncSentinel, dict[str, str]]
) -> None:
    url, client, tokens = served
    limited_id, secret = tokens["limited"][4:20], tokens["limited"][21:]  # sst_<id>_<secret>
    # what one call costs (the other token; the second call, once DeepSeek's context
    # cache holds the prompt, as for every call after it), then the limited one's budget
    probe = [_post(url, tokens["free"]) for _ in range(2)][-1]
    assert probe.status_code == 200
    cost = _stored(store, probe.headers["x-request-id"]).cost
    assert cost and cost > 0
    put_budget(store, Budget(token=limited_id, per="hour", limit=2.5 * cost, currency="USD"))
    store.refresh()
    client._core.guard.refresh()  # the budget is in the snapshot; the clock stays put
    answers = [_post(url, tokens["limited"]) for _ in range(PASSING + 1)]
    assert [r.status_code for r in answers] == [200] * PASSING + [429]
    refused = answers[-1]
    error = refused.json()["error"]
    assert (error["type"], error["code"], error["param"]) == (
        "budget_exceeded",
        "budget_exceeded",
        None,
    )
    assert f"proxy token {limited_id!r}" in error["message"]
    end = period_bounds("hour", NOW)[1]
    assert int(refused.headers["retry-after"]) == math.ceil((end - NOW).total_seconds())
    assert sum(1 for r in fake.requests if r.endpoint == "chat") == 2 + PASSING
    assert _post(url, tokens["free"]).status_code == 200  # same app, no budget of its own
    for answer in answers[:PASSING]:
        record = _stored(store, answer.headers["x-request-id"])
        assert record.proxy_token_id == limited_id and record.app == "proxy-default"
        assert secret not in record.model_dump_json()
    (spent,) = store.cost_stats(period_bounds("hour", NOW)[0], NOW, {"proxy_token": limited_id})
    assert spent.calls == PASSING and spent.cost == pytest.approx(PASSING * cost)
