"""The `store` fixture runs each contract test against SQLite and the real
Elasticsearch (`es_store_factory` from tests/conftest.py: a fresh index prefix per
test, dropped afterwards, because the server is shared with other suites)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel.config import Settings
from sentinel.store.base import Store
from sentinel.store.sqlite import SQLiteStore


@pytest.fixture
def es_prefix(es_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh index prefix for a store the test opens itself; dropped afterwards."""
    from sentinel.store.elastic import ElasticStore

    prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield prefix
    store = ElasticStore.from_settings(
        es_url, Settings(es_index_prefix=prefix), dead_letter_path=tmp_path / "dl.jsonl"
    )
    store.drop()
    store.close()


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s = SQLiteStore(tmp_path / "contract.db")
        s.setup()
        yield s
        s.close()
    else:
        yield request.getfixturevalue("es_store_factory")()
