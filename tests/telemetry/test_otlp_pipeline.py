"""End to end over OTLP/HTTP: a client configured only by the standard OTEL_* variables
exports spans and metrics to a receiver on loopback, which decodes the protobuf the way
a collector would. What a collector (and so Elasticsearch) receives must carry the GenAI
attributes intact and never the API key or the raw subject id."""

from __future__ import annotations

import gzip
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Status
from opentelemetry.sdk.trace import TracerProvider as SDKTracerProvider

from sentinel import Sentinel
from sentinel.errors import BadRequestError
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek

API_KEY = "sk-otlp-pipeline-4c1d9e"
SUBJECT = "subject-raw-7f3a9c"  # distinctive, so a leak is found byte for byte
COLLECTOR_TOKEN = "collector-bearer-token"


@dataclass
class Export:
    path: str
    headers: dict[str, str]
    body: bytes  # as received (possibly gzip)
    payload: bytes  # decompressed protobuf


@dataclass
class OTLPReceiver:
    """Records every OTLP/HTTP export and answers like a collector does."""

    port: int = 0
    exports: list[Export] = field(default_factory=list)

    def by_path(self, path: str) -> list[Export]:
        return [e for e in self.exports if e.path == path]


@pytest.fixture
def fake_deepseek() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek(api_key=API_KEY) as fake:
        yield fake


@pytest.fixture
def receiver() -> Iterator[OTLPReceiver]:
    rec = OTLPReceiver()
    responses = {
        "/v1/traces": ExportTraceServiceResponse().SerializeToString(),
        "/v1/metrics": ExportMetricsServiceResponse().SerializeToString(),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            gzipped = self.headers.get("Content-Encoding") == "gzip"
            payload = gzip.decompress(body) if gzipped else body
            rec.exports.append(Export(self.path, dict(self.headers), body, payload))
            answer = responses.get(self.path)
            self.send_response(200 if answer is not None else 404)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer or b"")))
            self.end_headers()
            self.wfile.write(answer or b"")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()


def _value(v: AnyValue) -> Any:
    kind = v.WhichOneof("value")
    if kind == "array_value":
        return tuple(_value(x) for x in v.array_value.values)
    return getattr(v, kind) if kind else None


def _attrs(kvs: Any) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in kvs}


def _spans(rec: OTLPReceiver) -> list[tuple[dict[str, Any], Any]]:
    """(resource attributes, span) for every span received."""
    out = []
    for export in rec.by_path("/v1/traces"):
        req = ExportTraceServiceRequest.FromString(export.payload)
        for rs in req.resource_spans:
            resource = _attrs(rs.resource.attributes)
            out.extend((resource, s) for ss in rs.scope_spans for s in ss.spans)
    return out


def _metrics(rec: OTLPReceiver) -> dict[str, list[Any]]:
    """Metric name → its histogram/sum data points, over every export."""
    out: dict[str, list[Any]] = {}
    for export in rec.by_path("/v1/metrics"):
        req = ExportMetricsServiceRequest.FromString(export.payload)
        for rm in req.resource_metrics:
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    data = getattr(m, m.WhichOneof("data"))
                    out.setdefault(m.name, []).extend(data.data_points)
    return out


def test_spans_and_metrics_reach_an_otlp_receiver_without_secrets(
    receiver: OTLPReceiver,
    fake_deepseek: FakeDeepSeek,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Sentinel must build its own OTLP providers here, not report to an app's global ones.
    assert not isinstance(trace.get_tracer_provider(), SDKTracerProvider)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{receiver.port}")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"authorization=Bearer {COLLECTOR_TOKEN}")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "support-bot-prod")
    store = SQLiteStore(tmp_path / "calls.db")
    store.setup()
    messages = [{"role": "user", "content": "hello, I am a customer"}]
    client = Sentinel(
        api_key=fake_deepseek.api_key,
        base_url=fake_deepseek.url,
        store=store,
        app="support-bot",
        log_stream=io.StringIO(),
    )
    try:
        ok = client.chat.completions.create(
            model="deepseek-v4-flash",
            messages=messages,
            temperature=0.3,
            max_tokens=50,
            subject_id=SUBJECT,
        )
        fake_deepseek.fail(400)
        with pytest.raises(BadRequestError):
            client.chat.completions.create(
                model="deepseek-v4-pro", messages=messages, subject_id=SUBJECT
            )
    finally:
        client.close()  # shuts Sentinel's own providers down, flushing both signals
        store.close()

    spans = _spans(receiver)
    assert sorted(s.name for _, s in spans) == ["chat deepseek-v4-flash", "chat deepseek-v4-pro"]
    (resource, good), (_, bad) = sorted(spans, key=lambda rs: rs[1].name)
    assert resource["service.name"] == "support-bot-prod"
    a = _attrs(good.attributes)
    assert a["gen_ai.operation.name"] == "chat" and a["gen_ai.provider.name"] == "deepseek"
    assert a["gen_ai.request.model"] == "deepseek-v4-flash"
    assert a["gen_ai.request.temperature"] == 0.3 and a["gen_ai.request.max_tokens"] == 50
    assert a["gen_ai.response.id"] == ok.id
    assert a["gen_ai.usage.input_tokens"] == ok.usage.prompt_tokens
    assert a["gen_ai.usage.output_tokens"] == ok.usage.completion_tokens
    assert a["gen_ai.response.finish_reasons"] == ("stop",)
    assert a["sentinel.request_id"] == ok.request_id
    assert len(a["sentinel.subject_key"]) == 64  # the HMAC travels, the id does not
    b = _attrs(bad.attributes)
    assert bad.status.code == Status.STATUS_CODE_ERROR
    assert b["error.type"] == "BadRequestError" and b["http.response.status_code"] == 400
    assert b["sentinel.subject_key"] == a["sentinel.subject_key"]

    points = _metrics(receiver)
    durations = points["gen_ai.client.operation.duration"]
    assert sum(p.count for p in durations) == 2
    by_model = {_attrs(p.attributes)["gen_ai.request.model"]: p for p in durations}
    assert set(by_model) == {"deepseek-v4-flash", "deepseek-v4-pro"}
    assert _attrs(by_model["deepseek-v4-pro"].attributes)["error.type"] == "BadRequestError"
    tokens = {
        _attrs(p.attributes)["gen_ai.token.type"]: p for p in points["gen_ai.client.token.usage"]
    }
    assert tokens["input"].sum == ok.usage.prompt_tokens
    assert tokens["output"].sum == ok.usage.completion_tokens

    assert {e.headers.get("authorization") for e in receiver.exports} == {
        f"Bearer {COLLECTOR_TOKEN}"
    }
    for export in receiver.exports:
        raw = b"".join([export.body, export.payload, repr(sorted(export.headers.items())).encode()])
        for secret in (API_KEY, SUBJECT, "hello, I am a customer"):
            assert secret.encode() not in raw, (export.path, secret)
