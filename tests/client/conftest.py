"""Client test harness: real FakeDeepSeek over loopback, real SQLite, in-memory OTel
exporters and a captured ECS log stream, so each test can check that every call
produced exactly one span, one log line and one stored record."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from sentinel.client import AsyncSentinel, Sentinel
from sentinel.clock import FakeClock
from sentinel.store.sqlite import SQLiteStore
from sentinel.telemetry import ecs
from sentinel.testing.pytest_plugin import (  # noqa: F401  (fixtures)
    fake_deepseek,
    fake_deepseek_factory,
)
from sentinel.testing.telemetry import FlushingLog, FlushingMetricReader, FlushingSpanExporter

MSG = [{"role": "user", "content": "hello"}]


class Harness:
    def __init__(self, tmp_path: Path, fake: Any) -> None:
        self.fake = fake
        self.clock = FakeClock()
        # readers that flush the clients first: telemetry is built off the calling
        # thread, certain to exist after flush() (sentinel.testing.telemetry)
        self.spans = FlushingSpanExporter(self.flush)
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.metrics = FlushingMetricReader(self.flush)
        self.meter_provider = MeterProvider(metric_readers=[self.metrics])
        self.log = FlushingLog(self.flush)
        self.store = SQLiteStore(tmp_path / "calls.db")
        self.store.setup()
        self.clients: list[Any] = []

    def kwargs(self, **overrides: Any) -> dict[str, Any]:
        kw: dict[str, Any] = {
            "api_key": self.fake.api_key,
            "base_url": self.fake.url,
            "store": self.store,
            "clock": self.clock,
            "tracer_provider": self.tracer_provider,
            "meter_provider": self.meter_provider,
            "log_stream": self.log,
        }
        kw.update(overrides)
        return kw

    def client(self, **overrides: Any) -> Sentinel:
        c = Sentinel(**self.kwargs(**overrides))
        self.clients.append(c)
        return c

    def aclient(self, **overrides: Any) -> AsyncSentinel:
        c = AsyncSentinel(**self.kwargs(**overrides))
        self.clients.append(c)
        return c

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.getvalue().splitlines()]

    def flush(self) -> None:
        """What `client.flush()` does (telemetry built, lines written, records stored),
        for sync and async clients alike."""
        for c in self.clients:  # not core.flush(): a closed client's cache is gone
            c._core.telemetry.flush(10)
            ecs.flush(c._core.telemetry.logger)
            c._core.sink.flush(10)

    def calls(self) -> list[Any]:
        """Stored CallRecords, in request order of their log lines."""
        self.flush()
        records = []
        for line in self.log_lines():
            rid = line["sentinel"]["request_id"]
            records.append(self.store.get_call(rid))
        return records

    def assert_one_each(self, n: int) -> None:
        """n calls → exactly n spans, n log lines, n call records, all the same ids."""
        self.flush()
        spans = self.spans.get_finished_spans()
        lines = self.log_lines()
        assert len(spans) == n, [s.name for s in spans]
        assert len(lines) == n
        assert self.store.count("call") == n
        span_ids = sorted(s.attributes["sentinel.request_id"] for s in spans)
        log_ids = sorted(line["sentinel"]["request_id"] for line in lines)
        assert span_ids == log_ids
        for rid in log_ids:
            record = self.store.get_call(rid)
            assert record is not None
            span = next(s for s in spans if s.attributes["sentinel.request_id"] == rid)
            assert record.trace_id == format(span.context.trace_id, "032x")
            assert record.span_id == format(span.context.span_id, "016x")

    def metric_points(self, name: str) -> list[Any]:
        data = self.metrics.get_metrics_data()
        points = []
        for rm in data.resource_metrics if data else []:
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    if m.name == name:
                        points.extend(m.data.data_points)
        return points

    def close(self) -> None:
        for c in self.clients:
            if isinstance(c, Sentinel):
                c.close()
        self.store.close()


@pytest.fixture
def harness(tmp_path: Path, fake_deepseek: Any) -> Iterator[Harness]:  # noqa: F811
    h = Harness(tmp_path, fake_deepseek)
    yield h
    h.close()


@pytest.fixture
def backup(fake_deepseek_factory: Callable[..., Any], fake_deepseek: Any) -> Any:  # noqa: F811
    """A second fake sharing the primary's key."""
    return fake_deepseek_factory(api_key=fake_deepseek.api_key)
