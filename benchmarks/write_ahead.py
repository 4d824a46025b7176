"""What the write-ahead journal costs a call: the fully instrumented sync client against
FakeDeepSeek over loopback, with SENTINEL_SPOOL_WRITE_AHEAD on and off in alternating
rounds (so a busy shared machine slows both alike), reported as per-call time and the
ratio. `client_overhead.py` compares Sentinel with other clients; this isolates the one
change, which that benchmark's spread (rounds vary 3x under load) cannot resolve."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sentinel.client import Sentinel
from sentinel.config import Settings
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek

MSG = [{"role": "user", "content": "hello"}]


def _round(fake: FakeDeepSeek, tmp: Path, write_ahead: bool, calls: int) -> float:
    """CPU seconds per call (every thread of this process: client, sink writer and the
    fake server alike) for one round with a fresh store and spool. CPU time, not wall
    time: on a machine shared by many, waiting for a core says nothing about the code."""
    store = SQLiteStore(tmp / f"{time.monotonic_ns()}.db")
    store.setup()
    settings = Settings(spool_dir=tmp / f"spool-{time.monotonic_ns()}",
                        spool_write_ahead=write_ahead)  # fmt: skip
    client = Sentinel(api_key=fake.api_key, base_url=fake.url, store=store, settings=settings,
                      log_stream=open("/dev/null", "w"))  # noqa: SIM115  # fmt: skip
    for _ in range(20):  # warm the connection and the caches
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    start = time.process_time()
    for _ in range(calls):
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    client.flush(30)  # the writer's share of the work belongs to these calls
    elapsed = (time.process_time() - start) / calls
    client.close()
    store.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=500, help="calls per round")
    parser.add_argument("--rounds", type=int, default=8, help="rounds per setting")
    args = parser.parse_args()
    results: dict[bool, list[float]] = {True: [], False: []}
    with FakeDeepSeek() as fake, tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for write_ahead in (False, True):
                results[write_ahead].append(_round(fake, Path(tmp), write_ahead, args.calls))
    off, on = statistics.median(results[False]), statistics.median(results[True])
    for name, values in (("off", results[False]), ("on", results[True])):
        rounds = ", ".join(f"{v * 1e6:.0f}" for v in values)
        print(f"write-ahead {name:3}: median {statistics.median(values) * 1e6:.0f} us CPU/call"
              f" (rounds: {rounds})")  # fmt: skip
    print(f"cost: {(on - off) * 1e6:+.0f} us/call, {on / off - 1:+.1%} of a call")


if __name__ == "__main__":
    main()
