"""Stores: `open_store(url)` picks the implementation from SENTINEL_STORE's scheme."""

from __future__ import annotations

from sentinel.config import Settings
from sentinel.store.base import (
    CallStats,
    FeedbackStats,
    RecordRejected,
    Store,
    StoreError,
    StoreUnavailable,
    WriteResult,
)

__all__ = [
    "CallStats",
    "FeedbackStats",
    "RecordRejected",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "WriteResult",
    "open_store",
]


def open_store(url: str | None = None, settings: Settings | None = None) -> Store:
    """Open (and set up) the store named by `url` or SENTINEL_STORE.

    `sqlite:///path.db` → SQLiteStore; `http(s)://host:9200` → ElasticStore.
    """
    settings = settings or Settings()
    url = url or settings.store_url
    if url.startswith("sqlite:"):
        from sentinel.store.sqlite import SQLiteStore

        store: Store = SQLiteStore.from_url(url)
    elif url.startswith(("http://", "https://")):
        from sentinel.store.elastic import ElasticStore

        store = ElasticStore.from_settings(url, settings)
    else:
        raise ValueError(
            f"SENTINEL_STORE={url!r} is not a store URL: use sqlite:///path.db "
            "or http(s)://host:9200 for Elasticsearch"
        )
    store.setup()
    return store
