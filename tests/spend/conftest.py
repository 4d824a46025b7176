"""The `store` fixture: each spend test against SQLite and the real Elasticsearch (a
fresh index prefix per test, dropped afterwards; see tests/conftest.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sentinel.store.base import Store


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_store")
    return request.getfixturevalue("es_store_factory")()


# the client harness (FakeDeepSeek + in-memory OTel + captured ECS log + SQLite)
_spec = importlib.util.spec_from_file_location(
    "client_harness", Path(__file__).parent.parent / "client" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_harness)

fake_deepseek = _harness.fake_deepseek
fake_deepseek_factory = _harness.fake_deepseek_factory
harness = _harness.harness
