"""Spend aggregations, in both stores: grouped sums per currency, to the cent, and the
cost-only updates `prices recompute` makes (never resurrecting an erased call)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sentinel.models import CallRecord
from sentinel.store.spend_queries import CostUpdate

T0 = datetime(2026, 12, 1, 10, tzinfo=UTC)


def call(i: int, **kw: Any) -> CallRecord:
    fields: dict[str, Any] = dict(
        request_id=f"req-{i}",
        timestamp=T0 + timedelta(minutes=i),
        app="bot",
        model="deepseek-flash",
        input_tokens=1500,
        cache_hit_tokens=1000,
        cache_miss_tokens=500,
        output_tokens=100,
        cost=0.000138,  # 1000*0.003 + 500*0.15 + 100*0.60, per 1M
        cost_currency="USD",
        cache_savings=0.000147,
    )
    fields.update(kw)
    return CallRecord(**fields)


def seed(store: Any) -> None:
    records = [call(i, app="bot" if i % 2 else "search") for i in range(100)]
    records += [call(100 + i, model="deepseek-v4-pro", cost=0.01, cache_savings=0.0,
                     cost_currency="CNY", conversation_id="conv-1", subject_key="k" * 64)
                for i in range(10)]  # fmt: skip
    records.append(call(200, model="mystery", cost=None, cost_currency=None, cache_savings=None))
    records.append(call(300, timestamp=T0 + timedelta(days=1, hours=2)))
    store.write_records(records)
    store.refresh()


def test_spend_by_app_sums_cost_savings_and_tokens_per_currency(store: Any) -> None:
    seed(store)
    rows = store.spend(T0, T0 + timedelta(days=2), "app")
    by = {(r.key, r.currency): r for r in rows}
    bot = by[("bot", "USD")]
    # 50 odd ids + req-300 (app bot) + req-200 (bot, unpriced) counted apart
    assert bot.calls == 51
    assert round(bot.cost, 2) == round(51 * 0.000138, 2)
    assert abs(bot.cost - 51 * 0.000138) < 1e-12
    assert abs(by[("search", "USD")].cost - 50 * 0.000138) < 1e-12
    assert by[("bot", "")].calls == 1 and by[("bot", "")].cost == 0
    cny = [r for r in rows if r.currency == "CNY"]
    assert sum(r.calls for r in cny) == 10 and abs(sum(r.cost for r in cny) - 0.1) < 1e-12
    assert bot.cache_hit_tokens == 51_000 and bot.cache_miss_tokens == 25_500
    assert bot.cache_hit_ratio == 1000 / 1500


def test_spend_by_day_model_subject_conversation_and_filters(store: Any) -> None:
    seed(store)
    end = T0 + timedelta(days=2)
    days = store.spend(T0 - timedelta(days=1), end, "day")
    assert [(r.key, r.currency) for r in days if r.currency == "USD"] == [
        ("2026-12-01", "USD"), ("2026-12-02", "USD")
    ]  # fmt: skip
    assert [r.calls for r in days if r.key == "2026-12-02"] == [1]
    models = {(r.key, r.currency) for r in store.spend(T0, end, "model")}
    assert {("deepseek-flash", "USD"), ("deepseek-v4-pro", "CNY"), ("mystery", "")} <= models
    subject = store.spend(T0, end, "subject", {"model": "deepseek-v4-pro"})
    assert [(r.key, r.calls) for r in subject] == [("k" * 64, 10)]
    conv = store.spend(T0, end, "conversation", limit=1)
    assert [r.key for r in conv] == ["conv-1"]  # the costliest group first
    # the calls with no conversation are a group of their own ("")
    rest = {(r.key, r.currency): r.calls for r in store.spend(T0, end, "conversation")}
    assert rest == {("conv-1", "CNY"): 10, ("", "USD"): 101, ("", ""): 1}
    only = store.spend(T0, T0 + timedelta(minutes=10), "app", {"app": "search"})
    assert [(r.key, r.calls) for r in only] == [("search", 5)]  # minutes 0,2,4,6,8


def test_set_costs_rewrites_only_the_cost_of_existing_calls(store: Any) -> None:
    store.write_records([call(1), call(2)])
    store.refresh()
    seen = [r.request_id for batch in store.iter_calls_since(T0) for r in batch]
    assert sorted(seen) == ["req-1", "req-2"]
    assert store.count_calls_since(T0 + timedelta(minutes=2)) == 1
    updates = [
        CostUpdate("req-1", T0 + timedelta(minutes=1), 0.5, "USD", 0.25),
        CostUpdate("gone", T0 + timedelta(minutes=3), 0.5, "USD", 0.25),
    ]
    assert store.set_costs(updates) == 1
    store.refresh()
    got = store.get_call("req-1")
    assert (got.cost, got.cost_currency, got.cache_savings) == (0.5, "USD", 0.25)
    assert got.input_tokens == 1500  # the rest of the record is untouched
    assert store.get_call("gone") is None  # not created by an update
    spent = {r.key: r.cost for r in store.spend(T0, T0 + timedelta(hours=1), "app")}
    assert abs(spent["bot"] - (0.5 + 0.000138)) < 1e-12
