"""Before/after in one run: a git ref's Sentinel (default `main`) against the working
tree's, fully instrumented with the write-ahead spool on, beside the floors (raw
`http.client` sync, raw aiohttp async), in interleaved rounds.

Each Sentinel runs in its own worker process (the ref's package exported with
`git archive` and put first on that worker's path), so both import as `sentinel` and
share no heap; the floors run in the parent. One loopback server (client_overhead's)
answers everyone, and round r runs every variant once, in turn, so a load swing on this
shared machine hits all of them alike. Throughput is the SUSTAINED rate: a round's
calls divided by the round's wall time up to and including the `flush()` that ends it,
which builds the round's spans, metrics and log lines (off the calling thread since
issue 23's telemetry worker) and stores its records; so work moved off the calling
thread is still paid for inside the round, never hidden after it. The CPU column (the
worker's process CPU per call, all threads) covers the same span.

    .venv/bin/python benchmarks/client_ab.py [--ref main] [--calls 500] [--rounds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import client_overhead as co  # noqa: E402  (a sibling script)

Result = tuple[float, float]  # (calls/s, process CPU us per call)


def _export(ref: str, into: Path) -> Path:
    """`ref`'s sentinel/ package under `into` (a plain directory for sys.path)."""
    archive = subprocess.run(
        ["git", "-C", str(HERE.parent), "archive", "--format=tar", ref, "sentinel"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


# -- the worker: one Sentinel client, runs rounds on command -----------------------


def worker(mode: str, url: str, tmp: str, concurrency: int) -> None:
    """Reads a call count per line from stdin, answers `req/s cpu_us` per line."""
    import sentinel  # the path the parent chose decides which one

    env = co.Env(Path(tmp))
    kwargs = co._sentinel_kwargs(url, env, f"{mode}.db")
    call = dict(
        model="deepseek-v4-flash", messages=co.MESSAGES, temperature=0.3, subject_id="user-1"
    )
    print(sentinel.__file__, flush=True)
    if mode == "sync":
        client = sentinel.Sentinel(**kwargs)
        for line in sys.stdin:
            n = int(line)
            cpu, start = time.process_time(), time.perf_counter()
            for _ in range(n):
                client.chat.completions.create(**call)
            client.flush()  # sustained: the round's telemetry and records are inside
            wall = time.perf_counter() - start
            print(f"{n / wall} {(time.process_time() - cpu) / n * 1e6}", flush=True)
        client.close()
        return

    async def main() -> None:
        client = sentinel.AsyncSentinel(**kwargs)

        async def one() -> None:
            await client.chat.completions.create(**call)

        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            n = int(line)
            cpu, start = time.process_time(), time.perf_counter()
            await co.run_async(one, n, concurrency)
            await client.flush()  # sustained, as above
            wall = time.perf_counter() - start
            print(f"{n / wall} {(time.process_time() - cpu) / n * 1e6}", flush=True)
        await client.aclose()

    asyncio.run(main())


class Worker:
    def __init__(self, path: str, mode: str, url: str, tmp: Path, conc: int) -> None:
        env = dict(os.environ, PYTHONPATH=path)
        tmp.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, __file__, "--worker", mode, "--url", url, "--tmp", str(tmp)]
        cmd += ["--concurrency", str(conc)]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=tmp
        )
        assert self.proc.stdout is not None
        self.package = self.proc.stdout.readline().strip()

    def run(self, calls: int) -> Result:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{calls}\n")
        self.proc.stdin.flush()
        rate, cpu = self.proc.stdout.readline().split()
        return float(rate), float(cpu)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(30)


def _floor(mode: str, url: str, calls: int, conc: int) -> Result:
    if mode == "sync":
        call, close = co._raw_http_client(url)
        rate, cpu = co.run_sync(call, calls)
        close()
        return rate, cpu * 1e6

    async def run() -> Result:
        call, close = co._raw_aiohttp(url)
        rate, cpu = await co.run_async(call, calls, conc)
        await close()
        return rate, cpu * 1e6

    return asyncio.run(run())


def bench(mode: str, url: str, tmp: Path, args: argparse.Namespace) -> dict[str, list[Result]]:
    before = _export(args.ref, tmp / "before-src")
    workers = {
        f"Sentinel before ({args.ref})": Worker(
            str(before), mode, url, tmp / f"before-{mode}", args.concurrency
        ),
        # this tree by path too, never through the venv's editable install: venvs copied
        # between worktrees as hard links share its finder, which may map `sentinel` to
        # another worktree (README, issue 23)
        "Sentinel after (this tree)": Worker(
            str(HERE.parent), mode, url, tmp / f"after-{mode}", args.concurrency
        ),
    }
    for name, w in workers.items():
        print(f"  {name}: {w.package}", file=sys.stderr)
    floor = "http.client (raw)" if mode == "sync" else "aiohttp (raw, 32 tasks)"
    results: dict[str, list[Result]] = {floor: [], **{name: [] for name in workers}}
    for rnd in range(args.rounds + 1):  # round 0 warms up
        n = args.calls if rnd else max(100, args.calls // 5)
        order = list(workers.items())
        if rnd % 2:
            order.reverse()  # neither Sentinel always runs right after the floor
        res = {floor: _floor(mode, url, n, args.concurrency)}
        res.update({name: w.run(n) for name, w in order})
        if rnd:
            for name, r in res.items():
                results[name].append(r)
    for w in workers.values():
        w.close()
    return results


def table(title: str, results: dict[str, list[Result]]) -> str:
    floor = next(iter(results))
    med = {k: statistics.median(r for r, _ in v) for k, v in results.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in results.items()}
    rows = [
        title,
        "| variant | median sustained req/s | CPU us/call | vs floor | rounds (req/s) |",
        "|---|---:|---:|---:|---|",
    ]
    for name in results:
        rounds = ", ".join(f"{r:.0f}" for r, _ in results[name])
        rows.append(
            f"| {name} | {med[name]:,.0f} | {cpu[name]:,.0f} | {med[name] / med[floor]:.2f}x "
            f"| {rounds} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", default="main", help="git ref of the 'before' package")
    parser.add_argument("--calls", type=int, default=500, help="calls per variant per round")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--only", choices=["sync", "async"])
    parser.add_argument("--worker", choices=["sync", "async"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.url, args.tmp, args.concurrency)
        return 0
    known = subprocess.run(
        ["git", "-C", str(HERE.parent), "rev-parse", "--verify", "--quiet", args.ref + "^{commit}"],
        capture_output=True,
    )
    if known.returncode != 0:  # e.g. a CI checkout of one commit: nothing to compare with
        print(f"git ref {args.ref!r} not found here: no before/after to run (--ref)")
        return 0
    for var in [v for v in os.environ if v.startswith(("OTEL_", "SENTINEL_"))]:
        del os.environ[var]
    with co.loopback_server() as url:
        load = os.getloadavg()[0]
        out = []
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["XDG_DATA_HOME"] = tmp
            os.environ["SENTINEL_SUBJECT_KEY"] = "bench-subject-key"
            for mode in ("sync", "async"):
                if args.only in (None, mode):
                    res = bench(mode, url, Path(tmp), args)
                    what = "sequential" if mode == "sync" else f"{args.concurrency} concurrent"
                    title = f"{mode}, {what} ({args.calls} calls x {args.rounds} rounds)"
                    out.append(table(title, res))
        print(f"load average {load:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print("\n\n".join(out))
        print(json.dumps({"load": [load, os.getloadavg()[0]]}))
        return 0


if __name__ == "__main__":
    sys.exit(main())
