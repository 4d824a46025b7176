"""A budget counts each call's own cost as soon as the call ends, not only what the
store held at the last snapshot: a burst of calls inside SENTINEL_SPEND_CACHE_TTL
stops at the limit. The clock is frozen, so no snapshot is re-read during the burst.
Real HTTP to FakeDeepSeek, on SQLite and on the real Elasticsearch (the proxy's
per-token budgets: tests/proxy/test_proxy_token_budgets.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sentinel.client import Sentinel
from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.errors import BudgetExceededError
from sentinel.store.base import Store
from sentinel.store.budget_state import Budget, period_bounds, put_budget
from sentinel.testing import FakeDeepSeek

NOW = datetime(2026, 5, 1, 21, 30, tzinfo=UTC)
HI = [{"role": "user", "content": "hi"}]
PASSING = 3  # calls a limit of 2.5 call costs lets through: spent 0, 1, 2 < 2.5


@pytest.fixture
def fake() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek() as server:
        yield server


def _chat_requests(fake: FakeDeepSeek) -> int:
    return sum(1 for r in fake.requests if r.endpoint == "chat")


def test_a_burst_within_the_ttl_stops_at_the_limit(
    fake: FakeDeepSeek, store: Store, tmp_path: Path
) -> None:
    settings = Settings(api_key=fake.api_key, base_url=fake.url, spool_dir=tmp_path / "spool",
                        spend_cache_ttl="30s")  # fmt: skip
    client = Sentinel(settings=settings, store=store, clock=FakeClock(NOW), app="burst")
    try:
        # what one call costs (an app without a budget; the second call, once DeepSeek's
        # context cache holds the prompt, as for every call after it), then the budget
        for _ in range(2):
            probe = client.chat.completions.create(model="deepseek-v4-flash", messages=HI, app="x")
        client.flush()
        store.refresh()
        cost = store.get_call(probe.request_id).cost  # type: ignore[union-attr]
        assert cost and cost > 0
        put_budget(store, Budget(app="burst", per="day", limit=2.5 * cost, currency="USD"))
        store.refresh()
        client._core.guard.refresh()  # the budget is in the snapshot; the clock stays put
        sent = _chat_requests(fake)
        for _ in range(PASSING):
            client.chat.completions.create(model="deepseek-v4-flash", messages=HI)
        with pytest.raises(BudgetExceededError) as caught:
            client.chat.completions.create(model="deepseek-v4-flash", messages=HI)
        err = caught.value
        assert err.spent == pytest.approx(PASSING * cost) and err.token is None
        assert err.retry_after == (period_bounds("day", NOW)[1] - NOW).total_seconds()
        assert _chat_requests(fake) - sent == PASSING  # the refused call never left
        client.chat.completions.create(model="deepseek-v4-flash", messages=HI, app="x")
        client.flush()
    finally:
        client.close()
    store.refresh()
    (spent,) = store.cost_stats(period_bounds("day", NOW)[0], NOW, {"app": "burst"})
    assert spent.calls == PASSING and spent.cost == pytest.approx(PASSING * cost)
