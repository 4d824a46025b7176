"""deploy/alertmanager.yml checked by the real `amtool`, and routed the way the shipped
rules' severities expect: pages to on-call, tickets to the team."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml
from deploy_support import REPO

from sentinel.rules.loader import BUILTIN_RULES

CONFIG = REPO / "deploy/alertmanager.yml"


def _run(amtool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([amtool, *args], capture_output=True, text=True, timeout=60, check=False)


def test_amtool_accepts_the_config(amtool: str) -> None:
    result = _run(amtool, "check-config", str(CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_amtool_rejects_a_broken_copy(amtool: str, tmp_path: Path) -> None:
    """The check is real: a route to an undefined receiver fails it."""
    broken = yaml.safe_load(CONFIG.read_text())
    broken["route"]["routes"][0]["receiver"] = "nobody"
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(broken))
    result = _run(amtool, "check-config", str(path))
    assert result.returncode != 0 and "nobody" in result.stdout + result.stderr


def _route(amtool: str, **labels: str) -> str:
    pairs = [f"{k}={v}" for k, v in labels.items()]
    result = _run(amtool, "config", "routes", "test", f"--config.file={CONFIG}", *pairs)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_shipped_rules_route_by_severity(amtool: str) -> None:
    rules = yaml.safe_load((BUILTIN_RULES / "deepseek.yml").read_text())
    severities = {
        r["labels"]["severity"] for g in rules["groups"] for r in g["rules"] if "labels" in r
    }
    assert severities == {"page", "ticket"}
    assert _route(amtool, alertname="DeepSeekHighErrorRate", severity="page") == "oncall-webhook"
    assert _route(amtool, alertname="DeepSeekHighLatencyP95", severity="ticket") == "team-webhook"
