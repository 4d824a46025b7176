"""Erasure tombstones: what stops a record created before an erasure from being written
back after it (queued, spooled while the store was down, or in flight), without hiding
the person forever if they come back.

A tombstone is the state entry `tombstone:{subject_key}` with these fields:

* `cut_off` (ISO time, or null): a record of the subject is dropped when its own
  `timestamp` is at or before it; later records are stored as usual. Null while an
  erasure of the subject runs (`erasing` names the job): then every record is dropped,
  so nothing written during the erasure survives it. When the erasure closes the
  tombstone, `cut_off` is the eraser's clock at the close (after the final sweep)
  plus `clock_skew`, the largest amount by which a writer's clock may run ahead of the
  eraser's without a pre-erasure record getting through (SENTINEL_ERASURE_CLOCK_SKEW).
  A second erasure reopens the tombstone and closes it with a later cut-off.
* A tombstone without a `cut_off` field (written before cut-offs existed) drops every
  record of the subject, as it always did, until `sentinel gdpr tombstones migrate`
  gives it the time of its erasure from the audit log.

Writers read the whole set with one `list_state("tombstone:")` and cache it for `TTL`
seconds (erasures are rare, calls are not). So every writer, in this process or any
other sharing the store, honours a tombstone at most `TTL` after it was written, plus
the one store write it may have started just before (`WRITER_BOUND`); the erasure waits
that long before it deletes, and sweeps again before it completes.

A late call record that a tombstone drops is not lost to the rule engine: it is stored
as an anonymous copy (`anonymous_call`) that keeps the operational fields and no
reference to the subject or the call.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sentinel.clock import SYSTEM_CLOCK, Clock
from sentinel.models import CallRecord, Record
from sentinel.store.base import Store, StoreUnavailable

log = logging.getLogger("sentinel.sink")

TOMBSTONE_PREFIX = "tombstone:"
TTL = 1.0
# TTL, plus a store write begun with the set read just before the tombstone appeared
# (a batch of 500 records takes well under a second on either store when it is up).
WRITER_BOUND = TTL + 1.0
ANONYMOUS_PREFIX = "erased-"
# Fields of a call record that an anonymous copy drops: they name or link the subject
# (subject_key; conversation_id: the erasure dropped that conversation, and `sentinel
# spend --by conversation` showed it again with the copy's cost), the call (request and
# response ids, trace and span ids, whose logs and spans carry the subject key) or
# free-form labels an application may fill with anything.
UNLINKED_FIELDS = frozenset(
    {
        "request_id",
        "subject_key",
        "conversation_id",
        "response_id",
        "trace_id",
        "span_id",
        "metadata",
    }
)


def tombstone_key(subject_key: str) -> str:
    return TOMBSTONE_PREFIX + subject_key


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def cut_off_of(value: dict[str, Any]) -> datetime | None:
    """The tombstone's cut-off, or None when it covers every record (an erasure is
    running, or the tombstone predates cut-offs)."""
    raw = value.get("cut_off")
    return _utc(datetime.fromisoformat(raw)) if isinstance(raw, str) else None


def covers(value: dict[str, Any] | None, when: datetime) -> bool:
    """Whether a record of the tombstoned subject created at `when` must be dropped."""
    if value is None:
        return False
    cut_off = cut_off_of(value)
    return cut_off is None or _utc(when) <= cut_off


def anonymous_call(record: CallRecord) -> CallRecord:
    """The call as the rule engine needs it (time, app, model, endpoint, outcome, status,
    latency, retries, tokens...) without UNLINKED_FIELDS. Its id is derived from the
    request id, so a record replayed twice is still counted once."""
    digest = hashlib.sha256(record.request_id.encode("utf-8")).hexdigest()[:32]
    return record.model_copy(
        update={
            "request_id": ANONYMOUS_PREFIX + digest,
            "subject_key": None,
            "conversation_id": None,
            "response_id": None,
            "trace_id": None,
            "span_id": None,
            "metadata": {},
        }
    )


def _write(
    store: Store, subject_key: str, change: dict[str, Any], drop: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Compare-and-set `change` into the subject's tombstone (created if missing)."""
    key = tombstone_key(subject_key)
    for _ in range(20):
        current = store.get_state(key)
        value = {**(current[0] if current else {}), **change}
        for name in drop:
            value.pop(name, None)
        if store.put_state(key, value, current[1] if current else None):
            return value
    raise StoreUnavailable(f"tombstone {subject_key[:12]}: too many concurrent writers")


def open_tombstone(store: Store, subject_key: str, job_id: str, now: datetime) -> dict[str, Any]:
    """An erasure starts: every record of the subject is dropped until it closes."""
    current = store.get_state(tombstone_key(subject_key))
    created = current[0].get("created_at") if current else None
    return _write(
        store,
        subject_key,
        {"created_at": created or now.isoformat(), "cut_off": None, "erasing": job_id,
         "updated_at": now.isoformat()},
    )  # fmt: skip


def close_tombstone(
    store: Store, subject_key: str, now: datetime, clock_skew: timedelta, **extra: Any
) -> dict[str, Any]:
    """Set the cut-off to `now + clock_skew` (never earlier than an older cut-off) and
    end the erasing phase: from here, later records of the subject are stored again."""
    current = store.get_state(tombstone_key(subject_key))
    cut_off = _utc(now) + clock_skew
    if current is not None and (older := cut_off_of(current[0])) is not None:
        cut_off = max(cut_off, older)
    return _write(
        store,
        subject_key,
        {"cut_off": cut_off.isoformat(), "clock_skew_s": clock_skew.total_seconds(),
         "updated_at": _utc(now).isoformat(), **extra},
        drop=("erasing",),
    )  # fmt: skip


def read_tombstone(store: Store, subject_key: str) -> dict[str, Any] | None:
    current = store.get_state(tombstone_key(subject_key))
    return current[0] if current else None


@dataclass(frozen=True)
class TombstoneInfo:
    subject_key: str
    value: dict[str, Any]

    @property
    def cut_off(self) -> datetime | None:
        return cut_off_of(self.value)

    @property
    def legacy(self) -> bool:
        return "cut_off" not in self.value

    @property
    def erasing(self) -> bool:
        return not self.legacy and self.cut_off is None


def list_tombstones(store: Store) -> list[TombstoneInfo]:
    return [
        TombstoneInfo(key[len(TOMBSTONE_PREFIX) :], value)
        for key, value in store.list_state(TOMBSTONE_PREFIX)
    ]


def removable(
    tombstones: Sequence[TombstoneInfo], now: datetime, retention: timedelta
) -> list[TombstoneInfo]:
    """Closed tombstones whose cut-off is older than `retention`: once no spool can still
    hold a record from before the cut-off, they protect nothing any more."""
    return [t for t in tombstones if t.cut_off is not None and t.cut_off <= _utc(now) - retention]


class Tombstones:
    """The writers' cached view of every tombstone (see the module docstring)."""

    def __init__(self, store: Store, *, ttl: float = TTL, clock: Clock = SYSTEM_CLOCK) -> None:
        self.store = store
        self.ttl = ttl
        self.clock = clock
        self._values: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None

    def refresh(self) -> None:
        """Re-read the set if it is older than ttl. Raises StoreUnavailable when the store
        cannot answer: the caller must then keep the records (spool), not write them."""
        now = self.clock.monotonic()
        if self._fetched_at is not None and now - self._fetched_at < self.ttl:
            return
        try:
            entries = self.store.list_state(TOMBSTONE_PREFIX)
        except StoreUnavailable:
            raise
        except Exception as exc:  # a store down mid-request may fail in its own way
            log.warning("cannot read tombstones; records are kept for later", exc_info=True)
            raise StoreUnavailable(f"cannot read tombstones: {type(exc).__name__}") from exc
        self._values = {key[len(TOMBSTONE_PREFIX) :]: value for key, value in entries}
        self._fetched_at = now

    def split(self, records: Sequence[Record]) -> tuple[list[Record], int]:
        """(records to write, how many the cached tombstones dropped). A dropped call
        record is replaced by its anonymous copy, so the rule engine still counts it."""
        if not self._values:  # the batch as it is (a `Serialised` one keeps its documents)
            return records if isinstance(records, list) else list(records), 0
        keep: list[Record] = []
        erased = 0
        for record in records:
            key = record.subject_key
            if key is None or not covers(self._values.get(key), record.timestamp):
                keep.append(record)
                continue
            erased += 1
            if isinstance(record, CallRecord):
                keep.append(anonymous_call(record))
        return keep, erased
