"""Delivering records to the store: what the sink's writer and every spool replay share
(tombstone filter, rejected records isolated), and `replay_spool` for `sentinel serve`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sentinel.config import Settings
from sentinel.models import Record
from sentinel.records.spool import ReplayResult, Spool
from sentinel.records.tombstones import Tombstones
from sentinel.store.base import RecordRejected, Store, StoreUnavailable
from sentinel.store.dead_letter import DeadLetterFile

log = logging.getLogger("sentinel.sink")


@dataclass
class Delivered:
    written: int = 0
    erased: int = 0  # dropped: the subject has a tombstone
    rejected: int = 0  # the store refused the record itself: it is in the dead-letter file
    lost: int = 0  # refused, and the dead-letter file could not take it either (logged)


class StoreWriter:
    """Writes batches to the store. Raises StoreUnavailable when the store cannot take
    them, for any failure that is not a rejection, foreseen or not (nothing is dropped
    then: the caller spools or keeps them). A record the store refuses for itself is
    isolated, dead-lettered with its reason and counted, so one bad record neither
    blocks a replay forever nor takes its batch down with it."""

    def __init__(
        self,
        store: Store,
        tombstones: Tombstones,
        on_delivered: Callable[[Delivered], None] | None = None,
        *,
        dead_letter: DeadLetterFile | None = None,
    ) -> None:
        self.store = store
        self.tombstones = tombstones
        self.on_delivered = on_delivered
        own = getattr(store, "dead_letter", None)
        self.dead_letter = own if isinstance(own, DeadLetterFile) else dead_letter

    def write(self, records: Sequence[Record]) -> Delivered:
        self.tombstones.refresh()
        keep, erased = self.tombstones.split(records)
        outcome = Delivered(erased=erased)
        if keep:
            try:
                self._write(keep, outcome)
            except RecordRejected as exc:
                if len(keep) == 1:
                    self.set_aside(keep[0], exc.reason, outcome)
                else:  # find the bad one(s); the store upserts, so re-writes are fine
                    for record in keep:
                        try:
                            self._write([record], outcome)
                        except RecordRejected as one:
                            self.set_aside(record, one.reason, outcome)
        if self.on_delivered is not None:
            self.on_delivered(outcome)
        return outcome

    def _write(self, records: Sequence[Record], outcome: Delivered) -> None:
        try:
            result = self.store.write_records(records)
        except (StoreUnavailable, RecordRejected):
            raise
        except Exception as exc:  # unforeseen: the store is down, never the record bad
            raise StoreUnavailable(f"store write failed: {type(exc).__name__}: {exc}") from exc
        outcome.written += result.written
        for rejected in result.rejected:  # the store dead-lettered these itself
            outcome.rejected += 1
            log.error("store rejected record %s: %s", rejected.request_id, rejected.reason)

    def set_aside(self, record: Record, reason: str, outcome: Delivered) -> None:
        """Dead-letter one record that can never be stored (or spooled) as it is."""
        log.error("record %s set aside in the dead-letter file: %s", record.request_id, reason)
        try:
            if self.dead_letter is None:
                raise OSError("this store has no dead-letter file")
            self.dead_letter.reject(record, reason)
        except Exception:
            log.exception("dead-letter write failed: record %s lost", record.request_id)
            outcome.lost += 1
            return
        outcome.rejected += 1


def replay_spool(store: Store, settings: Settings) -> ReplayResult | None:
    """One replay pass over this machine's spool (the daemon's `spool.replay` job); None
    when there is no spool directory. Stops at the first StoreUnavailable."""
    if not settings.spool_path.exists():
        return None
    spool = Spool(settings.spool_path, fsync=settings.spool_fsync)
    writer = StoreWriter(store, Tombstones(store))
    try:
        result = spool.replay(writer.write)
    except StoreUnavailable as exc:
        log.info("spool replay paused, store unavailable: %s", exc)
        return None
    finally:
        spool.close()
    if result.replayed:
        log.info("spool replay: %d record(s) delivered, %d segment(s) done",
                 result.replayed, result.segments_deleted)  # fmt: skip
    return result
