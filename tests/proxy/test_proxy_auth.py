"""Proxy tokens: a verified token is trusted for a short TTL (no store lookup per call),
so a revocation takes effect within that TTL; failures are never cached."""

from __future__ import annotations

import time

import httpx
from proxy_support import Proxy

from sentinel.clock import FakeClock
from sentinel.compliance.tokens import TokenInfo
from sentinel.web.state import web_state
from sentinel.web.tokens import VerifiedTokens

INFO = TokenInfo(id="abc", name="app", scopes=("proxy",), created_at="2026-01-01T00:00:00")


def test_cache_forgets_a_token_after_its_ttl() -> None:
    clock = FakeClock()
    cache = VerifiedTokens(2.0, clock)
    cache.put("sst_x", INFO)
    clock.advance(1.9)
    assert cache.get("sst_x") == INFO
    clock.advance(0.1)
    assert cache.get("sst_x") is None
    assert cache.get("sst_unknown") is None


def test_cache_stays_bounded() -> None:
    cache = VerifiedTokens(60.0, FakeClock(), max_entries=3)
    for i in range(10):
        cache.put(f"t{i}", INFO)
    assert len(cache._entries) <= 3
    assert cache.get("t9") == INFO


def test_revoked_token_is_refused_once_its_ttl_is_over(proxy: Proxy) -> None:
    token = proxy.tokens["proxy"]
    models = f"{proxy.base_url}/models"
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.get(models, headers=auth).status_code == 200
    registry = web_state(proxy.app).tokens
    registry.revoke(token.split("_")[1])
    time.sleep(2.1)  # the app's token TTL (create_proxy_app default)
    resp = httpx.get(models, headers=auth)
    assert resp.status_code == 401
    assert resp.json()["error"]["type"] == "authentication_error"
