"""Shared fixtures. Area-specific fixtures live in tests/<area>/conftest.py.

`require_service` is the one way a test says it needs a real service: locally a
missing service skips with the reason, under CI=true it fails the test, so CI can
never pass quietly without Elasticsearch, Alertmanager or Chromium.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel.store.sqlite import SQLiteStore

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_service(available: bool, reason: str) -> None:
    """Skip locally, fail under CI, when a real service a test needs is missing."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"required service missing under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _isolated_sentinel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the user's data dir, real credentials or a real endpoint."""
    for var in list(os.environ):
        if var.startswith(("SENTINEL_", "DEEPSEEK_", "OTEL_")) and var != "SENTINEL_TEST_ES_URL":
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("SENTINEL_SUBJECT_KEY", "test-subject-hmac-key")


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "sentinel.db")
    store.setup()
    yield store
    store.close()


@pytest.fixture(scope="session")
def es_url() -> str:
    """URL of the real Elasticsearch that `make es-start` runs for the suite."""
    import httpx

    url = os.environ.get("SENTINEL_TEST_ES_URL", "http://127.0.0.1:9250")
    try:
        # Not GET /: the stripped integ-test-zip server lacks the rest-root module (405).
        ok = httpx.get(f"{url}/_cluster/health", timeout=3).status_code == 200
    except httpx.HTTPError:
        ok = False
    require_service(ok, f"Elasticsearch not reachable at {url} (run `make es-start`)")
    return url
