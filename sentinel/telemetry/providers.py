"""Which TracerProvider / MeterProvider Sentinel reports to.

Precedence, so Sentinel never fights an app's own OpenTelemetry setup:

1. providers passed to `Sentinel(tracer_provider=..., meter_provider=...)`;
2. the app's global providers, if it installed SDK ones (`trace.set_tracer_provider`);
3. otherwise, only when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`,
   or the `_TRACES_` / `_METRICS_` specific variable), SDK providers exporting over
   OTLP/HTTP, configured by the standard `OTEL_*` variables (headers, service name...).
   These are private to Sentinel (the app's globals are left untouched) and are shut
   down, flushing, by `client.close()`;
4. otherwise no-op providers: no export, and almost no cost.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from opentelemetry import metrics, trace
from opentelemetry.metrics import Meter, MeterProvider, NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider as SDKMeterProvider
from opentelemetry.sdk.trace import TracerProvider as SDKTracerProvider
from opentelemetry.trace import NoOpTracerProvider, TracerProvider

T = TypeVar("T")


class PerMeter(Generic[T]):
    """One T per meter, made on first use: observable instruments keep their counts in
    such an object, and the SDK hands every client on a meter the instrument the first
    one created and drops a second callback, so all clients on a meter must share it."""

    def __init__(self, make: Callable[[Meter], T]) -> None:
        self._make = make
        self._made: weakref.WeakKeyDictionary[Meter, T] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def __call__(self, meter: Meter) -> T:
        with self._lock:
            made = self._made.get(meter)
            if made is None:
                made = self._made[meter] = self._make(meter)
            return made


def _otlp_endpoint(signal: str) -> bool:
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get(f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT")
    )


def _resource(service_name: str) -> Any:
    from opentelemetry.sdk.resources import OTEL_SERVICE_NAME, Resource

    return Resource.create({"service.name": os.environ.get(OTEL_SERVICE_NAME) or service_name})


def tracer_provider_for(
    app: str, explicit: TracerProvider | None = None
) -> tuple[TracerProvider, bool]:
    """The provider to use and whether Sentinel owns it (must shut it down)."""
    if explicit is not None:
        return explicit, False
    current = trace.get_tracer_provider()
    if isinstance(current, SDKTracerProvider):
        return current, False
    if not _otlp_endpoint("TRACES"):
        return NoOpTracerProvider(), False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = SDKTracerProvider(resource=_resource(app))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider, True


def meter_provider_for(
    app: str, explicit: MeterProvider | None = None
) -> tuple[MeterProvider, bool]:
    if explicit is not None:
        return explicit, False
    current = metrics.get_meter_provider()
    if isinstance(current, SDKMeterProvider):
        return current, False
    if not _otlp_endpoint("METRICS"):
        return NoOpMeterProvider(), False
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    reader = PeriodicExportingMetricReader(OTLPMetricExporter())
    return SDKMeterProvider(metric_readers=[reader], resource=_resource(app)), True
