"""Record factories and a stalled-store helper shared by the records tests (kept out
of conftest so subprocess helpers can import them too)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sentinel.models import CallRecord, Conversation
from sentinel.records.tombstones import ANONYMOUS_PREFIX
from sentinel.store.sqlite import SQLiteStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def call(i: int, *, prefix: str = "req", subject_key: str | None = None) -> CallRecord:
    return CallRecord(
        request_id=f"{prefix}-{i:06d}",
        timestamp=T0 + timedelta(milliseconds=i),
        model="deepseek-v4-flash",
        duration_ms=float(i % 97),
        subject_key=subject_key,
    )


def conversation(i: int, *, subject_id: str, subject_key: str) -> Conversation:
    return Conversation(
        request_id=f"conv-{i:06d}",
        timestamp=T0 + timedelta(milliseconds=i),
        model="deepseek-v4-flash",
        messages=[{"role": "user", "content": f"hello from {subject_id}"}],
        completion="hi",
        subject_id=subject_id,
        subject_key=subject_key,
    )


def anonymous_calls(store: SQLiteStore) -> int:
    """Call records stored as anonymous copies of calls an erasure tombstone dropped."""
    assert store.path is not None
    with sqlite3.connect(store.path) as conn:
        (n,) = conn.execute(
            "SELECT count(*) FROM calls WHERE request_id LIKE ? AND subject_key IS NULL",
            (ANONYMOUS_PREFIX + "%",),
        ).fetchone()
    return int(n)


class WriteLock:
    """Another connection holding SQLite's write lock: the store is alive but stalls
    every write (up to its busy timeout), as a slow store does."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def __enter__(self) -> WriteLock:
        self.conn.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()
