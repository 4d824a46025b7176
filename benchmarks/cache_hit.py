"""Response cache: latency of a cache hit vs the same call sent upstream, side by side.

Both variants are the fully instrumented `Sentinel` (span, metrics, ECS log line,
CallRecord through the sink) calling FakeDeepSeek over loopback, which answers at
once: the upstream baseline here is the cheapest an upstream call can be (a real
DeepSeek answer takes hundreds of milliseconds), so the ratio is a lower bound on
what a hit saves. The hit path is a primary-key read from the store: SQLite, and
Elasticsearch when one is reachable (SENTINEL_TEST_ES_URL, default 127.0.0.1:9250;
a fresh index prefix, dropped afterwards). Rounds are interleaved.

    .venv/bin/python benchmarks/cache_hit.py [--calls 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from sentinel import Sentinel
from sentinel.config import Settings
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek

REQUEST = {
    "model": "deepseek-v4-flash",
    "messages": [{"role": "user", "content": "How do I reset my password?"}],
    "temperature": 0,
}


def timed(fn: Callable[[], Any], calls: int) -> list[float]:
    out = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q / 100 * len(s)))] * 1e6


def es_store(tmp: Path) -> Any | None:
    url = os.environ.get("SENTINEL_TEST_ES_URL", "http://127.0.0.1:9250")
    try:
        if httpx.get(f"{url}/_cluster/health", timeout=3).status_code != 200:
            return None
    except httpx.HTTPError:
        return None
    from sentinel.store.elastic import ElasticStore

    settings = Settings(es_index_prefix=f"bench-cache-{uuid.uuid4().hex[:8]}")
    store = ElasticStore.from_settings(url, settings, dead_letter_path=tmp / "dl.jsonl")
    store.setup()
    return store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sentinel-cache-bench-"))
    os.environ.setdefault("SENTINEL_SUBJECT_KEY", "bench")
    os.environ["SENTINEL_SPOOL_DIR"] = str(tmp / "spool")
    stores: dict[str, Any] = {"sqlite": SQLiteStore(tmp / "bench.db")}
    stores["sqlite"].setup()
    es = es_store(tmp)
    if es is not None:
        stores["elasticsearch"] = es
    results: dict[str, list[float]] = {}
    with FakeDeepSeek() as fake:
        clients: dict[str, Sentinel] = {}
        for name, store in stores.items():
            common = {"api_key": fake.api_key, "base_url": fake.url, "store": store}
            common["log_stream"] = io.StringIO()
            clients[f"upstream ({name} records)"] = Sentinel(**common)
            clients[f"cache hit ({name})"] = Sentinel(**common, settings=Settings(cache=True))
        for c in clients.values():  # warm up; fills the caches
            for _ in range(20):
                c.chat.completions.create(**REQUEST)
            c.flush()
        for _ in range(args.rounds):
            for label, c in clients.items():
                results.setdefault(label, []).extend(
                    timed(lambda c=c: c.chat.completions.create(**REQUEST), args.calls)
                )
        upstream_calls = fake.count()
        for c in clients.values():
            c.close()
    if es is not None:
        es.drop()
        es.close()
    print(f"load average {os.getloadavg()[0]:.2f}; upstream requests {upstream_calls}")
    print(f"{'variant':32} {'p50 us':>9} {'p99 us':>9} {'mean us':>9} {'p50 vs upstream':>16}")
    for label, values in results.items():
        store = label.split("(")[1].split()[0].rstrip(")")
        base = statistics.median(results[f"upstream ({store} records)"])
        ratio = base / statistics.median(values)
        mean = statistics.fmean(values) * 1e6
        print(
            f"{label:32} {pct(values, 50):9.0f} {pct(values, 99):9.0f} {mean:9.0f} {ratio:15.2f}x"
        )


if __name__ == "__main__":
    main()
