"""The audit log: append-only, hash-chained, keyed entries in the store (`sentinel-audit`),
its head anchored outside the store.

Each entry's `hash` is HMAC-SHA256, under the audit key (`sentinel.compliance.auditkey`,
never in the store), of the canonical JSON of every other field, including the previous
entry's hash. Editing, deleting or reordering an entry breaks the chain from there on;
without the key nobody can recompute a valid hash, so a forged append, an edit with a
"fixed" hash and a full re-chain are all found. Appends are create-only by sequence
number: two writers racing for one seq cannot both win, and the loser retries.

A chain alone cannot show that its newest entries were cut off, so every append is
also anchored in the head file next to the key and announced as one ECS line on the
`sentinel.audit` logger carrying the seq and hash (ship it elsewhere: a second anchor
the store's owner cannot rewrite). `verify()` checks the store against the anchor:
a missing tail, entries beyond the head and a wiped log are reported like a broken
link, by the first seq concerned; so is an entry that no longer parses.

Entries hold the subject only as its HMAC key, never the raw id: the audit log
outlives every erasure by design.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sentinel.clock import SYSTEM_CLOCK, Clock
from sentinel.compliance.auditkey import AnchorError, HeadAnchor, audit_key, head_path
from sentinel.config import Settings
from sentinel.models import AuditEntry
from sentinel.store.base import Store, StoreError, StoreUnavailable
from sentinel.telemetry.ecs import ecs_formatter

GENESIS_HASH = "0" * 64
AUDIT_LOGGER = "sentinel.audit"
_MAX_ATTEMPTS = 100
_logger_lock = threading.Lock()


def audit_logger() -> logging.Logger:
    """`sentinel.audit`, ECS JSON lines on stderr unless the deployment configured the
    logger itself (handlers on it); one line per entry, carrying its seq and hash."""
    logger = logging.getLogger(AUDIT_LOGGER)
    with _logger_lock:
        if not logger.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(ecs_formatter())
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            logger.propagate = False
    return logger


class AuditAnchorMissing(StoreUnavailable):
    """The head file is gone (or unwritable) while the store holds entries: appending
    would hide that, so audited operations wait (503 over HTTP) until it is restored."""


def entry_hash(entry: AuditEntry, key: bytes) -> str:
    """HMAC-SHA256 of the entry's canonical JSON without its own hash."""
    body = entry.model_dump(mode="json", exclude={"hash"})
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Verification:
    """Outcome of `AuditLog.verify()`: ok, how many entries were checked, and the first
    broken entry's seq with the reason when not ok (seq None: the anchor itself)."""

    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str | None = None


def verify_chain(
    entries: Iterator[AuditEntry], key: bytes, anchored: dict[int, str]
) -> Verification:
    """Walk `entries` in seq order against the key and the anchored heads; stop at the
    first entry that does not hold. Used on the store and on an exported bundle."""
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    try:
        for entry in entries:
            if entry.seq != expected_seq:
                return Verification(False, checked, expected_seq, "entry missing (seq gap)")
            if entry.prev_hash != prev_hash:
                return Verification(False, checked, entry.seq, "prev_hash does not match")
            if not hmac.compare_digest(entry_hash(entry, key), entry.hash):
                return Verification(False, checked, entry.seq, "hash does not match content")
            if entry.seq in anchored and anchored[entry.seq] != entry.hash:
                return Verification(False, checked, entry.seq, "hash differs from anchored head")
            prev_hash, expected_seq, checked = entry.hash, entry.seq + 1, checked + 1
    except (ValueError, TypeError, KeyError):  # a stored document that no longer parses
        return Verification(False, checked, expected_seq, "entry is not parsable")
    head = max(anchored, default=0)
    if head >= expected_seq:
        return Verification(
            False,
            checked,
            expected_seq,
            f"entries up to the anchored head (seq {head}) are missing",
        )
    if checked > head:
        return Verification(False, checked, head + 1, "entry beyond the anchored head")
    return Verification(True, checked)


class AuditLog:
    def __init__(
        self, store: Store, clock: Clock = SYSTEM_CLOCK, *, key: bytes, anchor: HeadAnchor
    ) -> None:
        self.store = store
        self.clock = clock
        self.anchor = anchor
        self._key = key

    @classmethod
    def for_settings(
        cls, store: Store, settings: Settings, clock: Clock = SYSTEM_CLOCK
    ) -> AuditLog:
        """The deployment's audit log: its key and head file as the settings name them."""
        key = audit_key(settings)
        return cls(store, clock, key=key, anchor=HeadAnchor(head_path(settings), key))

    def append(
        self,
        actor: str,
        action: str,
        *,
        subject_key: str | None = None,
        request_id: str | None = None,
        counts: dict[str, int] | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Append one entry at the head of the chain; retries when another writer wins."""
        for attempt in range(_MAX_ATTEMPTS):
            last = self.store.last_audit()
            self._check_anchor(last)
            entry = AuditEntry(
                seq=(last.seq + 1) if last else 1,
                timestamp=self.clock.now(),
                actor=actor,
                action=action,
                subject_key=subject_key,
                request_id=request_id,
                counts=dict(counts or {}),
                details=dict(details or {}),
                prev_hash=last.hash if last else GENESIS_HASH,
                hash="",
            )
            entry = entry.model_copy(update={"hash": entry_hash(entry, self._key)})
            if self.store.append_audit(entry):
                try:
                    self.anchor.record(entry.seq, entry.hash)
                except OSError as exc:  # verify will report this entry as beyond the head
                    raise AuditAnchorMissing(
                        f"cannot anchor audit entry {entry.seq} in {self.anchor.path}: "
                        f"{exc.strerror}"
                    ) from None
                audit_logger().info(
                    "audit %s by %s", action, actor,
                    extra={"event.action": action, "event.kind": "event",
                           "sentinel.audit.seq": entry.seq, "sentinel.audit.hash": entry.hash},
                )  # fmt: skip
                return entry
            time.sleep(min(0.001 * (attempt + 1), 0.05))  # real time: another process won
        raise StoreError(f"could not append to the audit log after {_MAX_ATTEMPTS} attempts")

    def _check_anchor(self, last: AuditEntry | None) -> None:
        if self.anchor.exists():
            return
        if last is not None:
            raise AuditAnchorMissing(
                f"audit head file {self.anchor.path} is missing while the log holds "
                f"{last.seq} entries; restore it (see `sentinel audit verify`)"
            )
        self.anchor.create()  # a new log: its anchor starts now

    def entries(self) -> Iterator[AuditEntry]:
        return self.store.iter_audit()

    def verify(self) -> Verification:
        """The store's chain against the key and the anchored head (see module)."""
        try:
            anchored = self.anchor.read()
        except AnchorError as exc:
            if self.store.last_audit() is None and not self.anchor.exists():
                return Verification(True, 0)  # nothing was ever logged here
            return Verification(False, 0, None, str(exc))
        return verify_chain(self.store.iter_audit(), self._key, anchored)
