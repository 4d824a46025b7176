"""Steady load on a Sink while a real fault is injected, and the checks every fault test
makes afterwards: 0 acknowledged records lost, 0 duplicated, the app's p50 latency during
the fault within 1.5x of before, no exception reaching the app.

The phases are seconds apart, and on a shared machine its load of the moment moved the
median submit by up to 2x between them (47 us before, 72 us during a fault that changes
nothing on the app's side, at load 12). So every submit is preceded, on the same thread,
by a yardstick: the same record encoded (`encode_one`, the CPU part of `submit`), and each
phase's latency is taken relative to the yardstick's of the same moments. What
the machine does to both cancels out; what the fault does to `submit` alone (waiting on
the store's lock or I/O, spooling or syncing on the caller's thread) does not."""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from records_data import call

from sentinel.models import Record
from sentinel.records.segments import encode_one
from sentinel.records.sink import Sink

RATE = 300  # records a second: steady, and bounded on a shared machine
# Sub-10 µs submits jitter by a few µs on a loaded machine whatever the store does; the
# ratio is what the issue bounds, this floor only keeps scheduler noise from failing it.
NOISE_FLOOR_S = 20e-6
# The longest a fault phase waits for the fault to show in the sink's counters.
FAULT_DEADLINE_S = 60.0


class Load:
    """One app thread submitting RATE records a second, timing each `submit` by phase, and
    the yardstick right before it."""

    def __init__(self, sink: Sink, prefix: str, make: Callable[[int, str], Record] | None = None):
        self.sink = sink
        self.prefix = prefix
        self.make = make or (lambda i, p: call(i, prefix=p))
        self.phase = "before"
        self.latency: dict[str, list[float]] = {"before": [], "fault": [], "after": []}
        self.yardstick: dict[str, list[float]] = {"before": [], "fault": [], "after": []}
        self.acked: list[str] = []
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        i = 0
        next_at = time.perf_counter()
        while not self._stop.is_set():
            record = self.make(i, self.prefix)
            encode_one(record)  # untimed: the first work after a sleep runs cold
            start = time.perf_counter()
            encode_one(record)  # before submit: a submit that blocked must not slow it
            yardstick = time.perf_counter() - start
            start = time.perf_counter()
            try:
                self.sink.submit(record)
            except BaseException as exc:  # must never happen: the test says so
                self.errors.append(exc)
            took = time.perf_counter() - start
            phase = self.phase  # both samples in one phase, even if it changes meanwhile
            self.latency[phase].append(took)
            self.yardstick[phase].append(yardstick)
            self.acked.append(record.request_id)
            i += 1
            next_at += 1 / RATE
            time.sleep(max(0.0, next_at - time.perf_counter()))

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def run_phase(
        self,
        phase: str,
        seconds: float,
        until: Callable[[], bool] | None = None,
        deadline: float = FAULT_DEADLINE_S,
    ) -> None:
        """`seconds` of load in `phase`, then on until `until()` holds (a fault reaches
        the sink only after a busy timeout or a client's retries, later on a loaded
        machine): at most `deadline` seconds in all, then the caller's check fails."""
        self.phase = phase
        started = time.monotonic()
        time.sleep(seconds)
        while until is not None and not until() and time.monotonic() - started < deadline:
            time.sleep(0.05)

    def check_latency(self) -> None:
        """p50 submit during the fault within 1.5x of before (or NOISE_FLOOR_S over it),
        both in the machine's speed of the fault phase: before's median scaled by how
        much slower or faster the yardstick ran during the fault."""
        speed = statistics.median(self.yardstick["fault"]) / statistics.median(
            self.yardstick["before"]
        )
        before = statistics.median(self.latency["before"]) * speed
        during = statistics.median(self.latency["fault"])
        assert during <= max(1.5 * before, before + NOISE_FLOOR_S), (before, during, speed)
        assert self.errors == []


def drain(sink: Sink, timeout: float = 60.0) -> None:
    """Flush until nothing is pending or spooled (a flush may end on a replay attempt
    that still failed right after the recovery)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sink.flush(10) and not sink.spool.segments():
            return
        time.sleep(0.3)
    raise AssertionError(f"spool did not drain: {sink.stats()}")


def assert_exactly_once(acked: Sequence[str], stored: Sequence[str], aside: int = 0) -> None:
    """Every acknowledged record stored once (or, `aside` of them, dead-lettered)."""
    dupes = [rid for rid, n in Counter(stored).items() if n > 1]
    assert dupes == []
    missing = set(acked) - set(stored)
    assert len(missing) == aside, sorted(missing)[:10]


def require_root_tool(require_service: Callable[[bool, str], None], tool: str) -> None:
    """A root-only fault tool (`chattr`, `mount`): skips locally, fails under CI=true,
    through the suite's `require_service`."""
    if shutil.which(tool) is None:
        require_service(False, f"{tool} is not installed (needed for this fault)")
    require_service(os.geteuid() == 0, f"{tool} needs root for this fault")


@contextmanager
def tmpfs(
    path: Path, require_service: Callable[[bool, str], None], size: str = "4m"
) -> Iterator[Path]:
    """A small tmpfs mounted at `path` for the test, unmounted afterwards."""
    require_root_tool(require_service, "mount")
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(path: Path) -> Path:
    """Fill the filesystem holding `path` until it refuses another byte."""
    filler = path / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        with contextlib.suppress(OSError):
            while os.write(fd, b"\0"):
                pass
    finally:
        os.close(fd)
    return filler
