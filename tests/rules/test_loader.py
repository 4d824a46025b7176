"""Rule files: validation errors name file and line; `sentinel rules check` exits 1."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.config import Settings
from sentinel.rules.loader import BUILTIN_RULES, RuleLoadError, default_rule_paths, load_rules

GOOD = """\
groups:
  - name: api
    interval: 15s
    rules:
      - alert: HighErrors
        metric: error_rate
        window: 1m
        op: ">"
        threshold: 0.05
        for: 5m
        group_by: [model]
        where: {app: support-bot}
        labels: {severity: page}
        annotations: {summary: "{{ value | percent }} on {{ labels.model }}"}
"""


def _errors(tmp_path: Path, text: str, name: str = "r.yml") -> list[str]:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(RuleLoadError) as exc:
        load_rules([path])
    return [str(e) for e in exc.value.errors]


def test_valid_file_parses_every_design_field(tmp_path: Path) -> None:
    (tmp_path / "r.yml").write_text(GOOD)
    rules = load_rules([tmp_path])
    rule = rules.groups[0].rules[0]
    assert rules.groups[0].interval == timedelta(seconds=15)
    assert (rule.window, rule.for_, rule.keep_firing_for) == (
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(0),
    )
    assert rule.group_by == ("model",) and rule.where == {"app": "support-bot"}
    assert rule.holds(0.051) and not rule.holds(0.05)


@pytest.mark.parametrize(
    ("old", "new", "line", "needle"),
    [
        ("metric: error_rate", "metric: error_ratio", 6, "got 'error_ratio'"),
        ('op: ">"', 'op: "=>"', 8, "got '=>'"),
        ("        threshold: 0.05\n", "", 5, "threshold: missing required field"),
        ("for: 5m", "for: -5m", 10, "must not be negative"),
        ("window: 1m", "window: 0s", 7, "window must be positive"),
        ("interval: 15s", "interval: soon", 3, "invalid duration: use e.g. 250ms, 30s"),
        ("interval: 15s", "interval: 0s", 3, "interval must be positive"),
        ("for: 5m", "fro: 5m", 10, "fro: unknown field"),
        ("group_by: [model]", "group_by: [subject_id]", 11, "['subject_id'] cannot be used"),
        ("{{ value | percent }}", "{{ value | percentage }}", 14, "unknown filter"),
        ("{{ labels.model }}", "{{ model }}", 14, "cannot render '{{ model }}'"),
    ],
)
def test_each_error_names_file_and_line(
    tmp_path: Path, old: str, new: str, line: int, needle: str
) -> None:
    assert old in GOOD
    errors = _errors(tmp_path, GOOD.replace(old, new))
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{tmp_path / 'r.yml'}:{line}: "), errors
    assert needle in errors[0]


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "groups:\n  - name: x\n   bad: [\n")
    assert errors[0].startswith(f"{tmp_path / 'r.yml'}:3: invalid YAML")


def test_every_error_is_reported_not_just_the_first(tmp_path: Path) -> None:
    text = GOOD + GOOD.split("rules:\n", 1)[1].replace("for: 5m", "for: -1m")
    errors = _errors(tmp_path, text.replace('op: ">"', 'op: "~"', 1))
    assert [e.split(": ", 1)[0].rsplit(":", 1)[1] for e in errors] == ["8", "15", "20"]
    assert "duplicate alert name 'HighErrors' (first at" in errors[1]
    assert "for: duration must not be negative" in errors[2]


def test_duplicates_across_files_and_duplicate_keys(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(GOOD)
    (tmp_path / "b.yml").write_text(GOOD.replace("name: api", "name: api2"))
    with pytest.raises(RuleLoadError) as exc:
        load_rules([tmp_path])
    assert [str(e) for e in exc.value.errors] == [
        f"{tmp_path / 'b.yml'}:5: duplicate alert name 'HighErrors' "
        f"(first at {tmp_path / 'a.yml'}:5)"
    ]
    errors = _errors(tmp_path, GOOD.replace("op:", "threshold: 1\n        op:"), "c.yml")
    assert errors == [f"{tmp_path / 'c.yml'}:10: duplicate key 'threshold'"]


def test_store_wide_metric_rejects_grouping(tmp_path: Path) -> None:
    text = GOOD.replace("metric: error_rate", "metric: unanonymized_overdue")
    errors = _errors(tmp_path, text)
    assert errors == [
        f"{tmp_path / 'r.yml'}:11: groups.0.rules.0.group_by: unanonymized_overdue is "
        "store-wide: remove group_by",
        f"{tmp_path / 'r.yml'}:12: groups.0.rules.0.where: unanonymized_overdue is "
        "store-wide: remove where",
    ]


def test_builtin_rules_are_the_default_and_env_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert default_rule_paths(Settings()) == [BUILTIN_RULES]
    names = {r.alert for g in load_rules([BUILTIN_RULES]).groups for r in g.rules}
    assert names == {
        "DeepSeekHighErrorRate",
        "DeepSeekHighLatencyP95",
        "DeepSeekRateLimited",
        "DeepSeekCircuitOpen",
        "ConversationsOverdueForAnonymization",
        "DeepSeekQualityScoreDrop",
        "ContentFlaggedRateHigh",
        "DeepSeekBalanceRunsOut",
        "DeepSeekSpendSpike",
        "DeepSeekCacheHitRatioDropped",
    }
    for g in load_rules([BUILTIN_RULES]).groups:
        for r in g.rules:
            assert {"summary", "runbook"} <= r.annotations.keys(), r.alert
    (tmp_path / "mine.yml").write_text(GOOD)
    monkeypatch.setenv("SENTINEL_RULES", f"{tmp_path / 'mine.yml'}")
    assert default_rule_paths(Settings()) == [tmp_path / "mine.yml"]


def test_cli_check_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["rules", "check", str(BUILTIN_RULES)])
    assert ok.exit_code == 0, ok.output
    assert "6 group(s), 10 rule(s)" in ok.output
    (tmp_path / "bad.yml").write_text(GOOD.replace("metric: error_rate", "metric: nope"))
    bad = runner.invoke(app, ["rules", "check", str(tmp_path / "bad.yml")])
    assert bad.exit_code == 1
    assert f"{tmp_path / 'bad.yml'}:6: groups.0.rules.0.metric" in bad.output
    missing = runner.invoke(app, ["rules", "check", str(tmp_path / "nope.yml")])
    assert missing.exit_code == 1 and "cannot read" in missing.output
