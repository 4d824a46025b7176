"""The `store` fixture: each spend test against SQLite and the real Elasticsearch (a
fresh index prefix per test, dropped afterwards; see tests/conftest.py), and the shared
client harness (tests/client_harness.py)."""

from __future__ import annotations

import pytest
from client_harness import fake_deepseek, fake_deepseek_factory, harness

from sentinel.store.base import Store


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_store")
    return request.getfixturevalue("es_store_factory")()


__all__ = ["fake_deepseek", "fake_deepseek_factory", "harness", "store"]
