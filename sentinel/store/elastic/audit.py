"""The append-only logs: alert history and the hash-chained audit trail (create-only by seq)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from elasticsearch import ConflictError

from sentinel.models import AlertEvent, AuditEntry
from sentinel.store import schema
from sentinel.store.elastic.core import ElasticCore
from sentinel.store.elastic.documents import PAGE, iso, source_model


class ElasticAudit(ElasticCore):
    """The AlertLog and AuditLog roles."""

    def write_alert_event(self, event: AlertEvent) -> None:
        doc = schema.to_doc("alert", event)
        doc["sentinel"]["alert"]["written_ns"] = time.time_ns()  # tie-break, like rowid
        self._op(
            self.client.index, index=self._index("alerts"), id=event.id, document=doc, refresh=True
        )

    def list_alert_events(
        self, since: datetime | None = None, limit: int = 100
    ) -> list[AlertEvent]:
        query = {"range": {"@timestamp": {"gte": iso(since)}}} if since else {"match_all": {}}
        hits = self._search(
            self._index("alerts"),
            query=query,
            sort=[{"@timestamp": "desc"}, {"sentinel.alert.written_ns": "desc"}],
            size=min(limit, 10_000),
        )["hits"]["hits"]
        return [source_model("alert", h["_source"]) for h in hits]

    def append_audit(self, entry: AuditEntry) -> bool:
        try:
            self._op(
                self.client.index,
                index=self._index("audit"),
                id=str(entry.seq),
                document=schema.to_doc("audit", entry),
                op_type="create",
                refresh=True,
            )
        except ConflictError:
            return False
        return True

    def last_audit(self) -> AuditEntry | None:
        hits = self._search(self._index("audit"), sort=[{"sentinel.audit.seq": "desc"}], size=1)[
            "hits"
        ]["hits"]
        return source_model("audit", hits[0]["_source"]) if hits else None

    def iter_audit(self) -> Iterator[AuditEntry]:
        after = None
        while True:
            page: dict[str, Any] = {"sort": [{"sentinel.audit.seq": "asc"}], "size": PAGE}
            if after is not None:
                page["search_after"] = after
            hits = self._search(self._index("audit"), **page)["hits"]["hits"]
            for h in hits:
                yield source_model("audit", h["_source"])
            if len(hits) < PAGE:
                return
            after = hits[-1]["sort"]
