"""The parts floor (issue 23): the CPU per call of the library operations a fully observed
call is mandated to do, each alone, with no Sentinel code around them.

`client_overhead.py` compares a Sentinel call with a bare HTTP call. This prices what
the contract adds whatever code wraps it: the OpenTelemetry SDK span (start with the
sampler's attributes, the rest set at the end, explicit start/end times) through a
BatchSpanProcessor to an exporter that discards; histogram records (Sentinel makes three
per call: duration and input/output tokens) with pre-built attribute dicts; one ECS line
serialised with orjson and written to a buffered file; the call record's JSON
(pydantic's serializer, as the journal and the store need it); one framed journal
`write`; the call and conversation rows inserted into the SQLite schema in a batch of
100 with executemany in one transaction; and the HMAC of the subject id. The sum, against
the floor a bare `http.client` call measures in the same run, says what ">= 0.5x the
floor" leaves for Sentinel's own code, and whether it is reachable with these libraries.

Every part runs in interleaved rounds; the figure is process CPU per operation (all
threads: the span processor's and nothing else's), median over rounds.

    .venv/bin/python benchmarks/instrumentation_floor.py [--ops 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import client_overhead

# The attributes a Sentinel span carries for the benchmark's call (17 at the end, 3 at
# the start), as `client_overhead.py --profile` produces them.
START_ATTRS = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "deepseek",
    "gen_ai.request.model": "deepseek-v4-flash",
}
END_ATTRS: dict[str, Any] = {
    "sentinel.request_id": "062ee4eb170be9d27b3603b94b648f1a",
    "sentinel.app": "bench",
    "gen_ai.response.model": "deepseek-v4-flash",
    "gen_ai.response.id": "chatcmpl-bench",
    "http.response.status_code": 200,
    "sentinel.retries": 0,
    "sentinel.failovers": 0,
    "sentinel.endpoint": "127.0.0.1:8000",
    "gen_ai.usage.input_tokens": 9,
    "gen_ai.usage.output_tokens": 6,
    "sentinel.cost": 4.95e-06,
    "sentinel.cost.currency": "USD",
    "sentinel.cost.cache_savings": 0.0,
    "gen_ai.response.finish_reasons": ["stop"],
    "gen_ai.request.temperature": 0.3,
    "sentinel.request.thinking": "enabled",
    "sentinel.subject_key": "70665804fd9db6dddc4c4d64712c31360f475531c8e8e51a00d012117aeddc04",
    "server.address": "127.0.0.1",
    "server.port": 8000,
}
BATCH = 100  # SQLite rows per transaction (the sink's writer makes ~100-record batches)

Part = Callable[[], None]


def _span_part() -> tuple[Part, Callable[[], None]]:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
    from opentelemetry.trace import SpanKind

    class Discard(SpanExporter):
        def export(self, spans: Sequence[Any]) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(Discard()))
    tracer = provider.get_tracer("sentinel")

    def span() -> None:
        start = time.time_ns()
        s = tracer.start_span(
            "chat deepseek-v4-flash", kind=SpanKind.CLIENT, attributes=START_ATTRS,
            start_time=start,
        )  # fmt: skip
        s.set_attributes(END_ATTRS)
        s.end(end_time=start + 1000)

    return span, provider.shutdown


def _histogram_part(records: int) -> tuple[Part, Callable[[], None]]:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    meter = provider.get_meter("sentinel")
    duration = meter.create_histogram("gen_ai.client.operation.duration", unit="s")
    tokens = meter.create_histogram("gen_ai.client.token.usage", unit="{token}")
    base = {**START_ATTRS, "server.address": "127.0.0.1", "gen_ai.response.model": "x"}
    typed = [{**base, "gen_ai.token.type": t} for t in ("input", "output")]

    def one() -> None:
        duration.record(0.001, base)

    def three() -> None:
        duration.record(0.001, base)
        tokens.record(9, typed[0])
        tokens.record(6, typed[1])

    return (one if records == 1 else three), provider.shutdown


def _ecs_part(tmp: Path) -> tuple[Part, Callable[[], None]]:
    import orjson

    doc = {
        "@timestamp": "2026-12-02T05:00:00.000Z",
        "log": {"level": "info", "logger": "sentinel.calls"},
        "message": "chat deepseek-v4-flash success 200",
        "ecs": {"version": "1.6.0"},
        "event": {"dataset": "sentinel.calls", "duration": 1000000, "outcome": "success"},
        "service": {"name": "bench"},
        "gen_ai": {"provider": {"name": "deepseek"}, "request": {"model": "deepseek-v4-flash"}},
        "sentinel": {k.removeprefix("sentinel."): v for k, v in END_ATTRS.items()},
    }
    out = open(tmp / "ecs.log", "w")  # noqa: SIM115  (closed by the cleanup)

    def line() -> None:
        out.write(orjson.dumps(doc).decode() + "\n")

    return line, out.close


def _records() -> tuple[Any, Any]:
    """A CallRecord and a Conversation like the benchmark call's."""
    from sentinel.clock import SYSTEM_CLOCK
    from sentinel.models import CallParams, CallRecord, Conversation

    now = SYSTEM_CLOCK.now()
    call = CallRecord(
        request_id="062ee4eb170be9d27b3603b94b648f1a", timestamp=now, app="bench",
        model="deepseek-v4-flash", response_model="deepseek-v4-flash", operation="chat",
        outcome="success", http_status=200, duration_ms=1.0, endpoint="127.0.0.1:8000",
        input_tokens=9, output_tokens=6, total_tokens=15, cost=4.95e-06, cost_currency="USD",
        cache_savings=0.0, finish_reasons=["stop"], params=CallParams(temperature=0.3),
        subject_key=END_ATTRS["sentinel.subject_key"],
    )  # fmt: skip
    conv = Conversation(
        request_id=call.request_id, timestamp=now, app="bench", model="deepseek-v4-flash",
        messages=client_overhead.MESSAGES, completion="Open Settings, then Security.",
        subject_id="user-1", subject_key=call.subject_key,
    )  # fmt: skip
    return call, conv


def _serialise_part() -> tuple[Part, Callable[[], None]]:
    call, conv = _records()

    def dump() -> None:
        call.model_dump_json()
        conv.model_dump_json()

    return dump, lambda: None


def _journal_part(tmp: Path) -> tuple[Part, Callable[[], None]]:
    from sentinel.records import frames

    call, conv = _records()
    data = frames.encode(call.model_dump_json().encode()) + frames.encode(
        conv.model_dump_json().encode()
    )
    fd = os.open(tmp / "wal.spool", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def write() -> None:
        os.write(fd, data)

    return write, lambda: os.close(fd)


def _sqlite_part(tmp: Path) -> tuple[Part, Callable[[], None]]:
    """executemany of pre-built rows into Sentinel's schema, WAL + synchronous=NORMAL,
    one transaction per BATCH calls; the part is the cost per call (2 rows)."""
    from sentinel.store.sqlite.core import to_epoch
    from sentinel.store.sqlite.tables import CALL_ROW, INSERT_CALL, SCHEMA

    call, conv = _records()
    conn = sqlite3.connect(tmp / "floor.db", isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(SCHEMA)
    call_doc, conv_doc = call.model_dump_json(), conv.model_dump_json()
    ts = to_epoch(call.timestamp)
    call_row = (ts, call.is_error, call_doc, *CALL_ROW(call))
    conv_row = (ts, "bench", "deepseek-v4-flash", "user-1", call.subject_key, None, conv_doc)
    pending: list[int] = []
    seq = [0]

    def insert() -> None:
        seq[0] += 1
        pending.append(seq[0])
        if len(pending) < BATCH:
            return
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT_CALL, [(f"r{n}", *call_row) for n in pending])
        conn.executemany(
            "INSERT OR REPLACE INTO conversations VALUES (?,?,?,?,?,?,?,?)",
            [(f"r{n}", *conv_row) for n in pending],
        )
        conn.execute("COMMIT")
        pending.clear()

    return insert, conn.close


def _hmac_part() -> tuple[Part, Callable[[], None]]:
    key = b"bench-subject-key"

    def digest() -> None:
        hmac.new(key, b"user-1", hashlib.sha256).hexdigest()

    return digest, lambda: None


def _floor_part(url: str) -> tuple[Part, Callable[[], None]]:
    return client_overhead._raw_http_client(url)


def run(part: Part, ops: int) -> tuple[float, float]:
    """(process CPU, wall) seconds per operation."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(ops):
        part()
    return (time.process_time() - cpu) / ops, (time.perf_counter() - wall) / ops


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=2000, help="operations per part per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with client_overhead.loopback_server() as url:
        load = os.getloadavg()[0]
        with tempfile.TemporaryDirectory() as tmp:
            parts = {
                "floor: http.client POST + json.loads": _floor_part(url),
                "span (start + 19 attributes at end, BatchSpanProcessor)": _span_part(),
                "histogram, 1 record": _histogram_part(1),
                "histograms, 3 records (Sentinel's per call)": _histogram_part(3),
                "ECS line (orjson + buffered write)": _ecs_part(Path(tmp)),
                "record + conversation JSON (pydantic, once)": _serialise_part(),
                "journal write (one os.write of both frames)": _journal_part(Path(tmp)),
                "SQLite insert, call + conversation rows, batch of 100": _sqlite_part(Path(tmp)),
                "subject HMAC": _hmac_part(),
            }
            results: dict[str, list[tuple[float, float]]] = {name: [] for name in parts}
            for rnd in range(args.rounds + 1):  # round 0 warms up
                for name, (part, _) in parts.items():
                    res = run(part, args.ops if rnd else max(100, args.ops // 10))
                    if rnd:
                        results[name].append(res)
            for _, cleanup in parts.values():
                cleanup()
        print(f"load average {load:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"\n{args.ops} operations x {args.rounds} rounds, process CPU us per operation\n")
        print("| part | CPU us/op | rounds |\n|---|---:|---|")
        med = {k: statistics.median(c for c, _ in v) * 1e6 for k, v in results.items()}
        for name, value in med.items():
            rounds = ", ".join(f"{c * 1e6:.1f}" for c, _ in results[name])
            print(f"| {name} | {value:,.1f} | {rounds} |")
        floor_name = "floor: http.client POST + json.loads"
        floor = med[floor_name]
        floor_wall = statistics.median(w for _, w in results[floor_name]) * 1e6
        mandated = sum(v for k, v in med.items() if not k.startswith(("floor", "histogram, 1")))
        # Sequential calls: half the floor's throughput is twice its wall time per call,
        # so what Sentinel may add is one floor call's wall time (CPU and waits alike).
        left = floor_wall - mandated
        print(
            f"\nfloor: {floor:,.0f} us CPU, {floor_wall:,.0f} us wall per call; "
            f"mandated parts: {mandated:,.0f} us CPU per call.\n"
            f">= 0.5x the floor's throughput allows ~{floor_wall:,.0f} us over the floor "
            f"per call; the mandated parts {'fit' if left >= 0 else 'do not fit'}, leaving "
            f"{left:,.0f} us for Sentinel's own code."
        )
        return 0


if __name__ == "__main__":
    sys.exit(main())
