"""SQLiteStore (being split into one module per role)."""

from sentinel.store.sqlite.core import _EXPIRE_BATCH, SQLiteStore, percentile

__all__ = ["_EXPIRE_BATCH", "SQLiteStore", "percentile"]
