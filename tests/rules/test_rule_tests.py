"""`sentinel rules test`: the shipped rule tests pass, and a wrong expectation fails
loudly with what was expected and what happened."""

from __future__ import annotations

import itertools
from pathlib import Path

from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.rules.loader import BUILTIN_RULES
from sentinel.rules.rule_tests import Traffic, synthesize

SHIPPED_TESTS = sorted((BUILTIN_RULES / "tests").glob("*.yml"))


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "t.yml"
    path.write_text(f"rule_files: [{BUILTIN_RULES / 'deepseek.yml'}]\n" + body)
    return path


def test_shipped_rule_tests_pass_through_the_cli() -> None:
    assert len(SHIPPED_TESTS) >= 2
    result = CliRunner().invoke(app, ["rules", "test", *map(str, SHIPPED_TESTS)])
    assert result.exit_code == 0, result.output
    assert result.output.count("PASS ") == 18
    assert "exactly 5% errors never fires" in result.output


def test_failing_expectation_reports_expected_and_actual(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
tests:
  - name: wrong on purpose
    traffic:
      - {labels: {model: deepseek-v4-flash}, start: 0m, end: 10m, per_minute: 60, error_ratio: 0.1}
    alerts:
      - {at: 4m, alertname: DeepSeekHighErrorRate, firing: [{model: deepseek-v4-flash}]}
      - {at: 7m, alertname: DeepSeekHighErrorRate, firing: []}
      - {at: 8m, alertname: NoSuchAlert, firing: []}
""",
    )
    result = CliRunner().invoke(app, ["rules", "test", str(path)])
    assert result.exit_code == 1
    lines = [x for x in result.output.splitlines() if x.startswith("FAIL")]
    assert lines == [
        f"FAIL {path}:7: 'wrong on purpose' at 4m: DeepSeekHighErrorRate: expected firing "
        "[{model: deepseek-v4-flash}], got []",
        f"FAIL {path}:8: 'wrong on purpose' at 7m: DeepSeekHighErrorRate: expected firing [], "
        "got [{alertname: DeepSeekHighErrorRate, model: deepseek-v4-flash, severity: page}]",
        f"FAIL {path}:9: 'wrong on purpose' at 8m: unknown alertname 'NoSuchAlert'",
    ]
    assert "3 failure(s)" in result.output


def test_invalid_test_file_names_the_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "tests:\n  - name: x\n    traffic: [{start: 5m, end: 1m, per_minute: 60}]\n"
        "    alerts: [{at: 1m, alertname: DeepSeekHighErrorRate}]\n",
    )
    result = CliRunner().invoke(app, ["rules", "test", str(path)])
    assert result.exit_code == 1
    assert f"{path}:4: tests.0.traffic.0: end must be after start" in result.output


def test_synthetic_traffic_is_evenly_spaced_with_exact_error_share() -> None:
    traffic = Traffic.model_validate(
        {"start": "1m", "end": "2m", "per_minute": 60, "error_ratio": 0.05}
    )
    calls = list(synthesize(traffic, "k"))
    assert len(calls) == 60
    gaps = {(b.timestamp - a.timestamp).total_seconds() for a, b in itertools.pairwise(calls)}
    assert gaps == {1.0}
    assert [i for i, c in enumerate(calls) if c.is_error] == [19, 39, 59]


def test_without_files_it_runs_the_tests_beside_sentinel_rules(tmp_path: Path) -> None:
    # An operator's own rules with a failing test: the built-in tests passing must not
    # stand in for them (a false green in the CI that ships the rule change).
    rules = tmp_path / "rules"
    (rules / "tests").mkdir(parents=True)
    (rules / "mine.yml").write_text((BUILTIN_RULES / "deepseek.yml").read_text())
    (rules / "tests" / "mine_test.yml").write_text(
        "rule_files: [../mine.yml]\ntests:\n  - name: mine, wrong on purpose\n"
        "    traffic: [{labels: {model: m}, start: 0m, end: 10m, per_minute: 60}]\n"
        "    alerts: [{at: 9m, alertname: DeepSeekHighErrorRate, firing: [{model: m}]}]\n"
    )
    result = CliRunner().invoke(app, ["rules", "test"], env={"SENTINEL_RULES": str(rules)})
    assert result.exit_code == 1, result.output
    assert "mine, wrong on purpose" in result.output
    assert "exactly 5% errors never fires" not in result.output  # not the built-in tests


def test_without_files_and_no_tests_beside_sentinel_rules_it_fails(tmp_path: Path) -> None:
    (tmp_path / "mine.yml").write_text((BUILTIN_RULES / "deepseek.yml").read_text())
    result = CliRunner().invoke(app, ["rules", "test"], env={"SENTINEL_RULES": str(tmp_path)})
    assert result.exit_code == 1
    assert f"no rule test files (*.yml) in {tmp_path / 'tests'}" in result.output
