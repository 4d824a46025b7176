"""The append-only logs: alert history and the hash-chained audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sentinel.models import AlertEvent, AuditEntry
from sentinel.store.sqlite.core import PAGE, SQLiteCore, to_epoch


class SQLiteAudit(SQLiteCore):
    """The AlertLog and AuditLog roles."""

    def write_alert_event(self, event: AlertEvent) -> None:
        row = (
            event.id,
            to_epoch(event.timestamp),
            event.alertname,
            event.fingerprint,
            event.state,
            event.model_dump_json(),
        )
        self._op(lambda c: c.execute("INSERT OR REPLACE INTO alerts VALUES (?,?,?,?,?,?)", row))

    def list_alert_events(
        self, since: datetime | None = None, limit: int = 100
    ) -> list[AlertEvent]:
        rows = self._op(
            lambda c: c.execute(
                "SELECT doc FROM alerts WHERE ts >= ? ORDER BY ts DESC, rowid DESC LIMIT ?",
                (to_epoch(since) if since else 0.0, limit),
            ).fetchall()
        )
        return [AlertEvent.model_validate_json(r[0]) for r in rows]

    def append_audit(self, entry: AuditEntry) -> bool:
        cur = self._op(
            lambda c: c.execute(
                "INSERT OR IGNORE INTO audit VALUES (?, ?)", (entry.seq, entry.model_dump_json())
            )
        )
        return cur.rowcount == 1

    def last_audit(self) -> AuditEntry | None:
        row = self._op(
            lambda c: c.execute("SELECT doc FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        )
        return AuditEntry.model_validate_json(row[0]) if row else None

    def iter_audit(self) -> Iterator[AuditEntry]:
        last = -1
        while True:
            rows = self._op(
                lambda c, last=last: c.execute(
                    "SELECT seq, doc FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
                    (last, PAGE),
                ).fetchall()
            )
            for seq, doc in rows:
                last = seq
                yield AuditEntry.model_validate_json(doc)
            if len(rows) < PAGE:
                break
