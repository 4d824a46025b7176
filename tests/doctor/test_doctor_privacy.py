"""The privacy-models check under a refused setting: it must report on the models, not
re-read the environment and leak pydantic's raw ValidationError into its row."""

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
