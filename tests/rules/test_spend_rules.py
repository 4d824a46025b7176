"""Rules on spend and balance: what `rules check` refuses (with the line), and the
baseline comparison and cost/balance metrics giving the same timeline on both stores."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.rules.rule_tests import run_test_file

RULES = """\
groups:
  - name: spend
    interval: 5m
    rules:
      - alert: SpendDoubled
        metric: cost_sum
        window: 10m
        baseline: {offset: 30m}
        op: ">"
        threshold: 2
        group_by: [app]
      - alert: RunsOut
        metric: balance_hours_left
        window: 30m
        op: "<"
        threshold: 1
        min_requests: 2
"""

TESTS = """\
rule_files: [rules.yml]
tests:
  - name: spend against its own past, and a balance running out
    traffic:
      - {labels: {app: a}, start: 0m, end: 10m, per_minute: 1, cost: 0.5}
      - {labels: {app: b}, start: 0m, end: 10m, per_minute: 1, cost: 0.5}
      - {labels: {app: a}, start: 30m, end: 40m, per_minute: 1, cost: 1.5}
      - {labels: {app: b}, start: 30m, end: 40m, per_minute: 1, cost: 0.75, currency: CNY}
    balance:
      - {currency: USD, start: 0m, end: 40m, every: 5m, first: 2, last: 1}
    alerts:
      - {at: 25m, alertname: SpendDoubled, firing: []}
      - {at: 40m, alertname: SpendDoubled, firing: [{app: a, currency: USD}]}
      - {at: 10m, alertname: RunsOut, firing: []}
      - {at: 40m, alertname: RunsOut, firing: [{currency: USD}]}
"""


def _files(tmp_path: Path) -> Path:
    (tmp_path / "rules.yml").write_text(RULES)
    path = tmp_path / "spend_test.yml"
    path.write_text(TESTS)
    return path


def test_baseline_and_balance_rules_on_sqlite(tmp_path: Path) -> None:
    result = run_test_file(_files(tmp_path))
    assert result.failures == []


@pytest.mark.elasticsearch
def test_baseline_and_balance_rules_on_elasticsearch(
    tmp_path: Path, es_store_factory: Callable[..., Any]
) -> None:
    result = run_test_file(_files(tmp_path), es_store_factory)
    assert result.failures == []


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("metric: unanonymized_overdue\n        baseline: {offset: 1h}", "cannot be compared"),
        ("metric: cost_sum\n        baseline: {}", "needs an offset or a window"),
        ("metric: balance\n        group_by: [app]", "cannot be used with metric balance"),
        ("metric: cost_rate\n        group_by: [endpoint]", "cannot be used with metric cost_rate"),
        ("metric: balance_hours_left\n        where: {model: x}", "cannot be used"),
    ],
)
def test_rules_check_refuses_what_cannot_be_evaluated(
    tmp_path: Path, rule: str, message: str
) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: A\n"
        f"        {rule}\n        op: '<'\n        threshold: 1\n"
    )
    result = CliRunner().invoke(app, ["rules", "check", str(path)])
    assert result.exit_code == 1
    assert message in result.output and f"{path}:" in result.output


def test_cost_rules_group_by_subject_key_and_currency(tmp_path: Path) -> None:
    path = tmp_path / "ok.yml"
    path.write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        metric: cost_rate\n"
        "        group_by: [subject_key, model, currency]\n        where: {app: x}\n"
        "        op: '>'\n        threshold: 1\n"
    )
    result = CliRunner().invoke(app, ["rules", "check", str(path)])
    assert result.exit_code == 0, result.output
