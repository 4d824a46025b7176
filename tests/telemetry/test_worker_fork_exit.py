"""A multiprocessing child started by fork ends through `threading._shutdown()` and
`os._exit()`, never through atexit: the telemetry its calls queued must still be built
before it exits (att23: before, a prefork worker's spans and ECS lines were lost)."""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

import pytest

from sentinel.telemetry.worker import TelemetryWorker


class ToPipe:
    """Sends what a batch built to the parent (the child's memory dies with it)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def __call__(self, batch: list[Any]) -> None:
        for item in batch:
            self.conn.send(item)


def _child_calls(worker: TelemetryWorker) -> None:
    worker.submit("child-1")
    worker.submit("child-2")  # and returns: no flush, no close, as an app's task would


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_multiprocessing_fork_child_builds_its_queued_telemetry_before_it_exits() -> None:
    recv, send = multiprocessing.Pipe(duplex=False)
    worker = TelemetryWorker(ToPipe(send))
    worker.interval = 30.0  # nothing built by the batch timer: only the exit drain builds
    worker.submit("parent")
    child = multiprocessing.get_context("fork").Process(target=_child_calls, args=(worker,))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    got = []
    while recv.poll(0.5):
        got.append(recv.recv())
    assert got == ["child-1", "child-2"]  # its own calls, each once; not the parent's
    worker.close(10)
    assert recv.recv() == "parent"
