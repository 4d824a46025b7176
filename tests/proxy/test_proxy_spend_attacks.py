"""Outside attacks on the proxy's spend guards: a spent budget or an unavailable
balance stops every kind of call (streamed chat, FIM), not only the plain one, without a
request upstream; recovery follows the store; a garbage balance answer from upstream is
a 502, never a 500."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import httpx
from proxy_support import Proxy, overspend

from sentinel.balance import BalanceSample
from sentinel.store.balance_state import record_balance
from sentinel.store.budget_state import period_bounds

CHAT = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "hi"}]}
FIM = {"model": "deepseek-v4-flash", "prompt": "def f(", "suffix": "):"}


def _auth(proxy: Proxy) -> dict[str, str]:
    return {"authorization": f"Bearer {proxy.tokens['proxy']}"}


def _upstream(proxy: Proxy, endpoint: str) -> int:
    return sum(1 for r in proxy.fake.requests if r.endpoint == endpoint)


def test_a_spent_budget_stops_streams_and_fim_too(proxy: Proxy) -> None:
    now = datetime.now(UTC)
    overspend(proxy.store, "proxy-default", "day", now)
    expected = math.ceil((period_bounds("day", now)[1] - now).total_seconds())
    for path, body in (
        ("/v1/chat/completions", {**CHAT, "stream": True}),
        ("/beta/completions", FIM),
        ("/beta/completions", {**FIM, "stream": True}),
    ):
        resp = httpx.post(f"{proxy.base_url.removesuffix('/v1')}{path}", json=body,
                          headers=_auth(proxy), timeout=30)  # fmt: skip
        assert resp.status_code == 429, (path, resp.text)
        assert resp.json()["error"]["code"] == "budget_exceeded"
        assert abs(int(resp.headers["retry-after"]) - expected) <= 5
    assert _upstream(proxy, "chat") == 0 and _upstream(proxy, "fim") == 0


def test_an_unavailable_balance_stops_a_stream_with_402(proxy: Proxy) -> None:
    record_balance(proxy.store, BalanceSample(datetime.now(UTC), False, {"USD": {"total": 0.0}}),
                   timedelta(days=1))  # fmt: skip
    resp = httpx.post(f"{proxy.base_url}/chat/completions", json={**CHAT, "stream": True},
                      headers=_auth(proxy), timeout=30)  # fmt: skip
    assert resp.status_code == 402, resp.text
    assert resp.json()["error"]["code"] == "insufficient_balance"
    assert _upstream(proxy, "chat") == 0


def test_a_garbage_balance_answer_upstream_is_a_502(proxy: Proxy) -> None:
    original = proxy.fake._answer

    def garbage(endpoint, *args, **kwargs):  # type: ignore[no-untyped-def]
        if endpoint == "balance":
            return 200, []
        return original(endpoint, *args, **kwargs)

    proxy.fake._answer = garbage  # type: ignore[method-assign]
    resp = httpx.get(f"{proxy.base_url}/user/balance", headers=_auth(proxy), timeout=30)
    assert resp.status_code == 502, resp.text
    assert resp.json()["error"]["message"]


def test_a_token_bound_to_an_app_cannot_step_around_its_budget(proxy: Proxy) -> None:
    from sentinel.web.state import web_state

    now = datetime.now(UTC)
    overspend(proxy.store, "billing", "day", now)
    bound, _ = web_state(proxy.app).tokens.create("t-billing", ["proxy"], app="billing")
    auth = {"authorization": f"Bearer {bound}"}
    url = f"{proxy.base_url}/chat/completions"
    other = httpx.post(url, json={**CHAT, "metadata": {"app": "free-for-all"}},
                       headers={**auth, "x-sentinel-app": "free-for-all"}, timeout=30)  # fmt: skip
    assert other.status_code == 403, other.text
    own = httpx.post(url, json=CHAT, headers=auth, timeout=30)
    assert own.status_code == 429 and own.json()["error"]["code"] == "budget_exceeded"
    assert _upstream(proxy, "chat") == 0
