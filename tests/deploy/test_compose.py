"""docker-compose.elk.yml without a Docker engine: valid against the Compose
specification, and everything it points at (files, env files, variables, ports, images,
start order) exists and agrees with the rest of the repo."""

from __future__ import annotations

import json
import re
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import dockerfile
import jsonschema
import pytest
from deploy_support import COMPOSE_FILE, REPO, es_test_version, setting_env_names
from dotenv import dotenv_values

from sentinel.config import Settings
from sentinel.durations import parse_duration

SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|API_KEY|ENCRYPTIONKEY|SUBJECT_KEY")
STACK_ENV_EXAMPLE = REPO / ".env.example"


def _services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def _env_files(service: dict[str, Any]) -> list[str]:
    files = service.get("env_file", [])
    files = [files] if isinstance(files, str) else files
    return [f if isinstance(f, str) else f["path"] for f in files]


def _dockerfile_healthcheck(service: dict[str, Any]) -> bool:
    build = service["build"]
    path = REPO / build["context"] / build.get("dockerfile", "Dockerfile")
    return any(c.cmd == "HEALTHCHECK" for c in dockerfile.parse_file(str(path)))


def test_validates_against_the_compose_specification(compose: dict[str, Any]) -> None:
    # check-jsonschema vendors the compose-spec project's schema (schema/compose-spec.json).
    schema_text = (
        resources.files("check_jsonschema.builtin_schemas.vendor")
        .joinpath("compose-spec.json")
        .read_text()
    )
    schema = json.loads(schema_text)
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    errors = [f"{e.json_path}: {e.message}" for e in validator_cls(schema).iter_errors(compose)]
    assert errors == []


def test_the_schema_check_catches_a_bad_file(compose: dict[str, Any]) -> None:
    """Guard against a validator that accepts anything (wrong draft, empty schema)."""
    schema = json.loads(
        resources.files("check_jsonschema.builtin_schemas.vendor")
        .joinpath("compose-spec.json")
        .read_text()
    )
    bad = json.loads(json.dumps(compose))
    bad["services"]["sentinel"]["depends_on"]["setup"]["condition"] = "when_ready"
    bad["services"]["kibana"]["helthcheck"] = {}
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert len(list(validator.iter_errors(bad))) >= 2


def test_the_expected_services_exist(compose: dict[str, Any]) -> None:
    assert {
        "elasticsearch",
        "kibana",
        "otel-collector",
        "alertmanager",
        "sentinel",
    } <= set(_services(compose))


def test_elastic_images_match_the_tests_elasticsearch(compose: dict[str, Any]) -> None:
    version = es_test_version()
    services = _services(compose)
    for name, repo in (
        ("elasticsearch", "docker.elastic.co/elasticsearch/elasticsearch"),
        ("kibana", "docker.elastic.co/kibana/kibana"),
    ):
        assert services[name]["image"] == f"{repo}:{version}", name


def test_images_are_pinned(compose: dict[str, Any]) -> None:
    for name, service in _services(compose).items():
        image = service["image"]
        tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
        assert tag and tag != "latest", f"{name}: pin a version, not {image!r}"


def test_every_referenced_file_exists(compose: dict[str, Any]) -> None:
    for name, service in _services(compose).items():
        if "build" in service:
            context = REPO / service["build"]["context"]
            assert context.is_dir(), name
            assert (context / service["build"].get("dockerfile", "Dockerfile")).is_file(), name
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume["source"]
            if source.startswith((".", "/")):  # a bind mount, not a named volume
                assert (REPO / source).exists(), f"{name}: {source}"
            else:
                assert source in compose.get("volumes", {}), f"{name}: undeclared {source}"


def test_env_files_are_git_ignored_and_have_committed_examples(
    compose: dict[str, Any],
) -> None:
    env_files = {f for s in _services(compose).values() for f in _env_files(s)}
    assert env_files, "Sentinel's settings should come from an env file"
    for path in env_files | {".env"}:
        example = REPO / f"{path}.example"
        assert example.is_file(), f"{path}: no {example.name} for operators to copy"
        ignored = subprocess.run(
            ["git", "check-ignore", "-q", "--no-index", path], cwd=REPO, check=False
        )
        assert ignored.returncode == 0, f"{path} holds secrets and must be git-ignored"


def test_sentinel_env_example_names_only_real_settings() -> None:
    """A typo in the example (SENTINEL_ANONYMISE_WITHIN) would be silently ignored."""
    known = set(setting_env_names().values())
    text = (REPO / "deploy/sentinel.env.example").read_text()
    # Commented-out lines are documentation of optional settings: check them too.
    names = re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, re.M)
    assert names
    assert sorted(set(names) - known) == []


def test_sentinel_env_example_values_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example's non-empty values pass Settings' validation and take effect."""
    values = {k: v for k, v in dotenv_values(REPO / "deploy/sentinel.env.example").items() if v}
    assert values
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.anonymize_within == parse_duration(values["SENTINEL_ANONYMIZE_WITHIN"])
    assert settings.anonymize_interval == parse_duration(values["SENTINEL_ANONYMIZE_INTERVAL"])


def test_every_variable_is_documented_in_the_stack_env_example(
    compose: dict[str, Any],
) -> None:
    text = COMPOSE_FILE.read_text()
    # $$ escapes a literal $ for the container's shell; those are not Compose variables.
    used = set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    used |= set(re.findall(r"(?<!\$)\$([A-Za-z_][A-Za-z0-9_]*)", text))
    documented = set(dotenv_values(STACK_ENV_EXAMPLE))
    assert used, "the stack's secrets should be Compose variables"
    assert sorted(used - documented) == [], "undocumented variables"
    assert sorted(documented - used) == [], "documented but unused variables"


def test_no_secret_is_written_inline(compose: dict[str, Any]) -> None:
    for name, service in _services(compose).items():
        for key, value in _env(service).items():
            if SECRET_NAME.search(key):
                assert re.fullmatch(r"\$\{[A-Z_]+(:\?[^}]*)?\}", value), (
                    f"{name}: {key} must come from .env, not the compose file"
                )
    examples = [STACK_ENV_EXAMPLE, REPO / "deploy/sentinel.env.example"]
    for example in examples:
        for key, value in dotenv_values(example).items():
            if SECRET_NAME.search(key):
                assert not value, f"{example.name}: {key} must be left empty in the example"


def test_host_ports_are_unique_and_loopback_only(compose: dict[str, Any]) -> None:
    seen: dict[str, str] = {}
    for name, service in _services(compose).items():
        for port in service.get("ports", []):
            host_ip, host_port, _container = str(port).rsplit(":", 2)
            assert host_ip == "127.0.0.1", f"{name}: {port} is published beyond loopback"
            assert host_port not in seen, f"{name} and {seen.get(host_port)} share {host_port}"
            seen[host_port] = name


def test_sentinel_uses_elasticsearch_and_alertmanager_of_the_stack(
    compose: dict[str, Any],
) -> None:
    services = _services(compose)
    env = _env(services["sentinel"])
    known = set(setting_env_names().values())
    assert sorted(set(env) - known) == [], "not Sentinel settings"
    assert env["SENTINEL_STORE"] == "http://elasticsearch:9200"
    assert env["SENTINEL_ALERTMANAGER_URL"] == "http://alertmanager:9093"
    assert any(p.endswith(":8787") for p in services["sentinel"]["ports"])


def test_start_order_waits_for_health(compose: dict[str, Any]) -> None:
    services = _services(compose)
    one_shot = {n for n, s in services.items() if s.get("restart") == "no"}
    healthy = {
        n
        for n, s in services.items()
        if "healthcheck" in s or ("build" in s and _dockerfile_healthcheck(s))
    }
    assert {"elasticsearch", "kibana", "alertmanager", "sentinel"} <= healthy
    for name, service in services.items():
        for dep, cond in service.get("depends_on", {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            condition = cond["condition"]
            if dep in one_shot:
                assert condition == "service_completed_successfully", (name, dep)
            else:
                assert condition == "service_healthy", (name, dep)
                assert dep in healthy, f"{name} waits for {dep}, which has no healthcheck"
    assert "elasticsearch" in services["sentinel"]["depends_on"]
    assert "elasticsearch" in services["kibana"]["depends_on"]


def test_start_order_has_no_cycle(compose: dict[str, Any]) -> None:
    services = _services(compose)
    order: list[str] = []
    pending = dict.fromkeys(services)
    while pending:
        ready = [n for n in pending if set(services[n].get("depends_on", {})) <= set(order)]
        assert ready, f"dependency cycle among {sorted(pending)}"
        order.extend(sorted(ready))
        for n in ready:
            del pending[n]
    assert order.index("elasticsearch") < order.index("sentinel")


@pytest.mark.parametrize("variable", ["", "short", "has space in it!!"])
def test_setup_script_refuses_weak_or_unsafe_passwords(variable: str, tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "ELASTIC_PASSWORD": "a" * 20,
        "KIBANA_SYSTEM_PASSWORD": variable,
        "SENTINEL_ES_PASSWORD": "b" * 20,
        "OTEL_ES_PASSWORD": "c" * 20,
        "ES_URL": "http://127.0.0.1:9",  # never reached: validation comes first
    }
    result = subprocess.run(
        ["bash", str(REPO / "deploy/elasticsearch-setup.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "KIBANA_SYSTEM_PASSWORD must be" in result.stderr
    assert "a" * 20 not in result.stderr + result.stdout
