"""The audit log: append-only, hash-chained entries in the store (`sentinel-audit`).

Each entry's hash is SHA-256 over the canonical JSON of every other field, including
the previous entry's hash, so editing, deleting or reordering any entry breaks the
chain from that point on and `verify()` names the first broken entry. Appends are
create-only by sequence number: two writers racing for the same seq cannot both win,
and the loser re-reads the head and retries.

A chain alone cannot show that its newest entries were cut off, so every append also
advances the `audit:head` state entry (seq and hash, compare-and-set, never
backwards); `verify()` reports a log shorter than its recorded head.

Entries hold the subject only as its HMAC key, never the raw id: the audit log
outlives every erasure by design.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sentinel.clock import SYSTEM_CLOCK, Clock
from sentinel.records.models import AuditEntry
from sentinel.store.base import Store, StoreError

GENESIS_HASH = "0" * 64
HEAD_KEY = "audit:head"
_MAX_ATTEMPTS = 100


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 of the entry's canonical JSON without its own hash."""
    body = entry.model_dump(mode="json", exclude={"hash"})
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Verification:
    """Outcome of `AuditLog.verify()`: ok, how many entries were checked, and the first
    broken entry's seq with the reason when not ok."""

    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str | None = None


class AuditLog:
    def __init__(self, store: Store, clock: Clock = SYSTEM_CLOCK) -> None:
        self.store = store
        self.clock = clock

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
            entry = entry.model_copy(update={"hash": entry_hash(entry)})
            if self.store.append_audit(entry):
                self._advance_head(entry)
                return entry
            time.sleep(min(0.001 * (attempt + 1), 0.05))  # real time: another process won
        raise StoreError(f"could not append to the audit log after {_MAX_ATTEMPTS} attempts")

    def _advance_head(self, entry: AuditEntry) -> None:
        while True:
            current = self.store.get_state(HEAD_KEY)
            if current is not None and current[0].get("seq", 0) >= entry.seq:
                return
            value = {"seq": entry.seq, "hash": entry.hash}
            if self.store.put_state(HEAD_KEY, value, current[1] if current else None):
                return

    def entries(self) -> Iterator[AuditEntry]:
        return self.store.iter_audit()

    def verify(self) -> Verification:
        """Walk the chain in seq order; stop at the first entry that does not hold.

        The recorded head also catches a chain rewritten consistently (every hash
        recomputed) up to the head, and one truncated after it."""
        head = self.store.get_state(HEAD_KEY)
        head_seq, head_hash = (head[0].get("seq", 0), head[0].get("hash")) if head else (0, None)
        prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
        for entry in self.store.iter_audit():
            if entry.seq != expected_seq:
                return Verification(False, checked, expected_seq, "entry missing (seq gap)")
            if entry.prev_hash != prev_hash:
                return Verification(False, checked, entry.seq, "prev_hash does not match")
            if entry_hash(entry) != entry.hash:
                return Verification(False, checked, entry.seq, "hash does not match content")
            if entry.seq == head_seq and entry.hash != head_hash:
                return Verification(False, checked, entry.seq, "hash differs from recorded head")
            prev_hash, expected_seq, checked = entry.hash, entry.seq + 1, checked + 1
        if head_seq >= expected_seq:
            return Verification(False, checked, expected_seq, "entries up to the head are missing")
        return Verification(True, checked)
