"""Client overhead: fully instrumented Sentinel vs raw httpx vs the openai SDK (with
and without opentelemetry-instrumentation-openai-v2), sync and async (32 concurrent).

All variants run in one process against one fast loopback server (a bare asyncio
HTTP/1.1 server in a separate process, answering a canned completion), in interleaved
rounds; the table shows median throughput and the ratios the issue sets targets for:
Sentinel >= 0.8x raw httpx and >= 2x openai+OTel.

Sentinel runs with everything on: an SDK TracerProvider with a batch span processor,
an SDK MeterProvider, one ECS log line per call (written to a file) and every
CallRecord + Conversation written to SQLite through the sink. The openai+OTel variant
gets the same providers.

    .venv/bin/python benchmarks/client_overhead.py [--calls 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

API_KEY = "sk-bench"
MESSAGES = [{"role": "user", "content": "How do I reset my password?"}]
COMPLETION = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "deepseek-v4-flash",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Open Settings, then Security."},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 6, "total_tokens": 15},
    }
).encode()


# -- the fast server (runs in its own process) -------------------------------------


class _FastHTTP(asyncio.Protocol):
    RESPONSE = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: keep-alive\r\n"
        b"content-length: " + str(len(COMPLETION)).encode() + b"\r\n\r\n" + COMPLETION
    )

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].lower()
            length = 0
            i = head.find(b"content-length:")
            if i >= 0:
                length = int(
                    head[i + 15 : head.find(b"\r\n", i) if head.find(b"\r\n", i) > 0 else None]
                )
            total = end + 4 + length
            if len(self.buf) < total:
                return
            self.buf = self.buf[total:]
            self.transport.write(self.RESPONSE)


def serve() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_FastHTTP, "127.0.0.1", 0, backlog=512)
        print(server.sockets[0].getsockname()[1], flush=True)
        await server.serve_forever()

    try:
        import uvloop  # type: ignore[import-not-found]

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main())


# -- variants ----------------------------------------------------------------------


class Env:
    """Shared instrumentation for the instrumented variants."""

    def __init__(self, tmp: Path) -> None:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import (
            BatchSpanProcessor,
            SpanExporter,
            SpanExportResult,
        )

        class Discard(SpanExporter):
            def export(self, spans: Sequence[Any]) -> SpanExportResult:
                return SpanExportResult.SUCCESS

        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(BatchSpanProcessor(Discard()))
        self.meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
        self.tmp = tmp
        self.log = open(tmp / "calls.log", "w")  # noqa: SIM115  (closed by close())

    def close(self) -> None:
        self.log.close()
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


def sync_variants(url: str, env: Env) -> dict[str, tuple[Callable[[], None], Callable[[], None]]]:
    """name -> (one call, cleanup)"""
    import httpx
    import openai
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    from sentinel import Sentinel

    raw = httpx.Client(base_url=url, headers={"authorization": f"Bearer {API_KEY}"})
    body = {"model": "deepseek-v4-flash", "messages": MESSAGES, "temperature": 0.3}

    def call_raw() -> None:
        r = raw.post("/chat/completions", json=body)
        r.raise_for_status()
        r.json()

    oa = openai.OpenAI(base_url=url, api_key=API_KEY, max_retries=0)

    def call_openai() -> None:
        oa.chat.completions.create(model="deepseek-v4-flash", messages=MESSAGES, temperature=0.3)

    sentinel = Sentinel(
        api_key=API_KEY,
        base_url=url,
        store=f"sqlite:///{env.tmp / 'sentinel.db'}",
        tracer_provider=env.tracer_provider,
        meter_provider=env.meter_provider,
        log_stream=env.log,
        app="bench",
    )

    def call_sentinel() -> None:
        sentinel.chat.completions.create(
            model="deepseek-v4-flash", messages=MESSAGES, temperature=0.3, subject_id="user-1"
        )

    instrumentor = OpenAIInstrumentor()
    return {
        "httpx (raw)": (call_raw, raw.close),
        "openai": (call_openai, lambda: None),
        "openai + otel": (call_openai, instrumentor.uninstrument),
        "sentinel": (call_sentinel, sentinel.close),
    }


def async_variants(url: str, env: Env) -> dict[str, tuple[Callable[[], Any], Callable[[], Any]]]:
    import httpx
    import openai

    from sentinel import AsyncSentinel

    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    raw = httpx.AsyncClient(
        base_url=url, headers={"authorization": f"Bearer {API_KEY}"}, limits=limits
    )
    body = {"model": "deepseek-v4-flash", "messages": MESSAGES, "temperature": 0.3}

    async def call_raw() -> None:
        r = await raw.post("/chat/completions", json=body)
        r.raise_for_status()
        r.json()

    oa = openai.AsyncOpenAI(base_url=url, api_key=API_KEY, max_retries=0)

    async def call_openai() -> None:
        await oa.chat.completions.create(
            model="deepseek-v4-flash", messages=MESSAGES, temperature=0.3
        )

    sentinel = AsyncSentinel(
        api_key=API_KEY,
        base_url=url,
        store=f"sqlite:///{env.tmp / 'sentinel-async.db'}",
        tracer_provider=env.tracer_provider,
        meter_provider=env.meter_provider,
        log_stream=env.log,
        app="bench",
    )

    async def call_sentinel() -> None:
        await sentinel.chat.completions.create(
            model="deepseek-v4-flash", messages=MESSAGES, temperature=0.3, subject_id="user-1"
        )

    return {
        "httpx (raw)": (call_raw, raw.aclose),
        "openai": (call_openai, oa.close),
        "openai + otel": (call_openai, oa.close),
        "sentinel": (call_sentinel, sentinel.aclose),
    }


def _instrument(name: str, env: Env, on: bool) -> None:
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    if name != "openai + otel":
        return
    inst = OpenAIInstrumentor()
    if on:
        inst.instrument(tracer_provider=env.tracer_provider, meter_provider=env.meter_provider)
    else:
        inst.uninstrument()


def run_sync(fn: Callable[[], None], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return calls / (time.perf_counter() - start)


async def run_async(fn: Callable[[], Any], calls: int, concurrency: int) -> float:
    remaining = calls

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await fn()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return calls / (time.perf_counter() - start)


def table(title: str, results: dict[str, list[float]]) -> str:
    med = {k: statistics.median(v) for k, v in results.items()}
    base, oa_otel = med["httpx (raw)"], med["openai + otel"]
    rows = [
        f"{title}",
        "| variant | median req/s | vs httpx | vs openai+otel | rounds (req/s) |",
        "|---|---:|---:|---:|---|",
    ]
    for name, value in med.items():
        rounds = ", ".join(f"{x:.0f}" for x in results[name])
        rows.append(
            f"| {name} | {value:,.0f} | {value / base:.2f}x | {value / oa_otel:.2f}x | {rounds} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000, help="calls per variant per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve()
        return 0
    for var in [v for v in os.environ if v.startswith(("OTEL_", "SENTINEL_"))]:
        del os.environ[var]
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        url = f"http://127.0.0.1:{port}"
        load_before = os.getloadavg()[0]
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["XDG_DATA_HOME"] = tmp
            os.environ["SENTINEL_SUBJECT_KEY"] = "bench-subject-key"
            env = Env(Path(tmp))
            sync_res = bench_sync(url, env, args)
            async_res = asyncio.run(bench_async(url, env, args))
            env.close()
        # on a shared machine the rounds spread widely; the load says how much to trust them
        cores = os.cpu_count()
        print(f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f} on {cores} cores\n")
        print(table(f"Sync, sequential ({args.calls} calls x {args.rounds} rounds)", sync_res))
        print()
        print(
            table(
                f"Async, {args.concurrency} concurrent ({args.calls} calls x {args.rounds} rounds)",
                async_res,
            )
        )
        ok = all(
            statistics.median(r["sentinel"]) >= 0.8 * statistics.median(r["httpx (raw)"])
            and statistics.median(r["sentinel"]) >= 2 * statistics.median(r["openai + otel"])
            for r in (sync_res, async_res)
        )
        print("\ntargets (>= 0.8x httpx, >= 2x openai+otel):", "met" if ok else "NOT met")
        return 0 if ok else 1
    finally:
        server.terminate()
        server.wait(5)


def bench_sync(url: str, env: Env, args: argparse.Namespace) -> dict[str, list[float]]:
    variants = sync_variants(url, env)
    results: dict[str, list[float]] = {name: [] for name in variants}
    for rnd in range(args.rounds + 1):  # round 0 warms up
        for name, (fn, _) in variants.items():
            _instrument(name, env, True)
            rate = run_sync(fn, args.calls if rnd else max(50, args.calls // 10))
            _instrument(name, env, False)
            if rnd:
                results[name].append(rate)
    for _, cleanup in variants.values():
        cleanup()
    return results


async def bench_async(url: str, env: Env, args: argparse.Namespace) -> dict[str, list[float]]:
    variants = async_variants(url, env)
    results: dict[str, list[float]] = {name: [] for name in variants}
    for rnd in range(args.rounds + 1):
        for name, (fn, _) in variants.items():
            _instrument(name, env, True)
            calls = args.calls if rnd else max(64, args.calls // 10)
            rate = await run_async(fn, calls, args.concurrency)
            _instrument(name, env, False)
            if rnd:
                results[name].append(rate)
    seen = set()
    for _, cleanup in variants.values():
        if cleanup not in seen:
            seen.add(cleanup)
            await cleanup()
    return results


if __name__ == "__main__":
    sys.exit(main())
