"""A budget holds across snapshot re-reads: sequential calls (none in flight) over many
short SENTINEL_SPEND_CACHE_TTLs on the real clock stop at the limit. A re-read hands the
process's running total over to the store; a call the store cannot count yet (the sink
writes in the background, Elasticsearch searches what it refreshed, 1 s) must not drop
out of the budget's spend. Real HTTP to FakeDeepSeek, on SQLite and the real
Elasticsearch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel.client import Sentinel
from sentinel.config import Settings
from sentinel.errors import BudgetExceededError
from sentinel.store.base import Store
from sentinel.store.budget_state import Budget, put_budget
from sentinel.testing import FakeDeepSeek

HI = [{"role": "user", "content": "hi"}]
ALLOWED = 12  # a limit of 11.5 call costs lets 12 through: spent 0 .. 11 < 11.5


@pytest.fixture
def fake() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek() as server:
        yield server


def test_sequential_calls_over_many_ttls_stop_at_the_limit(
    fake: FakeDeepSeek, store: Store, tmp_path: Path
) -> None:
    settings = Settings(api_key=fake.api_key, base_url=fake.url, spool_dir=tmp_path / "spool",
                        spend_cache_ttl="20ms")  # fmt: skip
    client = Sentinel(settings=settings, store=store, app="seq")
    try:
        for _ in range(2):  # the second call hits DeepSeek's cache, like every later one
            probe = client.chat.completions.create(model="deepseek-v4-flash", messages=HI, app="x")
        client.flush()
        store.refresh()
        cost = store.get_call(probe.request_id).cost  # type: ignore[union-attr]
        assert cost and cost > 0
        put_budget(store, Budget(app="seq", per="day", limit=(ALLOWED - 0.5) * cost,
                                 currency="USD"))  # fmt: skip
        store.refresh()
        client._core.guard.refresh()
        passed = 0
        with pytest.raises(BudgetExceededError):
            for _ in range(4 * ALLOWED):
                client.chat.completions.create(model="deepseek-v4-flash", messages=HI)
                passed += 1
        assert passed == ALLOWED
    finally:
        client.close()
