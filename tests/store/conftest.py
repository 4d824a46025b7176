"""The `store` fixture runs each contract test against SQLite and the real
Elasticsearch, both from tests/conftest.py (`sqlite_store`, and `es_store_factory`: a
fresh index prefix per test, dropped afterwards, because the server is shared with
other suites)."""

from __future__ import annotations

import pytest

from sentinel.store.base import Store


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_store")
    return request.getfixturevalue("es_store_factory")()
