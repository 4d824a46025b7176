"""Call, conversation and feedback records: bulk upserts (conversations by compare-and-set,
so a replayed raw copy never overwrites the anonymized one), reads, counts and the
retention of call records by whole daily index."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from elasticsearch import NotFoundError

from sentinel.models import CallRecord, Conversation, Record
from sentinel.store import schema
from sentinel.store.base import RecordRejected, StoreError, StoreUnavailable, WriteResult
from sentinel.store.elastic.bulk import ElasticBulk
from sentinel.store.elastic.documents import (
    CAS_ATTEMPTS,
    KIND_OF,
    source_model,
    utc,
    write_failure,
)

_EXPIRE_INDICES = 50  # daily indices named in one delete request
_DAILY_RE = re.compile(r"(\d{4})\.(\d{2})\.(\d{2})")


class ElasticRecords(ElasticBulk):
    """The RecordStore role."""

    def write_records(self, records: Sequence[Record]) -> WriteResult:
        """Raises StoreUnavailable unless every record was written or dead-lettered."""
        try:
            return self._write_records(records)
        except StoreError:
            raise
        except Exception as exc:
            raise write_failure(exc, self._url) from exc

    def _write_records(self, records: Sequence[Record]) -> WriteResult:
        # One document per id and batch, the last copy winning as in SQLite: concurrent
        # bulk chunks would not keep the order of two copies.
        plain: dict[tuple[str, str], tuple[dict[str, Any], Any]] = {}
        convs: dict[str, Conversation] = {}
        for r in records:
            kind = KIND_OF.get(type(r))
            if kind is None:
                raise TypeError(f"not a record: {type(r).__name__}")
            if kind == "conversation":
                convs[r.request_id] = r
                continue
            index = self._call_index(r.timestamp) if kind == "call" else self._index("feedback")
            plain[(index, r.request_id)] = ({"_index": index, "_id": r.request_id}, r)
        superseded = len(records) - len(plain) - len(convs)
        sent = self._bulk(list(plain.values()))
        rejected = [self._dead_letter(item, record) for item, record in sent.errors]
        c_ok, c_rejected, c_failed = self._upsert_conversations(convs)
        result = WriteResult(written=sent.ok + c_ok + superseded, rejected=rejected + c_rejected)
        if sent.failed or c_failed:
            raise StoreUnavailable(
                f"Elasticsearch at {self._url} kept failing {sent.failed + c_failed} of "
                f"{len(records)} records (overloaded or unavailable); retry the batch"
            )
        return result

    def _upsert_conversations(
        self, convs: dict[str, Conversation]
    ) -> tuple[int, list[RecordRejected], int]:
        """Create new conversations, replace raw ones, keep anonymized ones (CAS)."""
        index = self._index("conversations")
        ok, rejected = 0, []
        pending = dict(convs)
        for _ in range(CAS_ATTEMPTS):
            if not pending:
                break
            found = self._op(
                self.client.mget,
                index=index,
                ids=list(pending),
                source_includes=["sentinel.anonymized_at"],
            ).body["docs"]
            actions = []
            for doc in found:
                conv = pending[doc["_id"]]
                action: dict[str, Any] = {"_index": index, "_id": conv.request_id}
                if not doc.get("found"):
                    action["_op_type"] = "create"
                elif doc["_source"].get("sentinel", {}).get("anonymized_at") is not None:
                    ok += 1  # anonymized wins: the raw copy is dropped, as in SQLite
                    del pending[conv.request_id]
                    continue
                else:
                    action["if_seq_no"] = doc["_seq_no"]
                    action["if_primary_term"] = doc["_primary_term"]
                actions.append((action, conv))
            sent = self._bulk(actions)
            ok += sent.ok
            rejected += [self._dead_letter(item, record) for item, record in sent.errors]
            if sent.failed:
                return ok, rejected, sent.failed
            retry = {c.request_id for _, c in sent.conflicted}
            pending = {rid: c for rid, c in pending.items() if rid in retry}
        return ok, rejected, len(pending)

    def get_call(self, request_id: str) -> CallRecord | None:
        hits = self._search(
            self._index("calls-*"), query={"ids": {"values": [request_id]}}, size=1
        )["hits"]["hits"]
        return source_model("call", hits[0]["_source"]) if hits else None

    def conversation_calls(self, conversation_id: str, limit: int = 1000) -> list[CallRecord]:
        hits = self._search(
            self._index("calls-*"),
            query={"term": {schema.STORE_PATHS["conversation_id"]: conversation_id}},
            sort=[{"@timestamp": "asc"}, {"sentinel.request_id": "asc"}],
            size=limit,
        )["hits"]["hits"]
        return [source_model("call", h["_source"]) for h in hits]

    def get_conversation(self, request_id: str) -> Conversation | None:
        try:
            doc = self._op(self.client.get, index=self._index("conversations"), id=request_id)
        except NotFoundError:
            return None
        return source_model("conversation", doc["_source"])

    def count(self, kind: str) -> int:
        return self._op(
            self.client.count,
            index=self._kind_index(kind),
            ignore_unavailable=True,
            allow_no_indices=True,
        )["count"]

    def expire_calls(self, before: datetime) -> int:
        """Drop whole daily call indices whose day ended at or before `before` (no
        delete-by-query: a dropped index frees its disk at once and leaves no deleted
        documents behind); returns the call records they held."""
        names = self._op(
            self.client.indices.get, index=self._index("calls-*"), allow_no_indices=True
        )
        cutoff = utc(before)
        expired = []
        for name in names:
            m = _DAILY_RE.fullmatch(name[len(self._index("calls-")) :])
            if m is None:
                continue
            day = datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=UTC)
            if day + timedelta(days=1) <= cutoff:
                expired.append(name)
        held = 0
        expired.sort()
        for i in range(0, len(expired), _EXPIRE_INDICES):  # URLs stay under 4 KB
            index = ",".join(expired[i : i + _EXPIRE_INDICES])
            held += int(self._op(self.client.count, index=index)["count"])
            self._op(self.client.indices.delete, index=index)
        if expired:  # cached spend groups name the expired calls' conversations
            self.drop_spend_cache()
        return held
