"""What building a call's span, metrics and ECS line off the calling thread buys (issue 23).

One process, one fully instrumented client (SDK tracer with a BatchSpanProcessor, SDK
meter, ECS lines to a file, SQLite store, write-ahead spool), switched between two modes
in alternating rounds against one loopback server:

* inline: the telemetry worker's queue has no room, so every call builds its own span,
  histogram records and log line on the calling thread (what `create()` did before);
* deferred: the worker builds them in batches.

Each round is `--calls` calls then `flush()`; measured per call: the calling thread's
CPU (`time.thread_time`), the process CPU (every thread: worker, sink writer, span
exporter) and the sustained rate (the round's wall time through its flush). Reported as
medians per mode and the median of the paired (same round pair) differences.

    .venv/bin/python benchmarks/deferred_telemetry.py [--calls 300] [--rounds 20] [--only sync]
        [--interval 0.005]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import client_overhead as co  # noqa: E402  (a sibling script)

MODES = ("inline", "deferred")
INTERVAL: float | None = None  # --interval: the worker's batch wait (s)
Row = tuple[float, float, float]  # calling thread us/call, process us/call, sustained req/s


def _mode(client: Any, mode: str) -> None:
    worker = client._core.telemetry._worker
    worker.capacity = 0 if mode == "inline" else 10_000
    if INTERVAL is not None:
        worker.interval = INTERVAL


def _sync_round(client: Any, call: dict[str, Any], n: int) -> Row:
    t0, p0, w0 = time.thread_time(), time.process_time(), time.perf_counter()
    for _ in range(n):
        client.chat.completions.create(**call)
    caller = time.thread_time() - t0  # before the flush: the calls' own cost
    client.flush()
    wall = time.perf_counter() - w0
    return caller / n * 1e6, (time.process_time() - p0) / n * 1e6, n / wall


async def _async_round(client: Any, call: dict[str, Any], n: int, conc: int) -> Row:
    async def one() -> None:
        await client.chat.completions.create(**call)

    t0, p0, w0 = time.thread_time(), time.process_time(), time.perf_counter()
    await co.run_async(one, n, conc)
    caller = time.thread_time() - t0
    await client.flush()
    wall = time.perf_counter() - w0
    return caller / n * 1e6, (time.process_time() - p0) / n * 1e6, n / wall


def run(side: str, url: str, tmp: Path, args: argparse.Namespace) -> dict[str, list[Row]]:
    import sentinel

    env = co.Env(tmp)
    kwargs = co._sentinel_kwargs(url, env, f"{side}.db")
    call = dict(
        model="deepseek-v4-flash", messages=co.MESSAGES, temperature=0.3, subject_id="user-1"
    )
    rows: dict[str, list[Row]] = {m: [] for m in MODES}
    if side == "sync":
        client = sentinel.Sentinel(**kwargs)
        for rnd in range(args.rounds + 1):
            order = MODES if rnd % 2 else MODES[::-1]
            for mode in order:
                _mode(client, mode)
                row = _sync_round(client, call, args.calls if rnd else 50)
                if rnd:
                    rows[mode].append(row)
        client.close()
    else:

        async def main() -> None:
            client = sentinel.AsyncSentinel(**kwargs)
            for rnd in range(args.rounds + 1):
                order = MODES if rnd % 2 else MODES[::-1]
                for mode in order:
                    _mode(client, mode)
                    n = args.calls if rnd else 50
                    row = await _async_round(client, call, n, args.concurrency)
                    if rnd:
                        rows[mode].append(row)
            await client.aclose()

        asyncio.run(main())
    env.close()
    return rows


def table(title: str, rows: dict[str, list[Row]]) -> str:
    cols = ("calling thread CPU us/call", "process CPU us/call", "sustained req/s")
    out = [title, "| mode | " + " | ".join(cols) + " |", "|---|---:|---:|---:|"]
    for mode in MODES:
        med = [statistics.median(r[i] for r in rows[mode]) for i in range(3)]
        out.append(f"| {mode} | {med[0]:,.0f} | {med[1]:,.0f} | {med[2]:,.0f} |")
    diffs = [
        statistics.median(
            d[i] - b[i] for d, b in zip(rows["deferred"], rows["inline"], strict=True)
        )
        for i in range(3)
    ]
    out.append(
        f"| deferred - inline (paired median) | {diffs[0]:+,.0f} | {diffs[1]:+,.0f} "
        f"| {diffs[2]:+,.0f} |"
    )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--only", choices=["sync", "async"])
    parser.add_argument("--interval", type=float, help="the worker's batch wait (s)")
    args = parser.parse_args(argv)
    global INTERVAL
    INTERVAL = args.interval
    for var in [v for v in os.environ if v.startswith(("OTEL_", "SENTINEL_"))]:
        del os.environ[var]
    with co.loopback_server() as url, tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_DATA_HOME"] = tmp
        os.environ["SENTINEL_SUBJECT_KEY"] = "bench-subject-key"
        load = os.getloadavg()[0]
        out = []
        for side in ("sync", "async"):
            if args.only in (None, side):
                where = Path(tmp) / side
                where.mkdir()
                rows = run(side, url, where, args)
                what = "sequential" if side == "sync" else f"{args.concurrency} concurrent"
                title = f"{side}, {what} ({args.calls} calls x {args.rounds} rounds)"
                out.append(table(title, rows))
        print(f"load average {load:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print("\n\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
