"""The telemetry worker: batches, never loses a call, survives a failing batch, leaves a
parent's queue to the parent after fork, and drains at interpreter exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sentinel.telemetry.worker import TelemetryWorker


class Collect:
    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.threads: set[str] = set()

    def __call__(self, batch: list[int]) -> None:
        self.threads.add(threading.current_thread().name)
        self.batches.append(list(batch))

    @property
    def items(self) -> list[int]:
        return [i for b in self.batches for i in b]


def test_calls_are_built_in_batches_on_the_worker_thread() -> None:
    got = Collect()
    worker = TelemetryWorker(got)
    worker.interval = 0.2
    for i in range(50):
        assert worker.submit(i)
    assert worker.flush(10)
    assert got.items == list(range(50))
    assert len(got.batches) <= 2  # one wake-up per batch, not per call
    assert got.threads == {"sentinel-telemetry"}
    worker.close()


def test_a_failing_batch_is_counted_and_the_worker_goes_on() -> None:
    seen: list[int] = []

    def handle(batch: list[int]) -> None:
        seen.extend(batch)
        if 0 in batch:
            raise RuntimeError("processor down")

    worker = TelemetryWorker(handle)
    worker.submit(0)
    assert worker.flush(10)
    worker.submit(1)
    assert worker.flush(10) and seen == [0, 1]
    worker.close()


def test_flush_from_inside_a_batch_returns_instead_of_waiting_for_itself() -> None:
    answers: list[bool] = []
    worker = TelemetryWorker(lambda batch: answers.append(worker.flush(5)))
    worker.submit(1)
    started = time.monotonic()
    assert worker.flush(10) and answers == [False]
    assert time.monotonic() - started < 4  # not the inner flush's timeout
    worker.close()


def test_full_or_closed_queue_refuses_so_the_caller_builds() -> None:
    got = Collect()
    worker = TelemetryWorker(got)
    worker.capacity = 2
    worker.interval = 30.0
    assert worker.submit(1) and worker.submit(2)
    assert not worker.submit(3)  # the caller builds call 3 itself
    assert worker.close(10)
    assert got.items == [1, 2]
    assert not worker.submit(4)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_forked_child_leaves_the_parents_queue_to_the_parent() -> None:
    got = Collect()
    worker = TelemetryWorker(got)
    worker.interval = 30.0
    worker.submit(1)  # queued, not built yet, when the process forks
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own calls only, its own thread
        try:
            worker.interval = 0.0
            worker.submit(2)
            ok = worker.flush(5)
            os.write(write, json.dumps([ok, got.items]).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = json.loads(pipe.read())
    os.waitpid(pid, 0)
    assert child == [True, [2]]
    assert worker.flush(10) and got.items == [1]
    worker.close()


_EXIT_APP = """
import sys
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from sentinel import Sentinel
from sentinel.config import Settings
from sentinel.testing import FakeDeepSeek

class Lines(SpanExporter):
    def export(self, spans):
        for s in spans:
            print("SPAN", s.attributes["sentinel.request_id"], flush=True)
        return SpanExportResult.SUCCESS

provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(Lines()))
fake = FakeDeepSeek().start()
client = Sentinel(api_key=fake.api_key, base_url=fake.url, store=sys.argv[1],
                  tracer_provider=provider, log_stream=open(sys.argv[2], "a"),
                  settings=Settings(spool_dir=sys.argv[3]))
client._core.telemetry._worker.interval = 30.0  # nothing built before exit
resp = client.chat.completions.create(model="deepseek-v4-flash",
                                      messages=[{"role": "user", "content": "hi"}])
print("CALL", resp.request_id, flush=True)
# no flush(), no close(): interpreter exit must still build the span and the line
"""


def test_interpreter_exit_builds_what_is_still_queued(tmp_path: Path) -> None:
    log = tmp_path / "calls.log"
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", _EXIT_APP, f"sqlite:///{tmp_path / 's.db'}", str(log),
         str(tmp_path / "spool")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert time.monotonic() - started < 30  # drained at exit, not after the batch wait
    words = dict(line.split() for line in out.stdout.splitlines())
    assert words["SPAN"] == words["CALL"]
    [line] = [json.loads(x) for x in log.read_text().splitlines()]
    assert line["sentinel"]["request_id"] == words["CALL"]
