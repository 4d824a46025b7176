"""deploy/otel-collector.yaml: every pipeline uses defined components, every defined
component is used, traces and metrics go to Elasticsearch, and the compose service gives
it the environment and ports it needs."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from deploy_support import REPO

CONFIG_PATH = REPO / "deploy/otel-collector.yaml"
KINDS = ("receivers", "processors", "exporters", "connectors")
SIGNALS = ("traces", "metrics", "logs")


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return yaml.safe_load(CONFIG_PATH.read_text())


def _type(component_id: str) -> str:
    return component_id.split("/", 1)[0]


def test_pipelines_reference_only_defined_components(config: dict[str, Any]) -> None:
    pipelines = config["service"]["pipelines"]
    used: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for name, pipeline in pipelines.items():
        assert _type(name) in SIGNALS, f"pipeline {name}: not a signal type"
        assert pipeline.get("receivers") and pipeline.get("exporters"), name
        for kind in ("receivers", "processors", "exporters"):
            for component in pipeline.get(kind, []):
                defined = config.get(kind) or {}
                assert component in defined, f"pipeline {name}: {kind} {component} undefined"
                used[kind].add(component)
    for kind in KINDS:
        unused = set(config.get(kind) or {}) - used[kind]
        assert not unused, f"{kind} defined but in no pipeline: {sorted(unused)}"
    for extension in config["service"].get("extensions", []):
        assert extension in config.get("extensions", {}), extension
    assert set(config.get("extensions", {})) == set(config["service"].get("extensions", []))


def test_traces_and_metrics_go_from_otlp_to_elasticsearch(config: dict[str, Any]) -> None:
    pipelines = config["service"]["pipelines"]
    for signal in ("traces", "metrics"):
        assert "otlp" in pipelines[signal]["receivers"]
        assert "elasticsearch" in pipelines[signal]["exporters"]
        # memory_limiter must run first to protect the collector under a burst.
        assert pipelines[signal]["processors"][0] == "memory_limiter"
    protocols = config["receivers"]["otlp"]["protocols"]
    assert protocols["grpc"]["endpoint"].endswith(":4317")
    assert protocols["http"]["endpoint"].endswith(":4318")


def test_no_credential_is_written_in_the_file(config: dict[str, Any]) -> None:
    exporter = config["exporters"]["elasticsearch"]
    for key in ("user", "password", "api_key"):
        if key in exporter:
            assert re.fullmatch(r"\$\{env:[A-Z_]+\}", exporter[key]), key


def test_the_compose_service_mounts_it_and_sets_its_environment(
    config: dict[str, Any], compose: dict[str, Any]
) -> None:
    service = compose["services"]["otel-collector"]
    assert "opentelemetry-collector-contrib" in service["image"]
    mounts = dict(v.split(":")[:2] for v in service["volumes"])
    target = mounts["./deploy/otel-collector.yaml"]
    assert f"--config={target}" in service["command"]
    needed = set(re.findall(r"\$\{env:([A-Z_][A-Z0-9_]*)\}", CONFIG_PATH.read_text()))
    assert needed and needed <= set(service["environment"])
    published = {p.rsplit(":", 1)[1] for p in service["ports"]}
    assert published == {"4317", "4318"}


def test_the_built_collector_has_every_deployed_component_at_one_release(
    config: dict[str, Any],
) -> None:
    """deploy/otelcol/builder.yaml (the collector the live test runs) carries every
    receiver, processor and extension the deployed config uses, all modules at one
    release; the exporter is the one documented exception (the manifest says why)."""
    manifest = yaml.safe_load((REPO / "deploy/otelcol/builder.yaml").read_text())
    versions = set()
    for kind in ("receivers", "processors", "exporters", "extensions"):
        built = set()
        for entry in manifest[kind]:
            module, version = entry["gomod"].split()
            built.add(module.rsplit("/", 1)[1].removesuffix(kind[:-1]))
            versions.add(version)
        used = {_type(c) for c in config.get(kind, {})}
        if kind == "exporters":
            assert built == {"file"} and used == {"elasticsearch"}
        else:
            assert used <= {
                b.replace("memorylimiter", "memory_limiter").replace("healthcheck", "health_check")
                for b in built
            }, kind
    assert len(versions) == 1, versions  # core and contrib at the same v0.x release
    assert manifest["dist"]["version"] == next(iter(versions)).removeprefix("v")
