"""The parsed compose file, and the real amtool (or a skip, or a failure under CI)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from deploy_support import COMPOSE_FILE


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture
def amtool(require_service: Callable[[bool, str], None]) -> str:
    """Path of Debian's amtool (prometheus-alertmanager)."""
    path = shutil.which("amtool")
    require_service(path is not None, "amtool missing (Debian prometheus-alertmanager)")
    assert path is not None
    return path
