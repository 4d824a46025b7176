"""A call's span, metrics and ECS line are built off the calling thread (issue 23), and
still one of each per call: with the ids the record carries, the parent the app had
current when it called, the call's own times; drained by flush() and close(); built by
the caller itself when the worker's queue is full; never an exporter's error in the app.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

from sentinel.config import Settings
from sentinel.telemetry.spans import PendingSpan

MSG = [{"role": "user", "content": "hello"}]
MODEL = "deepseek-v4-flash"
RID = "sentinel.request_id"


class Threads(SpanProcessor):
    """Which thread started and ended each span (the one that built it)."""

    def __init__(self) -> None:
        self.started: list[threading.Thread] = []
        self.ended: list[threading.Thread] = []

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        self.started.append(threading.current_thread())

    def on_end(self, span: Any) -> None:
        self.ended.append(threading.current_thread())


def _built(harness: Any) -> list[Any]:
    """The spans exported so far, without flushing (the harness's reader flushes)."""
    return InMemorySpanExporter.get_finished_spans(harness.spans)


def _slow_worker(client: Any) -> None:
    """Nothing is built before a flush: the worker waits 30 s for its batch to fill."""
    client._core.telemetry._worker.interval = 30.0


def test_span_is_built_off_the_calling_thread_with_the_records_ids(harness: Any) -> None:
    threads = Threads()
    harness.tracer_provider.add_span_processor(threads)
    client = harness.client()
    _slow_worker(client)
    responses = [client.chat.completions.create(model=MODEL, messages=MSG) for _ in range(3)]
    assert not _built(harness) and threads.started == []  # not built on the caller
    client.flush()
    assert len(_built(harness)) == 3
    assert threading.current_thread() not in threads.started + threads.ended
    assert len(threads.started) == len(threads.ended) == 3
    harness.assert_one_each(3)  # one span, line, record each; record ids = span ids
    ids = {s.attributes["sentinel.request_id"] for s in _built(harness)}
    assert ids == {r.request_id for r in responses}


def test_parent_is_the_apps_current_span_at_the_call_not_at_build(harness: Any) -> None:
    client = harness.client()
    _slow_worker(client)
    tracer = harness.tracer_provider.get_tracer("app")
    with tracer.start_as_current_span("handle request") as parent:
        resp = client.chat.completions.create(model=MODEL, messages=MSG)
    with tracer.start_as_current_span("something else"):
        client.flush()  # built now, while another span is current
    span = next(s for s in _built(harness) if s.name == f"chat {MODEL}")
    ctx = parent.get_span_context()
    assert span.parent is not None and span.parent.span_id == ctx.span_id
    assert span.context.trace_id == ctx.trace_id
    record = harness.store.get_call(resp.request_id)
    assert record.trace_id == format(ctx.trace_id, "032x")
    assert record.span_id == format(span.context.span_id, "016x")
    root = client.chat.completions.create(model=MODEL, messages=MSG)
    client.flush()
    [span] = [s for s in _built(harness) if s.attributes.get(RID) == root.request_id]
    assert span.parent is None and span.context.trace_id != ctx.trace_id


def test_events_and_status_set_during_the_call_reach_the_late_span(harness: Any) -> None:
    client = harness.client()
    harness.fake.script(429, 500)  # a retry event, then a failure
    with pytest.raises(Exception):  # noqa: B017  (which error is tested elsewhere)
        client.chat.completions.create(model=MODEL, messages=MSG)
    [span] = harness.spans.get_finished_spans()
    retry = [e for e in span.events if e.name == "retry"]
    assert retry and span.start_time <= retry[0].timestamp <= span.end_time
    assert span.status.status_code == trace.StatusCode.ERROR
    assert span.kind == trace.SpanKind.CLIENT


def test_a_full_queue_makes_the_caller_build_inline(harness: Any) -> None:
    threads = Threads()
    harness.tracer_provider.add_span_processor(threads)
    client = harness.client()
    client._core.telemetry._worker.capacity = 0  # full: backpressure, not loss
    resp = client.chat.completions.create(model=MODEL, messages=MSG)
    [span] = _built(harness)  # there at once, no flush
    assert span.attributes["sentinel.request_id"] == resp.request_id
    assert threads.ended == [threading.current_thread()]
    assert resp.request_id in harness.log.getvalue()
    harness.assert_one_each(1)


def test_flush_and_close_drain_everything(harness: Any) -> None:
    client = harness.client()
    _slow_worker(client)
    for _ in range(4):
        client.chat.completions.create(model=MODEL, messages=MSG)
    assert not _built(harness) and client.flush()
    assert len(_built(harness)) == 4 and len(harness.log_lines()) == 4
    for _ in range(3):
        client.chat.completions.create(model=MODEL, messages=MSG)
    assert len(_built(harness)) == 4
    client.close()  # drains too, before the providers could shut down
    assert len(_built(harness)) == 7
    assert sum(harness.metric_points("gen_ai.client.operation.duration")[0].bucket_counts) == 7
    harness.assert_one_each(7)


class Raising(SpanProcessor):
    def on_end(self, span: Any) -> None:
        raise RuntimeError("exporter down")


class RaisingExporter(InMemorySpanExporter):
    def export(self, spans: Any) -> Any:
        raise RuntimeError("collector down")


def test_a_raising_processor_or_exporter_never_reaches_the_app(harness: Any) -> None:
    harness.tracer_provider.add_span_processor(Raising())
    harness.tracer_provider.add_span_processor(SimpleSpanProcessor(RaisingExporter()))
    client = harness.client()
    for _ in range(3):
        assert client.chat.completions.create(model=MODEL, messages=MSG).content
        assert client.flush()
    harness.assert_one_each(3)  # the worker survived each failure; lines still written


def test_a_dropped_span_is_decided_at_the_start_and_never_built(harness: Any) -> None:
    provider = TracerProvider(sampler=ALWAYS_OFF)
    threads = Threads()
    provider.add_span_processor(threads)
    client = harness.client(tracer_provider=provider)
    resp = client.chat.completions.create(model=MODEL, messages=MSG)
    client.flush()
    assert threads.started == []  # not sampled: nothing to build
    record = harness.store.get_call(resp.request_id)
    assert record.trace_id and record.span_id  # the ids exist as the SDK's would
    assert len(harness.log_lines()) == 1


def test_span_maker_keeps_the_parent_and_ids_decided_at_start(harness: Any) -> None:
    client = harness.client()
    maker = client._core.telemetry._spans
    tracer = harness.tracer_provider.get_tracer("app")
    with tracer.start_as_current_span("outer") as outer:
        pending = maker.start("chat x", {"gen_ai.request.model": "x"})
    assert isinstance(pending, PendingSpan)
    pending.set_attribute("late", 1)
    with tracer.start_as_current_span("other"):
        maker.build(pending, 1_000, 2_000, {"end": True})
    [span] = [s for s in _built(harness) if s.name == "chat x"]
    assert span.context.span_id == pending.get_span_context().span_id
    assert span.context.trace_id == outer.get_span_context().trace_id
    assert span.parent.span_id == outer.get_span_context().span_id
    assert (span.start_time, span.end_time) == (1_000, 2_000)
    assert span.attributes["late"] == 1 and span.attributes["end"] is True
    assert span.attributes["gen_ai.request.model"] == "x"


def test_content_is_captured_when_the_call_ends_not_when_built(harness: Any) -> None:
    client = harness.client(settings=Settings(capture_content_in_telemetry=True))
    _slow_worker(client)
    messages = [{"role": "user", "content": "first question"}]
    client.chat.completions.create(model=MODEL, messages=messages)
    messages.append({"role": "user", "content": "changed afterwards"})  # the app reuses it
    messages[0]["content"] = "rewritten"
    [span] = harness.spans.get_finished_spans()
    assert "first question" in span.attributes["gen_ai.input.messages"]
    assert "changed afterwards" not in span.attributes["gen_ai.input.messages"]
    [line] = harness.log_lines()
    assert line["gen_ai"]["input"]["messages"] == [{"role": "user", "content": "first question"}]


def test_async_client_builds_off_the_loop_with_the_callers_parent(harness: Any) -> None:
    threads = Threads()
    harness.tracer_provider.add_span_processor(threads)
    tracer = harness.tracer_provider.get_tracer("app")

    async def main() -> list[Any]:
        client = harness.aclient()
        _slow_worker(client)
        try:
            with tracer.start_as_current_span("batch") as parent:
                results = await asyncio.gather(
                    *(client.chat.completions.create(model=MODEL, messages=MSG) for _ in range(5))
                )
            assert threads.started == [threading.current_thread()]  # only the app's span
            await client.flush()
            return [parent, results]
        finally:
            await client.aclose()

    parent, results = asyncio.run(main())
    calls = [s for s in _built(harness) if s.name == f"chat {MODEL}"]
    assert len(calls) == 5
    assert all(s.parent.span_id == parent.get_span_context().span_id for s in calls)
    assert threads.ended.count(threading.current_thread()) == 1  # the app's span only
    assert {s.attributes["sentinel.request_id"] for s in calls} == {r.request_id for r in results}
