"""Sink: hands records from the app's threads to the store without ever blocking them on it.

    submit ─► bounded queue ─► writer thread ─► StoreWriter ─► store
                  │ full               │ StoreUnavailable
                  ▼                    ▼
               policy: spool (sync) / drop ─► Spool (disk) ─► replay, in order ─► store

* The app thread only appends to an in-memory queue (one lock, no I/O). When the queue
  is full (the store is slow and the writer is stuck in a write), the policy decides:
  `spool` (default) appends the records to the disk spool right there, which loses
  nothing; `drop` counts them as dropped.
* The writer takes batches. Once anything went to the spool it stays in "spooling" mode:
  new batches are appended behind the spooled ones and the writer replays the spool in
  order (retrying with backoff while the store is down), so records reach the store in
  the order they were submitted; when the spool is empty it writes directly again.
* Records of erased subjects (tombstones) are dropped before any store write, including
  replays, and never re-checked against a store that is down: they are spooled and
  checked when they are replayed.
* `flush()` returns once every submitted record is in the store or durably in the spool;
  while the store is up it also waits for the spool to drain.
* Write-ahead: `submit` first appends the records to this process's journal
  (`sentinel.records.journal`, one `write`), so a record whose call returned survives
  SIGKILL; records leave the journal once stored, spooled or dead-lettered.
* Never silent: a record is stored, spooled, dead-lettered (the store refused it, or it
  cannot be serialised) or counted in `dropped_by[reason]` (only a spool disk that refuses
  the write, or the `drop` policy, loses one); `flush()` is False after any drop.
* Metrics (OpenTelemetry, `sink_metrics`): queue depth, spool bytes, spooled, replayed,
  dead-lettered, dropped by reason. A telemetry failure is swallowed.
* Loss bound: a process crash (SIGKILL) loses nothing that `submit` accepted; a machine
  crash loses at most the last fsync interval (SENTINEL_SPOOL_FSYNC, 1 s by default) of
  journaled and spooled records.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Sequence
from typing import Any

from opentelemetry.metrics import MeterProvider

from sentinel.config import Settings
from sentinel.models import Record
from sentinel.records.replay import Delivered, StoreWriter
from sentinel.records.segments import encode_one, made_valid, note_drop
from sentinel.records.sink_metrics import SinkMetrics
from sentinel.records.sink_writer import RETRY_MIN, Queued, WriterLoop
from sentinel.records.spool import Spool
from sentinel.records.tombstones import Tombstones
from sentinel.store.base import Store
from sentinel.store.dead_letter import DeadLetterFile

log = logging.getLogger("sentinel.sink")

QUEUE_FULL_POLICIES = ("spool", "drop")


class Sink(WriterLoop):
    """Bounded in-memory queue drained by one background writer thread (see module)."""

    def __init__(
        self,
        store: Store,
        settings: Settings | None = None,
        *,
        spool: Spool | None = None,
        queue_size: int | None = None,
        queue_full_policy: str | None = None,
        batch_size: int = 500,
        meter_provider: MeterProvider | None = None,
        tombstones: Tombstones | None = None,
        write_ahead: bool | None = None,
    ) -> None:
        """Validates the queue settings, opens (or adopts) the spool and its journal,
        and starts the writer thread; kept in one place because the order matters:
        orphaned journals are adopted before the writer can replay or spool."""
        settings = settings or Settings()
        self.queue_size = queue_size if queue_size is not None else settings.queue_size
        self.policy = queue_full_policy or settings.queue_full_policy
        if self.queue_size < 1:
            raise ValueError(f"sink queue size must be at least 1, got {self.queue_size}")
        if self.policy not in QUEUE_FULL_POLICIES:
            raise ValueError(f"queue full policy must be spool or drop, got {self.policy!r}")
        self.store = store
        self.batch_size = batch_size
        if spool is None:
            try:
                spool = Spool(settings.spool_path, fsync=settings.spool_fsync)
            except OSError as exc:
                raise OSError(
                    f"spool directory {settings.spool_path} (SENTINEL_SPOOL_DIR) is not "
                    f"usable: {exc.strerror or exc}"
                ) from exc
        self.spool = spool
        if write_ahead is None:
            write_ahead = settings.spool_write_ahead
        self.journal = spool.journal() if write_ahead else None
        self._metrics = SinkMetrics(self, meter_provider)
        self._writer = StoreWriter(
            store,
            tombstones or Tombstones(store),
            self._on_delivered,
            dead_letter=DeadLetterFile(spool.path / "dead-letter.jsonl"),
        )
        # (journal generation, record, its JSON (UTF-8) from the journal or None)
        self._queue: deque[Queued] = deque()
        self._lock = threading.Lock()
        self._has_work = threading.Condition(self._lock)  # the writer waits on this
        self._progress = threading.Condition(self._lock)  # flush waits on this
        self._pending = 0  # submitted, neither in the store nor in the spool yet
        self._stopping = False
        with contextlib.suppress(OSError):
            spool.adopt_orphans()  # journals of processes that died: replay them
        self._spooling = bool(self.spool.segments())  # left over from an earlier run
        self._store_down = False
        self._replay_busy = False
        self._replay_attempts = 0
        self._spool_epoch = 0
        self._appending = 0
        self._retry_at = 0.0
        self._backoff = RETRY_MIN
        self._journal_failing = False
        self.dropped = 0
        self.dropped_by: Counter[str] = Counter()  # reason -> records lost
        self._dropped_since_flush: Counter[str] = Counter()
        self.spooled = 0
        self.replayed = 0
        self.erased = 0
        self.dead_lettered = 0
        self._thread = threading.Thread(target=self._run, name="sentinel-sink", daemon=True)
        self._thread.start()

    @property
    def rejected(self) -> int:
        """Records the store refused (now in the dead-letter file)."""
        return self.dead_lettered

    def stats(self) -> dict[str, Any]:
        """Where records went so far (for `flush()`'s log line and operators)."""
        with self._lock:
            return {
                "spooled": self.spooled,
                "replayed": self.replayed,
                "dead_lettered": self.dead_lettered,
                "erased": self.erased,
                "dropped": dict(self.dropped_by),
                "queued": len(self._queue),
                "pending": self._pending,
            }

    # app side ---------------------------------------------------------------

    def submit(self, record: Record) -> None:
        """Never raises and never blocks the caller on the store."""
        self.submit_many((record,))

    def submit_many(self, records: Sequence[Record]) -> None:
        """Journal the records (one `write`, see `sentinel.records.journal`), then queue
        them: once this returns they survive the death of the process."""
        try:
            encoded: list[tuple[bytes, bytes] | None] = []
            if self.journal is not None:
                encoded = [encode_one(r) for r in records]
                if None in encoded:  # (a lone surrogate: stored as U+FFFD, not set aside)
                    records, encoded = _made_valid(records, encoded)
            with self._lock:
                room = max(0, self.queue_size - len(self._queue))
                queued, overflow = records[:room], records[room:]
                gens = self._journal_locked(encoded[: len(queued)]) if encoded else None
                if gens is None:
                    self._queue.extend((-1, r, None) for r in queued)
                else:  # the journal's JSON goes on with the record: the store reuses it
                    docs = [e[0] if e is not None else None for e in encoded[: len(queued)]]
                    self._queue.extend(zip(gens, queued, docs, strict=True))
                self._pending += len(records)
            if overflow:
                self._overflow(list(overflow))
        except Exception:  # the app's call must not fail because of record keeping
            log.exception("sink could not accept %d record(s)", len(records))

    def _journal_locked(self, encoded: list[tuple[bytes, bytes] | None]) -> list[int] | None:
        """Generation per record (-1: not journaled, e.g. it cannot be serialised)."""
        good = [e[1] for e in encoded if e is not None]
        if not good or self.journal is None:
            return None
        try:
            gen = self.journal.append(good)
        except OSError as exc:  # the records still go on from memory: nothing lost yet
            if not self._journal_failing:
                log.warning("write-ahead journal write failed (%s): records are kept in "
                            "memory only until stored", exc)  # fmt: skip
            self._journal_failing = True
            return None
        self._journal_failing = False
        return [gen if e is not None else -1 for e in encoded]

    def _overflow(self, records: list[Record]) -> None:
        try:
            if self.policy == "drop":
                self._drop(len(records), "queue_full")
            else:
                self._to_spool(records)
        finally:  # whatever happened, these are no longer pending (flush must not hang)
            self._done(len(records))

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Wait until every submitted record is in the store or durably in the spool (and,
        while the store is up, until the spool drained); True if it is and no record was
        dropped since the last flush (the log line then says how many, and why). A spool
        backlog gets a replay attempt right away: only if that fails too is the store down."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            attempts = self._replay_attempts
            self._retry_at = 0.0
            self._has_work.notify()
            # the spool drains only if the store is up and no other process replays it
            while self._pending or (
                self._spooling
                and not self._replay_busy
                and (not self._store_down or self._replay_attempts == attempts)
            ):
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                self._progress.wait(remaining)
            durable = self._pending == 0
            lost, self._dropped_since_flush = self._dropped_since_flush, Counter()
        try:
            self.spool.sync()
            if self.journal is not None:
                self.journal.sync_due(force=True)
        except OSError:
            log.exception("could not sync the spool")
            return False
        if lost:
            reasons = ", ".join(f"{n} {why}" for why, n in sorted(lost.items()))
            log.error("sink flush: %d record(s) dropped since the last flush (%s); %s",
                      sum(lost.values()), reasons, self.stats())  # fmt: skip
            return False
        if not durable:
            log.warning("sink flush timed out: %s", self.stats())
        return durable

    def close(self, timeout: float | None = 10.0) -> None:
        """Flush, stop the writer; records still queued after `timeout` go to the spool
        (and stay in the journal until then: nothing is lost if this never returns)."""
        self.flush(timeout)
        with self._lock:
            self._stopping = True
            self._has_work.notify()
        self._thread.join(timeout)
        with self._lock:
            rest = list(self._queue)
            self._queue.clear()
        if rest:
            self._to_spool([r for _, r, _ in rest])
            self._settle(rest)
            self._done(len(rest))
        if self._thread.is_alive():  # stuck in a store write; it may still need the spool
            log.warning("sink writer still busy with the store at close; spool left open")
            self.spool.sync()
            return
        try:
            if self.journal is not None:
                self.journal.close()
            self.spool.close()
        except OSError:
            log.exception("could not close the spool")

    # bookkeeping --------------------------------------------------------------

    def _done(self, n: int) -> None:
        with self._lock:
            self._pending -= n
            self._progress.notify_all()

    def _settle(self, batch: list[Queued]) -> None:
        """Journal entries of records now stored, spooled, dead-lettered or counted lost."""
        if self.journal is None:
            return
        try:
            self.journal.settle(Counter(g for g, _, _ in batch if g >= 0))
        except OSError:
            log.warning("could not settle the write-ahead journal", exc_info=True)

    def _drop(self, n: int, reason: str) -> None:
        if not n:
            return
        with self._lock:
            self.dropped += n
            self.dropped_by[reason] += n
            self._dropped_since_flush[reason] += n
        self._metrics.add(self._metrics.dropped, n, reason)
        note_drop(self.spool.path, n, reason)

    def _on_delivered(self, outcome: Delivered) -> None:
        with self._lock:
            self.erased += outcome.erased
            self.dead_lettered += outcome.rejected
        self._metrics.add(self._metrics.dropped, outcome.erased, "erased")
        self._metrics.add(self._metrics.dead_lettered, outcome.rejected)
        self._drop(outcome.lost, "dead_letter_error")

    def _to_spool(self, records: list[Record]) -> None:
        """Spool records (dropping those already known to be erased) one by one: a record
        that cannot be serialised goes to the dead-letter file, and only records a disk
        refused are lost, counted exactly and logged."""
        keep, erased = self._writer.tombstones.split(records)
        self._on_delivered(Delivered(erased=erased))
        if not keep:
            return
        # The writer leaves spooling mode only if the spool was empty after a replay that
        # no append overlapped (epoch + in-flight count), so no record is stranded.
        with self._lock:
            self._spooling = True
            self._spool_epoch += 1
            self._appending += 1
        try:
            out = self.spool.append(keep)
        finally:
            with self._lock:
                self._appending -= 1
        if out.unserialisable:
            aside = Delivered()
            for record, reason in out.unserialisable:
                self._writer.set_aside(record, reason, aside)
            self._on_delivered(aside)
        with self._lock:
            self.spooled += out.spooled
        self._metrics.add(self._metrics.spooled, out.spooled)
        if out.lost:
            full = out.error is not None and out.error.errno == errno.ENOSPC
            log.error("spool write failed, %d record(s) lost: %s", out.lost, out.error)
            self._drop(out.lost, "spool_full" if full else "spool_error")


def _made_valid(
    records: Sequence[Record], encoded: list[tuple[bytes, bytes] | None]
) -> tuple[list[Record], list[tuple[bytes, bytes] | None]]:
    """The records with those that could not be serialised made valid where that is
    why (segments.made_valid), and their encodings."""
    out, codes = list(records), list(encoded)
    for i, code in enumerate(codes):
        if code is None and (valid := made_valid(out[i])) is not None:
            out[i], codes[i] = valid, encode_one(valid)
    return out, codes
