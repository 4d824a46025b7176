"""The pricer remembers the row in force per model and minute when every moment the
table can change is a whole minute: the rows it prices with are exactly the table's own
lookup's, at every 15 s across a price change, the peak window's edges, midnight in
Beijing and an alias; a table with a change inside a minute is looked up every call."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from sentinel.client import prices
from sentinel.client.cost import Pricer

TABLE = prices.load()
ALIASES = {"deepseek-chat": "deepseek-v4-flash"}


def moments(start: str, minutes: int) -> list[datetime]:
    t0 = datetime.fromisoformat(start).replace(tzinfo=UTC)
    return [t0 + timedelta(seconds=15 * i) for i in range(minutes * 4)]


EDGES = [
    moments("2026-04-26T12:10:00", 10),  # a price change at 12:15 UTC
    moments("2026-12-01T00:55:00", 10),  # the peak window opens (09:00 Beijing, Tuesday)
    moments("2026-12-01T03:55:00", 10),  # and closes (12:00)
    moments("2026-12-04T15:55:00", 10),  # Saturday begins in Beijing (off-peak all day)
    moments("2026-09-10T03:55:00", 10),  # the V4.1 rows take over
]


def price_row(pricer: Pricer, model: str, at: datetime) -> object:
    cost = pricer.price(
        model, at, input_tokens=10, output_tokens=5, cache_hit_tokens=4, cache_miss_tokens=6
    )
    return None if cost is None else cost.row


@pytest.mark.parametrize("model", ["deepseek-v4-flash", "deepseek-flash", "deepseek-chat"])
@pytest.mark.parametrize("currency", ["USD", "CNY"])
def test_remembered_rows_are_the_tables_own(model: str, currency: str) -> None:
    pricer = Pricer(TABLE, currency, ALIASES)
    assert pricer._rows is not None  # the shipped table changes on whole minutes only
    for edge in EDGES:
        for at in edge:
            want = TABLE.row_at(ALIASES.get(model, model), currency, at)
            assert price_row(pricer, model, at) is want, at
    assert pricer._rows  # and it did remember


def test_a_table_changing_inside_a_minute_is_looked_up_every_call() -> None:
    table = prices.PriceTable(windows=TABLE.windows, rows=dict(TABLE.rows))
    first = next(r for r in table.rows.values() if r.model == "deepseek-v4-flash")
    half = replace(
        first,
        effective_from=datetime(2026, 12, 2, 10, 0, 30, tzinfo=UTC),
        input_cache_miss=first.input_cache_miss * 2,
    )
    table.rows[half.key] = half
    pricer = Pricer(table, first.currency)
    assert pricer._rows is None
    before = datetime(2026, 12, 2, 10, 0, 29, tzinfo=UTC)
    assert price_row(pricer, "deepseek-v4-flash", before) is not half
    assert price_row(pricer, "deepseek-v4-flash", before + timedelta(seconds=1)) is half
