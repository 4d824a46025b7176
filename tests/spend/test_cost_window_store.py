"""The spend store queries on both stores: cost per window and group, the balance
series, budgets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sentinel.balance import BalanceSample
from sentinel.models import CallRecord
from sentinel.store.balance_state import balance_series, latest_balance, record_balance
from sentinel.store.base import Store
from sentinel.store.budget_state import (
    Budget,
    get_budget,
    list_budgets,
    period_bounds,
    put_budget,
    remove_budget,
)
from sentinel.store.sqlite import SQLiteStore

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Store]:
    if request.param == "sqlite":
        s = SQLiteStore(tmp_path / "s.db")
        s.setup()
        yield s
        s.close()
    else:
        factory: Callable[..., Store] = request.getfixturevalue("es_store_factory")
        yield factory()


def _call(i: int, app: str, cost: float | None, currency: str = "USD", **kw: Any) -> CallRecord:
    return CallRecord(
        request_id=f"r{i}-{app}-{currency}",
        timestamp=T0 + timedelta(seconds=i),
        app=app,
        model=kw.pop("model", "deepseek-v4-flash"),
        outcome="success",
        http_status=200,
        duration_ms=10,
        cost=cost,
        cost_currency=currency if cost is not None else None,
        **kw,
    )


def test_cost_stats_groups_by_label_and_never_adds_currencies(store: Store) -> None:
    store.write_records(
        [
            _call(1, "a", 0.25),
            _call(2, "a", 0.5, model="deepseek-v4-pro", subject_key="k1"),
            _call(3, "a", 1.0, currency="CNY"),
            _call(4, "b", 0.125),
            _call(5, "b", None),  # unpriced: not counted, not 0
            _call(6, "c", None),
            _call(7000, "a", 9.0),  # outside the window
        ]
    )
    store.refresh()
    end = T0 + timedelta(minutes=10)
    by = {
        tuple(sorted(s.labels.items())): (s.calls, s.cost)
        for s in store.cost_stats(T0, end, group_by=("app", "currency"))
    }
    assert by == {
        (("app", "a"), ("currency", "USD")): (2, 0.75),
        (("app", "a"), ("currency", "CNY")): (1, 1.0),
        (("app", "b"), ("currency", "USD")): (1, 0.125),
    }
    [only] = store.cost_stats(T0, end, {"app": "a", "model": "deepseek-v4-pro"}, ("subject_key",))
    assert (only.labels, only.calls, only.cost) == ({"subject_key": "k1"}, 1, 0.5)
    # (start, end]: the call at T0 + 1 s is out when the window starts there
    assert sum(s.calls for s in store.cost_stats(T0 + timedelta(seconds=1), end)) == 3
    with pytest.raises(ValueError, match="unknown cost label"):
        store.cost_stats(T0, end, group_by=("endpoint",))


def test_balance_series_keeps_the_retention_and_the_latest(store: Store) -> None:
    for minutes, usd in ((0, 10.0), (30, 8.0), (90, 0.0)):
        sample = BalanceSample(T0 + timedelta(minutes=minutes), usd > 0, {"USD": {"total": usd}})
        record_balance(store, sample, retention=timedelta(minutes=75))
    store.refresh()
    assert [s.total("USD") for s in balance_series(store)] == [8.0, 0.0]
    latest = latest_balance(store)
    assert latest is not None and latest.is_available is False
    assert latest.at == T0 + timedelta(minutes=90)


def test_budgets_round_trip(store: Store) -> None:
    put_budget(store, Budget(app="a", per="day", limit=20, currency="USD"))
    put_budget(store, Budget(app="b", per="month", limit=5, currency="CNY"))
    put_budget(store, Budget(app="a", per="hour", limit=2, currency="USD"))  # replaces
    store.refresh()
    assert [(b.app, b.per) for b in list_budgets(store)] == [("a", "hour"), ("b", "month")]
    assert remove_budget(store, "b") and not remove_budget(store, "b")
    store.refresh()
    assert get_budget(store, "b") is None and [b.app for b in list_budgets(store)] == ["a"]


def test_period_bounds_are_utc_calendar_periods() -> None:
    at = datetime(2026, 12, 31, 23, 40, tzinfo=UTC)  # a Thursday
    assert period_bounds("hour", at) == (at.replace(minute=0), datetime(2027, 1, 1, tzinfo=UTC))
    assert period_bounds("day", at)[1] == datetime(2027, 1, 1, tzinfo=UTC)
    assert period_bounds("week", at) == (
        datetime(2026, 12, 28, tzinfo=UTC),
        datetime(2027, 1, 4, tzinfo=UTC),
    )
    assert period_bounds("month", at) == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )


def test_usage_stats_sum_what_call_stats_sums(store: Store) -> None:
    store.write_records(
        [
            _call(i, "a" if i % 3 else "b", None, cache_hit_tokens=10 * i, cache_miss_tokens=i,
                  input_tokens=11 * i, output_tokens=2, model="m1" if i % 2 else "m2")
            for i in range(1, 31)
        ]
    )  # fmt: skip
    store.refresh()
    end = T0 + timedelta(minutes=1)
    for group_by, where in (((), {}), (("app",), {}), (("app", "model"), {"model": "m1"})):
        usage = {
            tuple(sorted(u.labels.items())): (u.total, u.tokens)
            for u in store.usage_stats(T0, end, where, group_by)
        }
        calls = {
            tuple(sorted(c.labels.items())): (c.total, c.tokens)
            for c in store.call_stats(T0, end, where, group_by)
        }
        assert usage == calls and usage
    assert store.usage_stats(end, end + timedelta(hours=1)) == []
    with pytest.raises(ValueError, match="unknown call label"):
        store.usage_stats(T0, end, group_by=("subject_key",))
