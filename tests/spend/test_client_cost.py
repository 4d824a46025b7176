"""Every call is priced once, when it is made, from its own usage and timestamp: the
record, the span, the ECS line and the cost metric all carry the same figure; a model
with no price gets cost=null and a counted warning, logged once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from sentinel.client import prices
from sentinel.client.cost import cost_of
from sentinel.clock import FakeClock

MSG = [{"role": "user", "content": "a long and stable system prompt " * 20}]
PEAK = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday, 10:00 Beijing


def expected(record: Any, currency: str = "USD") -> tuple[float, float]:
    row = prices.load().row_at(record.model, currency, record.timestamp)
    assert row is not None
    c = cost_of(
        row,
        input_tokens=record.input_tokens,
        output_tokens=record.output_tokens,
        cache_hit_tokens=record.cache_hit_tokens,
        cache_miss_tokens=record.cache_miss_tokens,
    )
    return float(c.amount), float(c.cache_savings)


def test_a_call_is_priced_on_its_record_span_log_line_and_metric(harness: Any) -> None:
    harness.clock = FakeClock(PEAK)
    client = harness.client(app="support-bot")
    for _ in range(2):  # the second call reuses the prefix: cache hits
        client.chat.completions.create(model="deepseek-flash", messages=MSG)
    first, second = harness.calls()
    assert second.cache_hit_tokens and second.cache_savings and second.cache_savings > 0
    for record in (first, second):
        assert (record.cost, record.cache_savings) == expected(record)
        assert record.cost_currency == "USD" and record.cost > 0
    row = prices.load().row_at("deepseek-flash", "USD", PEAK)
    assert row is not None and row.window == "peak"
    spans = {
        s.attributes["sentinel.request_id"]: s.attributes
        for s in harness.spans.get_finished_spans()
    }
    lines = {line["sentinel"]["request_id"]: line for line in harness.log_lines()}
    for record in (first, second):
        attrs = spans[record.request_id]
        assert attrs["sentinel.cost"] == record.cost
        assert attrs["sentinel.cost.currency"] == "USD"
        assert attrs["sentinel.cost.cache_savings"] == record.cache_savings
        cost = lines[record.request_id]["sentinel"]["cost"]
        assert cost == {
            "amount": record.cost,
            "currency": "USD",
            "cache_savings": record.cache_savings,
        }
    (point,) = harness.metric_points("sentinel.client.cost")
    assert point.attributes == {
        "gen_ai.request.model": "deepseek-flash",
        "sentinel.app": "support-bot",
        "sentinel.cost.currency": "USD",
    }
    assert point.value == pytest.approx(first.cost + second.cost, rel=1e-12)
    (saved,) = harness.metric_points("sentinel.client.cost.cache_savings")
    assert saved.value == pytest.approx(
        second.cache_savings + (first.cache_savings or 0), rel=1e-12
    )


def test_cny_when_settings_say_so(harness: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTINEL_CURRENCY", "CNY")
    harness.clock = FakeClock(PEAK)
    harness.client().chat.completions.create(model="deepseek-flash", messages=MSG)
    (record,) = harness.calls()
    assert record.cost_currency == "CNY"
    assert (record.cost, record.cache_savings) == expected(record, "CNY")


def test_an_unpriced_model_gets_null_cost_and_a_counted_warning_logged_once(
    harness: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # before V4 launched (2026-04-24) the table has no row for it
    harness.clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    client = harness.client()
    with caplog.at_level(logging.WARNING, logger="sentinel.client"):
        for _ in range(3):
            client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    records = harness.calls()
    assert len(records) == 3 and all(r.cost is None and r.cost_currency is None for r in records)
    assert all(r.input_tokens for r in records)  # it had usage: the price was missing
    warnings = [r for r in caplog.records if "no USD price" in r.getMessage()]
    assert len(warnings) == 1 and "cost=null" in warnings[0].getMessage()
    (point,) = harness.metric_points("sentinel.client.cost.unpriced")
    assert point.value == 3 and point.attributes == {"gen_ai.request.model": "deepseek-v4-flash"}
    assert harness.metric_points("sentinel.client.cost") == []


def test_a_price_change_never_rewrites_a_stored_cost(
    harness: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.clock = FakeClock(PEAK)
    harness.client().chat.completions.create(model="deepseek-flash", messages=MSG)
    (before,) = harness.calls()
    override = tmp_path / "prices.yml"
    override.write_text(
        "prices:\n  deepseek-flash:\n"
        "    - {effective_from: 2026-09-10T04:00:00Z, currency: USD, window: peak,"
        " input_cache_hit: 1, input_cache_miss: 1, output: 1}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SENTINEL_PRICES_FILE", str(override))
    harness.client().chat.completions.create(
        model="deepseek-flash", messages=[{"role": "user", "content": "x"}]
    )
    records = {r.request_id: r for r in harness.calls()}
    assert records[before.request_id].cost == before.cost  # priced once, kept
    (new,) = [r for r in records.values() if r.request_id != before.request_id]
    tokens = (new.input_tokens or 0) + (new.output_tokens or 0)
    assert Decimal(str(new.cost)) == Decimal(tokens) / 1_000_000
