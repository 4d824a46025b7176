"""The three-node cluster (`make test-cluster` starts it with scripts/es-cluster.sh and
passes its node URLs in SENTINEL_TEST_CLUSTER), and the daemon tests' webhook receiver."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
# Read at import: the root conftest clears SENTINEL_* variables for each test.
CLUSTER = [u for u in os.environ.get("SENTINEL_TEST_CLUSTER", "").split(",") if u]

# One webhook receiver for every test that needs one: tests/daemon's.
_spec = importlib.util.spec_from_file_location(
    "daemon_receivers", REPO / "tests" / "daemon" / "conftest.py"
)
assert _spec and _spec.loader
_receivers = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _receivers  # dataclasses look their module up there
_spec.loader.exec_module(_receivers)
webhook_receiver = _receivers.webhook_receiver


def _nodes(url: str) -> int:
    try:
        return int(httpx.get(f"{url}/_cluster/health", timeout=5).json()["number_of_nodes"])
    except (httpx.HTTPError, KeyError, ValueError):
        return 0


@pytest.fixture
def cluster_urls(require_service: Callable[[bool, str], None]) -> list[str]:
    ok = len(CLUSTER) == 3 and _nodes(CLUSTER[0]) == 3
    require_service(ok, "no three-node cluster: run `make test-cluster`")
    return CLUSTER
