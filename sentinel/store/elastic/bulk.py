"""Bulk writes with per-item retries, and scans over a point in time: what records,
anonymization, erasure and the cache write and delete through."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from elasticsearch import ApiError, SerializationError, TransportError
from elasticsearch import helpers as es_helpers

from sentinel.store.base import RecordRejected, StoreUnavailable
from sentinel.store.elastic.core import ElasticCore
from sentinel.store.elastic.documents import (
    PAGE,
    BulkOutcome,
    document,
    item_fault,
    loggable,
    with_source,
)

_BULK_FILTER = "errors,items.*.status,items.*._index,items.*._id,items.*.error"
_CHUNK = 250  # bulk request size; bigger batches are sent as concurrent chunks


class ElasticBulk(ElasticCore):
    """Bulk and scan plumbing shared by the roles that write."""

    def _dead_letter(self, item: dict[str, Any], record: Any) -> RecordRejected:
        error = item.get("error") or {}
        reason = (
            f"{error.get('type', 'error')}: {error.get('reason', '')}"
            if isinstance(error, dict)
            else str(error)
        )
        rejected = RecordRejected(str(item.get("_id", "?")), loggable(error, reason))
        self.dead_letter.reject(record, reason, index=item.get("_index"), status=item.get("status"))
        return rejected

    def _send(self, pairs: list[tuple[dict[str, Any], Any]]) -> list[tuple[bool, dict[str, Any]]]:
        """One pass of bulk requests for (action, record) pairs. Documents are built
        lazily and large batches go as concurrent chunks, so that building and
        serializing the next chunk overlaps the server indexing the previous one."""
        options = {
            "raise_on_error": False,
            "raise_on_exception": True,
            # Only what the outcome needs: the full item answer is 5x larger to render
            # on the server and to parse here.
            "filter_path": _BULK_FILTER,
        }
        actions = map(with_source, pairs)
        if len(pairs) <= _CHUNK:
            send = es_helpers.streaming_bulk(self.client, actions, chunk_size=_CHUNK, **options)
        else:
            send = es_helpers.parallel_bulk(
                self.client, actions, thread_count=2, chunk_size=_CHUNK, **options
            )
        return self._op(lambda: list(send))

    def _drop_unserializable(
        self, pairs: list[tuple[dict[str, Any], Any]], outcome: BulkOutcome
    ) -> list[tuple[dict[str, Any], Any]]:
        """Move the documents JSON cannot encode (e.g. an int beyond 64 bits) to the
        outcome's errors, so one bad record does not hold back its batch."""
        serializer = self.client.transport.serializers.get_serializer("application/json")
        good = []
        for action, record in pairs:
            if record is None:  # a delete has no document
                good.append((action, record))
                continue
            try:
                serializer.dumps(document(record))
            except SerializationError as exc:
                # The cause, not the message: that one quotes the whole document.
                cause = exc.errors[0] if exc.errors else exc.__context__
                error = {"type": "serialization_error", "reason": str(cause)}
                item = {"_index": action["_index"], "_id": action["_id"], "error": error}
                outcome.errors.append((item, record))
            else:
                good.append((action, record))
        return good

    def _bulk(self, pairs: list[tuple[dict[str, Any], Any]]) -> BulkOutcome:
        """Send (action, record) pairs; retry the items that failed with 429/5xx."""
        outcome = BulkOutcome()
        pending = pairs
        for attempt in range(self._bulk_retries + 1):
            if not pending:
                break
            if attempt:
                time.sleep(min(self._bulk_backoff * 2 ** (attempt - 1), 2.0))
            try:
                results = self._send(pending)
            except SerializationError:
                pending = self._drop_unserializable(pending, outcome)
                results = self._send(pending)
            by_key = {(a["_index"], a["_id"]): (a, r) for a, r in pending}
            retry, down = [], 0
            for success, result in results:
                item = next(iter(result.values()))
                pair = by_key[(item.get("_index"), item.get("_id"))]
                fault = "ok" if success else item_fault(item.get("status", 0))
                if fault == "ok":
                    outcome.ok += 1
                elif fault == "conflict":
                    outcome.conflicted.append(pair)
                elif fault == "retry":
                    retry.append(pair)
                elif fault == "down":
                    down += 1
                else:
                    outcome.errors.append((item, pair[1]))
            if down:  # no retry helps a read-only index or a missing one: spool
                outcome.failed = down + len(retry)
                return outcome
            pending = retry
        outcome.failed = len(pending)
        return outcome

    def _scan(
        self, index: str, query: dict[str, Any], source: bool = True
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of every matching hit, over a point in time (a consistent snapshot that
        deletions made while paging do not disturb)."""
        pit = self._op(
            self.client.open_point_in_time,
            index=index,
            keep_alive="2m",
            ignore_unavailable=True,
        )["id"]
        try:
            after = None
            while True:
                page: dict[str, Any] = {
                    "query": query,
                    "size": PAGE,
                    "sort": [{"_shard_doc": "asc"}],
                    "pit": {"id": pit, "keep_alive": "2m"},
                    "source": source,
                }
                if after is not None:
                    page["search_after"] = after
                res = self._op(self.client.search, **page).body
                pit = res.get("pit_id", pit)
                hits = res["hits"]["hits"]
                if hits:
                    yield hits
                if len(hits) < PAGE:
                    return
                after = hits[-1]["sort"]
        finally:
            with contextlib.suppress(ApiError, TransportError):  # it expires by itself
                self.client.close_point_in_time(id=pit)

    def _delete_matching(self, index: str, query: dict[str, Any], *, what: str, then: str) -> int:
        """Delete every document matching `query`, by id (see module docstring). A failure
        names `what` was being deleted and `then`, what becomes of the rest: erasure,
        the cache purge and the balance expiry each recover differently."""
        deleted = 0
        for hits in self._scan(index, query, source=False):
            actions = [{"_op_type": "delete", "_index": h["_index"], "_id": h["_id"]} for h in hits]
            sent = self._bulk([(a, None) for a in actions])
            deleted += sent.ok
            # Already gone (404) is fine: erasure is idempotent.
            failed = sent.failed + sum(1 for i, _ in sent.errors if i.get("status") != 404)
            if failed:
                raise StoreUnavailable(
                    f"Elasticsearch at {self._url} failed {failed} deletes of {what}; {then}"
                )
        return deleted
