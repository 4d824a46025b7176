"""Outside attack: the spend guard on both stores, not only SQLite. A client
reading the shared Elasticsearch learns a spent budget (429, Retry-After at the period
end) and an unavailable balance (402) from the store like it does from SQLite, and
resumes when the budget is removed or a good poll is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sentinel.balance import BalanceSample
from sentinel.client import Sentinel
from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.errors import BudgetExceededError, InsufficientBalanceError
from sentinel.models import CallRecord
from sentinel.store.balance_state import record_balance
from sentinel.store.budget_state import Budget, put_budget, remove_budget
from sentinel.testing import FakeDeepSeek

NOW = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
HI = [{"role": "user", "content": "hi"}]


def test_budget_and_balance_guard_on_either_store(store: Any, tmp_path: Path) -> None:
    store.write_records(
        [
            CallRecord(request_id=f"p{i}", timestamp=NOW - timedelta(minutes=10 * i), app="bot",
                       model="deepseek-flash", outcome="success", http_status=200,
                       duration_ms=5, cost=0.5, cost_currency="CNY")
            for i in range(3)
        ]  # 1.5 CNY this day; a USD budget of the same app would see none of it
    )  # fmt: skip
    store.refresh()
    put_budget(store, Budget(app="bot", per="day", limit=1.0, currency="CNY"))
    clock = FakeClock(NOW)
    with FakeDeepSeek() as fake:
        settings = Settings(api_key=fake.api_key, base_url=fake.url, spool_dir=tmp_path / "sp",
                            app="bot", currency="CNY")  # fmt: skip
        client = Sentinel(settings=settings, store=store, clock=clock)
        try:
            with pytest.raises(BudgetExceededError) as caught:
                client.chat.completions.create(model="deepseek-flash", messages=HI)
            assert caught.value.retry_after == 3600.0 and caught.value.currency == "CNY"
            remove_budget(store, "bot")
            record_balance(store, BalanceSample(NOW, False, {"CNY": {"total": 0.0}}),
                           timedelta(days=1))  # fmt: skip
            client._core.guard.refresh()
            with pytest.raises(InsufficientBalanceError):
                client.chat.completions.create(model="deepseek-flash", messages=HI)
            good = BalanceSample(NOW + timedelta(minutes=1), True, {"CNY": {"total": 9.0}})
            record_balance(store, good, timedelta(days=1))
            client._core.guard.refresh()
            client.chat.completions.create(model="deepseek-flash", messages=HI)
        finally:
            client.close()
        assert sum(1 for r in fake.requests if r.endpoint == "chat") == 1
