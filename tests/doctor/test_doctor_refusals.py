"""Doctor and settings the rest of Sentinel would refuse: the privacy-models check under
a refused setting reports on the models (no raw ValidationError), and a
SENTINEL_LOG_STREAM the client could not open is a settings failure, found without
creating anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.doctor import CHECK_NAMES, run_checks


def test_privacy_check_runs_on_validated_settings_when_another_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SENTINEL_TIMEOUT", "abc")
    monkeypatch.setenv("SENTINEL_CONNECT_TIMEOUT", "-5")
    skip = [n for n in CHECK_NAMES if n not in ("settings", "privacy")]
    checks = run_checks(skip=skip)
    refused = [c for c in checks if c.name == "settings"]
    assert {c.status for c in refused} == {"fail"} and len(refused) == 2
    (privacy,) = [c for c in checks if c.name == "privacy models"]
    shown = privacy.detail + privacy.fix
    assert "ValidationError" not in shown and "pydantic" not in shown, shown
    assert privacy.status == "ok", shown
    assert "PERSON" in privacy.detail


@pytest.mark.parametrize("target", ["missing/calls.jsonl", "."])
def test_a_log_stream_the_client_would_refuse_is_a_settings_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SENTINEL_LOG_STREAM", target)
    skip = [n for n in CHECK_NAMES if n != "settings"] + ["privacy"]
    (row,) = [c for c in run_checks(skip=skip) if c.name == "settings"]
    assert row.status == "fail" and row.detail.startswith("SENTINEL_LOG_STREAM: "), row
    assert str(tmp_path) in row.detail and list(tmp_path.iterdir()) == []


def test_a_writable_log_file_or_a_stream_name_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for target in ("stdout", "STDERR", "calls.jsonl"):
        monkeypatch.setenv("SENTINEL_LOG_STREAM", target)
        (row,) = [c for c in run_checks(skip=CHECK_NAMES[1:]) if c.name == "settings"]
        assert row.status == "ok", row
    assert list(tmp_path.iterdir()) == []  # looked at, not created
