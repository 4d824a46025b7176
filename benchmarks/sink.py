"""Sink and spool: what the durable path costs, side by side with its baseline, in one run.

* submit (app thread): ns per `Sink.submit` from 4 threads vs `queue.Queue.put_nowait`,
  the per-record hand-off the first sink did (the hot path must not get slower);
* delivery: records/s from submit to stored (after `flush`) through the sink into SQLite
  (queue large enough for the burst) vs `write_records` batches of 500 straight into the
  store (the sink's ceiling);
* spool: append rate (fsync `interval`) and replay rate into SQLite, and into the real
  Elasticsearch when `--es URL` answers (own index prefix, dropped afterwards).

Each measurement takes the best of `--rounds` (the machine is shared).

    .venv/bin/python benchmarks/sink.py [--records 20000] [--rounds 3] [--es URL]
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sentinel.config import Settings
from sentinel.models import CallParams, CallRecord, Record
from sentinel.records.replay import StoreWriter
from sentinel.records.sink import Sink
from sentinel.records.spool import Spool
from sentinel.records.tombstones import Tombstones
from sentinel.store.base import Store
from sentinel.store.sqlite import SQLiteStore

THREADS = 4
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def records(n: int, tag: str) -> list[Record]:
    return [
        CallRecord(
            request_id=f"{tag}-{i:07d}",
            timestamp=T0 + timedelta(milliseconds=i),
            app="bench",
            model="deepseek-v4-flash",
            response_model="deepseek-v4-flash",
            endpoint="api.deepseek.com",
            duration_ms=200.0 + i % 50,
            input_tokens=12,
            output_tokens=30,
            total_tokens=42,
            finish_reasons=["stop"],
            params=CallParams(temperature=0.3, max_tokens=200),
            subject_key=f"k{i % 500}",
        )
        for i in range(n)
    ]


def threaded(n: int, each: Callable[[int], None]) -> float:
    """Seconds for THREADS threads to call each(i) for i in range(n) between them."""

    def run(t: int) -> None:
        for i in range(t, n, THREADS):
            each(i)

    workers = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - start


def best(rounds: int, once: Callable[[int], float]) -> float:
    return min(once(r) for r in range(rounds))


def bench_submit(recs: Sequence[Record], tmp: Path, rounds: int) -> tuple[float, float]:
    """(ns per submit: Sink, queue.Queue)."""

    def sink_once(r: int) -> float:
        store = SQLiteStore(tmp / f"submit-{r}.db")
        store.setup()
        sink = Sink(store, Settings(spool_dir=tmp / f"submit-spool-{r}"), queue_size=len(recs))
        elapsed = threaded(len(recs), lambda i: sink.submit(recs[i]))
        sink.close(60)
        store.close()
        return elapsed

    def queue_once(r: int) -> float:
        q: queue.Queue[Record] = queue.Queue(maxsize=len(recs))
        return threaded(len(recs), lambda i: q.put_nowait(recs[i]))

    n = len(recs)
    return best(rounds, sink_once) / n * 1e9, best(rounds, queue_once) / n * 1e9


def bench_delivery(recs: Sequence[Record], tmp: Path, rounds: int) -> tuple[float, float]:
    """(records/s: through the sink until flushed, straight write_records batches)."""

    def sink_once(r: int) -> float:
        store = SQLiteStore(tmp / f"deliver-{r}.db")
        store.setup()
        sink = Sink(store, Settings(spool_dir=tmp / f"deliver-spool-{r}"), queue_size=len(recs))
        start = time.perf_counter()
        threaded(len(recs), lambda i: sink.submit(recs[i]))
        assert sink.flush(120)
        elapsed = time.perf_counter() - start
        assert store.count("call") == len(recs)
        sink.close()
        store.close()
        return elapsed

    def direct_once(r: int) -> float:
        store = SQLiteStore(tmp / f"direct-{r}.db")
        store.setup()
        start = time.perf_counter()
        for i in range(0, len(recs), 500):
            store.write_records(recs[i : i + 500])
        elapsed = time.perf_counter() - start
        store.close()
        return elapsed

    n = len(recs)
    return n / best(rounds, sink_once), n / best(rounds, direct_once)


def bench_spool(
    recs: Sequence[Record], tmp: Path, rounds: int, open_store: Callable[[int], Store]
) -> tuple[float, float]:
    """(append records/s, replay records/s into the store)."""
    appends, replays = [], []
    for r in range(rounds):
        spool = Spool(tmp / f"spool-{uuid.uuid4().hex[:6]}")
        start = time.perf_counter()
        for i in range(0, len(recs), 500):
            spool.append(recs[i : i + 500])
        spool.sync()
        appends.append(time.perf_counter() - start)
        store = open_store(r)
        writer = StoreWriter(store, Tombstones(store))
        start = time.perf_counter()
        result = spool.replay(writer.write)
        store.refresh()
        replays.append(time.perf_counter() - start)
        assert result.replayed == len(recs) and result.empty
        spool.close()
    return len(recs) / min(appends), len(recs) / min(replays)


def es_reachable(url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/_cluster/health", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--es", default=os.environ.get("SENTINEL_TEST_ES_URL", "http://127.0.0.1:9250")
    )
    args = parser.parse_args(argv)
    recs = records(args.records, "bench")
    console = Console()
    table = Table(title=f"Sink and spool, {args.records:,} call records, best of {args.rounds}")
    for col in ("measure", "sentinel", "baseline", "ratio"):
        table.add_column(col, justify="left" if col == "measure" else "right")

    def row(measure: str, ours: float, baseline: float | None = None) -> None:
        ratio = f"{ours / baseline:.2f}x" if baseline else ""
        table.add_row(measure, f"{ours:,.0f}", f"{baseline:,.0f}" if baseline else "", ratio)

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        sink_ns, queue_ns = bench_submit(recs, tmp, args.rounds)
        row("submit, ns/record (4 threads) vs queue.Queue.put_nowait", sink_ns, queue_ns)
        sink_rps, direct_rps = bench_delivery(recs, tmp, args.rounds)
        row("delivered to SQLite, records/s vs write_records(500)", sink_rps, direct_rps)

        def sqlite(r: int) -> Store:
            store = SQLiteStore(tmp / f"replay-{r}.db")
            store.setup()
            return store

        append_rps, replay_rps = bench_spool(recs, tmp, args.rounds, sqlite)
        row("spool append, records/s (fsync interval)", append_rps)
        row("spool replay into SQLite, records/s vs write_records(500)", replay_rps, direct_rps)
        if es_reachable(args.es):
            from sentinel.store.elastic import ElasticStore

            opened: list[ElasticStore] = []

            def elastic(r: int) -> Store:
                prefix = f"bench-sink-{uuid.uuid4().hex[:8]}"
                store = ElasticStore.from_settings(
                    args.es, Settings(es_index_prefix=prefix),
                    dead_letter_path=tmp / f"dead-letter-{prefix}.jsonl",
                )  # fmt: skip
                store.setup()
                opened.append(store)
                return store

            try:
                _, es_rps = bench_spool(recs, tmp, args.rounds, elastic)
            finally:
                for store in opened:
                    store.drop()
                    store.close()
            row("spool replay into Elasticsearch, records/s", es_rps)
        else:
            console.print(f"Elasticsearch not reachable at {args.es}: its row is left out")
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
