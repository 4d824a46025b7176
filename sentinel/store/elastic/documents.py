"""What ElasticStore's roles share: the document mapping of records (through
`sentinel.store.schema`), timestamps as `date_nanos` compares them, and what a failed
write or bulk item means."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from elasticsearch import ApiError

from sentinel.models import AlertEvent, AuditEntry, CallRecord, Conversation, Feedback
from sentinel.store import schema
from sentinel.store.base import CacheEntry, StoreError, StoreUnavailable

PAGE = 1000  # hits per search page and per composite-aggregation page
CAS_ATTEMPTS = 20  # compare-and-set rounds before a write gives up
RETRY_STATUS = (429, 500, 502, 503, 504)
_FIELD = re.compile(r"field \[([^\]]+)\]")
KIND_OF = {CallRecord: "call", Conversation: "conversation", Feedback: "feedback"}
_MODELS: dict[str, type[Any]] = {
    "call": CallRecord,
    "conversation": Conversation,
    "feedback": Feedback,
    "alert": AlertEvent,
    "audit": AuditEntry,
    "cache": CacheEntry,
}


@dataclass
class BulkOutcome:
    ok: int = 0
    conflicted: list[tuple[dict[str, Any], Any]] = field(default_factory=list)
    errors: list[tuple[dict[str, Any], Any]] = field(default_factory=list)  # item, record
    failed: int = 0  # still 429/5xx after every retry


def utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def iso(dt: datetime) -> str:
    """Microsecond ISO form, which `date_nanos` range queries compare exactly."""
    return utc(dt).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def redact_nodes(url: str) -> str:
    def one(node: str) -> str:
        parts = urlsplit(node.strip())
        host = parts.hostname or ""
        return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}"

    return ",".join(one(node) for node in url.split(","))


def document(record: Any) -> dict[str, Any]:
    kind = KIND_OF[type(record)]
    return schema.to_doc(kind, record)


def with_source(pair: tuple[dict[str, Any], Any]) -> dict[str, Any]:
    """The bulk action of an (action, record) pair; deletes carry no record."""
    action, record = pair
    return action if record is None else {**action, "_source": document(record)}


def source_model(kind: str, source: dict[str, Any]) -> Any:
    return _MODELS[kind].model_validate(schema.from_doc(kind, source))


def loggable(error: Any, reason: str) -> str:
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


def item_fault(status: int) -> str:
    """What one bulk item's status means. Only 400 (a mapping or parse error: the
    document itself is bad) is a rejection; 401/403 (credentials, a read-only index
    block), 404 (a missing index) and anything unforeseen mean the store cannot take
    writes, so the batch is spooled; 429/5xx are worth a retry first."""
    if status == 409:
        return "conflict"
    if status == 400:
        return "rejected"
    if status in RETRY_STATUS:
        return "retry"
    return "down"


def write_failure(exc: BaseException, url: str) -> StoreError:
    """A record write that failed as a whole (not item by item): the store is down,
    whatever the status (401/403/404 on `_bulk` are a broken store or credentials, not
    bad records) and whatever the exception, so the batch is spooled, never dropped."""
    if isinstance(exc, ApiError):
        return StoreUnavailable(f"Elasticsearch at {url} answered {exc.meta.status}: {exc.message}")
    return StoreUnavailable(f"Elasticsearch at {url} failed: {type(exc).__name__}: {exc}")


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000.0
