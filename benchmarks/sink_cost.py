"""Where the sink's cost on the calling thread goes (issue 23).

`client_overhead.py --profile` prices the "sink hand-off" step in process CPU (all
threads). This script splits it: each round measures the calling thread's own CPU
(`time.thread_time`), the sink writer thread's CPU (its pthread CPU clock), process CPU
and the cyclic GC's time on the calling thread, for one sync client switched between
modes in alternating rounds (one process, one loopback server, paired differences
against the sink-off mode):

* off: no hand-off (the records are built and dropped, as `--profile` does);
* hold: no sink, but the records live as long as they would in the sink's queue (the
  last 100 calls), to separate keeping objects alive from a second thread;
* null: the real sink and writer thread, a store whose write does nothing;
* sqlite: the real sink writing to SQLite; `+j`: the write-ahead journal on (the full
  contract).

Then the hand-off's own steps in a tight loop, and the same `submit_many` after a 300 us
sleep or 8 MB of memory touched (cold caches, as after a call's network wait).

`--baseline REF` instead compares the full contract (SQLite + journal) of this tree with
the package as it is at git REF (`_baseline.py`), two sync clients in alternating rounds
in one process: the same per-thread columns for each, the calling thread's CPU inside
`submit_many` (`submit`) and the wall time beyond it there (`blocked`: a lock, the disk
or the scheduler), and their paired differences.

    .venv/bin/python benchmarks/sink_cost.py [--calls 300] [--rounds 30] [--baseline main]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import client_overhead as co

MODES = ("off", "hold", "null", "sqlite", "null+j", "sqlite+j")
KEYS = ("caller", "writer", "process", "gc_caller", "gc0", "gc1", "wall", "submit", "blocked")


class _GCTime:
    """Collections and their CPU time on the calling thread (gc.callbacks)."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.caller = 0.0
        self._start: dict[int, float] = {}
        gc.callbacks.append(self._cb)

    def _cb(self, phase: str, info: dict[str, Any]) -> None:
        me = threading.get_ident()
        if phase == "start":
            self._start[me] = time.thread_time()
            return
        self.count[info["generation"]] += 1
        spent = time.thread_time() - self._start.pop(me, time.thread_time())
        if threading.current_thread() is threading.main_thread():
            self.caller += spent


class _Timed:
    """The reporter's sink, timed: the calling thread's CPU inside `submit_many`, and the
    wall time beyond it there (waiting for a lock, the disk, or a core)."""

    def __init__(self, sink: Any) -> None:
        self.sink, self.cpu, self.blocked = sink, 0.0, 0.0

    def submit_many(self, records: Any) -> None:
        c0, t0 = time.thread_time(), time.perf_counter()
        self.sink.submit_many(records)
        cpu = time.thread_time() - c0
        self.cpu += cpu
        self.blocked += time.perf_counter() - t0 - cpu

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sink, name)


class _Hold:
    """Keeps the records of the last `n` calls alive, like the sink's queue, no thread."""

    def __init__(self, n: int = 100) -> None:
        self.kept: collections.deque[Any] = collections.deque(maxlen=n)

    def submit_many(self, records: Any) -> None:
        self.kept.extend(records)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="calls per mode per round")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--baseline", metavar="REF", help="compare with Sentinel at git REF")
    args = parser.parse_args(argv)
    if args.rounds < 2:
        parser.error("--rounds must be at least 2 (paired quartiles)")
    for var in [v for v in os.environ if v.startswith(("OTEL_", "SENTINEL_"))]:
        del os.environ[var]
    cmd = [sys.executable, co.__file__, "--serve"]
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{int(server.stdout.readline())}"
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["XDG_DATA_HOME"] = tmp
            os.environ["SENTINEL_SUBJECT_KEY"] = "bench-subject-key"
            load = os.getloadavg()[0]
            run = _ab if args.baseline else _run
            res = run(url, co.Env(Path(tmp)), args)
        print(f"load average {load:.1f} -> {os.getloadavg()[0]:.1f}, "
              f"{args.calls} calls x {args.rounds} rounds per mode\n")  # fmt: skip
        print("| mode | " + " | ".join(KEYS) + " |")
        print("|---|" + "---:|" * len(KEYS))
        for mode, rounds in res.items():
            cells = [f"{statistics.median(r[k] for r in rounds):,.1f}" for k in KEYS]
            print(f"| {mode} | " + " | ".join(cells) + " |")
        print("\nus per call (gc0/gc1: collections per 1,000 calls), medians of rounds")
        first, *others = res
        print(f"\npaired differences against {first}, median [quartiles]:\n")
        for mode in others:
            cells = []
            for k in ("caller", "writer", "process", "gc_caller", "wall", "submit", "blocked"):
                d = [a[k] - b[k] for a, b in zip(res[mode], res[first], strict=True)]
                q = statistics.quantiles(d, n=4)
                cells.append(f"{k} {statistics.median(d):+.0f} [{q[0]:+.0f}, {q[2]:+.0f}]")
            print(f"{mode:9s} " + "  ".join(cells))
        return 0
    finally:
        server.terminate()
        server.wait(5)


def _round(client: Any, n: int, gct: _GCTime) -> dict[str, float]:
    """One round of `n` calls and the flush that stores them, per thread (see module)."""
    sink = client._core.sink
    assert sink._thread.ident is not None
    clock = time.pthread_getcpuclockid(sink._thread.ident)
    sink.flush()
    timed = client._core.reporter.sink
    if isinstance(timed, _Timed):
        timed.cpu = timed.blocked = 0.0
    g0, gc_t = list(gct.count), gct.caller
    c0, p0, w0 = time.thread_time(), time.process_time(), time.clock_gettime(clock)
    t0 = time.perf_counter()
    for _ in range(n):
        client.chat.completions.create(
            model="deepseek-v4-flash", messages=co.MESSAGES, subject_id="user-1"
        )
    caller = time.thread_time() - c0
    sink.flush()  # the round's records are written: their writer CPU counts
    return dict(
        caller=caller / n * 1e6,
        writer=(time.clock_gettime(clock) - w0) / n * 1e6,
        process=(time.process_time() - p0) / n * 1e6,
        gc_caller=(gct.caller - gc_t) / n * 1e6,
        gc0=(gct.count[0] - g0[0]) / n * 1e3,
        gc1=(gct.count[1] - g0[1]) / n * 1e3,
        wall=(time.perf_counter() - t0) / n * 1e6,
        submit=timed.cpu / n * 1e6 if isinstance(timed, _Timed) else 0.0,
        blocked=timed.blocked / n * 1e6 if isinstance(timed, _Timed) else 0.0,
    )


def _ab(url: str, env: co.Env, args: argparse.Namespace) -> dict[str, list[dict[str, float]]]:
    """The full contract, `args.baseline` vs this tree, alternating rounds."""
    from _baseline import package_at

    from sentinel import Sentinel

    base = package_at(args.baseline).Sentinel
    clients = {
        args.baseline: base(**co._sentinel_kwargs(url, env, "baseline.db")),
        "this tree": Sentinel(**co._sentinel_kwargs(url, env, "this.db")),
    }
    for client in clients.values():
        client._core.reporter.sink = _Timed(client._core.reporter.sink)
    gct = _GCTime()
    res: dict[str, list[dict[str, float]]] = {name: [] for name in clients}
    for rnd in range(args.rounds + 1):  # round 0 warms up
        order = list(clients.items())
        for name, client in order if rnd % 2 else order[::-1]:
            r = _round(client, args.calls if rnd else 50, gct)
            if rnd:
                res[name].append(r)
    for client in clients.values():
        client.close()
    env.close()
    return res


def _run(url: str, env: co.Env, args: argparse.Namespace) -> dict[str, list[dict[str, float]]]:
    from sentinel import Sentinel
    from sentinel.store.base import WriteResult

    client = Sentinel(**co._sentinel_kwargs(url, env, "sink-cost.db"))
    core = client._core
    reporter, sink, store = core.reporter, core.sink, core.store
    journal, real_write, hold, gct = sink.journal, store.write_records, _Hold(), _GCTime()

    @contextlib.contextmanager
    def mode(name: str) -> Any:
        reporter.sink = {"off": None, "hold": hold}.get(name, sink)
        if name.startswith("null"):
            store.write_records = lambda records: WriteResult(written=len(records))
        sink.journal = journal if name.endswith("+j") else None
        try:
            yield
        finally:
            reporter.sink, store.write_records, sink.journal = sink, real_write, journal

    res: dict[str, list[dict[str, float]]] = {m: [] for m in MODES}
    for rnd in range(args.rounds + 1):  # round 0 warms up
        for name in MODES:
            with mode(name):
                hold.kept.clear()
                r = _round(client, args.calls if rnd else 50, gct)
            if rnd:
                res[name].append(r)
    _parts(client, journal)
    client.close()
    env.close()
    return res


def _parts(client: Any, journal: Any) -> None:
    """The hand-off's own steps on one call's records, in a tight loop (no HTTP)."""
    from sentinel.records.segments import encode_one

    core = client._core
    got: list[Any] = []
    core.reporter.sink = type("Grab", (), {"submit_many": lambda _, r: got.append(list(r))})()
    client.chat.completions.create(model="deepseek-v4-flash", messages=co.MESSAGES)
    core.reporter.sink = sink = core.sink
    records = got[0]
    framed = [e[1] for e in map(encode_one, records) if e is not None]

    def no_journal() -> None:
        sink.journal = None
        sink.submit_many(records)
        sink.journal = journal

    steps = {
        "model_dump_json, both records": lambda: [r.model_dump_json() for r in records],
        "encode_one, both (JSON + frame)": lambda: [encode_one(r) for r in records],
        "journal.append (one os.write)": lambda: journal.append(framed),
        "submit_many, journal off": no_journal,
        "submit_many, journal on": lambda: sink.submit_many(records),
    }
    print("\nhand-off steps, calling thread CPU us per call (2,000 x 5, median):\n")
    for name, step in steps.items():
        print(f"| {name} | {_timed(step, sink):.1f} |")
    # the same submit after the thread was descheduled (as a call is while it waits for
    # the answer) or its caches were evicted: what the hand-off costs inside a call
    buf = bytearray(8 << 20)
    cold = {
        "submit_many, journal on, 300 us sleep before each": lambda: time.sleep(0.0003),
        "submit_many, journal on, 8 MB touched before each": lambda: buf.__setitem__(
            slice(None, None, 64), bytes(len(buf) // 64)
        ),
    }
    for name, before in cold.items():
        print(f"| {name} | {_timed(lambda: sink.submit_many(records), sink, before):.1f} |")


def _timed(step: Any, sink: Any, before: Any = None) -> float:
    """Median calling-thread CPU us of `step` over 5 x 2,000 runs (`before` not counted)."""
    per = []
    for _ in range(5):
        spent = 0.0
        for _ in range(2000):
            if before is not None:
                before()
            c0 = time.thread_time()
            step()
            spent += time.thread_time() - c0
        per.append(spent / 2000 * 1e6)
        sink.flush()
    return statistics.median(per)


if __name__ == "__main__":
    sys.exit(main())
