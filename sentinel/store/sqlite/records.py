"""Call, conversation and feedback records: batch upserts by request id, reads, counts and
the retention of call records."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from sentinel.models import CallRecord, Conversation, Feedback, Record
from sentinel.store.base import Serialised, StoreError, WriteResult, collection
from sentinel.store.sqlite.core import (
    WAL_AUTOCHECKPOINT_PAGES,
    Checkpointer,
    SQLiteCore,
    rollback,
    to_epoch,
    write_failure,
)
from sentinel.store.sqlite.spend_rollup import replace_calls
from sentinel.store.sqlite.tables import CALL_ROW, INSERT_CALL

_EXPIRE_BATCH = 5000  # call records deleted per transaction by the retention


class SQLiteRecords(SQLiteCore):
    """The RecordStore role."""

    def write_records(self, records: Sequence[Record]) -> WriteResult:
        """One transaction. Raises StoreUnavailable when the store fails (nothing was
        written) and RecordRejected when a record of the batch is at fault (nothing was
        written either: the caller retries the records one by one to isolate it)."""
        rid = records[0].request_id if len(records) == 1 else f"one of {len(records)}"
        try:
            self._write_records(records)
        except StoreError:
            raise
        except Exception as exc:
            raise write_failure(exc, rid) from exc
        return WriteResult(written=len(records))

    def _write_records(self, records: Sequence[Record]) -> None:
        calls, convs, fbs = [], [], []
        docs = records.docs if isinstance(records, Serialised) else None
        for i, r in enumerate(records):
            doc = docs[i] if docs is not None else r.model_dump_json()
            if isinstance(r, CallRecord):
                calls.append((r.request_id, to_epoch(r.timestamp), r.is_error, doc, *CALL_ROW(r)))
            elif isinstance(r, Conversation):
                convs.append(
                    (
                        r.request_id, to_epoch(r.timestamp), r.app, r.model, r.subject_id,
                        r.subject_key, to_epoch(r.anonymized_at) if r.anonymized_at else None, doc,
                    )
                )  # fmt: skip
            elif isinstance(r, Feedback):
                fbs.append(
                    (
                        r.request_id, to_epoch(r.timestamp), r.app, r.model, r.score,
                        None if r.satisfied is None else int(r.satisfied), r.subject_key, doc,
                    )
                )  # fmt: skip
            else:
                raise TypeError(f"not a record: {type(r).__name__}")

        def write(c: sqlite3.Connection) -> None:
            if self._checkpointer is None and self.path is not None:
                c.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
                self._checkpointer = Checkpointer(self._target)
            c.execute("BEGIN IMMEDIATE")
            try:
                if calls:
                    replace_calls(c, calls)
                    c.executemany(INSERT_CALL, calls)
                if convs:
                    # A replayed raw copy must never overwrite an anonymized conversation.
                    c.executemany(
                        "INSERT INTO conversations VALUES (?,?,?,?,?,?,?,?)"
                        " ON CONFLICT(request_id) DO UPDATE SET ts=excluded.ts, app=excluded.app,"
                        " model=excluded.model, subject_id=excluded.subject_id,"
                        " subject_key=excluded.subject_key, anonymized_at=excluded.anonymized_at,"
                        " doc=excluded.doc WHERE conversations.anonymized_at IS NULL",
                        convs,
                    )
                if fbs:
                    c.executemany("INSERT OR REPLACE INTO feedback VALUES (?,?,?,?,?,?,?,?)", fbs)
                c.execute("COMMIT")
            except BaseException:
                rollback(c)
                raise

        self._op(write)

    def get_call(self, request_id: str) -> CallRecord | None:
        row = self._op(
            lambda c: c.execute(
                "SELECT doc FROM calls WHERE request_id=?", (request_id,)
            ).fetchone()
        )
        return CallRecord.model_validate_json(row[0]) if row else None

    def conversation_calls(self, conversation_id: str, limit: int = 1000) -> list[CallRecord]:
        rows = self._op(
            lambda c: c.execute(
                "SELECT doc FROM calls WHERE conversation_id=? ORDER BY ts, request_id LIMIT ?",
                (conversation_id, limit),
            ).fetchall()
        )
        return [CallRecord.model_validate_json(row[0]) for row in rows]

    def get_conversation(self, request_id: str) -> Conversation | None:
        row = self._op(
            lambda c: c.execute(
                "SELECT doc FROM conversations WHERE request_id=?", (request_id,)
            ).fetchone()
        )
        return Conversation.model_validate_json(row[0]) if row else None

    def count(self, kind: str) -> int:
        table = collection(kind)
        return self._op(lambda c: c.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def expire_calls(self, before: datetime) -> int:
        """Delete call records older than `before` in batches of _EXPIRE_BATCH, each its
        own short transaction, so the writers are never held up by a year of deletes."""
        removed = 0
        while True:
            n = self._op(
                lambda c: (
                    c.execute(
                        "DELETE FROM calls WHERE rowid IN"
                        " (SELECT rowid FROM calls WHERE ts < ? LIMIT ?)",
                        (to_epoch(before), _EXPIRE_BATCH),
                    ).rowcount
                )
            )
            removed += n
            if n < _EXPIRE_BATCH:
                return removed
