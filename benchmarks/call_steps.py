"""What each step of a sync call costs on the calling thread inside real calls, beside
what the same step costs in a tight loop (issue 23).

`client_overhead.py --profile` prices steps by switching them off; this prices them in
place: each step's function is wrapped with the calling thread's CPU clock
(`time.thread_time_ns`) during real, fully instrumented calls against
client_overhead's loopback server, and then the same function is run back to back on
that call's own objects. On a shared machine a step inside a call (after the network
wait, with caches cold) costs several times its loop price: this shows by how much, per
step, so a change can be judged by the price that counts. Since the telemetry worker
(issue 23) the span build, the histograms and the ECS line run on its thread, in
batches: their rows are that thread's CPU (the probe's clock is per thread), and the
calling thread's total no longer includes them.

The wrappers cost ~1 us each on the thread clock; the totals include them.

    .venv/bin/python benchmarks/call_steps.py [--calls 3000] [--loop 5000]
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import client_overhead as co  # a sibling script

CALL = dict(model="deepseek-v4-flash", messages=co.MESSAGES, temperature=0.3, subject_id="user-1")


class Probe:
    """Per-step calling-thread CPU, accumulated by wrapping attributes in place."""

    def __init__(self) -> None:
        self.ns: collections.Counter[str] = collections.Counter()
        self.count: collections.Counter[str] = collections.Counter()
        self.last: dict[str, tuple[Any, Any]] = {}  # step -> (args, kwargs) of a call

    def wrap(self, owner: Any, attr: str, step: str) -> None:
        fn = getattr(owner, attr)
        clock, ns, count, last = time.thread_time_ns, self.ns, self.count, self.last

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                ns[step] += clock() - start
                count[step] += 1
                last[step] = (args, kwargs)

        timed.inner = fn  # type: ignore[attr-defined]
        setattr(owner, attr, timed)


def steps(client: Any, probe: Probe) -> dict[str, Callable[..., Any]]:
    """Wraps the call's steps; returns step -> the unwrapped function (for the loop)."""
    import sentinel.client.flow as flow
    import sentinel.client.outgoing as outgoing
    import sentinel.client.reporter as reporter

    core = client._core
    tel = core.telemetry
    targets = [
        (flow, "begin", "begin (validation, observation, span start)"),
        (tel, "start", "  of it: span start"),
        (outgoing, "wire_request", "request (wire form)"),
        (flow, "parse_answer", "typed answer (pydantic)"),
        (reporter, "call_record", "record build (incl. price)"),
        (tel, "finish", "telemetry hand-off (capture, queue)"),
        (tel, "_build", "span build (telemetry worker, batched)"),
        (tel.duration, "record", "duration histogram (worker)"),
        (tel.tokens, "record", "token histogram, 2 records (worker)"),
        (tel, "_log", "ECS line (worker)"),
        (core.reporter, "spent", "budget running total"),
        (core.sink, "submit_many", "sink hand-off + journal"),
    ]
    originals = {}
    for owner, attr, step in targets:
        originals[step] = getattr(owner, attr)
        probe.wrap(owner, attr, step)
    return originals


def loop_price(fn: Callable[..., Any], args: Any, kwargs: Any, n: int) -> float:
    """us per call of `fn(*args, **kwargs)` back to back (thread CPU)."""
    fn(*args, **kwargs)
    start = time.thread_time_ns()
    for _ in range(n):
        fn(*args, **kwargs)
    return (time.thread_time_ns() - start) / n / 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--loop", type=int, default=5000, help="loop iterations per step")
    args = parser.parse_args(argv)
    for var in [v for v in os.environ if v.startswith(("OTEL_", "SENTINEL_"))]:
        del os.environ[var]
    with co.loopback_server() as url:
        load = os.getloadavg()[0]
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["XDG_DATA_HOME"] = tmp
            os.environ["SENTINEL_SUBJECT_KEY"] = "bench-subject-key"
            env = co.Env(Path(tmp))
            from sentinel import Sentinel

            client = Sentinel(**co._sentinel_kwargs(url, env, "steps.db"))
            probe = Probe()
            originals = steps(client, probe)
            for _ in range(300):
                client.chat.completions.create(**CALL)
            client.flush()
            probe.ns.clear()
            probe.count.clear()
            start = time.thread_time_ns()
            for _ in range(args.calls):
                client.chat.completions.create(**CALL)
            total = (time.thread_time_ns() - start) / args.calls / 1000
            client.flush()
            rows = []
            for step, ns in probe.ns.items():
                in_call = ns / args.calls / 1000
                a, kw = probe.last[step]
                if step in ("sink hand-off + journal", "telemetry hand-off (capture, queue)"):
                    loop = float("nan")  # would journal / queue the same call again
                else:
                    loop = loop_price(originals[step], a, kw, args.loop)
                rows.append((step, in_call, loop * probe.count[step] / args.calls))
            client.close()
            env.close()
        print(f"load average {load:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"calling thread, fully instrumented: {total:,.0f} us CPU per call\n")
        print("| step (per call) | in the call (us) | in a loop (us) | ratio |")
        print("|---|---:|---:|---:|")
        for step, in_call, loop in rows:
            ratio = f"{in_call / loop:.1f}x" if loop == loop else ""
            shown = f"{loop:.1f}" if loop == loop else "-"
            print(f"| {step} | {in_call:.1f} | {shown} | {ratio} |")
        return 0


if __name__ == "__main__":
    sys.exit(main())
