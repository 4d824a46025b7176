"""In-memory telemetry readers for tests that flush the clients before they are read.

A call's span, metric records and ECS line are built off the calling thread
(`sentinel.telemetry.worker`): they are certain to exist after `client.flush()`, not
the moment `create()` returns. A test that reads them right after a call must flush
first; these readers do it for it (and so also make a "nothing leaked" assertion look
at every call, never at telemetry not built yet):

    spans = FlushingSpanExporter(lambda: client.flush())
    provider.add_span_processor(SimpleSpanProcessor(spans))
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

Flush = Callable[[], Any]


def _noop() -> None:
    return None


class FlushingSpanExporter(InMemorySpanExporter):
    def __init__(self, flush: Flush = _noop) -> None:
        super().__init__()
        self.flush_clients = flush

    def get_finished_spans(self) -> Any:
        self.flush_clients()
        return super().get_finished_spans()


class FlushingMetricReader(InMemoryMetricReader):
    def __init__(self, flush: Flush = _noop, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flush_clients = flush

    def get_metrics_data(self) -> Any:
        self.flush_clients()
        return super().get_metrics_data()


class FlushingLog(io.StringIO):
    """A log stream for `Sentinel(log_stream=...)` whose `getvalue()` flushes first."""

    def __init__(self, flush: Flush = _noop) -> None:
        super().__init__()
        self.flush_clients = flush

    def getvalue(self) -> str:
        self.flush_clients()
        return super().getvalue()
