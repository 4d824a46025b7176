"""The thread that turns finished calls into spans, metric records and ECS lines.

Why a thread of its own: built on the calling thread, right after the network wait, the
span, the three histogram records and the log line cost 2.5-5x their tight-loop price
(cold caches; README, issue 23). Here they are built in batches, one kind of work after
the other, while the callers wait on I/O. Not the sink's writer: a store that stalls must
never delay telemetry, nor telemetry the records.

The promise that goes with it: a call's span, metrics and log line are built by the time
`flush()` (or `close()`, or interpreter exit) returns, and otherwise within a batch
interval or so. Nothing is dropped: the queue is bounded, and when it is full the caller
builds its own call's telemetry inline (backpressure, not loss). A fork leaves the
parent's queue to the parent; the child starts its own thread on its first call.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

log = logging.getLogger("sentinel.telemetry")

QUEUE_SIZE = 10_000  # calls waiting; a full queue makes the caller build inline
BATCH_INTERVAL = 0.005  # s the worker lets a batch fill after its first call
IDLE_EXIT = 1.0  # s without calls after which the thread ends (restarted on demand)

_workers: weakref.WeakSet[TelemetryWorker] = weakref.WeakSet()


class TelemetryWorker:
    """A bounded queue and the thread draining it in batches into `handle`."""

    def __init__(self, handle: Callable[[list[Any]], None], name: str = "sentinel-telemetry"):
        self._handle = handle
        self._name = name
        self.capacity = QUEUE_SIZE
        self.interval = BATCH_INTERVAL
        self._reset(closed=False)
        _workers.add(self)

    def _reset(self, closed: bool) -> None:
        """Fresh state (also in a forked child, whose copy of the queue is the parent's)."""
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)  # the thread waits on this
        self._progress = threading.Condition(self._lock)  # flush waits on this
        self._items: list[Any] = []
        self._submitted = 0
        self._handled = 0
        self._urgent = False  # flush or a filling queue: do not wait for the batch
        self._closed = closed
        self._thread: threading.Thread | None = None

    def submit(self, item: Any) -> bool:
        """Queue one call's telemetry; False if the caller must build it now (the queue
        is full, or the worker is closed). No wake-up per call: one per batch."""
        with self._lock:
            items = self._items
            if self._closed or len(items) >= self.capacity:
                return False
            items.append(item)
            self._submitted += 1
            if len(items) == 1 or len(items) == self.capacity // 2:
                if len(items) > 1:
                    self._urgent = True
                if self._thread is None:
                    self._start_locked()
                self._wake.notify()
        return True

    def _start_locked(self) -> None:
        _exit_drain()
        thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread = thread
        thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._items and not self._closed:
                    self._wake.wait(IDLE_EXIT)
                if not self._items:
                    if self._thread is threading.current_thread():
                        self._thread = None  # idle or closed: the next call starts one
                    return
                if not (self._urgent or self._closed):
                    self._wake.wait(self.interval)  # let the batch fill
                batch, self._items = self._items, []
                self._urgent = False
            self._drain(batch)

    def _drain(self, batch: list[Any]) -> None:
        try:
            self._handle(batch)
        except Exception:  # `handle` guards each call; this is the last line
            log.debug("telemetry batch failed", exc_info=True)
        with self._lock:
            self._handled += len(batch)
            self._progress.notify_all()

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Build everything submitted so far; True if it was built within `timeout`.
        With no live thread (never started, idle, a forked child) the caller drains."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            target = self._submitted
            thread = self._thread
            if thread is threading.current_thread():
                return False  # flush() from inside a batch (an app's span processor)
            if thread is None or not thread.is_alive():
                batch, self._items = self._items, []
                self._thread = None
            else:
                if self._handled < target:
                    self._urgent = True  # cleared by the batch that takes the queue
                    self._wake.notify()
                while self._handled < target:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._progress.wait(remaining)
                return True
        if batch:
            self._drain(batch)
        return True

    def close(self, timeout: float | None = 10.0) -> bool:
        """Flush, then refuse new calls (they are built inline) and let the thread end."""
        done = self.flush(timeout)
        with self._lock:
            self._closed = True
            self._wake.notify()
            rest, self._items = self._items, []
        if rest:  # submitted after the flush, before the close
            self._drain(rest)
        return done


def _after_fork_in_child() -> None:
    for worker in list(_workers):
        worker._reset(worker._closed)
    # A multiprocessing child (and a prefork server's worker) ends through
    # threading._shutdown() then os._exit(): atexit never runs there, so the calls it
    # queued would never be built. threading's own exit hooks run in both endings.
    threading._register_atexit(_at_exit)  # type: ignore[attr-defined]


def _at_exit() -> None:
    """Interpreter exit: every call's telemetry is built before the providers (whose
    own exit handlers were registered earlier, so run later) shut down."""
    for worker in list(_workers):
        try:
            worker.close(5.0)
        except Exception:
            log.debug("telemetry not drained at exit", exc_info=True)


_exit_registered = False


def _exit_drain() -> None:
    """Registered when the first thread starts, not at import: atexit runs handlers
    last-in first-out, and the app's providers (created after importing Sentinel,
    before its first call) must still be up when the last calls' spans are built."""
    global _exit_registered
    if not _exit_registered:
        _exit_registered = True
        atexit.register(_at_exit)


os.register_at_fork(after_in_child=_after_fork_in_child)
