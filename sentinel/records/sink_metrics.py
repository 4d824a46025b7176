"""The sink's OpenTelemetry instruments: counters of where records went (spooled,
replayed, dead-lettered, dropped by reason) and gauges of the queue and the spool. A
telemetry failure is swallowed: record keeping must not fail because of metrics."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from opentelemetry.metrics import CallbackOptions, MeterProvider, NoOpMeterProvider, Observation

if TYPE_CHECKING:
    from sentinel.records.sink import Sink

log = logging.getLogger("sentinel.sink")


def _safe(fn: Any, *args: Any, **kwargs: Any) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:
        log.debug("sink telemetry failure", exc_info=True)


class SinkMetrics:
    def __init__(self, sink: Sink, meter_provider: MeterProvider | None) -> None:
        self.sink = sink
        try:
            meter = (meter_provider or NoOpMeterProvider()).get_meter("sentinel.records")
            self.spooled = meter.create_counter(
                "sentinel.sink.spooled", unit="{record}", description="Records written to the spool"
            )
            self.replayed = meter.create_counter(
                "sentinel.sink.replayed", unit="{record}", description="Records replayed to store"
            )
            self.dropped = meter.create_counter(
                "sentinel.sink.dropped", unit="{record}", description="Records lost, by reason"
            )
            self.dead_lettered = meter.create_counter(
                "sentinel.sink.dead_lettered", unit="{record}",
                description="Records set aside in the dead-letter file (refused by the store)",
            )  # fmt: skip
            meter.create_observable_gauge(
                "sentinel.sink.queue.depth", [self._depth], unit="{record}",
                description="Records waiting in the sink's in-memory queue",
            )  # fmt: skip
            meter.create_observable_gauge(
                "sentinel.spool.bytes", [self._spool_bytes], unit="By",
                description="Bytes in the spool not yet replayed",
            )  # fmt: skip
        except Exception:
            log.debug("sink metrics unavailable", exc_info=True)
            self.spooled = self.replayed = self.dropped = self.dead_lettered = None

    def add(self, counter: Any, n: int, reason: str | None = None) -> None:
        if counter is not None and n:
            _safe(counter.add, n, {"reason": reason} if reason else None)

    def _depth(self, _: CallbackOptions) -> Iterable[Observation]:
        try:
            return [Observation(len(self.sink._queue))]
        except Exception:
            return []

    def _spool_bytes(self, _: CallbackOptions) -> Iterable[Observation]:
        try:
            return [Observation(self.sink.spool.size_bytes())]
        except Exception:
            return []
