"""The response cache (`sentinel.client.cache`) in its own small index."""

from __future__ import annotations

from datetime import datetime

from elasticsearch import NotFoundError

from sentinel.store import schema
from sentinel.store.base import CacheEntry
from sentinel.store.elastic.bulk import ElasticBulk
from sentinel.store.elastic.documents import iso, source_model, utc


class ElasticCache(ElasticBulk):
    """The CacheStore role."""

    def cache_get(self, key: str, now: datetime) -> CacheEntry | None:
        """A realtime GET by id: an entry is readable as soon as it is written."""
        try:
            doc = self._op(self.client.get, index=self._index("cache"), id=key).body
        except NotFoundError:
            return None
        entry: CacheEntry = source_model("cache", doc["_source"])
        return entry if utc(entry.expires_at) > utc(now) else None

    def cache_put(self, entry: CacheEntry, max_entries: int) -> None:
        """Upsert, then evict. The write refreshes the (small, dedicated) index so the
        count sees it: puts follow upstream misses, so a refresh each costs little."""
        index = self._index("cache")
        doc = schema.to_doc("cache", entry)
        self._op(self.client.index, index=index, id=entry.key, document=doc, refresh=True)
        app = {"term": {"service.name": entry.app}}
        total = self._search(index, query=app, size=0, track_total_hits=True)["hits"]["total"]
        excess = total["value"] - max_entries
        if excess <= 0:
            return
        hits = self._search(
            index,
            query=app,
            sort=[{"@timestamp": "asc"}, {"sentinel.cache.key": "asc"}],
            size=min(excess, 10_000),
            source=False,
        )["hits"]["hits"]
        self._bulk([({"_op_type": "delete", "_index": index, "_id": h["_id"]}, None) for h in hits])

    def cache_purge(self, created_before: datetime, now: datetime) -> int:
        query = {
            "bool": {
                "should": [
                    {"range": {"@timestamp": {"lte": iso(created_before)}}},
                    {"range": {"sentinel.cache.expires_at": {"lte": iso(now)}}},
                ],
                "minimum_should_match": 1,
            }
        }
        self._op(self.client.indices.refresh, index=self._index("cache"), ignore_unavailable=True)
        deleted = self._delete_matching(
            self._index("cache"),
            query,
            what="expired cached responses",
            then="the next anonymization run purges the rest",
        )
        self._op(self.client.indices.refresh, index=self._index("cache"), ignore_unavailable=True)
        return deleted
