"""Delivering records to the store: what the sink's writer and every spool replay share
(tombstone filter, rejected records isolated), and `replay_spool` for `sentinel serve`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sentinel.config import Settings
from sentinel.records.models import Record
from sentinel.records.spool import ReplayResult, Spool
from sentinel.records.tombstones import Tombstones
from sentinel.store.base import Store, StoreUnavailable

log = logging.getLogger("sentinel.sink")


@dataclass
class Delivered:
    written: int = 0
    erased: int = 0  # dropped: the subject has a tombstone
    rejected: int = 0  # dropped: the store refused the record itself


class StoreWriter:
    """Writes batches to the store. Raises StoreUnavailable when the store cannot take
    them (nothing is dropped then: the caller spools or keeps them); a record the store
    refuses for itself is isolated, logged by request_id and counted, so one bad record
    neither blocks a replay forever nor takes its batch down with it."""

    def __init__(
        self,
        store: Store,
        tombstones: Tombstones,
        on_delivered: Callable[[Delivered], None] | None = None,
    ) -> None:
        self.store = store
        self.tombstones = tombstones
        self.on_delivered = on_delivered

    def write(self, records: Sequence[Record]) -> Delivered:
        self.tombstones.refresh()
        keep, erased = self.tombstones.split(records)
        outcome = Delivered(erased=erased)
        if keep:
            try:
                self._write(keep, outcome)
            except StoreUnavailable:
                raise
            except Exception:
                for record in keep:  # find the bad one(s); the store upserts, so re-writes are fine
                    try:
                        self._write([record], outcome)
                    except StoreUnavailable:
                        raise
                    except Exception as exc:
                        self._reject(record, type(exc).__name__, outcome)
        if self.on_delivered is not None:
            self.on_delivered(outcome)
        return outcome

    def _write(self, records: Sequence[Record], outcome: Delivered) -> None:
        result = self.store.write_records(records)
        outcome.written += result.written
        for rejected in result.rejected:
            outcome.rejected += 1
            log.error("store rejected record %s: %s", rejected.request_id, rejected.reason)

    def _reject(self, record: Record, reason: str, outcome: Delivered) -> None:
        outcome.rejected += 1
        log.error("store rejected record %s: %s", record.request_id, reason)


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
