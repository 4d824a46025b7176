"""Instructions per fully instrumented sync call, per thread, counted by callgrind
(issue 23). Wall and CPU times on this shared 2-core machine swing by 2-5x with the
load; an instruction count does not, so a change to the call path can be judged by one
run of this script before it and one after.

Two runs of the same client under `valgrind --tool=callgrind --separate-threads=yes`
(the loopback server is its own process, outside valgrind), one with `--calls` calls
after the warm-up and one with `--calls` more: the difference over the extra calls is
the cost of one call, start-up and warm-up cancel out. Threads are told apart by what
their dumps hold: the calling (main) thread, the telemetry worker (span, histograms,
ECS line), the sink's writer (journal to store) and the rest (the OTel batch span
processor, the metric reader, ...). The package is put first on the child's path
(`--ref`: that git ref's, exported as client_ab does), never found through the venv's
editable install.

    .venv/bin/python benchmarks/call_instructions.py [--calls 300] [--ref main]
        [--variant sentinel|inline|floor]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import client_overhead as co  # noqa: E402  (a sibling script)
from client_ab import _export  # noqa: E402

WARMUP = 200


def child(url: str, calls: int, tmp: str, variant: str) -> None:
    """The measured process: warmed up, then `calls` calls (and a flush)."""
    _record_thread_names(Path(tmp) / "threads.txt")
    if variant == "floor":
        call, close = co._raw_http_client(url)
        for _ in range(WARMUP + calls):
            call()
        close()
        return
    import sentinel

    env = co.Env(Path(tmp))
    client = sentinel.Sentinel(**co._sentinel_kwargs(url, env, "calls.db"))
    if variant == "inline":  # the worker's queue has no room: the caller builds it all
        client._core.telemetry._worker.capacity = 0
    call = dict(
        model="deepseek-v4-flash", messages=co.MESSAGES, temperature=0.3, subject_id="user-1"
    )
    for _ in range(WARMUP):
        client.chat.completions.create(**call)
    client.flush()
    for _ in range(calls):
        client.chat.completions.create(**call)
    client.flush()
    client.close()
    env.close()


def _record_thread_names(path: Path) -> None:
    """Notes each Python thread's start and end, in order: valgrind gives a new thread
    the lowest free thread number (1 is the main thread; an ended thread's number is
    reused), so replaying the notes names every per-thread dump."""
    start, run, lock = threading.Thread.start, threading.Thread.run, threading.Lock()

    def note(event: str, thread: threading.Thread) -> None:
        with lock, path.open("a") as f:
            f.write(f"{event} {id(thread)} {thread.name}\n")

    def noted_start(self: threading.Thread) -> None:
        note("+", self)
        start(self)

    def noted_run(self: threading.Thread) -> None:
        try:
            run(self)
        finally:
            note("-", self)

    threading.Thread.start = noted_start  # type: ignore[method-assign]
    threading.Thread.run = noted_run  # type: ignore[method-assign]


def _thread_names(notes: list[str]) -> dict[int, set[str]]:
    """Thread number -> the names of the threads that had it (see above)."""
    slots: dict[int, set[str]] = {1: {"MainThread"}}
    live: dict[str, int] = {}
    for line in notes:
        event, ident, name = line.split(" ", 2)
        if event == "+":
            number = min(set(range(2, len(live) + 3)) - set(live.values()))
            live[ident] = number
            slots.setdefault(number, set()).add(name)
        else:
            live.pop(ident, None)
    return slots


def _kind(names: set[str]) -> str:
    if "MainThread" in names:
        return "calling thread"
    if any(n.startswith("sentinel-telemetry") for n in names):
        return "telemetry worker (span, metrics, ECS line)"
    if any(n.startswith("sentinel-sink") for n in names):
        return "sink writer (journal -> store)"
    return "other (span exporter, metric reader, checkpoints, ...)"


def _run(url: str, calls: int, out: Path, tmp: Path, package: str, variant: str) -> dict[str, int]:
    """Instructions by thread for one child run of `package`'s sentinel."""
    out.mkdir(parents=True, exist_ok=True)
    tmp.mkdir(parents=True, exist_ok=True)
    cmd = [
        "valgrind",
        "--tool=callgrind",
        "--separate-threads=yes",
        f"--callgrind-out-file={out}/cg.%p",
        sys.executable,
        __file__,
        "--child",
        "--url",
        url,
        "--calls",
        str(calls),
        "--tmp",
        str(tmp),
        "--variant",
        variant,
    ]
    env = dict(os.environ, PYTHONPATH=package, XDG_DATA_HOME=str(tmp))
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    notes = tmp / "threads.txt"
    names = _thread_names(notes.read_text().splitlines() if notes.exists() else [])
    totals: dict[str, int] = {}
    for dump in out.glob("cg.*-*"):
        text = dump.read_text(errors="replace")
        thread = re.search(r"^thread: (\d+)", text, re.M)
        summary = re.search(r"^summary: (\d+)", text, re.M) or re.search(
            r"^totals: (\d+)", text, re.M
        )
        if thread and summary:
            name = _kind(names.get(int(thread.group(1)), set()))
            totals[name] = totals.get(name, 0) + int(summary.group(1))
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    parser.add_argument(
        "--variant",
        choices=["sentinel", "inline", "floor"],
        default="sentinel",
        help="a fully instrumented Sentinel call (default), the same with its telemetry "
        "built on the calling thread (the worker's queue has no room), or the raw "
        "http.client floor",
    )
    parser.add_argument("--ref", help="count this git ref's package instead of the tree's")
    parser.add_argument("--keep", help="keep the callgrind dumps in this directory")
    args = parser.parse_args(argv)
    if args.child:
        child(args.url, args.calls, args.tmp, args.variant)
        return 0
    for var in [v for v in os.environ if v.startswith(("OTEL_", "SENTINEL_"))]:
        del os.environ[var]
    with co.loopback_server() as url, tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep) if args.keep else Path(tmp)
        os.environ["SENTINEL_SUBJECT_KEY"] = "bench-subject-key"
        package = str(HERE.parent)
        if args.ref:
            package = str(_export(args.ref, Path(tmp) / "src"))
        runs = {}
        for n in (args.calls, 2 * args.calls):
            runs[n] = _run(url, n, root / f"n{n}", Path(tmp) / f"t{n}", package, args.variant)
    small, big = runs[args.calls], runs[2 * args.calls]
    what = f"{args.variant}, {args.ref or 'this tree'}"
    print(f"instructions per call, {what} (callgrind, {args.calls} extra calls, by thread):")
    total = 0.0
    for thread in sorted(big):
        per = (big[thread] - small.get(thread, 0)) / args.calls
        total += per
        print(f"  {thread}: {per:,.0f}")
    print(f"  all threads: {total:,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
