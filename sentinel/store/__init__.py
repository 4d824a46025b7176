"""Stores, and the one registry of them: `STORES` maps a SENTINEL_STORE scheme to the
store that serves it, and `create_store` / `open_store` are the only places a URL
becomes a store (the client, the daemon, the CLI and `sentinel doctor` all come here).
A new store is one entry: a scheme and a factory that imports its package lazily, so a
SQLite user never loads the Elasticsearch client."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from sentinel.config import Settings
from sentinel.errors import ConfigurationError
from sentinel.store.base import (
    CallStats,
    FeedbackStats,
    RecordRejected,
    Store,
    StoreError,
    StoreUnavailable,
    WriteResult,
)
from sentinel.urls import redact_url

__all__ = [
    "STORES",
    "CallStats",
    "FeedbackStats",
    "RecordRejected",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "WriteResult",
    "create_store",
    "open_store",
    "store_kind",
]


def _sqlite(url: str, settings: Settings) -> Store:
    from sentinel.store.sqlite import SQLiteStore

    return SQLiteStore.from_url(url)


def _elastic(url: str, settings: Settings) -> Store:
    from sentinel.store.elastic import ElasticStore

    return ElasticStore.from_settings(url, settings)


class StoreKind(NamedTuple):
    name: str  # the store's `name`, known before anything is imported or connected
    factory: Callable[[str, Settings], Store]


STORES: dict[str, StoreKind] = {
    "sqlite": StoreKind("sqlite", _sqlite),
    "http": StoreKind("elasticsearch", _elastic),
    "https": StoreKind("elasticsearch", _elastic),
}


def store_kind(url: str) -> StoreKind | None:
    """The registry entry for `url`'s scheme, or None for a URL no store serves."""
    scheme, sep, _ = url.strip().partition("://")
    return STORES.get(scheme.lower()) if sep else None


def create_store(url: str, settings: Settings) -> Store:
    """The store for `url`, not set up and not yet connected (what doctor inspects).
    A bad URL is a ConfigurationError (a ValueError) naming SENTINEL_STORE, whichever
    store refused it, and showing the URL without credentials (a mistyped scheme in
    `htps://user:pass@host` must not print the password)."""
    hidden = "@" in url or "?" in url  # userinfo, or a query where tokens hide
    shown = ",".join(redact_url(node) for node in url.split(",")) if hidden else url
    kind = store_kind(url)
    if kind is None:
        raise ConfigurationError(
            f"SENTINEL_STORE={shown!r} is not a store URL: use sqlite:///path.db "
            "or http(s)://host:9200 for Elasticsearch"
        )
    try:
        return kind.factory(url, settings)
    except ConfigurationError:
        raise
    except ValueError as exc:  # the store's own URL check, or its client library's
        detail = str(exc)
        if hidden:  # a store's message may quote the URL, credentials and all
            detail = detail.replace(url, shown)
        raise ConfigurationError(f"SENTINEL_STORE={shown!r}: {detail}") from None


def open_store(url: str | None = None, settings: Settings | None = None) -> Store:
    """Open (and set up) the store named by `url` or SENTINEL_STORE."""
    settings = settings or Settings()
    store = create_store(url or settings.store_url, settings)
    store.setup()
    return store
