"""Spans, metrics and ECS log lines per call: GenAI names, no secrets, no raw subject,
no content unless asked, and telemetry failures never reach the app."""

from __future__ import annotations

import io
import json
import logging

import pytest
from loopback import wait_until
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.trace import SpanKind, StatusCode

from sentinel.errors import BadRequestError
from sentinel.telemetry import providers
from sentinel.telemetry.ecs import CALL_LOGGER

MSG = [{"role": "user", "content": "my email is ann@example.com"}]


def _call(client, **kw):
    return client.chat.completions.create(
        model="deepseek-v4-flash",
        messages=MSG,
        temperature=0.2,
        top_p=0.8,
        frequency_penalty=0.1,
        max_tokens=64,
        stop=["END"],
        subject_id="user-42",
        **kw,
    )


def test_span_has_genai_attributes(harness):
    harness.fake.script(429, 200)
    resp = _call(harness.client())
    (span,) = harness.spans.get_finished_spans()
    a = span.attributes
    assert span.name == "chat deepseek-v4-flash" and span.kind is SpanKind.CLIENT
    assert a["gen_ai.operation.name"] == "chat" and a["gen_ai.provider.name"] == "deepseek"
    assert a["gen_ai.request.model"] == "deepseek-v4-flash"
    assert a["gen_ai.request.temperature"] == 0.2 and a["gen_ai.request.top_p"] == 0.8
    assert a["gen_ai.request.frequency_penalty"] == 0.1 and a["gen_ai.request.max_tokens"] == 64
    assert a["gen_ai.request.stop_sequences"] == ("END",)
    assert a["gen_ai.response.id"] == resp.id and a["gen_ai.response.model"] == "deepseek-v4-flash"
    assert a["gen_ai.response.finish_reasons"] == ("stop",)
    assert a["gen_ai.usage.input_tokens"] == resp.usage.prompt_tokens
    assert a["gen_ai.usage.output_tokens"] == resp.usage.completion_tokens
    assert a["http.response.status_code"] == 200 and a["server.address"] == "127.0.0.1"
    assert a["server.port"] == harness.fake.port
    assert a["sentinel.request_id"] == resp.request_id and a["sentinel.retries"] == 1
    assert a["sentinel.endpoint"] == f"127.0.0.1:{harness.fake.port}"
    assert [e.name for e in span.events] == ["retry"]


def test_failed_call_span_is_error(harness):
    harness.fake.fail(400)
    with pytest.raises(BadRequestError):
        _call(harness.client())
    (span,) = harness.spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["error.type"] == "BadRequestError"
    assert span.attributes["http.response.status_code"] == 400


def test_metrics_by_outcome_and_token_type(harness):
    client = harness.client()
    _call(client)
    harness.fake.fail(400)
    with pytest.raises(BadRequestError):
        _call(client)
    durations = harness.metric_points("gen_ai.client.operation.duration")
    assert sum(p.count for p in durations) == 2
    assert {p.attributes.get("error.type") for p in durations} == {None, "BadRequestError"}
    tokens = harness.metric_points("gen_ai.client.token.usage")
    by_type = {p.attributes["gen_ai.token.type"]: p.sum for p in tokens}
    [record] = [r for r in harness.calls() if r.outcome == "success"]
    assert by_type == {
        "input": record.input_tokens, "output": record.output_tokens,
        "cache_read": record.cache_hit_tokens, "cache_miss": record.cache_miss_tokens,
        "reasoning": record.reasoning_tokens,
    }  # fmt: skip
    assert record.reasoning_tokens and record.cache_miss_tokens
    requests = harness.metric_points("sentinel.client.requests")
    by_outcome = {p.attributes["sentinel.outcome"]: p.value for p in requests}
    assert by_outcome == {"success": 1, "failure": 1}
    retries = harness.metric_points("sentinel.client.retries")
    assert retries == [] or sum(p.value for p in retries) == 0


def test_one_ecs_line_per_call_with_required_fields(harness):
    resp = _call(harness.client(app="support-bot"))
    (line,) = harness.log_lines()
    (span,) = harness.spans.get_finished_spans()
    assert line["@timestamp"].endswith("Z") and line["log.level"] == "info"
    assert line["ecs.version"]
    assert line["event"]["outcome"] == "success" and line["event"]["duration"] > 1000
    assert isinstance(line["event"]["duration"], int)  # nanoseconds
    assert line["http"]["response"]["status_code"] == 200
    assert line["trace"]["id"] == format(span.context.trace_id, "032x")
    assert line["span"]["id"] == format(span.context.span_id, "016x")
    assert line["service"]["name"] == "support-bot"
    assert line["sentinel"]["request_id"] == resp.request_id
    assert line["gen_ai"]["request"]["temperature"] == 0.2
    assert line["gen_ai"]["request"]["stop_sequences"] == ["END"]
    assert line["sentinel"]["retries"] == 0


def test_subject_only_as_hmac_and_no_content_by_default(harness):
    resp = _call(harness.client())
    harness.flush()
    key = harness.store.get_call(resp.request_id).subject_key
    text = harness.log.getvalue()
    spans = "".join(s.to_json() for s in harness.spans.get_finished_spans())
    metrics = str(harness.metrics.get_metrics_data().to_json())
    for blob in (text, spans, metrics):
        assert "user-42" not in blob
        assert "ann@example.com" not in blob and "Echo" not in blob
    assert key in text and key in spans
    assert len(key) == 64


def test_content_in_telemetry_only_when_enabled(harness, monkeypatch):
    monkeypatch.setenv("SENTINEL_CAPTURE_CONTENT_IN_TELEMETRY", "true")
    _call(harness.client())
    (line,) = harness.log_lines()
    assert line["gen_ai"]["input"]["messages"] == MSG
    assert line["gen_ai"]["output"]["messages"][0]["content"].startswith("Echo:")
    (span,) = harness.spans.get_finished_spans()
    assert "ann@example.com" in span.attributes["gen_ai.input.messages"]
    assert "user-42" not in harness.log.getvalue()


class _Broken:
    """Every telemetry backend at once failing."""

    def get_tracer(self, *a, **k):
        return self

    def get_meter(self, *a, **k):
        return self

    def start_span(self, *a, **k):
        raise RuntimeError("tracer down")

    def create_histogram(self, *a, **k):
        return self

    def create_counter(self, *a, **k):
        return self

    def create_observable_counter(self, *a, **k):
        raise RuntimeError("meter down")

    def record(self, *a, **k):
        raise RuntimeError("meter down")

    def add(self, *a, **k):
        raise RuntimeError("meter down")


class _BrokenStream(io.StringIO):
    def write(self, s):
        raise OSError("disk full")


def test_telemetry_failures_never_reach_the_app(harness):
    harness.fake.script(429, 200)
    client = harness.client(
        tracer_provider=_Broken(), meter_provider=_Broken(), log_stream=_BrokenStream()
    )
    resp = _call(client)
    assert resp.content.startswith("Echo:")
    harness.flush()
    assert harness.store.get_call(resp.request_id).retries == 1  # the record still lands


class _RaisingProcessor(SpanProcessor):
    """A span processor / exporter chain that blows up at every hook."""

    def on_start(self, span, parent_context=None):
        raise RuntimeError("processor down")

    def on_end(self, span):
        raise RuntimeError("exporter down")


class _RaisingHandler(logging.Handler):
    """An app-installed handler that raises instead of calling handleError()."""

    def emit(self, record):
        raise OSError("log shipper down")


def test_broken_processor_and_app_log_handler_never_reach_the_app(harness):
    """The app's own OTel pipeline and its handler on `sentinel.calls` are both broken:
    successful, failed and streamed calls behave exactly as without telemetry."""
    provider = TracerProvider()
    provider.add_span_processor(_RaisingProcessor())
    calls_logger = logging.getLogger(CALL_LOGGER)
    handler = _RaisingHandler()
    calls_logger.addHandler(handler)
    try:
        client = harness.client(tracer_provider=provider, log_stream=None)
        ok = _call(client)
        harness.fake.fail(400)
        with pytest.raises(BadRequestError) as err:
            _call(client)
        stream = _call(client, stream=True)
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    finally:
        calls_logger.removeHandler(handler)
    assert ok.content == text == "Echo: my email is ann@example.com"
    harness.flush()
    assert harness.store.count("call") == 3
    outcomes = [
        harness.store.get_call(rid).outcome
        for rid in (ok.request_id, err.value.request_id, stream.request_id)
    ]
    assert outcomes == ["success", "failure", "success"]


def test_provider_precedence(monkeypatch):
    from opentelemetry.trace import NoOpTracerProvider

    mine = TracerProvider()
    assert providers.tracer_provider_for("a", mine) == (mine, False)
    p, owned = providers.tracer_provider_for("a")
    assert isinstance(p, NoOpTracerProvider) and not owned
    with monkeypatch.context() as m:
        m.setattr(providers.trace, "get_tracer_provider", lambda: mine)
        assert providers.tracer_provider_for("a") == (mine, False)  # the app's global wins
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:4318/v1/traces")
    p, owned = providers.tracer_provider_for("a")
    assert isinstance(p, TracerProvider) and owned and p is not mine
    p.shutdown()


def test_lines_to_a_buffered_stream_are_flushed_within_the_interval(harness, tmp_path):
    """Sentinel's handler does not flush per line (a syscall per call), but a line in a
    buffered file is visible within FLUSH_INTERVAL, and at once after flush()/close()."""
    path = tmp_path / "calls.log"
    with path.open("w") as stream:  # block-buffered, like stdout into a pipe
        client = harness.client(log_stream=stream)
        _call(client)
        assert wait_until(lambda: path.read_text().count("\n") == 1, 2.0, 0.01)
        for _ in range(3):
            _call(client)
        client.flush()
        assert path.read_text().count("\n") == 4
        _call(client)
        client.close()
        lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 5 and all(line["event"]["outcome"] == "success" for line in lines)


def test_clients_sharing_a_meter_provider_all_count_requests(harness):
    """The request counter is observable; a second client on the same meter must not
    lose its counts to the SDK's one-instrument-per-name rule."""
    first, second = harness.client(), harness.client(app="other")
    _call(first)
    _call(second)
    _call(second)
    requests = harness.metric_points("sentinel.client.requests")
    assert sum(p.value for p in requests if p.attributes["sentinel.outcome"] == "success") == 3
