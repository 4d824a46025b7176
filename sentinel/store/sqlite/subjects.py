"""Personal data by subject: the anonymization job's raw conversations, and export and
erasure of everything linked to a subject."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, ClassVar

from sentinel.models import Conversation
from sentinel.store.base import KINDS, collection
from sentinel.store.sqlite.core import PAGE, SQLiteCore, from_epoch, rollback, to_epoch


class SQLiteSubjects(SQLiteCore):
    """The SubjectStore role."""

    def oldest_raw_conversation(self) -> datetime | None:
        row = self._op(
            lambda c: c.execute(
                "SELECT MIN(ts) FROM conversations WHERE anonymized_at IS NULL"
            ).fetchone()
        )
        return from_epoch(row[0]) if row and row[0] is not None else None

    # anonymization --------------------------------------------------------

    def raw_conversations(self, older_than: datetime, limit: int) -> list[Conversation]:
        rows = self._op(
            lambda c: c.execute(
                "SELECT doc FROM conversations WHERE anonymized_at IS NULL AND ts <= ?"
                " ORDER BY ts LIMIT ?",
                (to_epoch(older_than), limit),
            ).fetchall()
        )
        return [Conversation.model_validate_json(r[0]) for r in rows]

    def save_anonymized(self, conversations: Sequence[Conversation]) -> int:
        rows = []
        for conv in conversations:
            if conv.anonymized_at is None:
                raise ValueError(f"conversation {conv.request_id} has no anonymized_at")
            rows.append(
                (
                    conv.subject_id,
                    conv.subject_key,
                    to_epoch(conv.anonymized_at),
                    conv.model_dump_json(),
                    conv.request_id,
                )
            )

        def update(c: sqlite3.Connection) -> int:
            c.execute("BEGIN IMMEDIATE")
            try:
                changed = 0
                for row in rows:
                    cur = c.execute(
                        "UPDATE conversations SET subject_id=?, subject_key=?, anonymized_at=?,"
                        " doc=? WHERE request_id=? AND anonymized_at IS NULL",
                        row,
                    )
                    changed += cur.rowcount
                c.execute("COMMIT")
                return changed
            except BaseException:
                rollback(c)
                raise

        return self._op(update)

    # GDPR -----------------------------------------------------------------

    # kind -> condition, and whether it also takes the raw subject id.
    _SUBJECT_SQL: ClassVar[dict[str, tuple[str, bool]]] = {
        "conversation": ("subject_key = ? OR subject_id = ?", True),
        "call": ("subject_key = ?", False),
        "feedback": ("subject_key = ?", False),
        "cache": ("subject_key = ? OR subject_id = ?", True),
    }

    def _subject_filter(
        self, kind: str, subject_id: str | None, subject_key: str
    ) -> tuple[str, str, list[Any]]:
        table = collection(kind)
        if kind == "alert":
            # Alerts carry no subject; an alert linked to one names its key in labels or
            # annotations (a substring match on the hex key is exact enough).
            return table, "instr(doc, ?) > 0", [subject_key]
        cond, with_id = self._SUBJECT_SQL[kind]
        params: list[Any] = [subject_key]
        if with_id:
            params.append(subject_id if subject_id is not None else subject_key)
        return table, cond, params

    def iter_subject(
        self, subject_id: str | None, subject_key: str, kinds: Sequence[str]
    ) -> Iterator[dict[str, Any]]:
        for kind in kinds:
            table, cond, params = self._subject_filter(kind, subject_id, subject_key)
            last = 0
            while True:
                rows = self._op(
                    lambda c, t=table, w=cond, p=params, last=last: c.execute(
                        f"SELECT rowid, doc FROM {t} WHERE ({w}) AND rowid > ?"
                        " ORDER BY rowid LIMIT ?",
                        [*p, last, PAGE],
                    ).fetchall()
                )
                for rowid, doc in rows:
                    last = rowid
                    data = json.loads(doc)
                    data.setdefault("kind", kind)
                    yield data
                if len(rows) < PAGE:
                    break

    def delete_subject(self, subject_id: str | None, subject_key: str) -> dict[str, int]:
        def delete(c: sqlite3.Connection) -> dict[str, int]:
            counts = {}
            c.execute("BEGIN IMMEDIATE")
            try:
                for kind in KINDS:
                    table, cond, params = self._subject_filter(kind, subject_id, subject_key)
                    counts[kind] = c.execute(f"DELETE FROM {table} WHERE {cond}", params).rowcount
                c.execute("COMMIT")
            except BaseException:
                rollback(c)
                raise
            return counts

        return self._op(delete)
