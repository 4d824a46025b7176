"""The parsed compose file, and the real amtool (or a skip, or a failure under CI)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_support import COMPOSE_FILE


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture
def amtool(pytestconfig: pytest.Config) -> str:
    """Path of Debian's amtool (prometheus-alertmanager). The root conftest's
    `require_service` decides between skip and fail; conftests cannot be imported by
    name, so it is taken from pytest's plugin registry."""
    root = pytestconfig.pluginmanager.get_plugin(str(Path(__file__).parents[1] / "conftest.py"))
    path = shutil.which("amtool")
    root.require_service(path is not None, "amtool missing (Debian prometheus-alertmanager)")
    assert path is not None
    return path
