"""The proxy refuses what can only fail: 402 while the polled balance says the account
cannot call, 429 with Retry-After at the period's end when the app's budget is spent,
both in OpenAI's error shape and without a request upstream."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import httpx
from proxy_support import Proxy, overspend

from sentinel.balance import BalanceSample
from sentinel.store.balance_state import record_balance
from sentinel.store.budget_state import period_bounds

BODY = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "hi"}]}


def _post(proxy: Proxy) -> httpx.Response:
    return httpx.post(
        f"{proxy.base_url}/chat/completions",
        json=BODY,
        headers={"authorization": f"Bearer {proxy.tokens['proxy']}"},
        timeout=30,
    )


def test_unavailable_balance_is_a_402_without_an_upstream_call(proxy: Proxy) -> None:
    now = datetime.now(UTC)
    record_balance(proxy.store, BalanceSample(now, False, {"USD": {"total": 0.0}}),
                   timedelta(days=1))  # fmt: skip
    resp = _post(proxy)
    assert resp.status_code == 402
    error = resp.json()["error"]
    assert error["code"] == "insufficient_balance" and "top up" in error["message"]
    assert resp.headers["x-request-id"]
    assert not [r for r in proxy.fake.requests if r.endpoint == "chat"]


def test_spent_budget_is_a_429_with_retry_after_at_the_period_end(proxy: Proxy) -> None:
    now = datetime.now(UTC)
    overspend(proxy.store, "proxy-default", "hour", now)
    resp = _post(proxy)
    assert resp.status_code == 429
    body = resp.json()["error"]
    assert (body["type"], body["code"]) == ("budget_exceeded", "budget_exceeded")
    assert "3.00 of 1.00 USD" in body["message"]
    end = period_bounds("hour", now)[1]
    expected = math.ceil((end - now).total_seconds())
    assert abs(int(resp.headers["retry-after"]) - expected) <= 5
    assert not [r for r in proxy.fake.requests if r.endpoint == "chat"]
