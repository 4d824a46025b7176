"""Elasticsearch stores on fresh index prefixes for the records tests (the server is
shared: each test removes exactly the indices and templates it created)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest


@pytest.fixture
def es_prefixes(es_url: str) -> Iterator[Callable[[], str]]:
    """Hands out unique index prefixes; drops their indices and templates afterwards."""
    from elasticsearch import Elasticsearch

    from sentinel.store import schema

    made: list[str] = []

    def new() -> str:
        made.append(f"test-sink-{uuid.uuid4().hex[:10]}")
        return made[-1]

    yield new
    with Elasticsearch(es_url) as es:
        for prefix in made:
            names = list(es.indices.get(index=f"{prefix}-*", allow_no_indices=True))
            if names:
                es.indices.delete(index=",".join(names))
            for name in schema.TEMPLATES:
                es.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-{name}")
