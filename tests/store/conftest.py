"""The `store` fixture runs each contract test against SQLite and the real
Elasticsearch. Every Elasticsearch test gets its own index prefix (templates and
indices), removed afterwards, because the server is shared with other suites."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel.config import Settings
from sentinel.store.base import Store
from sentinel.store.sqlite import SQLiteStore


def drop_prefix(url: str, prefix: str) -> None:
    """Delete the indices and templates of one prefix (by name: the server refuses
    wildcard deletes)."""
    from elasticsearch import Elasticsearch

    from sentinel.store import schema

    with Elasticsearch(url) as es:
        names = list(es.indices.get(index=f"{prefix}-*", allow_no_indices=True))
        if names:
            es.indices.delete(index=",".join(names))
        for name in schema.TEMPLATES:
            es.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-{name}")


def unique_prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def es_store_factory(es_url: str, tmp_path: Path) -> Iterator:
    """Opens ElasticStores on fresh prefixes; drops them all at teardown."""
    from sentinel.store.elastic import ElasticStore

    opened: list[tuple[ElasticStore, str]] = []

    def make(prefix: str | None = None) -> ElasticStore:
        prefix = prefix or unique_prefix()
        store = ElasticStore.from_settings(
            es_url,
            Settings(es_index_prefix=prefix),
            dead_letter_path=tmp_path / f"dead-letter-{prefix}.jsonl",
        )
        store.setup()
        opened.append((store, prefix))
        return store

    yield make
    for store, prefix in opened:
        store.close()
        drop_prefix(es_url, prefix)


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s = SQLiteStore(tmp_path / "contract.db")
        s.setup()
        yield s
        s.close()
    else:
        yield request.getfixturevalue("es_store_factory")()
