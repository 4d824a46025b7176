"""The response cache (`sentinel.client.cache`): entries by key, evicted per app by age."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from sentinel.store.base import CacheEntry
from sentinel.store.sqlite.core import SQLiteCore, rollback, to_epoch


class SQLiteCache(SQLiteCore):
    """The CacheStore role."""

    def cache_get(self, key: str, now: datetime) -> CacheEntry | None:
        row = self._op(
            lambda c: c.execute(
                "SELECT doc FROM cache WHERE key=? AND expires > ?", (key, to_epoch(now))
            ).fetchone()
        )
        return CacheEntry.model_validate_json(row[0]) if row else None

    def cache_put(self, entry: CacheEntry, max_entries: int) -> None:
        row = (
            entry.key, entry.app, to_epoch(entry.created_at), to_epoch(entry.expires_at),
            entry.subject_id, entry.subject_key, entry.model_dump_json(),
        )  # fmt: skip

        def put(c: sqlite3.Connection) -> None:
            c.execute("BEGIN IMMEDIATE")
            try:
                c.execute("INSERT OR REPLACE INTO cache VALUES (?,?,?,?,?,?,?)", row)
                (n,) = c.execute("SELECT COUNT(*) FROM cache WHERE app=?", (entry.app,)).fetchone()
                if n > max_entries:
                    c.execute(
                        "DELETE FROM cache WHERE key IN (SELECT key FROM cache WHERE app=?"
                        " ORDER BY created, key LIMIT ?)",
                        (entry.app, n - max_entries),
                    )
                c.execute("COMMIT")
            except BaseException:
                rollback(c)
                raise

        self._op(put)

    def cache_purge(self, created_before: datetime, now: datetime) -> int:
        return self._op(
            lambda c: (
                c.execute(
                    "DELETE FROM cache WHERE created <= ? OR expires <= ?",
                    (to_epoch(created_before), to_epoch(now)),
                ).rowcount
            )
        )
