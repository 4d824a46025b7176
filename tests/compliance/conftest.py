"""Compliance fixtures: a real SQLite store in tmp_path (from tests/conftest.py), the
compliance services over it, and a seeding helper (data in gdpr_data.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from gdpr_data import OTHER, SUBJECT, alert_for, records_for, write_all

from sentinel.compliance.service import Compliance
from sentinel.config import Settings
from sentinel.store.sqlite import SQLiteStore


@pytest.fixture
def compliance(sqlite_store: SQLiteStore, tmp_path: Path) -> Compliance:
    return Compliance.build(sqlite_store, Settings(), exports_dir=tmp_path / "exports")


@pytest.fixture
def seeded(sqlite_store: SQLiteStore) -> Callable[[int], None]:
    def seed(n: int) -> None:
        write_all(sqlite_store, records_for(SUBJECT, n) + records_for(OTHER, n))
        sqlite_store.write_alert_event(alert_for(SUBJECT, "alert-subject"))
        sqlite_store.write_alert_event(alert_for(OTHER, "alert-other"))

    return seed
