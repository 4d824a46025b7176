"""Sidecar proxy overhead: an app calling the fake upstream directly vs through
`sentinel proxy`, in one run, interleaved round by round.

Three processes, as deployed: FakeDeepSeek (the upstream), `sentinel proxy` (records
to SQLite, one ECS log line per call) and this load generator. The app side is raw
httpx for both paths, so the difference is the proxy alone; `direct-sentinel` (an
in-process AsyncSentinel, the same work the proxy does) is shown for reference.

* throughput: `--calls` requests at `--concurrency` per variant and round, upstream
  answering after `--latency` seconds (a model is never instant); a saturation row
  with an instant upstream shows the CPU cost per call on this machine;
* latency: one request at a time, direct and proxy alternating; added = proxy - direct
  at p50 and p99;
* streaming: time to the first `data:` event, direct vs proxy.

Must reach (issue 9): throughput >= 0.7x direct, added p99 < 5 ms; and the issue's
"first byte latency added < 2 ms" for streams, checked at p50 (p99 is printed too).

    .venv/bin/python benchmarks/proxy_overhead.py [--calls 400] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

BODY = {
    "model": "deepseek-v4-flash",
    "messages": [{"role": "user", "content": "How do I reset my password?"}],
}
STREAM_BODY = {**BODY, "stream": True}


def serve_upstream(latency: float) -> None:
    """Child process: FakeDeepSeek until stdin closes."""
    from sentinel.testing import FakeDeepSeek

    with FakeDeepSeek() as fake:
        fake.set_latency(latency)
        print(fake.url, fake.api_key, flush=True)
        sys.stdin.read()


def start_upstream(latency: float) -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve-upstream", str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url, key = proc.stdout.readline().split()
    return proc, url, key


def start_proxy(
    tmp: Path, upstream: str, key: str, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str, str]:
    """`sentinel proxy` in a process of its own (as deployed), with a `proxy` token;
    `extra_env` adds settings (bench_safety.py --streamed: the safety lists)."""
    import socket

    from sentinel.compliance.tokens import TokenRegistry
    from sentinel.config import Settings
    from sentinel.store.sqlite import SQLiteStore

    db = tmp / "proxy.db"
    env = (
        os.environ
        | {
            "SENTINEL_STORE": f"sqlite:///{db}",
            "SENTINEL_SPOOL_DIR": str(tmp / "spool"),
            "SENTINEL_SUBJECT_KEY": "bench-subject-key",
            "DEEPSEEK_API_KEY": key,
            "DEEPSEEK_BASE_URL": upstream,
        }
        | (extra_env or {})
    )
    store = SQLiteStore(db)
    store.setup()
    secret = Settings(subject_key="bench-subject-key").subject_secret_bytes()
    token, _ = TokenRegistry(store, secret).create("bench", ["proxy"])
    store.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env["SENTINEL_PROXY_PORT"] = str(port)
    sentinel = str(Path(sys.executable).with_name("sentinel"))
    with open(tmp / "proxy.err", "w") as err:  # the child keeps its own descriptor
        proc = subprocess.Popen([sentinel, "proxy"], env=env, stdout=subprocess.DEVNULL, stderr=err)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(url + "/v1/models", timeout=1)
            break
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                failure = (tmp / "proxy.err").read_text()
                raise RuntimeError(f"proxy did not start: {failure}") from None
            time.sleep(0.1)
    return proc, url, token


class Variants:
    """One async call per variant: (direct httpx, via proxy, in-process AsyncSentinel)."""

    def __init__(self, upstream: str, key: str, proxy: str, token: str, tmp: Path) -> None:
        from sentinel.client.async_ import AsyncSentinel
        from sentinel.config import Settings

        limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
        self.direct_http = httpx.AsyncClient(
            base_url=upstream, headers={"authorization": f"Bearer {key}"}, limits=limits
        )
        self.proxy_http = httpx.AsyncClient(
            base_url=proxy + "/v1", headers={"authorization": f"Bearer {token}"}, limits=limits
        )
        self.log = open(tmp / "direct-sentinel.log", "w")  # noqa: SIM115
        self.sentinel = AsyncSentinel(
            api_key=key,
            base_url=upstream,
            store=f"sqlite:///{tmp / 'direct.db'}",
            log_stream=self.log,
            settings=Settings(spool_dir=tmp / "direct-spool", subject_key="bench-subject-key"),
        )

    async def direct(self) -> None:
        resp = await self.direct_http.post("/chat/completions", json=BODY)
        assert resp.status_code == 200, resp.text

    async def proxy(self) -> None:
        resp = await self.proxy_http.post("/chat/completions", json=BODY)
        assert resp.status_code == 200, resp.text

    async def direct_sentinel(self) -> None:
        await self.sentinel.chat.completions.create(**BODY)

    async def first_event(self, client: httpx.AsyncClient) -> float:
        """Seconds to the first `data:` event of a stream (then read to the end)."""
        t0 = time.perf_counter()
        first = None
        async with client.stream("POST", "/chat/completions", json=STREAM_BODY) as resp:
            assert resp.status_code == 200
            async for line in resp.aiter_lines():
                if first is None and line.startswith("data:"):
                    first = time.perf_counter() - t0
        assert first is not None
        return first

    async def aclose(self) -> None:
        await self.direct_http.aclose()
        await self.proxy_http.aclose()
        await self.sentinel.aclose()
        self.log.close()


async def throughput(call: Callable[[], Awaitable[None]], calls: int, concurrency: int) -> float:
    remaining = calls

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return calls / (time.perf_counter() - t0)


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    t0 = time.perf_counter()
    await call()
    return time.perf_counter() - t0


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def line(name: str, values: list[float]) -> str:
    ms = 1000.0
    return f"  {name:16s} p50 {pct(values, 50) * ms:6.2f} ms   p99 {pct(values, 99) * ms:6.2f} ms"


async def measure(
    v: Variants, args: argparse.Namespace, fast: Variants, pids: dict[str, int]
) -> dict[str, Any]:
    names = {"direct": v.direct, "proxy": v.proxy, "direct-sentinel": v.direct_sentinel}
    for call in names.values():  # warm pools, imports, SQLite
        await throughput(call, 100, args.concurrency)
    tput: dict[str, list[float]] = {n: [] for n in names}
    sat: dict[str, list[float]] = {n: [] for n in names}
    lat: dict[str, list[float]] = {"direct": [], "proxy": []}
    ttft: dict[str, list[float]] = {"direct": [], "proxy": []}
    cpu = {"proxy": 0.0, "upstream": 0.0, "calls": 0, "in-process": 0.0}
    for _ in range(args.rounds):
        for name, call in names.items():
            tput[name].append(await throughput(call, args.calls, args.concurrency))
        sat_calls = {
            "direct": fast.direct,
            "proxy": fast.proxy,
            "direct-sentinel": fast.direct_sentinel,
        }
        for name, call in sat_calls.items():
            before = {k: cpu_seconds(pid) for k, pid in pids.items()}
            mine = time.process_time()
            sat[name].append(await throughput(call, args.calls, args.concurrency))
            if name == "direct-sentinel":  # this process: the client alone (+ its threads)
                cpu["in-process"] += time.process_time() - mine
            if name == "proxy":
                for k, pid in pids.items():
                    cpu[k] += cpu_seconds(pid) - before[k]
                cpu["calls"] += args.calls
        for _ in range(args.latency_calls):
            lat["direct"].append(await timed(fast.direct))
            lat["proxy"].append(await timed(fast.proxy))
        for _ in range(args.stream_calls):
            ttft["direct"].append(await fast.first_event(fast.direct_http))
            ttft["proxy"].append(await fast.first_event(fast.proxy_http))
    return {"tput": tput, "sat": sat, "lat": lat, "ttft": ttft, "cpu": cpu}


def report(r: dict[str, Any], args: argparse.Namespace) -> bool:
    med = {n: statistics.median(x) for n, x in r["tput"].items()}
    sat = {n: statistics.median(x) for n, x in r["sat"].items()}
    lat, ttft = r["lat"], r["ttft"]
    ms = 1000.0
    ratio = med["proxy"] / med["direct"]
    added = {q: (pct(lat["proxy"], q) - pct(lat["direct"], q)) * ms for q in (50, 99)}
    ttft_added = {q: (pct(ttft["proxy"], q) - pct(ttft["direct"], q)) * ms for q in (50, 99)}
    print(
        f"\nproxy overhead ({args.rounds} rounds, load average {os.getloadavg()[0]:.2f}, "
        f"{os.cpu_count()} cores)"
    )
    print(
        f"throughput, upstream latency {args.latency * ms:.0f} ms, {args.concurrency} concurrent:"
    )
    for name, value in med.items():
        print(f"  {name:16s} {value:8.0f} req/s   {value / med['direct']:.2f}x direct")
    print(f"saturation, instant upstream, {args.concurrency} concurrent (CPU-bound, info):")
    for name, value in sat.items():
        print(f"  {name:16s} {value:8.0f} req/s   {value / sat['direct']:.2f}x direct")
    print(f"latency, one at a time, instant upstream ({len(lat['direct'])} calls each):")
    for name in ("direct", "proxy"):
        print(line(name, lat[name]))
    print(f"  {'added':16s} p50 {added[50]:6.2f} ms   p99 {added[99]:6.2f} ms")
    print(f"stream time to first event ({len(ttft['direct'])} streams each):")
    for name in ("direct", "proxy"):
        print(line(name, ttft[name]))
    print(f"  {'added':16s} p50 {ttft_added[50]:6.2f} ms   p99 {ttft_added[99]:6.2f} ms")
    cpu = r["cpu"]
    per_call = {k: cpu[k] / cpu["calls"] * ms for k in ("proxy", "upstream")}
    client = cpu["in-process"] / cpu["calls"] * ms
    print(
        f"CPU per call (saturation runs): proxy process {per_call['proxy']:.2f} ms, of which "
        f"the Sentinel client ~{client:.2f} ms (in-process AsyncSentinel incl. its load), "
        f"fake upstream {per_call['upstream']:.2f} ms"
    )
    first = ttft_added[50]
    ok = ratio >= 0.7 and added[99] < 5.0 and first < 2.0
    print(
        f"targets: throughput {ratio:.2f}x >= 0.7x {'OK' if ratio >= 0.7 else 'MISSED'}; "
        f"added p99 {added[99]:.2f} ms < 5 ms {'OK' if added[99] < 5.0 else 'MISSED'}; "
        f"first event added p50 {first:.2f} ms < 2 ms {'OK' if first < 2.0 else 'MISSED'}"
    )
    return ok


async def run(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="sentinel-proxy-bench-") as tmp_name:
        tmp = Path(tmp_name)
        procs: list[subprocess.Popen[Any]] = []
        try:
            slow, slow_url, key = start_upstream(args.latency)
            instant, instant_url, _ = start_upstream(0.0)
            procs += [slow, instant]
            for sub in ("slow", "fast"):
                (tmp / sub).mkdir()
            proxy, proxy_url, token = start_proxy(tmp / "slow", slow_url, key)
            fast_proxy, fast_url, fast_token = start_proxy(tmp / "fast", instant_url, key)
            procs += [proxy, fast_proxy]
            v = Variants(slow_url, key, proxy_url, token, tmp / "slow")
            fast = Variants(instant_url, key, fast_url, fast_token, tmp / "fast")
            try:
                pids = {"proxy": fast_proxy.pid, "upstream": instant.pid}
                return report(await measure(v, args, fast, pids), args)
            finally:
                await v.aclose()
                await fast.aclose()
        finally:
            for p in procs:
                if p.stdin is not None:
                    p.stdin.close()
                p.terminate()
                p.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve-upstream", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=int, default=400, help="calls per variant and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.05, help="upstream latency, seconds")
    parser.add_argument("--latency-calls", type=int, default=200, help="per round")
    parser.add_argument("--stream-calls", type=int, default=50, help="per round")
    args = parser.parse_args()
    if args.serve_upstream is not None:
        serve_upstream(args.serve_upstream)
        return
    sys.exit(0 if asyncio.run(run(args)) else 1)


if __name__ == "__main__":
    main()
