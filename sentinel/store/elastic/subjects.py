"""Personal data by subject: the anonymization job's raw conversations (replaced by
compare-and-set, so an erasure or a concurrent job wins), and export and erasure."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sentinel.models import Conversation
from sentinel.store.base import KINDS, StoreUnavailable
from sentinel.store.elastic.bulk import ElasticBulk
from sentinel.store.elastic.documents import PAGE, iso, source_model


class ElasticSubjects(ElasticBulk):
    """The SubjectStore role."""

    def oldest_raw_conversation(self) -> datetime | None:
        hits = self._search(
            self._index("conversations"),
            query={"bool": {"must_not": {"exists": {"field": "sentinel.anonymized_at"}}}},
            sort=[{"@timestamp": "asc"}],
            size=1,
        )["hits"]["hits"]
        return source_model("conversation", hits[0]["_source"]).timestamp if hits else None

    def raw_conversations(self, older_than: datetime, limit: int) -> list[Conversation]:
        query = {
            "bool": {
                "must_not": {"exists": {"field": "sentinel.anonymized_at"}},
                "filter": {"range": {"@timestamp": {"lte": iso(older_than)}}},
            }
        }
        out: list[Conversation] = []
        after = None
        while len(out) < limit:
            page: dict[str, Any] = {
                "query": query,
                "sort": [{"@timestamp": "asc"}, {"sentinel.request_id": "asc"}],
                "size": min(PAGE, limit - len(out)),
            }
            if after is not None:
                page["search_after"] = after
            hits = self._search(self._index("conversations"), **page)["hits"]["hits"]
            out.extend(source_model("conversation", h["_source"]) for h in hits)
            if len(hits) < page["size"]:
                break
            after = hits[-1]["sort"]
        return out

    def save_anonymized(self, conversations: Sequence[Conversation]) -> int:
        for conv in conversations:
            if conv.anonymized_at is None:
                raise ValueError(f"conversation {conv.request_id} has no anonymized_at")
        if not conversations:
            return 0
        index = self._index("conversations")
        found = self._op(
            self.client.mget,
            index=index,
            ids=[c.request_id for c in conversations],
            source_includes=["sentinel.anonymized_at"],
        ).body["docs"]
        actions = []
        for conv, doc in zip(conversations, found, strict=True):
            if not doc.get("found") or doc["_source"].get("sentinel", {}).get("anonymized_at"):
                continue  # erased meanwhile, or another job was first
            action = {
                "_index": index,
                "_id": conv.request_id,
                "if_seq_no": doc["_seq_no"],
                "if_primary_term": doc["_primary_term"],
            }
            actions.append((action, conv))
        sent = self._bulk(actions)
        if sent.failed:
            raise StoreUnavailable(
                f"Elasticsearch at {self._url} kept failing {sent.failed} updates of "
                "anonymized conversations; they stay raw until the next anonymization run"
            )
        return sent.ok

    def _subject_query(
        self, kind: str, subject_id: str | None, subject_key: str
    ) -> tuple[str, dict[str, Any]]:
        index = self._kind_index(kind)
        key = {"term": {"sentinel.subject_key": subject_key}}
        if kind in ("call", "feedback"):
            return index, key
        if kind == "alert":
            return index, {"term": {"sentinel.alert.subject_keys": subject_key}}
        # Conversations and cached responses may name the subject by raw id alone.
        by_id = {"term": {"sentinel.subject_id": subject_id or subject_key}}
        return index, {"bool": {"should": [key, by_id], "minimum_should_match": 1}}

    def iter_subject(
        self, subject_id: str | None, subject_key: str, kinds: Sequence[str]
    ) -> Iterator[dict[str, Any]]:
        for kind in kinds:
            index, query = self._subject_query(kind, subject_id, subject_key)
            for hits in self._scan(index, query):
                for hit in hits:
                    data = source_model(kind, hit["_source"]).model_dump(mode="json")
                    data.setdefault("kind", kind)
                    yield data

    def delete_subject(self, subject_id: str | None, subject_key: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for kind in KINDS:
            index, query = self._subject_query(kind, subject_id, subject_key)
            counts[kind] = self._delete_matching(
                index, query, what=f"the subject's {kind}", then="the erasure can be resumed"
            )
        self.drop_spend_cache()  # cached spend groups hold the subject's key and conversations
        self.refresh()
        return counts
