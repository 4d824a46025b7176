"""Sink: hands records from the app's thread to the store without ever blocking it.

(First version: bounded queue + writer thread. The durable spool, replay, tombstones
and metrics are added by the Elasticsearch/sink issue; the public methods below are
the contract the client relies on and stay.)
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence

from sentinel.records.models import Record
from sentinel.store.base import Store

log = logging.getLogger("sentinel.sink")

_STOP = object()


class Sink:
    """Bounded in-memory queue drained by one background writer thread."""

    def __init__(self, store: Store, *, queue_size: int = 10_000, batch_size: int = 500) -> None:
        self.store = store
        self.batch_size = batch_size
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self._pending = 0
        self._cond = threading.Condition()
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="sentinel-sink", daemon=True)
        self._thread.start()

    def submit(self, record: Record) -> None:
        """Never raises and never blocks the caller."""
        self.submit_many([record])

    def submit_many(self, records: Sequence[Record]) -> None:
        for r in records:
            with self._cond:
                self._pending += 1
            try:
                self._queue.put_nowait(r)
            except queue.Full:
                self._write([r])
                self._done(1)

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Wait until every submitted record has been written; True if it was."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._pending:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def close(self, timeout: float | None = 10.0) -> None:
        self.flush(timeout)
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _done(self, n: int) -> None:
        with self._cond:
            self._pending -= n
            self._cond.notify_all()

    def _write(self, batch: list[Record]) -> None:
        try:
            self.store.write_records(batch)
        except Exception:  # never let a store failure reach the app
            log.exception("sink write failed; %d records not stored", len(batch))
            self.dropped += len(batch)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            batch: list[Record] = [item]  # type: ignore[list-item]
            stop = False
            while len(batch) < self.batch_size:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                batch.append(nxt)  # type: ignore[arg-type]
            self._write(batch)
            self._done(len(batch))
            if stop:
                return
