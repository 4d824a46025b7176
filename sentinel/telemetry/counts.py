"""The request counter (`gen_ai.client` requests by outcome), kept as counts here and
read by the SDK only when a reader collects (see RequestCounts)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from opentelemetry.metrics import CallbackOptions, Meter
from opentelemetry.metrics import Observation as Measured

from sentinel.telemetry import semconv as sc
from sentinel.telemetry.providers import PerMeter

log = logging.getLogger("sentinel.telemetry")


class RequestCounts:
    """The request counter as an ObservableCounter over counts kept here.

    A synchronous Counter.add costs ~25 us in the SDK (it cleans and hashes the
    attributes on every call); a dict increment is ~1 us, and the SDK reads the totals
    only when a reader collects. One per meter: the SDK hands every client on a meter
    the instrument the first one created and would drop a second callback.
    """

    def __init__(self, meter: Meter) -> None:
        self._counts: dict[tuple[tuple[str, Any], ...], int] = {}
        self._lock = threading.Lock()
        try:
            meter.create_observable_counter(
                sc.METRIC_REQUESTS, [self._observe], unit="{request}",
                description="Calls by outcome",
            )  # fmt: skip
        except Exception:  # a broken meter: count anyway, nobody reads it
            log.debug("request counter unavailable", exc_info=True)

    def add(self, key: tuple[tuple[str, Any], ...]) -> None:
        """One call with these attributes (as items: the caller keeps them pre-built)."""
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1

    def _observe(self, _: CallbackOptions) -> Iterable[Measured]:
        with self._lock:
            counts = list(self._counts.items())
        return [Measured(n, dict(key)) for key, n in counts]


request_counts = PerMeter(RequestCounts)
