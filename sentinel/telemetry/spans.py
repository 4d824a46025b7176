"""The call span decided at the call's start and built later, off the calling thread.

The call record carries the span's trace and span ids, and the record is complete before
`create()` returns, so the ids must exist at the start. Building the SDK span there and
ending it there costs the calling thread ~100 us in a real call (attribute cleaning,
locks, the ReadableSpan copy for the processors, all with caches cold after the network
wait), so the start only decides what the SDK would decide (`start`):

* the parent: the app's current span in the context current at the call's start;
* the ids: the parent's trace id when the parent is valid, else the provider's id
  generator's, and a span id from the same generator;
* the sampler's decision, with the start attributes (a dropped span is never built).

`build` then makes the span with exactly those ids, the captured parent context, the
call's own start and end times, kind, status, events and attributes, through the public
`Tracer.start_span` of a shallow copy of the SDK tracer (one per building thread) whose
`id_generator` and `sampler` (public attributes) answer with what was decided: the
provider's span processors see an ordinary span (`on_start` with the parent context,
then `on_end`). Only an SDK tracer can be used this way; with any other provider
(`PendingSpan` is not used) the span is started and ended on the calling thread as before.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Mapping
from typing import Any

from opentelemetry import context as context_api
from opentelemetry import trace as trace_api
from opentelemetry.sdk.trace import Tracer as SDKTracer
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.sdk.trace.sampling import Sampler, SamplingResult
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags


class PendingSpan:
    """What the call's code may do to its span before the span exists: the attributes,
    events and status it sets are kept and applied when the span is built. Duck-types
    the part of `opentelemetry.trace.Span` the client, the safety filter and the
    outbound mask use."""

    __slots__ = ("attrs", "context", "events", "name", "parent", "result", "set", "status")

    def __init__(
        self,
        name: str,
        attrs: Mapping[str, Any],
        parent: context_api.Context,
        context: SpanContext,
        result: SamplingResult,
    ) -> None:
        self.name = name
        self.attrs = attrs  # the start attributes (the sampler saw them)
        self.parent = parent  # the context current at the call's start
        self.context = context
        self.result = result
        self.set: dict[str, Any] = {}
        self.events: list[tuple[str, Mapping[str, Any] | None, int]] = []
        self.status: Status | None = None

    def get_span_context(self) -> SpanContext:
        return self.context

    def is_recording(self) -> bool:
        return self.result.decision.is_recording()

    def set_attribute(self, key: str, value: Any) -> None:
        if self.is_recording():
            self.set[key] = value

    def set_attributes(self, attributes: Mapping[str, Any]) -> None:
        if self.is_recording():
            self.set.update(attributes)

    def add_event(
        self, name: str, attributes: Mapping[str, Any] | None = None, timestamp: int | None = None
    ) -> None:
        """Timestamped now, as the SDK would: the event keeps its own time."""
        if self.is_recording():
            self.events.append((name, attributes, timestamp or time.time_ns()))

    def set_status(self, status: Status | StatusCode, description: str | None = None) -> None:
        if self.is_recording():
            self.status = status if isinstance(status, Status) else Status(status, description)


class _Preset(IdGenerator):
    """Hands the SDK the ids decided at the call's start."""

    def __init__(self, context: SpanContext) -> None:
        self._context = context

    def generate_span_id(self) -> int:
        return self._context.span_id

    def generate_trace_id(self) -> int:
        return self._context.trace_id

    def is_trace_id_random(self) -> bool:
        return bool(self._context.trace_flags & TraceFlags.RANDOM_TRACE_ID)


class _Decided(Sampler):
    """Hands the SDK the sampler's decision taken at the call's start (a sampler may be
    random: asking it again could decide otherwise)."""

    def __init__(self, result: SamplingResult, description: str) -> None:
        self._result = result
        self._description = description

    def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
        return self._result

    def get_description(self) -> str:
        return self._description


class SpanMaker:
    """Decides spans at the start and builds them later, for one SDK tracer."""

    def __init__(self, tracer: SDKTracer) -> None:
        self._tracer = tracer
        # the tracer configurator (an SDK feature still private) can disable a tracer:
        # then it makes no span at all, and neither does the inline path
        self._enabled = getattr(tracer, "_is_enabled", lambda: True)
        self._local = threading.local()

    @staticmethod
    def usable(tracer: Any) -> bool:
        return isinstance(tracer, SDKTracer)

    def start(self, name: str, attrs: Mapping[str, Any]) -> PendingSpan | trace_api.Span:
        """As `Tracer.start_span(name, kind=CLIENT, attributes=attrs)` decides, without
        making the span (a disabled tracer answers as the SDK does)."""
        tracer = self._tracer
        parent_ctx = context_api.get_current()
        parent = trace_api.get_current_span(parent_ctx).get_span_context()
        if not self._enabled():
            return trace_api.NonRecordingSpan(parent)
        ids = tracer.id_generator
        if parent is None or not parent.is_valid:
            trace_id = ids.generate_trace_id()
            random_id = ids.is_trace_id_random()
        else:
            trace_id = parent.trace_id
            random_id = parent.trace_flags.random_trace_id
        result = tracer.sampler.should_sample(
            parent_ctx, trace_id, name, SpanKind.CLIENT, attrs, ()
        )
        flags = TraceFlags.SAMPLED if result.decision.is_sampled() else TraceFlags.DEFAULT
        if random_id:
            flags |= TraceFlags.RANDOM_TRACE_ID
        context = SpanContext(
            trace_id,
            ids.generate_span_id(),
            is_remote=False,
            trace_flags=TraceFlags(flags),
            trace_state=result.trace_state,
        )
        return PendingSpan(name, attrs, parent_ctx, context, result)

    def build(
        self, pending: PendingSpan, start_ns: int, end_ns: int, attributes: Mapping[str, Any]
    ) -> None:
        """The span, started and ended at the call's times, handed to the processors.
        `attributes` (from the record) go after the ones the call set on the way."""
        if not pending.is_recording():
            return
        tracer = getattr(self._local, "tracer", None)
        if tracer is None:  # one copy per building thread (the worker, an inline caller)
            tracer = self._local.tracer = copy.copy(self._tracer)
        tracer.id_generator = _Preset(pending.context)
        # The SDK gives a new span the sampler's attributes: handing it all of them at
        # once (the sampler's, then what the call set, then the record's, later ones
        # winning as with successive set_attributes) cleans them in one pass, not three.
        result = pending.result
        merged = {**result.attributes, **pending.set, **attributes}
        tracer.sampler = _Decided(
            SamplingResult(result.decision, merged, result.trace_state),
            self._tracer.sampler.get_description(),
        )
        span = tracer.start_span(
            pending.name, context=pending.parent, kind=SpanKind.CLIENT, start_time=start_ns
        )
        for name, attrs, timestamp in pending.events:
            span.add_event(name, attrs, timestamp)
        if pending.status is not None:
            span.set_status(pending.status)
        span.end(end_time=end_ns)
