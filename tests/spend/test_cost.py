"""Costs are exact to the cent against figures computed by hand from DeepSeek's price
page (the shipped table): cache hit / miss / reasoning, a price change at its boundary
timestamp, a peak window, USD and CNY. Decimal all the way, so equality is exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from sentinel.client import prices
from sentinel.client.cost import Pricer, cost_of

TABLE = prices.load()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (model, currency, timestamp, hit, miss, output, expected cost, expected saving)
# Hand-computed: tokens / 1M x the page's price per 1M tokens.
CASES = [
    # V4 Flash after the cache-hit cut (0.0028 / 0.14 / 0.28 USD); 50k output of which
    # 30k reasoning: reasoning is output, already inside the 50k
    ("deepseek-v4-flash", "USD", "2026-05-10T03:00:00", 800_000, 200_000, 50_000,
     "0.04424", "0.10976"),  # 0.8*0.0028 + 0.2*0.14 + 0.05*0.28; 0.8*(0.14-0.0028)
    # the cut itself, 2026-04-26 12:15 UTC: one microsecond before, the launch price
    ("deepseek-v4-flash", "USD", "2026-04-26T12:14:59.999999", 1_000_000, 0, 0, "0.028", "0.112"),
    ("deepseek-v4-flash", "USD", "2026-04-26T12:15:00", 1_000_000, 0, 0, "0.0028", "0.1372"),
    # V4.1 Flash, Tuesday 2026-12-01: 02:00 UTC = 10:00 Beijing, peak (0.006 / 0.30 / 1.20)
    ("deepseek-flash", "USD", "2026-12-01T02:00:00", 2_000_000, 1_000_000, 500_000,
     "0.912", "0.588"),  # 0.012 + 0.30 + 0.60; 2*(0.30-0.006)
    # 05:00 UTC = 13:00 Beijing, between the two peak spans: off-peak (0.003 / 0.15 / 0.60)
    ("deepseek-flash", "USD", "2026-12-01T05:00:00", 2_000_000, 1_000_000, 500_000,
     "0.456", "0.294"),
    # the window's edges: 09:00 Beijing is peak, 12:00 is not
    ("deepseek-flash", "USD", "2026-12-01T01:00:00", 0, 1_000_000, 0, "0.30", "0"),
    ("deepseek-flash", "USD", "2026-12-01T04:00:00", 0, 1_000_000, 0, "0.15", "0"),
    # Saturday 10:00 Beijing: off-peak all day
    ("deepseek-flash", "USD", "2026-12-05T02:00:00", 0, 1_000_000, 0, "0.15", "0"),
    # CNY, same peak call: 2*0.04 + 1*2 + 0.5*8 = 6.08; saving 2*(2-0.04) = 3.92
    ("deepseek-flash", "CNY", "2026-12-01T02:00:00", 2_000_000, 1_000_000, 500_000,
     "6.08", "3.92"),
    # V4 Pro off-peak in CNY (0.15 / 4.5 / 13.5): 0.1*0.15 + 0.3*4.5 + 0.2*13.5
    ("deepseek-v4-pro", "CNY", "2026-11-30T12:00:00", 100_000, 300_000, 200_000,
     "4.065", "0.435"),  # 0.015 + 1.35 + 2.7; 0.1*(4.5-0.15)
]  # fmt: skip


@pytest.mark.parametrize(("model", "currency", "ts", "hit", "miss", "out", "cost", "saving"), CASES)
def test_cost_matches_the_hand_computed_figure(
    model: str, currency: str, ts: str, hit: int, miss: int, out: int, cost: str, saving: str
) -> None:
    result = Pricer(TABLE, currency).price(
        model,
        at(ts),
        input_tokens=hit + miss,
        output_tokens=out,
        cache_hit_tokens=hit,
        cache_miss_tokens=miss,
    )
    assert result is not None
    assert result.amount == Decimal(cost)
    assert result.cache_savings == Decimal(saving)
    assert result.currency == currency


def test_many_calls_add_up_to_the_cent() -> None:
    """10,000 small calls (1,234 hit, 567 miss, 89 output tokens each, off-peak V4.1
    Flash): by hand 10,000 x (1234*0.003 + 567*0.15 + 89*0.60) / 1M = 1.42152 USD."""
    pricer = Pricer(TABLE, "USD")
    start = at("2026-12-05T00:00:00")  # a Saturday: off-peak throughout
    total = Decimal(0)
    floats = 0.0
    for i in range(10_000):
        c = pricer.price(
            "deepseek-flash",
            start + timedelta(seconds=i),
            input_tokens=1801,
            output_tokens=89,
            cache_hit_tokens=1234,
            cache_miss_tokens=567,
        )
        assert c is not None
        total += c.amount
        floats += float(c.amount)  # what the stores sum
    assert total == Decimal("1.42152")
    assert round(floats, 2) == 1.42 and abs(floats - 1.42152) < 1e-9


def test_an_alias_is_priced_as_its_target_and_an_unknown_model_is_not_guessed() -> None:
    seen: list[tuple[str, bool]] = []
    pricer = Pricer(
        TABLE,
        "USD",
        {"deepseek-chat": "deepseek-v4-flash"},
        on_unpriced=lambda m, f: seen.append((m, f)),
    )
    when = at("2026-05-10T03:00:00")
    usage = dict(
        input_tokens=1_000_000, output_tokens=0, cache_hit_tokens=0, cache_miss_tokens=1_000_000
    )
    chat = pricer.price("deepseek-chat", when, **usage)
    assert chat is not None and chat.amount == Decimal("0.14")
    assert pricer.price("mystery-model", when, **usage) is None
    assert pricer.price("mystery-model", when, **usage) is None
    # before V4 launched there is no row either: no price, never the nearest one
    assert pricer.price("deepseek-v4-flash", at("2026-01-01T00:00:00"), **usage) is None
    assert seen == [("mystery-model", True), ("mystery-model", False), ("deepseek-v4-flash", True)]


def test_no_usage_means_no_cost() -> None:
    pricer = Pricer(TABLE, "USD")
    none = dict(
        input_tokens=None, output_tokens=None, cache_hit_tokens=None, cache_miss_tokens=None
    )
    assert pricer.price("deepseek-flash", at("2026-12-01T02:00:00"), **none) is None


def test_input_without_the_cache_split_is_billed_as_misses() -> None:
    row = TABLE.row_at("deepseek-flash", "USD", at("2026-12-05T02:00:00"))
    assert row is not None
    c = cost_of(row, input_tokens=1_000_000, output_tokens=0, cache_hit_tokens=None,
                cache_miss_tokens=None)  # fmt: skip
    assert c.amount == Decimal("0.15") and c.cache_savings == 0
