"""Sentinel's OTLP through a real OpenTelemetry Collector (built by `make otelcol` from
Go modules, deploy/otelcol/builder.yaml) running deploy/otel-collector.yaml's receiver,
processors and pipelines unchanged. Only the exporter differs: the contrib elasticsearch
exporter cannot be fetched from the Go module proxy here (the manifest records the
refusals), so the collector's `file` exporter writes what left each pipeline, and the
test reads that: every call's span with its GenAI attributes and request id, no secret,
no raw subject, message content removed by the collector's attributes processor even
though the client was told to send it (that the client then does send it is
tests/telemetry/test_call_telemetry.py::test_content_in_telemetry_only_when_enabled), and
the call metrics."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from deploy_support import REPO
from loopback import free_port, wait_until

from sentinel import Sentinel
from sentinel.config import Settings
from sentinel.models import subject_key_for
from sentinel.testing import FakeDeepSeek

DEPLOYED = REPO / "deploy" / "otel-collector.yaml"
API_KEY = "sk-collector-test-8d2f6a1c9e4b"
SUBJECT = "collector-raw-subject-77"


def _binary() -> Path:
    out = subprocess.run(
        ["bash", str(REPO / "scripts" / "otelcol.sh"), "binary"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip())


def collector_config(deployed: dict[str, Any], out: Path, ports: dict[str, int]) -> dict[str, Any]:
    """deploy/otel-collector.yaml on loopback ports, its exporter swapped for `file`."""
    config = json.loads(json.dumps(deployed))
    protocols = config["receivers"]["otlp"]["protocols"]
    protocols["grpc"]["endpoint"] = f"127.0.0.1:{ports['grpc']}"
    protocols["http"]["endpoint"] = f"127.0.0.1:{ports['http']}"
    config["extensions"]["health_check"]["endpoint"] = f"127.0.0.1:{ports['health']}"
    config["exporters"] = {}
    for signal, pipeline in config["service"]["pipelines"].items():
        name = f"file/{signal}"
        config["exporters"][name] = {"path": str(out / f"{signal}.jsonl")}
        pipeline["exporters"] = [name]
    return config


@pytest.fixture
def collector(
    tmp_path: Path, require_service: Callable[[bool, str], None]
) -> Iterator[dict[str, Any]]:
    binary = _binary()
    require_service(binary.is_file(), f"no collector at {binary}: run `make otelcol`")
    deployed = yaml.safe_load(DEPLOYED.read_text())
    ports = {"grpc": free_port(), "http": free_port(), "health": free_port()}
    config = collector_config(deployed, tmp_path, ports)
    for signal, pipeline in config["service"]["pipelines"].items():
        want = deployed["service"]["pipelines"][signal]
        assert pipeline["receivers"] == want["receivers"]
        assert pipeline["processors"] == want["processors"]  # the deployed processing
    path = tmp_path / "collector.yaml"
    path.write_text(yaml.safe_dump(config))
    log = tmp_path / "collector.log"
    proc = subprocess.Popen(
        [str(binary), f"--config={path}"],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env={"PATH": "/usr/bin:/bin", "GOMEMLIMIT": "200MiB"},
    )

    def healthy() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{ports['health']}/", timeout=1).status_code == 200
        except httpx.HTTPError:
            return proc.poll() is not None

    try:
        assert wait_until(healthy, 60, step=0.2) and proc.poll() is None, log.read_text()
        yield {"url": f"http://127.0.0.1:{ports['http']}", "out": tmp_path, "log": log}
    finally:
        proc.terminate()
        proc.wait(30)


def _attrs(kvs: list[dict[str, Any]]) -> dict[str, Any]:
    return {kv["key"]: next(iter(kv["value"].values()), None) for kv in kvs}


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _spans(out: Path) -> list[dict[str, Any]]:
    return [
        {"name": span["name"], **_attrs(span.get("attributes", []))}
        for line in _lines(out / "traces.jsonl")
        for rs in line.get("resourceSpans", [])
        for ss in rs.get("scopeSpans", [])
        for span in ss.get("spans", [])
    ]


def _metric_names(out: Path) -> set[str]:
    return {
        metric["name"]
        for line in _lines(out / "metrics.jsonl")
        for rm in line.get("resourceMetrics", [])
        for sm in rm.get("scopeMetrics", [])
        for metric in sm.get("metrics", [])
    }


def test_spans_and_metrics_pass_the_deployed_pipeline(
    collector: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector["url"])
    monkeypatch.setenv("OTEL_SERVICE_NAME", "collector-test-app")
    monkeypatch.setenv("SENTINEL_CAPTURE_CONTENT_IN_TELEMETRY", "true")
    monkeypatch.setenv("SENTINEL_STORE", f"sqlite:///{tmp_path / 'store.db'}")
    request_ids = []
    with FakeDeepSeek(api_key=API_KEY) as fake:
        client = Sentinel(api_key=API_KEY, base_url=fake.url, app="collector-test")
        try:
            for i in range(3):
                resp = client.chat.completions.create(
                    model="deepseek-v4-flash",
                    messages=[{"role": "user", "content": f"secret plan number {i}"}],
                    max_tokens=20,
                    subject_id=SUBJECT,
                )
                request_ids.append(resp.request_id)
        finally:
            client.close()  # flushes both OTLP exporters

    out = collector["out"]
    spans = wait_until(lambda: len(_spans(out)) >= 3 and _spans(out), 30, step=0.2)
    assert spans, collector["log"].read_text()[-3000:]
    by_id = {s.get("sentinel.request_id"): s for s in spans}
    assert set(request_ids) <= set(by_id)
    subject_key = subject_key_for(SUBJECT, Settings().subject_secret_bytes())
    for rid in request_ids:
        span = by_id[rid]
        assert span["gen_ai.operation.name"] == "chat"
        assert span["gen_ai.provider.name"] == "deepseek"
        assert span["gen_ai.request.model"] == "deepseek-v4-flash"
        assert int(span["gen_ai.usage.input_tokens"]) > 0
        assert span.get("sentinel.subject_key") in (None, subject_key)
        # Sent by the client (capture on), removed by the collector's attributes processor.
        assert "gen_ai.input.messages" not in span and "gen_ai.output.messages" not in span

    names = wait_until(
        lambda: (
            {"gen_ai.client.operation.duration", "gen_ai.client.token.usage"} <= _metric_names(out)
            and _metric_names(out)
        ),
        30,
        step=0.2,
    )
    assert names, collector["log"].read_text()[-3000:]
    everything = (out / "traces.jsonl").read_text() + (out / "metrics.jsonl").read_text()
    assert API_KEY not in everything
    assert SUBJECT not in everything
    assert "secret plan number" not in everything
