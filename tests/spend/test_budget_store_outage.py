"""While the store cannot be read, a process's running budget total keeps every call it
made (so the limit still holds) in a size that grows by the hour, not by the call: each
failed re-read folds what the next read will hand over into hourly sums, and the budget
check, which reads them on every call, stays cheap through a long outage. Once the store
answers, the read hands them over. A real stopped server (a closed loopback port) and a
real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from loopback import free_port

from sentinel.client.spend_guard import SpendGuard
from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.models import CallRecord
from sentinel.store.budget_state import Budget, budget_key, put_budget
from sentinel.store.elastic import ElasticStore
from sentinel.store.sqlite import SQLiteStore

NOW = datetime(2026, 5, 1, 20, 0, tzinfo=UTC)


def _call(i: int, at: datetime) -> CallRecord:
    return CallRecord(request_id=f"o{i}", timestamp=at, app="bot", model="deepseek-flash",
                      cost=0.01, cost_currency="USD")  # fmt: skip


def test_a_long_outage_keeps_the_running_total_by_the_hour(
    sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    down = ElasticStore.from_settings(f"http://127.0.0.1:{free_port()}", Settings(),
                                      dead_letter_path=tmp_path / "dl.jsonl")  # fmt: skip
    clock = FakeClock(NOW)
    guard = SpendGuard(down, timedelta(seconds=30), clock)
    made = []
    for i in range(600):  # a call every 6 s for an hour, a failed re-read every 30 s
        made.append(_call(i, clock.now()))
        guard.spent(made[-1])
        clock.advance(6)
        if i % 5 == 4:
            guard.refresh()
    down.close()
    key = budget_key(app="bot")
    assert guard._local(key, "USD", NOW, NOW + timedelta(days=1)) == pytest.approx(600 * 0.01)
    assert len(guard._added) <= 2 * 10  # two hours' sums, plus the last SETTLE's calls
    # the store is back with the calls: the read counts them, the running total lets go
    sqlite_store.write_records(made)
    put_budget(sqlite_store, Budget(app="bot", per="day", limit=100, currency="USD"))
    guard.store = sqlite_store
    clock.advance(10)
    guard.refresh()
    assert guard._snapshot is not None
    spent = guard._snapshot.budgets[key].spent + guard._local(key, "USD", NOW, clock.now())
    assert abs(spent - 600 * 0.01) < 1e-9
    assert guard._local(key, "USD", NOW, clock.now()) == 0
