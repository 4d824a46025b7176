"""The sink's writer thread (`sentinel.records.sink`): takes batches off the queue,
writes them to the store, spools them while it is down and replays the spool in order.

A mixin of `Sink`, kept apart so each module holds one side of the hand-off: `sink`
the app's side (journal, queue, flush, close) and the bookkeeping both share, this one
what runs on the writer thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import TYPE_CHECKING

from sentinel.models import Record
from sentinel.store.base import Serialised, StoreUnavailable

if TYPE_CHECKING:
    from sentinel.records.journal import Journal
    from sentinel.records.replay import StoreWriter
    from sentinel.records.sink_metrics import SinkMetrics
    from sentinel.records.spool import Spool

RETRY_MIN, RETRY_MAX = 0.2, 2.0  # replay backoff while the store is down (seconds)
# Seconds the writer waits to fill a batch. Each store transaction has a fixed cost
# (on SQLite a WAL frame write per touched table and index page: ~10 writes), so at
# 1000 calls/s a 2 ms linger (4 records a commit) spent as much CPU on commits as a
# fully instrumented call spends on everything else; 50 ms makes ~100-record batches.
# flush() and close() cut the wait short, so nothing waits on it but the store.
LINGER = 0.05
REPLAY_BATCHES = 8  # per writer turn, so new records are spooled between replay chunks
# (journal generation, record, its JSON (UTF-8) from the journal or None)
Queued = tuple[int, Record, bytes | None]

log = logging.getLogger("sentinel.sink")


class WriterLoop:
    """The writer thread's half of `Sink` (the attributes are the sink's, see there)."""

    _lock: threading.Lock
    _has_work: threading.Condition
    _progress: threading.Condition
    _queue: deque[Queued]
    batch_size: int
    spool: Spool
    journal: Journal | None
    replayed: int
    _writer: StoreWriter
    _metrics: SinkMetrics
    _stopping: bool
    _spooling: bool
    _store_down: bool
    _replay_busy: bool
    _replay_attempts: int
    _spool_epoch: int
    _appending: int
    _retry_at: float
    _backoff: float

    if TYPE_CHECKING:  # the sink's bookkeeping, shared with the app's side

        def _to_spool(self, records: list[Record]) -> None: ...
        def _settle(self, batch: list[Queued]) -> None: ...
        def _done(self, n: int) -> None: ...

    def _take(self) -> tuple[list[Queued], bool]:
        with self._lock:
            if len(self._queue) < self.batch_size and not self._stopping:
                # One timed wait per turn, which makes batches of a steady trickle (not
                # one store transaction per record); submits never wake the writer: a
                # wake-up from inside create() made the app's thread hand over the GIL
                # (and on a busy machine its core) and cost that call 5-10 ms, measured.
                # flush() and close() still wake it.
                wait = LINGER
                if self._spooling and not self._queue:
                    wait = max(0.0, min(wait, self._retry_at - time.monotonic()))
                if wait > 0:
                    self._has_work.wait(wait)
            if len(self._queue) <= self.batch_size:  # all of it: O(1) under the lock
                taken, self._queue = self._queue, deque()
            else:
                taken = deque(self._queue.popleft() for _ in range(self.batch_size))
            stopping = self._stopping
        # The app's thread waits for this lock in submit: hold it as briefly as possible
        # (a writer descheduled while holding it stalls a create() for a time slice).
        return list(taken), stopping

    def _run(self) -> None:
        stopping = False
        while not stopping:
            try:
                batch, stopping = self._take()
                if batch:
                    self._deliver(batch)
                if stopping:
                    return
                if self._spooling and time.monotonic() >= self._retry_at:
                    self._replay()
                elif not batch:
                    self.spool.sync()
                if self.journal is not None:
                    self.journal.sync_due()
            except Exception:  # keep the writer alive whatever happens
                log.exception("sink writer error")
                time.sleep(0.1)

    def _deliver(self, batch: list[Queued]) -> None:
        records: list[Record] = [r for _, r, _ in batch]
        docs = [d for _, _, d in batch]
        if None not in docs:  # decoded here, off the app's thread
            records = Serialised(records, [d.decode() for d in docs])  # type: ignore[union-attr]
        try:
            if not self._spooling:
                try:
                    self._writer.write(records)
                    return
                except Exception as exc:  # StoreUnavailable, or anything unforeseen: keep
                    self._unavailable(exc)
            self._to_spool(records)
        finally:
            self._settle(batch)
            self._done(len(batch))

    def _unavailable(self, exc: Exception, *, replay: bool = False) -> None:
        if not self._store_down:
            log.warning("store unavailable, spooling records: %s", exc)
        with self._lock:
            self._replay_attempts += int(replay)
            self._store_down = True
            self._spooling = True
            self._retry_at = time.monotonic() + self._backoff
            self._progress.notify_all()
        self._backoff = min(self._backoff * 2, RETRY_MAX)

    def _replay(self) -> None:
        with self._lock:  # see _to_spool: an append that began earlier has finished
            epoch, settled = self._spool_epoch, not self._appending
        try:
            result = self.spool.replay(
                self._writer.write, batch_size=self.batch_size, max_batches=REPLAY_BATCHES
            )
        except StoreUnavailable as exc:
            self._unavailable(exc, replay=True)
            return
        except Exception as exc:  # e.g. the spool cannot be read: retry later, not in a loop
            log.exception("spool replay failed")
            self._unavailable(exc, replay=True)
            return
        self._metrics.add(self._metrics.replayed, result.replayed)
        with self._lock:
            self._replay_attempts += 1
            self.replayed += result.replayed
            self._replay_busy = result.busy
            idle = not (result.replayed or result.segments_deleted or result.empty)
            if result.busy or idle:  # another process is replaying; look again shortly
                self._retry_at = time.monotonic() + RETRY_MIN
            if not result.busy:
                if self._store_down:
                    log.info("store reachable again, replaying the spool")
                self._store_down = False
                self._backoff = RETRY_MIN
                if result.empty and settled and epoch == self._spool_epoch and not self._appending:
                    self._spooling = False
            self._progress.notify_all()
