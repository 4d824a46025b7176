"""`sentinel prices recompute --since T`: re-derive the cost of stored calls from the
price table as it is now, when an operator corrected a row.

Prices never change a stored cost by themselves (a call is priced once, when it is
made); this is the one deliberate rewrite, so it is audited. Only the three cost fields
of calls that still exist are updated: a call erased meanwhile stays erased.

A call is re-priced in the currency it was priced in (hosts of one fleet may price in
CNY and USD): re-priced in the operator's SENTINEL_CURRENCY instead, a CNY call would
drop out of its app's CNY budget, and one with no row in that currency would lose its
cost. Only a call with no cost yet is priced in SENTINEL_CURRENCY.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sentinel.client.cost import Pricer
from sentinel.models import CallRecord
from sentinel.store.spend_queries import CostUpdate, SpendStore


def _update(pricers: dict[str, Pricer], record: CallRecord) -> CostUpdate | None:
    """The new cost fields of `record`, or None when they would not change."""
    default = pricers[""]
    currency = record.cost_currency or default.currency
    if currency not in pricers:
        pricers[currency] = Pricer(default.table, currency, default.aliases)
    pricer = pricers[currency] if record.cost_currency else default
    cost = pricer.price(
        record.model,
        record.timestamp,
        input_tokens=record.input_tokens,
        output_tokens=record.output_tokens,
        cache_hit_tokens=record.cache_hit_tokens,
        cache_miss_tokens=record.cache_miss_tokens,
    )
    fields = (
        (float(cost.amount), cost.currency, float(cost.cache_savings))
        if cost is not None
        else (None, None, None)
    )
    if fields == (record.cost, record.cost_currency, record.cache_savings):
        return None
    return CostUpdate(record.request_id, record.timestamp, *fields)


def recompute(
    store: SpendStore,
    pricer: Pricer,
    since: datetime,
    advance: Callable[[int], Any] = lambda n: None,
) -> dict[str, int]:
    """Counts: calls seen, calls whose cost changed, calls left with no cost."""
    seen = changed = no_cost = 0
    pricers = {"": pricer, pricer.currency: pricer}
    for batch in store.iter_calls_since(since):
        updates = []
        for record in batch:
            update = _update(pricers, record)
            if update is not None:
                updates.append(update)
            if (update.cost if update is not None else record.cost) is None:
                no_cost += 1
        if updates:
            changed += store.set_costs(updates)
        seen += len(batch)
        advance(len(batch))
    return {"calls": seen, "changed": changed, "no_cost": no_cost}
