"""The balance poller of `sentinel serve`: GET /user/balance every
SENTINEL_BALANCE_POLL_INTERVAL on the lease holder only (one poller per cluster), the
sample stored (`sentinel.store.balance_state`) and exported as gauges.

A failed poll changes nothing stored: the last successful poll stands, so clients keep
failing fast while it said `is_available=false`, and resume after the next successful
poll that says otherwise (see `sentinel.client.spend_guard`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from prometheus_client import Counter, Gauge

from sentinel.balance import KINDS, BalanceSample, burn_per_hour, hours_left, sample_from_api
from sentinel.clock import Clock
from sentinel.config import Settings
from sentinel.store.balance_state import record_balance
from sentinel.store.base import Store

log = logging.getLogger("sentinel.balance")

BALANCE = Gauge(
    "sentinel_balance", "DeepSeek account balance by currency and kind", ["currency", "kind"]
)
AVAILABLE = Gauge("sentinel_balance_available", "1 if the last balance poll said is_available")
BURN = Gauge("sentinel_balance_burn_per_hour", "Balance spent per hour over the burn window",
             ["currency"])  # fmt: skip
HOURS_LEFT = Gauge("sentinel_balance_hours_left", "Hours until the balance is gone at the "
                   "burn rate (absent while no burn is measured)", ["currency"])  # fmt: skip
POLL_FAILURES = Counter("sentinel_balance_poll_failures", "Balance polls that failed")


class BalancePoller:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock,
        client_factory: Callable[[], Any],
        is_leader: Callable[[], bool],
    ) -> None:
        self.store = store
        self.clock = clock
        self.window: timedelta = settings.balance_burn_window
        self.retention: timedelta = settings.balance_retention
        self._factory = client_factory
        self._client: Any = None
        self._is_leader = is_leader

    def poll(self) -> BalanceSample | None:
        """One poll if this daemon leads; never raises (failures are logged, counted)."""
        if not self._is_leader():
            return None
        try:
            if self._client is None:
                self._client = self._factory()
            body = self._client.balance().model_dump()
            sample = sample_from_api(body, self.clock.now())
            series = record_balance(self.store, sample, self.retention)
        except Exception as exc:
            POLL_FAILURES.inc()
            log.warning("balance poll failed: %s: %s", type(exc).__name__, exc)
            return None
        self._export(sample, series)
        return sample

    def _export(self, sample: BalanceSample, series: list[BalanceSample]) -> None:
        AVAILABLE.set(1 if sample.is_available else 0)
        for currency, amounts in sample.amounts.items():
            for kind in KINDS:
                if kind in amounts:
                    BALANCE.labels(currency, kind).set(amounts[kind])
            burn = burn_per_hour(series, currency, self.window, sample.at)
            BURN.labels(currency).set(burn or 0.0)
            left = hours_left(series, currency, self.window, sample.at)
            if left is None:
                with contextlib.suppress(KeyError):  # no burn measured: no figure at all
                    HOURS_LEFT.remove(currency)
            else:
                HOURS_LEFT.labels(currency).set(left)
        if not sample.is_available:
            log.warning("DeepSeek says the balance is not available: calls fail fast until "
                        "a poll says it is")  # fmt: skip

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
