"""Elasticsearch helpers for the records tests (importable by subprocess helpers too)."""

from __future__ import annotations

from pathlib import Path

from sentinel.config import Settings
from sentinel.store.elastic import ElasticStore


def open_elastic(url: str, prefix: str, dead_letter_dir: Path) -> ElasticStore:
    """A second store on an existing prefix, e.g. reached through a proxy or from a
    subprocess (the `es_store_factory` store owns the indices and drops them)."""
    store = ElasticStore.from_settings(
        url,
        Settings(es_index_prefix=prefix),
        dead_letter_path=dead_letter_dir / f"dead-letter-{prefix}.jsonl",
    )
    store.setup()
    return store


def stored_call_ids(store: ElasticStore) -> list[str]:
    """Every call document id under the store's prefix, duplicates included (a record
    written to two daily indices would show up twice), read straight from the server."""
    from elasticsearch import helpers

    es = store.client
    es.indices.refresh(index=f"{store.prefix}-calls-*", allow_no_indices=True)
    hits = helpers.scan(
        es, index=f"{store.prefix}-calls-*", query={"query": {"match_all": {}}}, _source=False,
        size=5000,
    )  # fmt: skip
    return [hit["_id"] for hit in hits]
