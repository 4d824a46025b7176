"""ElasticStore: the Store protocol on Elasticsearch, the production store Kibana reads.

Choices worth knowing:

* Server and client are both 8.19.3: the Python client's major must match the
  server's, and 8.x runs on the JDK 17 the test machines have (9.x needs JDK 21+).
  The tests run against the stripped `integ-test-zip` build, so only core APIs are
  used: composable index templates, bulk, get/mget, search with aggregations, and
  point-in-time + `search_after`. No painless scripts, no ingest pipeline, and no
  `_delete_by_query` (it lives in the reindex module, which that build lacks):
  deletions are found with a point in time and removed by id through bulk.
* Document ids are `request_id` (calls, conversations, feedback), the alert event id,
  the audit `seq` and the state key, so a spool replay overwrites instead of
  duplicating. Calls go to daily `<prefix>-calls-YYYY.MM.DD` indices by their UTC
  timestamp, so a replay lands in the same index.
* `@timestamp` is `date_nanos`: window queries `(start, end]` are exact to the
  microsecond, as in SQLite, where a millisecond `date` would blur the boundaries.
* Conversations are upserted with optimistic concurrency (`if_seq_no` /
  `if_primary_term`, or `create` for new ones), never with a script, so a replayed
  raw copy can never overwrite the anonymized one. State uses the same CAS; audit
  entries are create-only.
* Records are written through `helpers.streaming_bulk` (`parallel_bulk` for big
  batches, so serializing one chunk overlaps indexing the previous one); items failing
  with 429/5xx are retried per item with backoff. An item the server rejects for
  good (400: mapping or parse error) goes to a dead-letter JSONL file with the reason
  and is reported in the `WriteResult`; if retryable failures remain, an item fails
  with 401/403/404 (credentials, a read-only block, a missing index), or the whole
  `_bulk` request fails in any way, `StoreUnavailable` is raised so the sink spools
  the batch (rewriting the items that did succeed is harmless): see `_item_fault` and
  `_write_failure`.
* Writes of calls and feedback are near-real-time (visible after `refresh()`), as
  Elasticsearch is; state, alert and audit writes are low-volume and refresh at once,
  because leases, tombstones and the audit chain are read right after being written.
* Erasure deletes by id, then refreshes; `reclaim()` force-merges with
  `only_expunge_deletes` (the templates set `expunge_deletes_allowed` to 0) because a
  deleted document is unreachable by every API at once but its bytes stay in the
  segment files until a merge rewrites them.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from elasticsearch import (
    ApiError,
    BadRequestError,
    ConflictError,
    Elasticsearch,
    NotFoundError,
    SerializationError,
    TransportError,
)
from elasticsearch import helpers as es_helpers
from elasticsearch.serializer import OrjsonSerializer

from sentinel.models import (
    AlertEvent,
    AuditEntry,
    CallRecord,
    Conversation,
    Feedback,
    Record,
)
from sentinel.store import schema
from sentinel.store.base import (
    KINDS,
    CacheEntry,
    CallStats,
    FeedbackStats,
    RecordRejected,
    StoreError,
    StoreUnavailable,
    WriteResult,
    collection,
)
from sentinel.store.dead_letter import DeadLetterFile
from sentinel.store.sqlite.core import _check_labels

if TYPE_CHECKING:
    from sentinel.config import Settings

T = TypeVar("T")

_PAGE = 1000
_BULK_FILTER = "errors,items.*.status,items.*._index,items.*._id,items.*.error"
log = logging.getLogger("sentinel.store")
_FIELD = re.compile(r"field \[([^\]]+)\]")
_CHUNK = 250  # bulk request size; bigger batches are sent as concurrent chunks
_REQUEST_TIMEOUT = 30.0
_RETRY_STATUS = (429, 500, 502, 503, 504)
_CAS_ATTEMPTS = 20
_DAILY_INDEX_MAX_DAYS = 31  # longer windows search the pattern instead of listing days
_EXPIRE_INDICES = 50  # daily indices named in one delete request
_DAILY_RE = re.compile(r"(\d{4})\.(\d{2})\.(\d{2})")
_KINDS = {CallRecord: "call", Conversation: "conversation", Feedback: "feedback"}
_MODELS: dict[str, type[Any]] = {
    "call": CallRecord,
    "conversation": Conversation,
    "feedback": Feedback,
    "alert": AlertEvent,
    "audit": AuditEntry,
    "cache": CacheEntry,
}


@dataclass
class _BulkOutcome:
    ok: int = 0
    conflicted: list[tuple[dict[str, Any], Any]] = field(default_factory=list)
    errors: list[tuple[dict[str, Any], Any]] = field(default_factory=list)  # item, record
    failed: int = 0  # still 429/5xx after every retry


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _iso(dt: datetime) -> str:
    """Microsecond ISO form, which `date_nanos` range queries compare exactly."""
    return _utc(dt).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _redact_url(url: str) -> str:
    def one(node: str) -> str:
        parts = urlsplit(node.strip())
        host = parts.hostname or ""
        return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}"

    return ",".join(one(node) for node in url.split(","))


def _document(record: Any) -> dict[str, Any]:
    kind = _KINDS[type(record)]
    return schema.to_doc(kind, record)


def _with_source(pair: tuple[dict[str, Any], Any]) -> dict[str, Any]:
    """The bulk action of an (action, record) pair; deletes carry no record."""
    action, record = pair
    return action if record is None else {**action, "_source": _document(record)}


def _source_model(kind: str, source: dict[str, Any]) -> Any:
    return _MODELS[kind].model_validate(schema.from_doc(kind, source))


def _loggable(error: Any, reason: str) -> str:
    """What of a rejection may reach the log: the error type and the field it names.
    Elasticsearch quotes the offending value ("Preview of field's value: ..."), which
    may be conversation content or a subject id; the dead-letter file, which holds the
    record anyway, keeps the full reason."""
    if not isinstance(error, dict):
        return "rejected"
    kind = str(error.get("type", "error"))
    if kind == "serialization_error":
        return reason  # our own encoder's message: it names no value
    field = _FIELD.search(str(error.get("reason", "")))
    return f"{kind} in field [{field.group(1)}]" if field else kind


def _item_fault(status: int) -> str:
    """What one bulk item's status means. Only 400 (a mapping or parse error: the
    document itself is bad) is a rejection; 401/403 (credentials, a read-only index
    block), 404 (a missing index) and anything unforeseen mean the store cannot take
    writes, so the batch is spooled; 429/5xx are worth a retry first."""
    if status == 409:
        return "conflict"
    if status == 400:
        return "rejected"
    if status in _RETRY_STATUS:
        return "retry"
    return "down"


def _write_failure(exc: BaseException, url: str) -> StoreError:
    """A record write that failed as a whole (not item by item): the store is down,
    whatever the status (401/403/404 on `_bulk` are a broken store or credentials, not
    bad records) and whatever the exception, so the batch is spooled, never dropped."""
    if isinstance(exc, ApiError):
        return StoreUnavailable(f"Elasticsearch at {url} answered {exc.meta.status}: {exc.message}")
    return StoreUnavailable(f"Elasticsearch at {url} failed: {type(exc).__name__}: {exc}")


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000.0


class ElasticStore:
    """The Store protocol on Elasticsearch (see module docstring)."""

    name = "elasticsearch"

    def __init__(
        self,
        client: Elasticsearch,
        *,
        index_prefix: str = "sentinel",
        dead_letter_path: Path,
        url: str = "",
        bulk_retries: int = 4,
        bulk_backoff: float = 0.2,
        shards: int | None = None,
        replicas: int | None = None,
    ) -> None:
        if (
            not index_prefix
            or index_prefix != index_prefix.lower()
            or not all(c.isalnum() or c in "-_." for c in index_prefix)
        ):
            raise ValueError(
                f"index prefix {index_prefix!r} must be non-empty lowercase letters, digits, "
                "'-', '_' or '.'"
            )
        self.client = client
        self.prefix = index_prefix
        self.dead_letter_path = dead_letter_path
        self.dead_letter = DeadLetterFile(dead_letter_path)
        self._url = _redact_url(url) if url else "Elasticsearch"
        self._bulk_retries = bulk_retries
        self._bulk_backoff = bulk_backoff
        self._sizing = {"shards": shards, "replicas": replicas}

    @classmethod
    def from_settings(cls, url: str, settings: Settings, **kwargs: Any) -> ElasticStore:
        """Client from SENTINEL_ES_* settings: API key or user/password, TLS verified
        unless SENTINEL_ES_VERIFY_CERTS=false, optional CA bundle. A comma-separated
        SENTINEL_STORE names several nodes of one cluster: the client spreads requests
        over them and retries a failed one on the next, so losing a node loses nothing."""
        nodes = [node.strip() for node in url.split(",") if node.strip()]
        auth: dict[str, Any] = {}
        if settings.es_api_key is not None:
            auth["api_key"] = settings.es_api_key.get_secret_value()
        elif settings.es_username:
            password = settings.es_password.get_secret_value() if settings.es_password else ""
            auth["basic_auth"] = (settings.es_username, password)
        tls: dict[str, Any] = {}
        if any(node.startswith("https://") for node in nodes):
            tls["verify_certs"] = settings.es_verify_certs
            if settings.es_ca_certs is not None:
                tls["ca_certs"] = str(settings.es_ca_certs)
        client = Elasticsearch(
            nodes,
            request_timeout=_REQUEST_TIMEOUT,
            max_retries=max(1, len(nodes) - 1),
            retry_on_timeout=False,
            serializer=OrjsonSerializer(),  # 15x faster than json: ingest is JSON-bound
            **auth,
            **tls,
        )
        kwargs.setdefault("index_prefix", settings.es_index_prefix)
        kwargs.setdefault("shards", settings.es_shards)
        kwargs.setdefault("replicas", settings.es_replicas)
        kwargs.setdefault(
            "dead_letter_path", settings.data_dir / "dead-letter" / "elasticsearch.jsonl"
        )
        return cls(client, url=url, **kwargs)

    # plumbing -------------------------------------------------------------

    def _index(self, suffix: str) -> str:
        return f"{self.prefix}-{suffix}"

    def _kind_index(self, kind: str) -> str:
        """Where one of the KINDS lives: calls span daily indices, so all of them."""
        name = collection(kind)
        return self._index(f"{name}-*" if kind == "call" else name)

    def _call_index(self, ts: datetime) -> str:
        return self._daily(_utc(ts).date())

    @functools.lru_cache(maxsize=64)  # noqa: B019 - one store per process, few days at once
    def _daily(self, day: date) -> str:
        return f"{self.prefix}-calls-{day:%Y.%m.%d}"

    def _calls_in(self, start: datetime, end: datetime) -> str:
        """The daily indices a window can touch, or the pattern for long windows."""
        first, last = _utc(start).date(), _utc(end).date()
        days = (last - first).days
        if days < 0 or days > _DAILY_INDEX_MAX_DAYS:
            return self._index("calls-*")
        return ",".join(
            f"{self.prefix}-calls-{first + timedelta(days=d):%Y.%m.%d}" for d in range(days + 1)
        )

    def _op(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one client call; unreachable or overloaded → StoreUnavailable."""
        try:
            return fn(*args, **kwargs)
        except SerializationError:
            raise  # our request could not be encoded: a bad record, not an outage
        except TransportError as exc:
            raise StoreUnavailable(
                f"Elasticsearch unreachable at {self._url}: {type(exc).__name__}: {exc}"
            ) from exc
        except ApiError as exc:
            if exc.meta.status in _RETRY_STATUS:
                raise StoreUnavailable(
                    f"Elasticsearch at {self._url} answered {exc.meta.status}: {exc.message}"
                ) from exc
            raise

    def _search(self, index: str, **body: Any) -> dict[str, Any]:
        return self._op(
            self.client.search,
            index=index,
            ignore_unavailable=True,
            allow_no_indices=True,
            **body,
        ).body

    # lifecycle ------------------------------------------------------------

    def setup(self) -> None:
        """Install the index templates and create the fixed indices; safe to repeat."""
        for name in schema.TEMPLATES:
            body = schema.load_template(name, self.prefix, **self._sizing)
            self._op(
                self.client.indices.put_index_template,
                name=self._index(name),
                index_patterns=body["index_patterns"],
                template=body["template"],
                priority=body["priority"],
                meta=body["_meta"],
            )
        for name in schema.TEMPLATES:
            if name == "calls":
                continue  # daily indices are created by the first write of the day
            self._op(self.client.options(ignore_status=400).indices.create, index=self._index(name))
        patterns = []
        for name in schema.TEMPLATES:
            body = schema.load_template(name, self.prefix)
            self._update_mappings(body)
            patterns.extend(body["index_patterns"])
        if self._sizing["replicas"] is not None:
            # Replicas, unlike shards, change in place: existing indices follow at once.
            self._op(
                self.client.indices.put_settings,
                index=",".join(patterns),
                allow_no_indices=True,
                settings={
                    "index.auto_expand_replicas": False,
                    "index.number_of_replicas": self._sizing["replicas"],
                },
            )

    def _update_mappings(self, body: dict[str, Any]) -> None:
        """Bring indices made by an older Sentinel up to the template's mappings (a
        template only shapes indices created after it): new fields and updatable
        parameters such as `ignore_above` apply at once. A change Elasticsearch cannot
        make in place (a field's type) is logged; it reaches the next daily calls index,
        or needs a reindex for the fixed ones."""
        mappings = body["template"]["mappings"]
        try:
            self._op(
                self.client.indices.put_mapping,
                index=",".join(body["index_patterns"]),
                allow_no_indices=True,
                ignore_unavailable=True,
                dynamic=mappings["dynamic"],
                properties=mappings["properties"],
            )
        except BadRequestError as exc:
            log.warning(
                "Elasticsearch kept the existing mappings of %s: %s",
                ",".join(body["index_patterns"]),
                exc.message,
            )

    def ping(self) -> bool:
        # Not HEAD /: the stripped test server has no root endpoint.
        try:
            self.client.cluster.health(timeout="2s")
            return True
        except Exception:
            return False

    def close(self) -> None:
        self.client.close()

    def refresh(self) -> None:
        self._op(
            self.client.indices.refresh,
            index=self._index("*"),
            ignore_unavailable=True,
            allow_no_indices=True,
        )

    def reclaim(self, wait: float = 0.0) -> dict[str, Any]:
        """Purge erased documents' bytes from the segment files (after an erasure).

        A deleted document is unreachable at once, but Lucene keeps it (soft-deleted)
        in its segment until a merge rewrites that segment, and Elasticsearch keeps
        soft deletes a merge may not drop while a shard's retention lease still covers
        them (the lease advances in a background sync, every 30 s by default). So this
        flushes and force-merges with `only_expunge_deletes` (the templates allow 0 %
        deletes per segment): what the lease no longer retains goes now, the rest at
        the next merge. With `wait` > 0 it first waits up to that long for the leases
        to pass every deletion, so that nothing is left. `deleted_docs_left` reports
        what is still on disk.
        """
        index = self._index("*")
        where = {"index": index, "ignore_unavailable": True, "allow_no_indices": True}
        self.refresh()
        self._op(self.client.indices.flush, **where)
        if wait > 0:
            self._wait_for_retention_leases(wait)
        self._op(self.client.indices.forcemerge, only_expunge_deletes=True, **where)
        stats = self._op(self.client.indices.stats, index=index, metric="docs")
        left = stats.get("_all", {}).get("primaries", {}).get("docs", {}).get("deleted", 0)
        return {"refresh": True, "expunge_deletes": True, "deleted_docs_left": left}

    def _wait_for_retention_leases(self, timeout: float) -> None:
        """Until every shard's leases retain nothing below its max sequence number."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stats = self._op(
                self.client.indices.stats,
                index=self._index("*"),
                level="shards",
                filter_path="indices.*.shards.*.seq_no,indices.*.shards.*.retention_leases",
            ).body
            copies = [
                copy
                for idx in stats.get("indices", {}).values()
                for shard in idx["shards"].values()
                for copy in shard
            ]
            if all(
                lease["retaining_seq_no"] > copy["seq_no"]["max_seq_no"]
                for copy in copies
                for lease in copy["retention_leases"]["leases"]
            ):
                return
            time.sleep(1.0)

    def drop(self) -> None:
        """Delete this prefix's indices and templates: tests and benchmarks share one
        cluster and clean up after themselves. By name, as servers refuse wildcard
        deletes (`action.destructive_requires_name`)."""
        names = list(
            self._op(self.client.indices.get, index=self._index("*"), allow_no_indices=True)
        )
        if names:
            self._op(self.client.indices.delete, index=",".join(names))
        for name in schema.TEMPLATES:
            self._op(
                self.client.options(ignore_status=404).indices.delete_index_template,
                name=self._index(name),
            )

    def expire_calls(self, before: datetime) -> int:
        """Drop whole daily call indices whose day ended at or before `before` (no
        delete-by-query: a dropped index frees its disk at once and leaves no deleted
        documents behind); returns the call records they held."""
        names = self._op(
            self.client.indices.get, index=self._index("calls-*"), allow_no_indices=True
        )
        cutoff = _utc(before)
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
        return held

    # records --------------------------------------------------------------

    def _dead_letter(self, item: dict[str, Any], record: Any) -> RecordRejected:
        error = item.get("error") or {}
        reason = (
            f"{error.get('type', 'error')}: {error.get('reason', '')}"
            if isinstance(error, dict)
            else str(error)
        )
        rejected = RecordRejected(str(item.get("_id", "?")), _loggable(error, reason))
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
        actions = map(_with_source, pairs)
        if len(pairs) <= _CHUNK:
            send = es_helpers.streaming_bulk(self.client, actions, chunk_size=_CHUNK, **options)
        else:
            send = es_helpers.parallel_bulk(
                self.client, actions, thread_count=2, chunk_size=_CHUNK, **options
            )
        return self._op(lambda: list(send))

    def _drop_unserializable(
        self, pairs: list[tuple[dict[str, Any], Any]], outcome: _BulkOutcome
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
                serializer.dumps(_document(record))
            except SerializationError as exc:
                # The cause, not the message: that one quotes the whole document.
                cause = exc.errors[0] if exc.errors else exc.__context__
                error = {"type": "serialization_error", "reason": str(cause)}
                item = {"_index": action["_index"], "_id": action["_id"], "error": error}
                outcome.errors.append((item, record))
            else:
                good.append((action, record))
        return good

    def _bulk(self, pairs: list[tuple[dict[str, Any], Any]]) -> _BulkOutcome:
        """Send (action, record) pairs; retry the items that failed with 429/5xx."""
        outcome = _BulkOutcome()
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
                fault = "ok" if success else _item_fault(item.get("status", 0))
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

    def write_records(self, records: Sequence[Record]) -> WriteResult:
        """Raises StoreUnavailable unless every record was written or dead-lettered."""
        try:
            return self._write_records(records)
        except StoreError:
            raise
        except Exception as exc:
            raise _write_failure(exc, self._url) from exc

    def _write_records(self, records: Sequence[Record]) -> WriteResult:
        # One document per id and batch, the last copy winning as in SQLite: concurrent
        # bulk chunks would not keep the order of two copies.
        plain: dict[tuple[str, str], tuple[dict[str, Any], Any]] = {}
        convs: dict[str, Conversation] = {}
        for r in records:
            kind = _KINDS.get(type(r))
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
        for _ in range(_CAS_ATTEMPTS):
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
        return _source_model("call", hits[0]["_source"]) if hits else None

    def conversation_calls(self, conversation_id: str, limit: int = 1000) -> list[CallRecord]:
        hits = self._search(
            self._index("calls-*"),
            query={"term": {schema.STORE_PATHS["conversation_id"]: conversation_id}},
            sort=[{"@timestamp": "asc"}, {"sentinel.request_id": "asc"}],
            size=limit,
        )["hits"]["hits"]
        return [_source_model("call", h["_source"]) for h in hits]

    def get_conversation(self, request_id: str) -> Conversation | None:
        try:
            doc = self._op(self.client.get, index=self._index("conversations"), id=request_id)
        except NotFoundError:
            return None
        return _source_model("conversation", doc["_source"])

    def count(self, kind: str) -> int:
        return self._op(
            self.client.count,
            index=self._kind_index(kind),
            ignore_unavailable=True,
            allow_no_indices=True,
        )["count"]

    # rule engine inputs ---------------------------------------------------

    def _window_stats(
        self,
        index: str,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None,
        group_by: Sequence[str],
        fields: Mapping[str, str],
        metrics: dict[str, Any],
    ) -> list[tuple[dict[str, str], int, dict[str, Any]]]:
        """(labels, doc count, metric aggregations) per group of the window (start, end]."""
        where = dict(where or {})
        _check_labels([*where, *group_by], list(fields))
        query = {
            "bool": {
                "filter": [
                    {"range": {"@timestamp": {"gt": _iso(start), "lte": _iso(end)}}},
                    *({"term": {fields[k]: v}} for k, v in where.items()),
                ]
            }
        }
        if not group_by:
            res = self._search(index, query=query, size=0, track_total_hits=True, aggs=metrics)
            total = res["hits"]["total"]["value"]
            return [({}, total, res.get("aggregations", {}))] if total else []
        sources = [{g: {"terms": {"field": fields[g], "missing_bucket": True}}} for g in group_by]
        out, after = [], None
        while True:
            composite: dict[str, Any] = {"size": _PAGE, "sources": sources}
            if after is not None:
                composite["after"] = after
            res = self._search(
                index,
                query=query,
                size=0,
                aggs={"groups": {"composite": composite, "aggs": metrics}},
            )
            agg = res.get("aggregations", {}).get("groups", {"buckets": []})
            for b in agg["buckets"]:
                labels = {g: "" if b["key"][g] is None else str(b["key"][g]) for g in group_by}
                out.append((labels, b["doc_count"], b))
            after = agg.get("after_key")
            if after is None or len(agg["buckets"]) < _PAGE:
                return out

    def call_stats(
        self,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[CallStats]:
        metrics = {
            # An error is any outcome but success, exactly as CallRecord.is_error.
            "errors": {"filter": {"bool": {"must_not": {"term": {"event.outcome": "success"}}}}},
            "rate_limited": {"filter": {"term": {"sentinel.rate_limited": True}}},
            "circuit_open": {"filter": {"term": {"sentinel.circuit_open": True}}},
            "latency_avg": {"avg": {"field": "sentinel.duration_ms"}},
            "latency": {"percentiles": {"field": "sentinel.duration_ms", "percents": [50, 95, 99]}},
            "flagged": {"terms": {"field": "sentinel.safety.categories", "size": 500}},
            "ttft": {
                "percentiles": {
                    "field": schema.STORE_PATHS["time_to_first_chunk"],
                    "percents": [95],
                }
            },
            **{
                f"tokens_{name}": {"sum": {"field": schema.STORE_PATHS[name]}}
                for name in schema.TOKEN_FIELDS
            },
        }
        groups = self._window_stats(
            self._calls_in(start, end),
            start,
            end,
            where,
            group_by,
            schema.CALL_LABEL_FIELDS,
            metrics,
        )
        return [
            CallStats(
                labels=labels,
                total=total,
                errors=a["errors"]["doc_count"],
                rate_limited=a["rate_limited"]["doc_count"],
                circuit_open=a["circuit_open"]["doc_count"],
                latency_avg_ms=a["latency_avg"]["value"],
                latency_p50_ms=a["latency"]["values"]["50.0"],
                latency_p95_ms=a["latency"]["values"]["95.0"],
                latency_p99_ms=a["latency"]["values"]["99.0"],
                flagged={b["key"]: b["doc_count"] for b in a["flagged"]["buckets"]},
                tokens={n: int(a[f"tokens_{n}"]["value"] or 0) for n in schema.TOKEN_FIELDS},
                ttft_p95_ms=_ms(a["ttft"]["values"]["95.0"]),
            )
            for labels, total, a in groups
        ]

    def feedback_stats(
        self,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[FeedbackStats]:
        metrics = {
            "score_avg": {"avg": {"field": "sentinel.feedback.score"}},
            "satisfied": {"filter": {"term": {"sentinel.feedback.satisfied": True}}},
            "rated": {"value_count": {"field": "sentinel.feedback.satisfied"}},
        }
        groups = self._window_stats(
            self._index("feedback"),
            start,
            end,
            where,
            group_by,
            schema.FEEDBACK_LABEL_FIELDS,
            metrics,
        )
        return [
            FeedbackStats(
                labels=labels,
                count=total,
                score_avg=a["score_avg"]["value"],
                satisfied=a["satisfied"]["doc_count"],
                rated=a["rated"]["value"],
            )
            for labels, total, a in groups
        ]

    def oldest_raw_conversation(self) -> datetime | None:
        hits = self._search(
            self._index("conversations"),
            query={"bool": {"must_not": {"exists": {"field": "sentinel.anonymized_at"}}}},
            sort=[{"@timestamp": "asc"}],
            size=1,
        )["hits"]["hits"]
        return _source_model("conversation", hits[0]["_source"]).timestamp if hits else None

    # anonymization --------------------------------------------------------

    def raw_conversations(self, older_than: datetime, limit: int) -> list[Conversation]:
        query = {
            "bool": {
                "must_not": {"exists": {"field": "sentinel.anonymized_at"}},
                "filter": {"range": {"@timestamp": {"lte": _iso(older_than)}}},
            }
        }
        out: list[Conversation] = []
        after = None
        while len(out) < limit:
            page: dict[str, Any] = {
                "query": query,
                "sort": [{"@timestamp": "asc"}, {"sentinel.request_id": "asc"}],
                "size": min(_PAGE, limit - len(out)),
            }
            if after is not None:
                page["search_after"] = after
            hits = self._search(self._index("conversations"), **page)["hits"]["hits"]
            out.extend(_source_model("conversation", h["_source"]) for h in hits)
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
                f"Elasticsearch at {self._url} kept failing {sent.failed} updates"
            )
        return sent.ok

    # GDPR -----------------------------------------------------------------

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
                    "size": _PAGE,
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
                if len(hits) < _PAGE:
                    return
                after = hits[-1]["sort"]
        finally:
            with contextlib.suppress(ApiError, TransportError):  # it expires by itself
                self.client.close_point_in_time(id=pit)

    def iter_subject(
        self, subject_id: str | None, subject_key: str, kinds: Sequence[str]
    ) -> Iterator[dict[str, Any]]:
        for kind in kinds:
            index, query = self._subject_query(kind, subject_id, subject_key)
            for hits in self._scan(index, query):
                for hit in hits:
                    data = _source_model(kind, hit["_source"]).model_dump(mode="json")
                    data.setdefault("kind", kind)
                    yield data

    def delete_subject(self, subject_id: str | None, subject_key: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for kind in KINDS:
            index, query = self._subject_query(kind, subject_id, subject_key)
            counts[kind] = self._delete_matching(index, query)
        self.refresh()
        return counts

    def _delete_matching(self, index: str, query: dict[str, Any]) -> int:
        """Delete every document matching `query`, by id (see module docstring)."""
        deleted = 0
        for hits in self._scan(index, query, source=False):
            actions = [{"_op_type": "delete", "_index": h["_index"], "_id": h["_id"]} for h in hits]
            sent = self._bulk([(a, None) for a in actions])
            deleted += sent.ok
            # Already gone (404) is fine: erasure is idempotent.
            failed = sent.failed + sum(1 for i, _ in sent.errors if i.get("status") != 404)
            if failed:
                raise StoreUnavailable(
                    f"Elasticsearch at {self._url} failed {failed} deletes; "
                    "the erasure can be resumed"
                )
        return deleted

    # response cache ---------------------------------------------------------

    def cache_get(self, key: str, now: datetime) -> CacheEntry | None:
        """A realtime GET by id: an entry is readable as soon as it is written."""
        try:
            doc = self._op(self.client.get, index=self._index("cache"), id=key).body
        except NotFoundError:
            return None
        entry: CacheEntry = _source_model("cache", doc["_source"])
        return entry if _utc(entry.expires_at) > _utc(now) else None

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
                    {"range": {"@timestamp": {"lte": _iso(created_before)}}},
                    {"range": {"sentinel.cache.expires_at": {"lte": _iso(now)}}},
                ],
                "minimum_should_match": 1,
            }
        }
        self._op(self.client.indices.refresh, index=self._index("cache"), ignore_unavailable=True)
        deleted = self._delete_matching(self._index("cache"), query)
        self._op(self.client.indices.refresh, index=self._index("cache"), ignore_unavailable=True)
        return deleted

    # alerts ---------------------------------------------------------------

    def write_alert_event(self, event: AlertEvent) -> None:
        doc = schema.to_doc("alert", event)
        doc["sentinel"]["alert"]["written_ns"] = time.time_ns()  # tie-break, like rowid
        self._op(
            self.client.index, index=self._index("alerts"), id=event.id, document=doc, refresh=True
        )

    def list_alert_events(
        self, since: datetime | None = None, limit: int = 100
    ) -> list[AlertEvent]:
        query = {"range": {"@timestamp": {"gte": _iso(since)}}} if since else {"match_all": {}}
        hits = self._search(
            self._index("alerts"),
            query=query,
            sort=[{"@timestamp": "desc"}, {"sentinel.alert.written_ns": "desc"}],
            size=min(limit, 10_000),
        )["hits"]["hits"]
        return [_source_model("alert", h["_source"]) for h in hits]

    # state ----------------------------------------------------------------

    def _get_state_doc(self, key: str) -> dict[str, Any] | None:
        try:
            return self._op(self.client.get, index=self._index("state"), id=key).body
        except NotFoundError:
            return None

    def _write_state(
        self, key: str, value: dict[str, Any], version: int, current: dict[str, Any] | None
    ) -> bool:
        doc = {"sentinel": {"state": {"key": key, "value": value, "version": version}}}
        cas: dict[str, Any] = (
            {"op_type": "create"}
            if current is None
            else {"if_seq_no": current["_seq_no"], "if_primary_term": current["_primary_term"]}
        )
        try:
            self._op(
                self.client.index,
                index=self._index("state"),
                id=key,
                document=doc,
                refresh=True,
                **cas,
            )
        except ConflictError:
            return False
        return True

    def get_state(self, key: str) -> tuple[dict[str, Any], int] | None:
        doc = self._get_state_doc(key)
        if doc is None:
            return None
        state = doc["_source"]["sentinel"]["state"]
        return state["value"], state["version"]

    def put_state(self, key: str, value: dict[str, Any], expected_version: int | None) -> bool:
        if expected_version is None:
            return self._write_state(key, value, 1, None)
        current = self._get_state_doc(key)
        if current is None or current["_source"]["sentinel"]["state"]["version"] != (
            expected_version
        ):
            return False
        return self._write_state(key, value, expected_version + 1, current)

    def set_state(self, key: str, value: dict[str, Any]) -> None:
        for _ in range(_CAS_ATTEMPTS):
            current = self._get_state_doc(key)
            version = (
                1 if current is None else current["_source"]["sentinel"]["state"]["version"] + 1
            )
            if self._write_state(key, value, version, current):
                return
        raise StoreUnavailable(f"state {key!r}: too many concurrent writers")

    def delete_state(self, key: str) -> None:
        self._op(
            self.client.options(ignore_status=404).delete,
            index=self._index("state"),
            id=key,
            refresh=True,
        )

    def list_state(self, prefix: str) -> list[tuple[str, dict[str, Any]]]:
        query = {"prefix": {"sentinel.state.key": prefix}} if prefix else {"match_all": {}}
        out: list[tuple[str, dict[str, Any]]] = []
        after = None
        while True:
            page: dict[str, Any] = {
                "query": query,
                "sort": [{"sentinel.state.key": "asc"}],
                "size": _PAGE,
            }
            if after is not None:
                page["search_after"] = after
            hits = self._search(self._index("state"), **page)["hits"]["hits"]
            out.extend(
                (
                    h["_source"]["sentinel"]["state"]["key"],
                    h["_source"]["sentinel"]["state"]["value"],
                )
                for h in hits
            )
            if len(hits) < _PAGE:
                return out
            after = hits[-1]["sort"]

    # audit ----------------------------------------------------------------

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
        return _source_model("audit", hits[0]["_source"]) if hits else None

    def iter_audit(self) -> Iterator[AuditEntry]:
        after = None
        while True:
            page: dict[str, Any] = {"sort": [{"sentinel.audit.seq": "asc"}], "size": _PAGE}
            if after is not None:
                page["search_after"] = after
            hits = self._search(self._index("audit"), **page)["hits"]["hits"]
            for h in hits:
                yield _source_model("audit", h["_source"])
            if len(hits) < _PAGE:
                return
            after = hits[-1]["sort"]
