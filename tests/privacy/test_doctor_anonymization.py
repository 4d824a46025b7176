"""`sentinel doctor` counts conversations whose anonymization keeps failing until they
are masked, and fails when a raw conversation is past its deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sentinel.config import Settings
from sentinel.doctor_data import check_anonymization
from sentinel.models import Conversation
from sentinel.privacy import failures
from sentinel.store.sqlite import SQLiteStore

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SQLiteStore:
    monkeypatch.setenv("SENTINEL_STORE", f"sqlite:///{tmp_path / 'doctor.db'}")
    s = SQLiteStore(tmp_path / "doctor.db")
    s.setup()
    return s


def _conv(rid: str, age_hours: float) -> Conversation:
    return Conversation(
        request_id=rid,
        timestamp=NOW - timedelta(hours=age_hours),
        model="deepseek-v4-flash",
        messages=[{"role": "user", "content": "x"}],
    )


def test_ok_then_warn_for_failures_then_fail_when_overdue(store: SQLiteStore) -> None:
    store.write_records([_conv("young", 2)])
    assert check_anonymization(Settings(), NOW).status == "ok"

    store.write_records([_conv("failing", 71)])
    failures.record(store, failures.Failure("failing", 2, "RuntimeError", NOW, NOW))
    check = check_anonymization(Settings(), NOW)
    assert check.status == "warn"
    assert "1 conversation(s) failed" in check.detail and "RuntimeError" in check.detail

    overdue = check_anonymization(Settings(), NOW + timedelta(hours=2))
    assert overdue.status == "fail"
    assert "past the 3d deadline" in overdue.detail and "1 failing" in overdue.detail
