"""Store ingest: CallRecords per second written in batches (what the sink does) into
SQLite and into the real Elasticsearch, in one run, against the issue's targets:
Elasticsearch >= 5,000 records/s (bulk), SQLite >= 20,000 records/s.

Records are realistic (every field a call sets, tokens, params, metadata), built
before the clock starts (and frozen out of the garbage collector's sight, as a sink
only ever holds a few batches); the time covers `write_records` for every batch plus, for
Elasticsearch, a final refresh, so the records are searchable when the clock stops.
Each store runs `--rounds` times on fresh storage and the best round counts (the
machine is shared). Elasticsearch uses its own index prefix, dropped afterwards.

    .venv/bin/python benchmarks/store_ingest.py [--records 20000] [--batch 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sentinel.config import Settings
from sentinel.models import CallParams, CallRecord
from sentinel.store.base import Store

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TARGETS = {"sqlite": 20_000, "elasticsearch": 5_000}


def make_records(n: int) -> list[CallRecord]:
    """n calls over two days (so two daily indices), 5 % failures."""
    return [
        CallRecord(
            request_id=f"bench-{uuid.uuid4().hex}",
            timestamp=T0 + timedelta(seconds=i * 172_800 / n),
            app=("support-bot", "batch", "search")[i % 3],
            model=("deepseek-v4-flash", "deepseek-v4-pro")[i % 2],
            response_model="deepseek-v4-flash",
            response_id=f"chatcmpl-{i}",
            outcome="failure" if i % 20 == 0 else "success",
            http_status=500 if i % 20 == 0 else 200,
            error_type="ServerError" if i % 20 == 0 else None,
            duration_ms=100.0 + i % 400,
            retries=i % 3,
            rate_limited=i % 50 == 0,
            endpoint="api.deepseek.com",
            input_tokens=120 + i % 50,
            output_tokens=300 + i % 70,
            total_tokens=420 + i % 120,
            finish_reasons=["stop"],
            params=CallParams(temperature=0.3, top_p=0.9, max_tokens=512, stop=["\n\n"]),
            subject_key=f"{i % 1000:064x}",
            trace_id=uuid.uuid4().hex,
            span_id=uuid.uuid4().hex[:16],
            metadata={"tenant": f"t{i % 10}"},
        )
        for i in range(n)
    ]


def ingest(store: Store, records: list[CallRecord], batch: int) -> float:
    """Seconds to write every batch and make it visible."""
    start = time.perf_counter()
    for i in range(0, len(records), batch):
        result = store.write_records(records[i : i + batch])
        assert not result.rejected, result.rejected[:1]
    store.refresh()
    elapsed = time.perf_counter() - start
    assert store.count("call") == len(records), "records missing after ingest"
    return elapsed


def best_rate(
    open_fresh: Callable[[int], tuple[Store, Callable[[], None]]],
    records: list[CallRecord],
    batch: int,
    rounds: int,
) -> float:
    rates = []
    for r in range(rounds):
        store, cleanup = open_fresh(r)
        try:
            rates.append(len(records) / ingest(store, records, batch))
        finally:
            cleanup()
    return max(rates)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--es", default=os.environ.get("SENTINEL_TEST_ES_URL", "http://127.0.0.1:9250")
    )
    args = parser.parse_args()
    records = make_records(args.records)
    # The harness builds every input record up front; keep the collector from scanning
    # them again and again (a sink holds a few batches at a time, not the whole run).
    gc.freeze()
    rates: dict[str, float] = {}
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)

        def sqlite_fresh(r: int) -> tuple[Store, Callable[[], None]]:
            from sentinel.store.sqlite import SQLiteStore

            store = SQLiteStore(work / f"ingest-{r}.db")
            store.setup()
            return store, store.close

        def es_fresh(r: int) -> tuple[Store, Callable[[], None]]:
            from sentinel.store.elastic import ElasticStore

            store = ElasticStore.from_settings(
                args.es,
                Settings(es_index_prefix=f"bench-ingest-{uuid.uuid4().hex[:8]}"),
                dead_letter_path=work / "dead-letter.jsonl",
            )
            store.setup()

            def cleanup() -> None:
                store.drop()
                store.close()

            return store, cleanup

        rates["sqlite"] = best_rate(sqlite_fresh, records, args.batch, args.rounds)
        try:
            rates["elasticsearch"] = best_rate(es_fresh, records, args.batch, args.rounds)
        except Exception as exc:  # report, do not hide: the table says why
            notes.append(f"elasticsearch at {args.es}: not measured ({type(exc).__name__}: {exc})")

    console = Console()
    table = Table(
        title=f"Store ingest: {args.records:,} CallRecords in batches of {args.batch:,} "
        f"(best of {args.rounds})"
    )
    for col in ("store", "records/s", "target", "ratio", "result"):
        table.add_column(col, justify="left" if col == "store" else "right")
    ok = True
    for name, rate in rates.items():
        target = TARGETS[name]
        met = rate >= target
        ok = ok and met
        table.add_row(
            name,
            f"{rate:,.0f}",
            f">= {target:,}",
            f"{rate / target:.2f}x",
            "met" if met else "MISSED",
        )
    console.print(table)
    load = os.getloadavg()
    console.print(
        f"load average {load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} cores "
        "(the machine is shared: a high load lowers both rates)"
    )
    for note in notes:
        console.print(note)
    return 0 if ok and not notes else 1


if __name__ == "__main__":
    sys.exit(main())
