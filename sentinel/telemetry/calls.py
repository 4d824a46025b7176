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
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from opentelemetry.metrics import CallbackOptions, Meter, MeterProvider
from opentelemetry.metrics import Observation as Measured
from opentelemetry.trace import SpanKind, Status, StatusCode, TracerProvider

from sentinel.telemetry import semconv as sc
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


_PARAM_ATTRS = (
    ("temperature", sc.GEN_AI_REQUEST_TEMPERATURE),
    ("top_p", sc.GEN_AI_REQUEST_TOP_P),
    ("frequency_penalty", sc.GEN_AI_REQUEST_FREQUENCY_PENALTY),
    ("presence_penalty", sc.GEN_AI_REQUEST_PRESENCE_PENALTY),
    ("max_tokens", sc.GEN_AI_REQUEST_MAX_TOKENS),
    ("stop", sc.GEN_AI_REQUEST_STOP_SEQUENCES),
)


_LOG_PARAMS = tuple((field, key.rsplit(".", 1)[1]) for field, key in _PARAM_ATTRS)


class _Counts:
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

    def add(self, attributes: dict[str, Any]) -> None:
        key = tuple(attributes.items())
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1

    def _observe(self, _: CallbackOptions) -> Iterable[Measured]:
        with self._lock:
            counts = list(self._counts.items())
        return [Measured(n, dict(key)) for key, n in counts]


_COUNTS: weakref.WeakKeyDictionary[Meter, _Counts] = weakref.WeakKeyDictionary()
_COUNTS_LOCK = threading.Lock()


def _request_counts(meter: Meter) -> _Counts:
    with _COUNTS_LOCK:
        counts = _COUNTS.get(meter)
        if counts is None:
            counts = _COUNTS[meter] = _Counts(meter)
        return counts


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
            description="Input and output tokens used",
            explicit_bucket_boundaries_advisory=list(sc.TOKEN_BUCKETS),
        )
        self.requests = _request_counts(meter)
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

    @never_raises
    def start(self, obs: Observation) -> None:
        req = obs.request
        attrs: dict[str, Any] = {
            **self._base,
            sc.GEN_AI_REQUEST_MODEL: req.model,
            sc.SENTINEL_REQUEST_ID: obs.request_id,
            sc.SENTINEL_APP: req.app or self.app,
        }
        params = req.params
        for field, key in _PARAM_ATTRS:
            value = getattr(params, field)
            if value is not None:
                attrs[key] = value
        if req.stream:
            attrs[sc.SENTINEL_STREAM] = True
        if obs.subject_key:
            attrs[sc.SENTINEL_SUBJECT_KEY] = obs.subject_key
        if self.capture_content:
            attrs[sc.GEN_AI_INPUT_MESSAGES] = json.dumps(req.messages, ensure_ascii=False)
        obs.span = self.tracer.start_span(
            f"chat {req.model}", kind=SpanKind.CLIENT, attributes=attrs
        )

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
    def finish(self, obs: Observation) -> None:
        duration = obs.duration_s()
        model = obs.request.model
        host, _, port = (obs.endpoint or "").partition(":")
        span = obs.span
        if span is not None and span.is_recording():
            self._end_span(obs, span, host, port)
        span_ctx = span.get_span_context() if span is not None else None
        trace_id = span_id = None
        if span_ctx is not None and span_ctx.is_valid:
            trace_id = format(span_ctx.trace_id, "032x")
            span_id = format(span_ctx.span_id, "016x")
        mattrs = {**self._base, sc.GEN_AI_REQUEST_MODEL: model}
        if host:
            mattrs[sc.SERVER_ADDRESS] = host
        if obs.response_model:
            mattrs[sc.GEN_AI_RESPONSE_MODEL] = obs.response_model
        if obs.error_type:
            mattrs[sc.ERROR_TYPE] = obs.error_type
        self.duration.record(duration, mattrs)
        if obs.input_tokens is not None:
            self.tokens.record(obs.input_tokens, {**mattrs, sc.GEN_AI_TOKEN_TYPE: "input"})
        if obs.output_tokens is not None:
            self.tokens.record(obs.output_tokens, {**mattrs, sc.GEN_AI_TOKEN_TYPE: "output"})
        outcome = "success" if obs.ok else "failure"
        self.requests.add({**mattrs, sc.SENTINEL_OUTCOME: outcome})
        obs.trace_id, obs.span_id = trace_id, span_id
        self._log(obs, duration, outcome, trace_id, span_id)

    def _end_span(self, obs: Observation, span: Any, host: str, port: str) -> None:
        attrs: dict[str, Any] = {
            sc.SENTINEL_RETRIES: obs.retries,
            sc.SENTINEL_FAILOVERS: obs.failovers,
        }
        if host:
            attrs[sc.SERVER_ADDRESS] = host
            attrs[sc.SENTINEL_ENDPOINT] = obs.endpoint
            if port:
                attrs[sc.SERVER_PORT] = int(port)
        if obs.http_status is not None:
            attrs[sc.HTTP_RESPONSE_STATUS_CODE] = obs.http_status
        if obs.response_id:
            attrs[sc.GEN_AI_RESPONSE_ID] = obs.response_id
        if obs.response_model:
            attrs[sc.GEN_AI_RESPONSE_MODEL] = obs.response_model
        if obs.finish_reasons:
            attrs[sc.GEN_AI_RESPONSE_FINISH_REASONS] = obs.finish_reasons
        if obs.input_tokens is not None:
            attrs[sc.GEN_AI_USAGE_INPUT_TOKENS] = obs.input_tokens
        if obs.output_tokens is not None:
            attrs[sc.GEN_AI_USAGE_OUTPUT_TOKENS] = obs.output_tokens
        if obs.rate_limited:
            attrs[sc.SENTINEL_RATE_LIMITED] = True
        if obs.fallback:
            attrs[sc.SENTINEL_FALLBACK] = True
        if obs.circuit_open:
            attrs[sc.SENTINEL_CIRCUIT_OPEN] = True
        if obs.abandoned:
            attrs[sc.SENTINEL_STREAM_ABANDONED] = True
        if obs.cache_hit is not None:
            attrs[sc.SENTINEL_CACHE_HIT] = obs.cache_hit
        if self.capture_content and obs.completion is not None:
            attrs[sc.GEN_AI_OUTPUT_MESSAGES] = json.dumps(
                [{"role": "assistant", "content": obs.completion}], ensure_ascii=False
            )
        if obs.error_type:
            attrs[sc.ERROR_TYPE] = obs.error_type
            span.set_status(Status(StatusCode.ERROR, obs.error_type))
        span.set_attributes(attrs)
        span.end()

    def _log(
        self,
        obs: Observation,
        duration: float,
        outcome: str,
        trace_id: str | None,
        span_id: str | None,
    ) -> None:
        """Builds the ECS document already nested (see ecs.CallFormatter): cheaper than
        dotted `extra` keys, and this runs once per call."""
        req = obs.request
        params = req.params
        request: dict[str, Any] = {"model": req.model}
        for field, key in _LOG_PARAMS:
            value = getattr(params, field)
            if value is not None:
                request[key] = value
        gen_ai: dict[str, Any] = {
            "operation": {"name": sc.OPERATION_CHAT},
            "provider": {"name": sc.PROVIDER},
            "request": request,
        }
        response = {
            k: v
            for k, v in (
                ("id", obs.response_id),
                ("model", obs.response_model),
                ("finish_reasons", obs.finish_reasons or None),
            )
            if v is not None
        }
        if response:
            gen_ai["response"] = response
        if obs.input_tokens is not None or obs.output_tokens is not None:
            gen_ai["usage"] = {
                "input_tokens": obs.input_tokens,
                "output_tokens": obs.output_tokens,
            }
        sentinel: dict[str, Any] = {
            "request_id": obs.request_id,
            "app": req.app or self.app,
            "retries": obs.retries,
            "failovers": obs.failovers,
        }
        if obs.endpoint:
            sentinel["endpoint"] = obs.endpoint
        if obs.subject_key:
            sentinel["subject_key"] = obs.subject_key
        for flag, key in (
            (obs.rate_limited, "rate_limited"),
            (obs.fallback, "fallback"),
            (obs.circuit_open, "circuit_open"),
            (req.stream, "stream"),
        ):
            if flag:
                sentinel[key] = True
        if obs.abandoned:
            sentinel["stream_abandoned"] = True
        if obs.cache_hit is not None:
            sentinel["cache"] = {"hit": obs.cache_hit}
        doc: dict[str, Any] = {
            "event": {
                "dataset": "sentinel.calls",
                "duration": int(duration * 1e9),
                "outcome": outcome,
            },
            "service": {"name": self.service_name},
            "gen_ai": gen_ai,
            "sentinel": sentinel,
        }
        if obs.http_status is not None:
            doc["http"] = {"response": {"status_code": obs.http_status}}
        if trace_id is not None:
            doc["trace"] = {"id": trace_id}
            doc["span"] = {"id": span_id}
        if obs.error_type:
            doc["error"] = {"type": obs.error_type}
        if self.capture_content:
            gen_ai["input"] = {"messages": req.messages}
            if obs.completion is not None:
                gen_ai["output"] = {"messages": [{"role": "assistant", "content": obs.completion}]}
        status = obs.http_status if obs.http_status is not None else "-"
        logger = self.logger
        if logger.isEnabledFor(logging.INFO):  # makeRecord: no caller lookup, it is always us
            message = f"chat {req.model} {outcome} {status}"
            record = logger.makeRecord(
                logger.name, logging.INFO, __file__, 0, message, None, None, extra={"ecs": doc}
            )
            logger.handle(record)
