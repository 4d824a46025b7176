"""API fixtures: the real app from `create_app` over a real SQLite store, a TestClient
(real ASGI, in process) and one real token per scope."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from api_support import Api
from fastapi.testclient import TestClient

from sentinel.api.app import create_app
from sentinel.config import Settings
from sentinel.store.sqlite import SQLiteStore
from sentinel.web.state import web_state


@pytest.fixture
def api(sqlite_store: SQLiteStore, tmp_path: Path) -> Iterator[Api]:
    app = create_app(sqlite_store, Settings(), exports_dir=tmp_path / "exports")
    registry = web_state(app).tokens
    tokens = {scope: registry.create(f"t-{scope}", [scope])[0]
              for scope in ("gdpr:export", "gdpr:erase", "alerts:read", "admin")}  # fmt: skip
    revoked, info = registry.create("t-revoked", ["admin"])
    registry.revoke(info.id)
    tokens["revoked"] = revoked
    with TestClient(app) as client:
        yield Api(app, client, tokens)


@pytest.fixture
def require_chromium(require_service: Callable[[bool, str], None]) -> str:
    """Chromium's path (skipped locally, a failure under CI, when it is missing)."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    require_service(binary is not None, "Debian's chromium is missing (make system-deps)")
    assert binary is not None
    return binary
