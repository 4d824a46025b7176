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
* Metrics (OpenTelemetry): queue depth, spool bytes, spooled, replayed, dropped by
  reason. A telemetry failure is swallowed.
* Loss bound: a process that dies without `close()` (SIGKILL, power) loses at most the
  records in memory, i.e. the queue (`queue_size`) and the batch the writer holds
  (`batch_size`); spooled records survive a process crash, and a power loss costs at
  most the last `fsync_interval` of them under the default `interval` policy.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

from opentelemetry.metrics import CallbackOptions, MeterProvider, NoOpMeterProvider, Observation

from sentinel.config import Settings
from sentinel.records.models import Record
from sentinel.records.replay import Delivered, StoreWriter
from sentinel.records.spool import Spool
from sentinel.records.tombstones import Tombstones
from sentinel.store.base import Store, StoreUnavailable

log = logging.getLogger("sentinel.sink")

QUEUE_FULL_POLICIES = ("spool", "drop")
RETRY_MIN, RETRY_MAX = 0.2, 2.0  # replay backoff while the store is down (seconds)
# Seconds the writer waits to fill a batch. Each store transaction has a fixed cost
# (on SQLite a WAL frame write per touched table and index page: ~10 writes), so at
# 1000 calls/s a 2 ms linger (4 records a commit) spent as much CPU on commits as a
# fully instrumented call spends on everything else; 50 ms makes ~100-record batches.
# flush() and close() cut the wait short, so nothing waits on it but the store.
LINGER = 0.05
REPLAY_BATCHES = 8  # per writer turn, so new records are spooled between replay chunks


def _safe(fn: Any, *args: Any, **kwargs: Any) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:
        log.debug("sink telemetry failure", exc_info=True)


class _Metrics:
    def __init__(self, sink: Sink, meter_provider: MeterProvider | None) -> None:
        self.sink = sink
        try:
            meter = (meter_provider or NoOpMeterProvider()).get_meter("sentinel.records")
            self.spooled = meter.create_counter(
                "sentinel.sink.spooled", unit="{record}", description="Records written to the spool"
            )
            self.replayed = meter.create_counter(
                "sentinel.sink.replayed", unit="{record}", description="Records replayed to store"
            )
            self.dropped = meter.create_counter(
                "sentinel.sink.dropped", unit="{record}", description="Records lost, by reason"
            )
            meter.create_observable_gauge(
                "sentinel.sink.queue.depth", [self._depth], unit="{record}",
                description="Records waiting in the sink's in-memory queue",
            )  # fmt: skip
            meter.create_observable_gauge(
                "sentinel.spool.bytes", [self._spool_bytes], unit="By",
                description="Bytes in the spool not yet replayed",
            )  # fmt: skip
        except Exception:
            log.debug("sink metrics unavailable", exc_info=True)
            self.spooled = self.replayed = self.dropped = None

    def add(self, counter: Any, n: int, reason: str | None = None) -> None:
        if counter is not None and n:
            _safe(counter.add, n, {"reason": reason} if reason else None)

    def _depth(self, _: CallbackOptions) -> Iterable[Observation]:
        try:
            return [Observation(len(self.sink._queue))]
        except Exception:
            return []

    def _spool_bytes(self, _: CallbackOptions) -> Iterable[Observation]:
        try:
            return [Observation(self.sink.spool.size_bytes())]
        except Exception:
            return []


class Sink:
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
    ) -> None:
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
        self._metrics = _Metrics(self, meter_provider)
        self._writer = StoreWriter(store, tombstones or Tombstones(store), self._on_delivered)
        self._queue: deque[Record] = deque()
        self._lock = threading.Lock()
        self._has_work = threading.Condition(self._lock)  # the writer waits on this
        self._progress = threading.Condition(self._lock)  # flush waits on this
        self._pending = 0  # submitted, neither in the store nor in the spool yet
        self._stopping = False
        self._idle = False  # the writer waits for work: a submit must wake it
        self._spooling = bool(self.spool.segments())  # left over from an earlier run
        self._store_down = False
        self._replay_busy = False
        self._replay_attempts = 0
        self._spool_epoch = 0
        self._appending = 0
        self._retry_at = 0.0
        self._backoff = RETRY_MIN
        self.dropped = 0
        self.spooled = 0
        self.replayed = 0
        self.erased = 0
        self.rejected = 0
        self._thread = threading.Thread(target=self._run, name="sentinel-sink", daemon=True)
        self._thread.start()

    # app side ---------------------------------------------------------------

    def submit(self, record: Record) -> None:
        """Never raises and never blocks the caller on the store."""
        self.submit_many((record,))

    def submit_many(self, records: Sequence[Record]) -> None:
        try:
            with self._lock:
                room = max(0, self.queue_size - len(self._queue))
                self._queue.extend(records[:room])
                overflow = records[room:]
                self._pending += len(records)
                if self._idle:
                    self._has_work.notify()
            if overflow:
                self._overflow(list(overflow))
        except Exception:  # the app's call must not fail because of record keeping
            log.exception("sink could not accept %d record(s)", len(records))

    def _overflow(self, records: list[Record]) -> None:
        if self.policy == "drop":
            self._drop(len(records), "queue_full")
        else:
            self._to_spool(records)
        self._done(len(records))

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Wait until every submitted record is in the store or durably in the spool (and,
        while the store is up, until the spool drained); True if it is. A spool backlog
        gets a replay attempt right away: only if that fails too is the store down."""
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
        try:
            self.spool.sync()
        except OSError:
            log.exception("could not sync the spool")
            return False
        return durable

    def close(self, timeout: float | None = 10.0) -> None:
        """Flush, stop the writer; records still queued after `timeout` go to the spool
        (only records in memory when the process dies without close() can be lost)."""
        self.flush(timeout)
        with self._lock:
            self._stopping = True
            self._has_work.notify()
        self._thread.join(timeout)
        with self._lock:
            rest = list(self._queue)
            self._queue.clear()
        if rest:
            self._to_spool(rest)
            self._done(len(rest))
        if self._thread.is_alive():  # stuck in a store write; it may still need the spool
            log.warning("sink writer still busy with the store at close; spool left open")
            self.spool.sync()
            return
        try:
            self.spool.close()
        except OSError:
            log.exception("could not close the spool")

    # bookkeeping --------------------------------------------------------------

    def _done(self, n: int) -> None:
        with self._lock:
            self._pending -= n
            self._progress.notify_all()

    def _drop(self, n: int, reason: str) -> None:
        with self._lock:
            self.dropped += n
        self._metrics.add(self._metrics.dropped, n, reason)

    def _on_delivered(self, outcome: Delivered) -> None:
        with self._lock:
            self.erased += outcome.erased
            self.rejected += outcome.rejected
        self._metrics.add(self._metrics.dropped, outcome.erased, "erased")
        self._metrics.add(self._metrics.dropped, outcome.rejected, "rejected")

    def _to_spool(self, records: list[Record]) -> None:
        """Spool records (dropping those already known to be erased); only a disk that
        refuses the write loses them, and that is counted and logged."""
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
            self.spool.append(keep)
        except OSError as exc:
            log.error("spool write failed, %d record(s) lost: %s", len(keep), exc)
            self._drop(len(keep), "spool_error")
            return
        finally:
            with self._lock:
                self._appending -= 1
        with self._lock:
            self.spooled += len(keep)
        self._metrics.add(self._metrics.spooled, len(keep))

    # writer thread ------------------------------------------------------------

    def _take(self) -> tuple[list[Record], bool]:
        with self._lock:
            if not self._queue and not self._stopping:
                wait = 1.0
                if self._spooling:
                    wait = max(0.0, min(wait, self._retry_at - time.monotonic()))
                if wait > 0:
                    self._idle = True
                    self._has_work.wait(wait)
                    self._idle = False
            if 0 < len(self._queue) < self.batch_size and not self._stopping:
                # Linger (submits do not wake us now) so that a steady trickle makes
                # batches, not one store transaction per record.
                self._has_work.wait(LINGER)
            n = min(len(self._queue), self.batch_size)
            batch = [self._queue.popleft() for _ in range(n)]
            return batch, self._stopping

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
            except Exception:  # keep the writer alive whatever happens
                log.exception("sink writer error")
                time.sleep(0.1)

    def _deliver(self, batch: list[Record]) -> None:
        try:
            if not self._spooling:
                try:
                    self._writer.write(batch)
                    return
                except StoreUnavailable as exc:
                    self._unavailable(exc)
            self._to_spool(batch)
        finally:
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
