"""Erasure tombstones as the record writers see them: a record of an erased subject that
arrives later (queued, or spooled while the store was down) is dropped, not restored.

The whole set is read with one `list_state("tombstone:")` and cached for `ttl` seconds:
erasures are rare, calls are not, so one query per second beats one lookup per subject.
An erasure therefore takes effect in the writers within `ttl` of its tombstone (the
erasure's own spool and store steps cover records written before that).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sentinel.clock import SYSTEM_CLOCK, Clock
from sentinel.compliance.erasure import TOMBSTONE_PREFIX
from sentinel.records.models import Record
from sentinel.store.base import Store, StoreUnavailable

log = logging.getLogger("sentinel.sink")

TTL = 1.0


class Tombstones:
    def __init__(self, store: Store, *, ttl: float = TTL, clock: Clock = SYSTEM_CLOCK) -> None:
        self.store = store
        self.ttl = ttl
        self.clock = clock
        self._keys: frozenset[str] = frozenset()
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
        self._keys = frozenset(key[len(TOMBSTONE_PREFIX) :] for key, _ in entries)
        self._fetched_at = now

    def split(self, records: Sequence[Record]) -> tuple[list[Record], int]:
        """(records to keep, how many belong to erased subjects), by the cached set."""
        if not self._keys:
            return list(records), 0
        keep = [r for r in records if r.subject_key is None or r.subject_key not in self._keys]
        return keep, len(records) - len(keep)
