"""The Store protocol: everything the client, rule engine, privacy job and compliance
service need from persistence, and nothing more.

Two implementations exist (`sqlite.SQLiteStore`, the embedded default, and
`elastic.ElasticStore` for production) and both pass `tests/store/test_store_contract.py`.
Rules for implementers:

* Writes are idempotent: the document id of a call, conversation or feedback is its
  `request_id`, so a replay from the spool never duplicates.
* Write failures are classified by cause in one function per store: a failure of the
  store as a whole (unreachable, I/O error, disk full, read-only, locked, corrupt file,
  missing table or index, auth, 429/5xx, or anything unforeseen) raises
  `StoreUnavailable` (the sink then spools); only a fault of one record (a constraint,
  a mapping or parse error, text that cannot be encoded) is a `RecordRejected`, and the
  record goes to the store's dead-letter file (`dead_letter`) with the reason.
* Window queries touch only the window (indexed on timestamp), so an evaluation costs
  the same with a day or a year of history.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from sentinel.models import AlertEvent, AuditEntry, CallRecord, Conversation, Record
from sentinel.store.balance_series import BalanceSeries
from sentinel.store.cost_window import CostQueries

# Labels the rule engine may filter or group calls by. They are columns in SQLite and
# keyword fields in Elasticsearch; metadata.* labels are not aggregatable by design.
CALL_LABELS = ("app", "model", "endpoint", "operation", "error_type")
# The labels feedback can be filtered and grouped by (a subset of the call labels).
FEEDBACK_LABELS = ("app", "model")

# Every kind of document that `count`, `iter_subject` and `delete_subject` know, raw
# content first (the order an erasure deletes in), with the SQLite table and the
# Elasticsearch index suffix that holds it. Both stores take their names from here, so a
# kind added once is a kind both must handle (the contract tests check that they do).
_COLLECTIONS = {
    "conversation": "conversations",
    "call": "calls",
    "feedback": "feedback",
    "alert": "alerts",
    "cache": "cache",
}
KINDS = tuple(_COLLECTIONS)


def collection(kind: str) -> str:
    """The table / index suffix of `kind`; the one error every store gives for any other."""
    try:
        return _COLLECTIONS[kind]
    except KeyError:
        raise ValueError(
            f"unknown kind {kind!r}: use {', '.join(KINDS[:-1])} or {KINDS[-1]}"
        ) from None


def check_labels(names: Sequence[str], allowed: Sequence[str]) -> None:
    """The one error every store gives for a label it cannot filter or group by."""
    bad = [n for n in names if n not in allowed]
    if bad:
        raise ValueError(f"unknown label(s) {bad}: allowed are {list(allowed)}")


class StoreError(Exception):
    """Base class for store failures."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or is not writable right now; retry later."""


class RecordRejected(StoreError):
    """The store refused a record (mapping or constraint error); retrying will not help."""

    def __init__(self, request_id: str, reason: str) -> None:
        super().__init__(f"record {request_id} rejected: {reason}")
        self.request_id = request_id
        self.reason = reason


@dataclass(frozen=True)
class CallStats:
    """Aggregates of calls in one window for one label group."""

    labels: dict[str, str]
    total: int = 0
    errors: int = 0
    rate_limited: int = 0
    circuit_open: int = 0
    latency_avg_ms: float | None = None
    latency_p95_ms: float | None = None
    # For the status page; a store that cannot compute them cheaply leaves them None.
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None
    # calls in which the safety filter found each category (content_flagged_rate)
    flagged: dict[str, int] = field(default_factory=dict)
    # token field of the table of call fields -> total in the window (fields with no
    # count in any call of the window are 0)
    tokens: dict[str, int] = field(default_factory=dict)
    # time to first chunk of the window's streams; None without streams
    ttft_p95_ms: float | None = None


@dataclass(frozen=True)
class FeedbackStats:
    labels: dict[str, str]
    count: int = 0
    score_avg: float | None = None
    satisfied: int = 0
    rated: int = 0  # entries with a satisfied value


@dataclass
class WriteResult:
    written: int = 0
    rejected: list[RecordRejected] = field(default_factory=list)


class Serialised(list[Record]):
    """A batch whose records' JSON documents were already made (`docs[i]` is
    `self[i].model_dump_json()`): the sink's write-ahead journal serialised each record
    once, and a store that keeps the document (SQLite) takes it from here instead of
    serialising again, ~5 us a record. Any list of records is still a valid batch."""

    def __init__(self, records: Sequence[Record], docs: Sequence[str]) -> None:
        super().__init__(records)
        self.docs = docs


class CacheEntry(BaseModel):
    """One cached response (`sentinel.client.cache`). Its content is personal data, so
    it carries its subject like a conversation does and is erased and purged with it;
    `key` (the document id) already hashes the app, the subject and the request."""

    model_config = ConfigDict(extra="forbid")

    key: str
    app: str
    model: str
    created_at: datetime
    expires_at: datetime
    response: dict[str, Any]  # the ChatCompletion as JSON, without Sentinel's request_id
    subject_id: str | None = None
    subject_key: str | None = None


# The roles. `Store` is their union: what a store implements and what callers take today;
# a component that needs one role only (a lease needs StateStore, the response cache
# CacheStore) can name just that one. A store package keeps one module per role
# (`sqlite/records.py`, `elastic/records.py`, ...).


@dataclass(frozen=True)
class SchemaReport:
    """What `check_templates` found: the store's tables or index templates that are
    missing or older than this version of Sentinel (`sentinel doctor` reports them)."""

    where: str  # the store for display, never with credentials
    what: str  # what the names are: "tables", "index templates"
    summary: str  # what is present, e.g. "5 templates current"
    missing: list[str] = field(default_factory=list)
    outdated: list[str] = field(default_factory=list)
    fix: str = ""  # how to install or upgrade them

    @property
    def ok(self) -> bool:
        return not self.missing and not self.outdated


class StoreLifecycle(Protocol):
    name: str  # "sqlite" or "elasticsearch", used in erasure reports

    def setup(self) -> None:
        """Create tables / index templates idempotently."""

    def ping(self) -> bool: ...
    def close(self) -> None: ...
    def refresh(self) -> None:
        """Make every acknowledged write visible to searches (no-op for SQLite)."""

    def check_templates(self) -> SchemaReport:
        """Whether the schema `setup` installs is present and current. Raises
        StoreUnavailable, in words fit for a user, when the store cannot be asked."""


class RecordStore(Protocol):
    def write_records(self, records: Sequence[Record]) -> WriteResult:
        """Upsert by request_id. Raises StoreUnavailable if nothing could be written."""

    def get_call(self, request_id: str) -> CallRecord | None: ...
    def conversation_calls(self, conversation_id: str, limit: int = 1000) -> list[CallRecord]:
        """The calls of one conversation (conversation_id=), oldest first."""
        ...

    def get_conversation(self, request_id: str) -> Conversation | None: ...
    def count(self, kind: str) -> int:
        """Number of stored documents of one of the KINDS (ValueError for another)."""

    # retention (SENTINEL_CALLS_RETENTION; `sentinel serve` calls it)
    def expire_calls(self, before: datetime) -> int:
        """Delete call records with timestamp before `before`; returns how many. A store
        may keep some a little longer (Elasticsearch drops whole daily indices)."""


class WindowStats(Protocol):
    """The rule engine's and the status page's inputs."""

    def call_stats(
        self,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[CallStats]:
        """Aggregates over calls with start < timestamp <= end, one entry per group."""

    def feedback_stats(
        self,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[FeedbackStats]: ...


class SubjectStore(Protocol):
    """Personal data: the anonymization job's raw conversations, and GDPR export/erasure."""

    def oldest_raw_conversation(self) -> datetime | None:
        """Timestamp of the oldest conversation not yet anonymized."""

    def raw_conversations(self, older_than: datetime, limit: int) -> list[Conversation]:
        """Conversations not anonymized with timestamp <= older_than, oldest first."""

    def save_anonymized(self, conversations: Sequence[Conversation]) -> int:
        """Replace raw conversations by their anonymized form, each atomically, and only
        where the stored one is still raw (a concurrent job or an erasure wins).
        Returns how many were replaced."""

    def iter_subject(
        self, subject_id: str | None, subject_key: str, kinds: Sequence[str]
    ) -> Iterator[dict[str, Any]]:
        """Stream every document of the given kinds linked to the subject (by raw id or
        by key), as JSON-ready dicts with a `kind` field, in constant memory."""

    def delete_subject(self, subject_id: str | None, subject_key: str) -> dict[str, int]:
        """Delete everything linked to the subject (cached responses included); returns
        counts for each of the KINDS. Idempotent."""


class CacheStore(Protocol):
    """The response cache (kind "cache" in iter_subject)."""

    def cache_get(self, key: str, now: datetime) -> CacheEntry | None:
        """The entry, unless missing or expired at `now`. Reads its own writes at once."""

    def cache_put(self, entry: CacheEntry, max_entries: int) -> None:
        """Upsert by key, then evict the app's oldest entries beyond `max_entries`."""

    def cache_purge(self, created_before: datetime, now: datetime) -> int:
        """Delete entries created at or before `created_before` or expired at `now` (the
        anonymization job: cached content must not outlive the raw-data deadline)."""


class StateStore(Protocol):
    """Rule state, leases, tombstones, tokens, export/erasure jobs."""

    def get_state(self, key: str) -> tuple[dict[str, Any], int] | None:
        """The value and its version, or None."""

    def put_state(self, key: str, value: dict[str, Any], expected_version: int | None) -> bool:
        """Compare-and-set: expected_version None means "must not exist yet", otherwise the
        stored version must equal it. Returns False on conflict."""

    def set_state(self, key: str, value: dict[str, Any]) -> None:
        """Unconditional write (last writer wins)."""

    def delete_state(self, key: str) -> None: ...
    def list_state(self, prefix: str) -> list[tuple[str, dict[str, Any]]]: ...


class AlertLog(Protocol):
    def write_alert_event(self, event: AlertEvent) -> None: ...
    def list_alert_events(
        self, since: datetime | None = None, limit: int = 100
    ) -> list[AlertEvent]:
        """Newest first."""


class AuditLog(Protocol):
    def append_audit(self, entry: AuditEntry) -> bool:
        """Create-only by seq; False if that seq exists (another writer won)."""

    def last_audit(self) -> AuditEntry | None: ...
    def iter_audit(self) -> Iterator[AuditEntry]:
        """In seq order."""


@runtime_checkable
class Store(
    StoreLifecycle,
    RecordStore,
    WindowStats,
    CostQueries,
    BalanceSeries,
    SubjectStore,
    CacheStore,
    StateStore,
    AlertLog,
    AuditLog,
    Protocol,
):
    """Persistence for every Sentinel component: the union of the roles."""
