"""The spend metrics: `sentinel.client.cost` (what calls cost, by model, app and
currency), `sentinel.client.cost.cache_savings` beside it, and
`sentinel.client.cost.unpriced` (calls of a model with no price row, by model).

Observable counters over sums kept here, like the request counter (telemetry.calls):
a synchronous Counter.add costs ~25 us per call in the SDK, a dict update ~1 us. One
per meter, since the SDK hands every client on a meter the first instrument it created.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from opentelemetry.metrics import CallbackOptions, Meter
from opentelemetry.metrics import Observation as Measured

from sentinel.models import CallRecord
from sentinel.telemetry import semconv as sc
from sentinel.telemetry.providers import PerMeter

log = logging.getLogger("sentinel.telemetry")

METRIC_COST = "sentinel.client.cost"
METRIC_CACHE_SAVINGS = "sentinel.client.cost.cache_savings"
METRIC_UNPRICED = "sentinel.client.cost.unpriced"
COST_CURRENCY = "sentinel.cost.currency"


class SpendMetrics:
    def __init__(self, meter: Meter) -> None:
        self._cost: dict[tuple[str, str, str], float] = {}
        self._savings: dict[tuple[str, str, str], float] = {}
        self._unpriced: dict[str, int] = {}
        self._lock = threading.Lock()
        try:
            meter.create_observable_counter(
                METRIC_COST, [self._observe_cost], unit="{currency_unit}",
                description="What calls cost, in sentinel.cost.currency",
            )  # fmt: skip
            meter.create_observable_counter(
                METRIC_CACHE_SAVINGS, [self._observe_savings], unit="{currency_unit}",
                description="What DeepSeek's context cache saved, in sentinel.cost.currency",
            )  # fmt: skip
            meter.create_observable_counter(
                METRIC_UNPRICED, [self._observe_unpriced], unit="{request}",
                description="Calls of a model with no price row in force (cost unknown)",
            )  # fmt: skip
        except Exception:  # a broken meter: count anyway, nobody reads it
            log.debug("spend metrics unavailable", exc_info=True)

    def add(self, record: CallRecord) -> None:
        if record.cost is None or record.cost_currency is None:
            return
        key = (record.model, record.app, record.cost_currency)
        with self._lock:
            self._cost[key] = self._cost.get(key, 0.0) + record.cost
            self._savings[key] = self._savings.get(key, 0.0) + (record.cache_savings or 0.0)

    def unpriced(self, model: str) -> None:
        with self._lock:
            self._unpriced[model] = self._unpriced.get(model, 0) + 1

    def _labelled(self, sums: dict[tuple[str, str, str], float]) -> list[Measured]:
        with self._lock:
            items = list(sums.items())
        return [
            Measured(v, {sc.GEN_AI_REQUEST_MODEL: m, "sentinel.app": a, COST_CURRENCY: c})
            for (m, a, c), v in items
        ]

    def _observe_cost(self, _: CallbackOptions) -> Iterable[Measured]:
        return self._labelled(self._cost)

    def _observe_savings(self, _: CallbackOptions) -> Iterable[Measured]:
        return self._labelled(self._savings)

    def _observe_unpriced(self, _: CallbackOptions) -> Iterable[Measured]:
        with self._lock:
            items = list(self._unpriced.items())
        return [Measured(n, {sc.GEN_AI_REQUEST_MODEL: m}) for m, n in items]


spend_metrics = PerMeter(SpendMetrics)  # one per meter, like the request counts
