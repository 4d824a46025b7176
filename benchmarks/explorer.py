"""Explorer list pages over 1,000,000 stored calls, on SQLite and on the real
Elasticsearch, against the issue's target: p95 under 300 ms per list page.

Calls are spread over 7 days (3 apps, 2 models, 3 % failures with 429/500/503, 2,000
subjects, a conversation on every tenth call); they are loaded in bounded batches
(`--batch`, one bulk request at a time, so the shared Elasticsearch is not flooded).
Each scenario is one list page as the browser asks for it: `GET /v1/calls` through the
real FastAPI app (in process), filters, a deep page reached by following cursors
(its own time only), and the charts of the default 24 h view (reported, not a target).
Elasticsearch uses its own index prefix, deleted at the end.

    .venv/bin/python benchmarks/explorer.py [--calls 1000000] [--stores sqlite,elasticsearch]
        [--sqlite-path FILE]  # keep (and reuse) the loaded SQLite store
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table

from sentinel.api.app import create_app
from sentinel.api.deps import compliance_for
from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.models import CallRecord
from sentinel.store.base import Store

NOW = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
SPAN = timedelta(days=7)
TARGET_MS = 300.0
APPS = ("support-bot", "search", "batch")
MODELS = ("deepseek-v4-flash", "deepseek-v4-pro")


def records(n: int, batch: int) -> Iterator[list[CallRecord]]:
    step = SPAN / n
    out: list[CallRecord] = []
    for i in range(n):
        status = (429, 500, 503)[(i // 33) % 3] if i % 33 == 0 else 200
        out.append(
            CallRecord(
                request_id=f"{i:08x}{uuid.uuid4().hex[:24]}",
                timestamp=NOW - SPAN + i * step,
                app=APPS[i % 3],
                model=MODELS[(i // 3) % 2],
                outcome="success" if status == 200 else "failure",
                http_status=status,
                error_type=None if status == 200 else "ServerError",
                duration_ms=80.0 + (i * 7919) % 3000,
                retries=1 if status == 429 else 0,
                endpoint="api.deepseek.com:443",
                input_tokens=200 + i % 900,
                output_tokens=50 + i % 400,
                total_tokens=250 + i % 1300,
                cache_hit_tokens=i % 200,
                cost=round(0.00002 * (1 + i % 997), 6),
                cost_currency="USD",
                subject_key=f"{i % 2000:064x}",
                conversation_id=f"conv-{(i // 10) % 50_000}" if i % 10 == 0 else None,
            )
        )
        if len(out) == batch:
            yield out
            out = []
    if out:
        yield out


def scenarios() -> list[tuple[str, dict[str, Any]]]:
    return [
        ("last 24 h, first page", {"since": "24h"}),
        ("last 7 d, first page", {"since": "7d"}),
        ("app + model", {"since": "24h", "app": "search", "model": "deepseek-v4-pro"}),
        ("failures", {"since": "24h", "outcome": "failure"}),
        ("status 503, 7 d", {"since": "7d", "status": 503}),
        ("subject key, 7 d", {"since": "7d", "subject_key": f"{17:064x}"}),
        ("conversation, 7 d", {"since": "7d", "conversation_id": "conv-42"}),
        ("cost above (rare)", {"since": "24h", "cost_above": 0.0199}),
        ("latency above 3 s (rare)", {"since": "24h", "latency_above_ms": 3070}),
        ("failures slower than 2 s, 7 d", {"since": "7d", "outcome": "failure",
                                           "latency_above_ms": 2000}),
    ]  # fmt: skip


def timed(client: TestClient, path: str, params: dict[str, Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    response = client.get(path, params=params)
    ms = (time.perf_counter() - t) * 1000.0
    assert response.status_code == 200, response.text
    return ms, response.json()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def measure(store: Store, rounds: int, table: Table, now: datetime = NOW) -> bool:
    app = create_app(store, Settings(), clock=FakeClock(now))
    token = compliance_for(app).tokens.create("bench", ["explore"])[0]
    client = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    ok = True
    for name, params in scenarios():
        for _ in range(2):  # warm-up: caches, the first search of each index
            timed(client, "/v1/calls", params)
        times = []
        for _ in range(rounds):
            ms, body = timed(client, "/v1/calls", params)
            times.append(ms)
        assert body["calls"], name  # every scenario finds calls
        passed = p95(times) < TARGET_MS
        ok &= passed
        table.add_row(store.name, name, f"{statistics.median(times):.0f}",
                      f"{p95(times):.0f}", "yes" if passed else "NO")  # fmt: skip
    # a deep page: the 20th, reached by its cursor (the cost of that page alone)
    params: dict[str, Any] = {"since": "7d"}
    for _ in range(19):
        params["cursor"] = timed(client, "/v1/calls", params)[1]["next_cursor"]
    times = [timed(client, "/v1/calls", params)[0] for _ in range(rounds)]
    passed = p95(times) < TARGET_MS
    ok &= passed
    table.add_row(store.name, "7 d, page 20 (keyset)", f"{statistics.median(times):.0f}",
                  f"{p95(times):.0f}", "yes" if passed else "NO")  # fmt: skip
    times = [timed(client, "/v1/calls/charts", {"since": "24h"})[0] for _ in range(5)]
    table.add_row(store.name, "charts, 24 h (no target)", f"{statistics.median(times):.0f}",
                  f"{p95(times):.0f}", "–")  # fmt: skip
    return ok


def load(store: Store, n: int, batch: int, console: Console) -> None:
    t = time.perf_counter()
    for chunk in records(n, batch):
        store.write_records(chunk)
    store.refresh()
    console.print(f"{store.name}: loaded {n:,} calls in {time.perf_counter() - t:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=20, help="requests per scenario")
    parser.add_argument("--stores", default="sqlite,elasticsearch")
    parser.add_argument(
        "--es-prefix",
        help="only measure the calls another run is loading under this index prefix (up to"
        " the newest loaded), leaving them to that run to drop",
    )
    parser.add_argument(
        "--sqlite-path", type=Path, help="keep the SQLite store here; reused if it holds --calls"
    )
    args = parser.parse_args()
    console = Console()
    table = Table(title=f"Explorer list pages over {args.calls:,} calls (target p95 < 300 ms)")
    for col in ("store", "page", "median ms", "p95 ms", "< 300 ms"):
        table.add_column(col)
    ok = True
    stores = args.stores.split(",")
    # a SIGTERM still runs the `finally` that drops the Elasticsearch indices
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite" in stores:
            from sentinel.store.sqlite import SQLiteStore

            sqlite = SQLiteStore(args.sqlite_path or Path(tmp) / "bench.db")
            sqlite.setup()
            if sqlite.count("call") != args.calls:
                load(sqlite, args.calls, args.batch, console)
            ok &= measure(sqlite, args.rounds, table)
            sqlite.close()
            console.print(table)
        if "elasticsearch" in stores:
            from sentinel.store.elastic import ElasticStore

            url = os.environ.get("SENTINEL_TEST_ES_URL", "http://127.0.0.1:9250")
            es = ElasticStore.from_settings(
                url,
                Settings(data_dir=Path(tmp)),
                index_prefix=f"bench-explore-{uuid.uuid4().hex[:8]}",
            )
            if args.es_prefix:
                es.prefix = args.es_prefix
                newest = es._search(
                    es._index("calls-*"), size=0, aggs={"t": {"max": {"field": "@timestamp"}}}
                )["aggregations"]["t"]["value"]
                last = datetime.fromtimestamp(newest / 1000, UTC)
                console.print(f"measuring {es.count('call'):,} calls up to {last}")
                ok &= measure(es, args.rounds, table, now=last)
            else:
                try:
                    es.setup()
                    load(es, args.calls, args.batch, console)
                    ok &= measure(es, args.rounds, table)
                finally:
                    es.drop()  # the benchmark's indices and templates, whatever happened
    console.print(table)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
