"""Per-call telemetry: the `chat {model}` span, GenAI metrics and the ECS log line.

Every method swallows its own exceptions (logged once at debug level on
`sentinel.telemetry`): an exporter or formatter bug must never fail the app's call.
Content (messages, completion) reaches spans and logs only with
SENTINEL_CAPTURE_CONTENT_IN_TELEMETRY=true; the subject appears only as its HMAC.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import SpanKind, Status, StatusCode, TracerProvider

from sentinel.models import CallRecord, call_fields, compile_builder, compile_flat
from sentinel.telemetry import ecs
from sentinel.telemetry import semconv as sc
from sentinel.telemetry.counts import request_counts
from sentinel.telemetry.spans import PendingSpan, SpanMaker
from sentinel.telemetry.spend import spend_metrics
from sentinel.telemetry.worker import TelemetryWorker
from sentinel.urls import redact_url

if TYPE_CHECKING:
    from sentinel.client.observation import Observation

log = logging.getLogger("sentinel.telemetry")
F = TypeVar("F", bound=Callable[..., Any])


def never_raises(fn: F) -> F:
    """Telemetry must not break calls: swallow, note it for whoever debugs telemetry."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception:
            log.debug("telemetry failure in %s", fn.__name__, exc_info=True)
            return None

    return wrapper  # type: ignore[return-value]


def _paths(which: str) -> dict[str, str]:
    return {f.name: p for f in call_fields() if (p := getattr(f.out, which))}


# (record field, gen_ai.token.type) of the token-usage histogram
_TOKEN_TYPES = tuple((f.name, f.out.tokens) for f in call_fields() if f.out.tokens)
_SPARSE = frozenset(f.name for f in call_fields() if f.out.sparse)
# Span attributes and the log line's fields, from the table of call fields.
_span_attributes = compile_flat("span", _paths("span"), _SPARSE)
_log_fields = compile_builder("ecs", _paths("ecs"), _SPARSE)


# (input messages JSON, output messages JSON or None): captured when the call finishes
Content = tuple[str, str | None]


def _content(obs: Observation) -> Content:
    """The call's content as JSON text, taken when it finishes: the app may change its
    message list once `create()` returned, before the worker builds the span."""
    messages = json.dumps(obs.request.messages, ensure_ascii=False)
    output = None
    if obs.completion is not None:
        output = json.dumps(_output(obs), ensure_ascii=False)
    return messages, output


class Done(NamedTuple):
    """One finished call as the worker gets it: the compact observation."""

    span: PendingSpan | None  # None: no span to build (not the SDK's, or no span)
    record: CallRecord
    start_ns: int
    end_ns: int
    duration: float
    content: Content | None  # only with content capture on


def _output(obs: Observation) -> list[dict[str, Any]]:
    """The answer as content (only with content capture on): text, reasoning, tool calls."""
    message: dict[str, Any] = {"role": "assistant", "content": obs.completion}
    if obs.reasoning is not None:
        message["reasoning_content"] = obs.reasoning
    if obs.tool_calls:
        message["tool_calls"] = obs.tool_calls
    return [message]


# Distinct (operation, model, server, response model, error, outcome) combinations kept
# with pre-built metric attributes; a process sees a handful, so the cap only guards
# against an app sending a new model name per call.
_ATTR_SETS = 1024


class _AttrSets:
    """The metric attributes of one kind of call, built once: dicts for the histograms
    (the SDK copies what it is given, so sharing them is safe) and the request counter's
    key. A call then allocates no attribute dict for its metrics."""

    __slots__ = ("base", "count_key", "tokens")

    def __init__(self, base: dict[str, Any], outcome: str) -> None:
        self.base = base
        self.tokens = {t: {**base, sc.GEN_AI_TOKEN_TYPE: t} for _, t in _TOKEN_TYPES}
        self.count_key = tuple({**base, sc.SENTINEL_OUTCOME: outcome}.items())


class CallTelemetry:
    def __init__(
        self,
        tracer_provider: TracerProvider,
        meter_provider: MeterProvider,
        logger: logging.Logger,
        *,
        app: str,
        service_name: str,
        capture_content: bool = False,
        version: str = "",
    ) -> None:
        """Creates every instrument once (creating them per call is what made the SDK
        slow): a flat list of histograms, counters and their attribute sets, long
        only because there are that many."""
        self.tracer = tracer_provider.get_tracer("sentinel", version)
        meter = meter_provider.get_meter("sentinel", version)
        self.duration = meter.create_histogram(
            sc.METRIC_OPERATION_DURATION,
            unit="s",
            description="GenAI operation duration",
            explicit_bucket_boundaries_advisory=list(sc.DURATION_BUCKETS),
        )
        self.tokens = meter.create_histogram(
            sc.METRIC_TOKEN_USAGE,
            unit="{token}",
            description="Tokens by type: input, output, cache_read, cache_miss, reasoning",
            explicit_bucket_boundaries_advisory=list(sc.TOKEN_BUCKETS),
        )
        self.first_chunk = meter.create_histogram(
            sc.METRIC_TIME_TO_FIRST_CHUNK,
            unit="s",
            description="Time from the request to a stream's first chunk",
            explicit_bucket_boundaries_advisory=list(sc.DURATION_BUCKETS),
        )
        self.warnings = meter.create_counter(
            sc.METRIC_WARNINGS, unit="{warning}", description="One-time warnings, by kind"
        )
        self.requests = request_counts(meter)
        self.spend = spend_metrics(meter)
        self.retries = meter.create_counter(
            sc.METRIC_RETRIES, unit="{retry}", description="Retries after 429"
        )
        self.failovers = meter.create_counter(
            sc.METRIC_FAILOVERS, unit="{failover}", description="Failovers to a backup"
        )
        self.breaker_opens = meter.create_counter(
            sc.METRIC_BREAKER_OPENS, unit="{event}", description="Circuit breaker openings"
        )
        self.feedbacks = meter.create_counter(
            sc.METRIC_FEEDBACK, unit="{feedback}", description="Feedback given, by satisfaction"
        )
        self.feedback_scores = meter.create_histogram(
            sc.METRIC_FEEDBACK_SCORE,
            unit="1",
            description="Quality scores (0-1) apps gave to calls",
            explicit_bucket_boundaries_advisory=[0.1 * i for i in range(1, 10)],
        )
        self.logger = logger
        self.app = app
        self.service_name = service_name
        self.capture_content = capture_content
        self._base = {
            sc.GEN_AI_OPERATION_NAME: sc.OPERATION_CHAT,
            sc.GEN_AI_PROVIDER_NAME: sc.PROVIDER,
        }
        self._attr_sets: dict[tuple[Any, ...], _AttrSets] = {}
        self._starts: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        self._spans = SpanMaker(self.tracer) if SpanMaker.usable(self.tracer) else None
        self._worker = TelemetryWorker(self._emit)

    @never_raises
    def start(self, obs: Observation) -> None:
        """The attributes samplers may look at; the rest are set from the record at the
        end. The span's ids go to the record, so they are decided here; with an SDK
        tracer the span itself is built later, off the calling thread (`spans`)."""
        req = obs.request
        name, attrs = self._start_attrs(req.operation, req.model)
        if self.capture_content:
            messages = json.dumps(req.messages, ensure_ascii=False)
            attrs = {**attrs, sc.GEN_AI_INPUT_MESSAGES: messages}
        if self._spans is not None:
            span = obs.span = self._spans.start(name, attrs)
        else:
            span = obs.span = self.tracer.start_span(
                name, kind=SpanKind.CLIENT, attributes=attrs, start_time=obs.start_ns
            )
        ctx = span.get_span_context()
        if ctx.is_valid:
            obs.trace_id = format(ctx.trace_id, "032x")
            obs.span_id = format(ctx.span_id, "016x")

    def _start_attrs(self, operation: str, model: str) -> tuple[str, dict[str, Any]]:
        """The span's name and start attributes for one kind of call, built once (the
        SDK copies what it is given, so sharing the dict is safe)."""
        key = (operation, model)
        made = self._starts.get(key)
        if made is None:
            attrs = {
                **self._base,
                sc.GEN_AI_OPERATION_NAME: operation,
                sc.GEN_AI_REQUEST_MODEL: model,
            }
            if len(self._starts) >= _ATTR_SETS:
                self._starts.clear()
            made = self._starts[key] = (f"{operation} {model}", attrs)
        return made

    @never_raises
    def retry(self, obs: Observation, status: int, delay: float) -> None:
        obs.span.add_event(
            "retry",
            {
                "sentinel.retry.number": obs.retries,
                "sentinel.retry.delay_s": delay,
                sc.HTTP_RESPONSE_STATUS_CODE: status,
            },
        )
        self.retries.add(1, {**self._base, sc.GEN_AI_REQUEST_MODEL: obs.request.model})

    @never_raises
    def failover(self, obs: Observation, reason: str, to: str) -> None:
        obs.span.add_event(
            "failover", {"sentinel.failover.reason": reason, "url.full": redact_url(to)}
        )
        self.failovers.add(1, {**self._base, sc.GEN_AI_REQUEST_MODEL: obs.request.model})

    @never_raises
    def warning(self, obs: Observation, kind: str, message: str) -> None:
        """A one-time warning about how the app calls DeepSeek (see ClientCore.warn)."""
        if obs.span is not None:
            obs.span.add_event(
                "sentinel.warning",
                {sc.SENTINEL_WARNING_KIND: kind, sc.SENTINEL_WARNING_MESSAGE: message},
            )
        self.warnings.add(1, {**self._base, sc.SENTINEL_WARNING_KIND: kind})

    @never_raises
    def unpriced(self, model: str) -> None:
        """A call of a model with no price row in force: its cost is unknown."""
        self.spend.unpriced(model)

    @never_raises
    def breaker_opened(self, endpoint: str | None) -> None:
        self.breaker_opens.add(1, {**self._base, sc.SERVER_ADDRESS: endpoint or ""})

    @never_raises
    def feedback(self, model: str | None, score: float | None, satisfied: bool | None) -> None:
        """Business metrics next to the technical ones, so dashboards can plot both."""
        attrs: dict[str, Any] = {**self._base, sc.GEN_AI_REQUEST_MODEL: model or "unknown"}
        if satisfied is not None:
            attrs[sc.SENTINEL_SATISFIED] = satisfied
        self.feedbacks.add(1, attrs)
        if score is not None:
            self.feedback_scores.record(score, attrs)

    @never_raises
    def finish(self, obs: Observation, record: CallRecord) -> None:
        """Hands the finished call to the telemetry worker: its span, metrics and log
        line are built there from the record, with the call's own times. What could
        change after `create()` returns is captured now: the content (the app may reuse
        its message list), and a span that is not the SDK's ends here, as before."""
        span = obs.span
        content = _content(obs) if self.capture_content else None
        if span is not None and not isinstance(span, PendingSpan):
            if span.is_recording():
                self._end_span(record, span, content, obs.end_ns())
            span = None
        done = Done(span, record, obs.start_ns, obs.end_ns(), obs.duration_s(), content)
        if not self._worker.submit(done):
            self._emit([done])  # queue full or closed: backpressure, never loss

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Every finished call's span, metrics and log line built (see `worker`)."""
        return self._worker.flush(timeout)

    def close(self, timeout: float | None = 10.0) -> None:
        self._worker.close(timeout)

    def _emit(self, batch: list[Done]) -> None:
        """A batch of finished calls, one kind of work at a time (that is where building
        off the calling thread saves: each step runs warm). Each call is guarded alone."""
        spans = self._spans
        for done in batch:
            if done.span is not None and spans is not None:
                self._build(spans, done)
        for done in batch:
            self._measure(done)
        handler = self._direct()
        lines = [line for done in batch if (line := self._log(done, handler)) is not None]
        if lines and handler is not None:
            self._write(handler, lines)

    @never_raises
    def _build(self, spans: SpanMaker, done: Done) -> None:
        record = done.record
        attrs = self._span_end_attrs(record, done.content)
        if record.error_type:
            done.span.set_status(Status(StatusCode.ERROR, record.error_type))
        spans.build(done.span, done.start_ns, done.end_ns, attrs)

    @never_raises
    def _measure(self, done: Done) -> None:
        record = done.record
        host = (record.endpoint or "").partition(":")[0]
        sets = self._attributes(record, host)
        self.duration.record(done.duration, sets.base)
        for field, token_type in _TOKEN_TYPES:
            count = getattr(record, field)
            if count is not None:
                self.tokens.record(count, sets.tokens[token_type])
        if record.time_to_first_chunk is not None:
            self.first_chunk.record(record.time_to_first_chunk, sets.base)
        self.requests.add(sets.count_key)
        self.spend.add(record)

    def _attributes(self, record: CallRecord, host: str) -> _AttrSets:
        key = (
            record.operation, record.model, host, record.response_model, record.error_type,
            record.outcome,
        )  # fmt: skip
        sets = self._attr_sets.get(key)
        if sets is None:
            mattrs = {
                **self._base,
                sc.GEN_AI_OPERATION_NAME: record.operation,
                sc.GEN_AI_REQUEST_MODEL: record.model,
            }
            if host:
                mattrs[sc.SERVER_ADDRESS] = host
            if record.response_model:
                mattrs[sc.GEN_AI_RESPONSE_MODEL] = record.response_model
            if record.error_type:
                mattrs[sc.ERROR_TYPE] = record.error_type
            if len(self._attr_sets) >= _ATTR_SETS:
                self._attr_sets.clear()
            sets = self._attr_sets[key] = _AttrSets(mattrs, record.outcome)
        return sets

    def _span_end_attrs(self, record: CallRecord, content: Content | None) -> dict[str, Any]:
        attrs = _span_attributes(record)
        host, _, port = (record.endpoint or "").partition(":")
        if host:
            attrs[sc.SERVER_ADDRESS] = host
            if port:
                attrs[sc.SERVER_PORT] = int(port)
        if content is not None:
            # again at the end: the safety filter may since have masked the prompt (or
            # refused it and masked its terms), and the span must carry what was sent
            attrs[sc.GEN_AI_INPUT_MESSAGES] = content[0]
            if content[1] is not None:
                attrs[sc.GEN_AI_OUTPUT_MESSAGES] = content[1]
        return attrs

    def _end_span(
        self, record: CallRecord, span: Any, content: Content | None, end_ns: int
    ) -> None:
        """A span of a provider that is not the SDK's, started on the calling thread."""
        if record.error_type:
            span.set_status(Status(StatusCode.ERROR, record.error_type))
        span.set_attributes(self._span_end_attrs(record, content))
        span.end(end_time=end_ns)

    @never_raises
    def _direct(self) -> ecs.LineHandler | None:
        return ecs.direct_handler(self.logger)

    @never_raises
    def _log(self, done: Done, handler: ecs.LineHandler | None) -> str | None:
        """Builds the ECS document already nested (see ecs.CallFormatter): cheaper than
        dotted `extra` keys. Returns the line for Sentinel's own handler (the batch is
        written in one go), or hands it to the app's logging and returns None."""
        record = done.record
        doc = _log_fields(record)
        event = doc.setdefault("event", {})
        event["dataset"] = "sentinel.calls"
        event["duration"] = int(done.duration * 1e9)
        doc["service"] = {"name": self.service_name}
        gen_ai = doc.setdefault("gen_ai", {})
        gen_ai["provider"] = {"name": sc.PROVIDER}
        if done.content is not None:
            gen_ai["input"] = {"messages": json.loads(done.content[0])}
            if done.content[1] is not None:
                gen_ai["output"] = {"messages": json.loads(done.content[1])}
        logger = self.logger
        if not logger.isEnabledFor(logging.INFO):
            return None
        status = record.http_status if record.http_status is not None else "-"
        message = f"{record.operation} {record.model} {record.outcome} {status}"
        # @timestamp is the call's end, as the span's: not when the line was built
        created = done.end_ns / 1e9
        if handler is not None:
            return ecs.call_line(created, "info", message, logger.name, doc)
        # makeRecord: no caller lookup, it is always us
        log_record = logger.makeRecord(
            logger.name, logging.INFO, __file__, 0, message, None, None, extra={"ecs": doc}
        )
        log_record.created = created
        log_record.msecs = int(log_record.created * 1000) % 1000
        logger.handle(log_record)
        return None

    @never_raises
    def _write(self, handler: ecs.LineHandler, lines: list[str]) -> None:
        handler.write_line("\n".join(lines))  # one write for the batch
