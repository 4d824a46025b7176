"""The installed wheel (`make wheel`: sdist → wheel → a fresh venv outside the checkout).

`make test` builds it and passes its location in TEST_WHEEL_VENV / TEST_WHEEL_DIST; a bare
pytest run without them skips these tests (and fails under CI=true)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# fake_kibana lives with the dashboards tests; it is a stand-in, not part of the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dashboards"))


@pytest.fixture(scope="session")
def wheel_venv() -> Path | None:
    value = os.environ.get("TEST_WHEEL_VENV")
    return Path(value) if value else None


@pytest.fixture
def venv(wheel_venv: Path | None, require_service: Callable[[bool, str], None]) -> Path:
    ok = wheel_venv is not None and (wheel_venv / "bin" / "sentinel").is_file()
    require_service(ok, "no installed wheel: run `make wheel` and set TEST_WHEEL_VENV")
    assert wheel_venv is not None
    return wheel_venv


@pytest.fixture
def dist(require_service: Callable[[bool, str], None]) -> Path:
    value = os.environ.get("TEST_WHEEL_DIST", "")
    ok = bool(value) and any(Path(value).glob("*.whl"))
    require_service(ok, "no built wheel: run `make wheel` and set TEST_WHEEL_DIST")
    return Path(value)
