"""Versioned state documents (rule state, leases, tombstones, tokens, jobs) with
compare-and-set on the version."""

from __future__ import annotations

import json
from typing import Any

from sentinel.store.sqlite.core import SQLiteCore


class SQLiteState(SQLiteCore):
    """The StateStore role."""

    def get_state(self, key: str) -> tuple[dict[str, Any], int] | None:
        row = self._op(
            lambda c: c.execute("SELECT value, version FROM state WHERE key=?", (key,)).fetchone()
        )
        return (json.loads(row[0]), row[1]) if row else None

    def put_state(self, key: str, value: dict[str, Any], expected_version: int | None) -> bool:
        doc = json.dumps(value)
        if expected_version is None:
            cur = self._op(
                lambda c: c.execute("INSERT OR IGNORE INTO state VALUES (?, ?, 1)", (key, doc))
            )
        else:
            cur = self._op(
                lambda c: c.execute(
                    "UPDATE state SET value=?, version=version+1 WHERE key=? AND version=?",
                    (doc, key, expected_version),
                )
            )
        return cur.rowcount == 1

    def set_state(self, key: str, value: dict[str, Any]) -> None:
        doc = json.dumps(value)
        self._op(
            lambda c: c.execute(
                "INSERT INTO state VALUES (?, ?, 1) ON CONFLICT(key) DO UPDATE"
                " SET value=excluded.value, version=state.version+1",
                (key, doc),
            )
        )

    def delete_state(self, key: str) -> None:
        self._op(lambda c: c.execute("DELETE FROM state WHERE key=?", (key,)))

    def list_state(self, prefix: str) -> list[tuple[str, dict[str, Any]]]:
        rows = self._op(
            lambda c: c.execute(
                "SELECT key, value FROM state WHERE substr(key, 1, ?) = ? ORDER BY key",
                (len(prefix), prefix),
            ).fetchall()
        )
        return [(k, json.loads(v)) for k, v in rows]
