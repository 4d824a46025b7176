"""What one call cost: pure arithmetic over its usage and the price row in force at its
timestamp (no I/O, no clock: the timestamp is the call's own), in exact Decimal.

DeepSeek bills input tokens served from its context cache at the cache-hit price and the
rest at the cache-miss price, and reasoning tokens as output tokens (they are part of
`completion_tokens`). The saving is what the cache hits would have cost as misses.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sentinel.client.prices import PriceRow, PriceTable

MILLION = Decimal(1_000_000)
_ROWS_KEPT = 4096  # (model, minute) lookups remembered; a full memo starts over


@dataclass(frozen=True)
class Cost:
    amount: Decimal
    currency: str
    cache_savings: Decimal
    row: PriceRow


def cost_of(
    row: PriceRow,
    *,
    input_tokens: int | None,
    output_tokens: int | None,
    cache_hit_tokens: int | None,
    cache_miss_tokens: int | None,
) -> Cost:
    hit = cache_hit_tokens or 0
    # an answer without the split (not DeepSeek's) bills every uncached input token as a miss
    miss = cache_miss_tokens if cache_miss_tokens is not None else max((input_tokens or 0) - hit, 0)
    out = output_tokens or 0
    amount = (hit * row.input_cache_hit + miss * row.input_cache_miss + out * row.output) / MILLION
    savings = hit * (row.input_cache_miss - row.input_cache_hit) / MILLION
    return Cost(amount, row.currency, savings, row)


class Pricer:
    """Prices calls for one process: the table, the currency (SENTINEL_CURRENCY) and the
    catalogue's aliases (a call naming deepseek-chat is priced as its target). Models
    with no row are reported once each to `on_unpriced`."""

    def __init__(
        self,
        table: PriceTable,
        currency: str,
        aliases: Mapping[str, str] | None = None,
        on_unpriced: Callable[[str, bool], None] | None = None,
    ) -> None:
        self.table = table
        self.currency = currency
        self.aliases = dict(aliases or {})
        self._on_unpriced = on_unpriced
        self._warned: set[str] = set()
        self._lock = threading.Lock()
        # The row in force changes only at a row's effective_from or a window's edge:
        # when all of those fall on whole minutes, one lookup serves a model's minute
        # (the lookup converts every call's time to Beijing's and walks the windows).
        self._rows: dict[tuple[str, int], PriceRow | None] | None = (
            {} if _minute_aligned(table) else None
        )

    def price(
        self,
        model: str,
        at: datetime,
        *,
        input_tokens: int | None,
        output_tokens: int | None,
        cache_hit_tokens: int | None,
        cache_miss_tokens: int | None,
    ) -> Cost | None:
        """None when the call reported no usage (nothing to price) or no row is in force
        (counted, and logged the first time for the model): never a guessed figure."""
        if input_tokens is None and output_tokens is None:
            return None
        rows = self._rows
        if rows is None or at.tzinfo is None:
            row = self._row_at(model, at)
        else:
            key = (model, int(at.timestamp() // 60))
            try:
                row = rows[key]
            except KeyError:
                row = self._row_at(model, at)
                if len(rows) >= _ROWS_KEPT:
                    rows.clear()
                rows[key] = row
        if row is None:
            if self._on_unpriced is not None:
                with self._lock:
                    first = model not in self._warned
                    self._warned.add(model)
                self._on_unpriced(model, first)
            return None
        return cost_of(
            row,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cache_hit_tokens=cache_hit_tokens,
            cache_miss_tokens=cache_miss_tokens,
        )

    def _row_at(self, model: str, at: datetime) -> PriceRow | None:
        row = self.table.row_at(model, self.currency, at)
        if row is None and model in self.aliases:
            row = self.table.row_at(self.aliases[model], self.currency, at)
        return row


def _minute_aligned(table: PriceTable) -> bool:
    """Every moment the table's answer can change falls on a whole minute (Beijing's
    offset is whole hours, so its minutes are UTC's)."""
    for row in table.rows.values():
        since = row.effective_from
        if since.microsecond or (since.tzinfo is not None and int(since.timestamp()) % 60):
            return False
        if since.tzinfo is None and since.second:
            return False
    return all(
        not (t.second or t.microsecond)
        for window in table.windows.values()
        for span in window.hours
        for t in span
    )
