"""Sink over a real SQLite store: delivery, queue-full policies against a store that is
really stalled (another connection holds SQLite's write lock), tombstones at submit and
at replay, metrics, and telemetry that fails."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from records_data import WriteLock, anonymous_calls, call, conversation

from sentinel.config import Settings
from sentinel.records import frames
from sentinel.records.replay import replay_spool
from sentinel.records.sink import Sink
from sentinel.records.spool import Spool
from sentinel.store.sqlite import SQLiteStore

ERASED = "k-erased"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(spool_dir=tmp_path / "spool")


@pytest.fixture
def sinks(sqlite_store: SQLiteStore, settings: Settings) -> Iterator[Any]:
    made: list[Sink] = []

    def make(**kwargs: Any) -> Sink:
        made.append(Sink(sqlite_store, settings, **kwargs))
        return made[-1]

    yield make
    for sink in made:
        sink.close(5)


def stored(store: SQLiteStore) -> int:
    return store.count("call")


def segments(settings: Settings) -> list[Path]:
    return sorted(settings.spool_path.glob("seg-*.spool"))


def submit_from_threads(sink: Sink, n: int, threads: int = 4) -> float:
    """Submit n records from several threads; returns the slowest single submit (s)."""
    slowest = [0.0] * threads

    def run(t: int) -> None:
        for i in range(t, n, threads):
            start = time.perf_counter()
            sink.submit(call(i))
            slowest[t] = max(slowest[t], time.perf_counter() - start)

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return max(slowest)


def test_records_from_many_threads_reach_the_store(sinks: Any, sqlite_store, settings) -> None:
    sink = sinks()
    submit_from_threads(sink, 5000)
    sink.submit_many([call(i) for i in range(5000, 5100)])
    assert sink.flush(10)
    assert stored(sqlite_store) == 5100
    assert sqlite_store.get_call("req-004999") == call(4999)
    assert (sink.spooled, sink.dropped) == (0, 0)
    assert segments(settings) == []


@pytest.mark.parametrize("policy", ["spool", "drop"])
def test_queue_full_while_the_store_stalls(
    sinks: Any, sqlite_store: SQLiteStore, tmp_path: Path, policy: str
) -> None:
    reader = InMemoryMetricReader()
    sink = sinks(queue_size=50, queue_full_policy=policy,
                 meter_provider=MeterProvider(metric_readers=[reader]))  # fmt: skip
    with WriteLock(tmp_path / "sentinel.db"):
        slowest = submit_from_threads(sink, 2000)
        depth = metric_value(reader, "sentinel.sink.queue.depth")
    assert slowest < 2.0  # the store stalled for the whole submit; the app did not
    assert depth == 50
    assert sink.flush(20) is (policy == "spool")  # a drop makes flush() say so
    if policy == "spool":
        assert stored(sqlite_store) == 2000
        assert sink.dropped == 0 and sink.spooled > 0
        assert sink.replayed == sink.spooled
        assert metric_value(reader, "sentinel.sink.spooled") == sink.spooled
        assert metric_value(reader, "sentinel.sink.replayed") == sink.replayed
    else:
        assert sink.dropped > 0 and sink.spooled == 0
        assert stored(sqlite_store) + sink.dropped == 2000
        assert metric_value(reader, "sentinel.sink.dropped") == sink.dropped
    assert metric_value(reader, "sentinel.spool.bytes") == 0


def metric_value(reader: InMemoryMetricReader, name: str) -> float:
    data = reader.get_metrics_data()
    values = [
        point.value
        for rm in (data.resource_metrics if data else [])
        for sm in rm.scope_metrics
        for metric in sm.metrics
        if metric.name == name
        for point in metric.data.data_points
    ]
    assert values, f"metric {name} not reported"
    return sum(values)


def test_tombstoned_subject_is_dropped_at_submit(sinks: Any, sqlite_store: SQLiteStore) -> None:
    sqlite_store.set_state(f"tombstone:{ERASED}", {"created_at": "2026-01-01T00:00:00+00:00"})
    sink = sinks()
    sink.submit_many([call(i, subject_key=ERASED if i % 2 else "k-kept") for i in range(100)])
    sink.submit(conversation(100, subject_id="erased@example.com", subject_key=ERASED))
    assert sink.flush(10)
    assert stored(sqlite_store) == 100 and anonymous_calls(sqlite_store) == 50  # counted, unlinked
    assert sqlite_store.count("conversation") == 0
    assert sqlite_store.get_call("req-000001") is None
    assert sink.erased == 51


def _spool_outage_leftovers(settings: Settings) -> None:
    """What a process leaves in the spool after the store was down: some records of a
    subject that was erased afterwards."""
    spool = Spool(settings.spool_path)
    spool.append([call(i, subject_key=ERASED if i % 3 == 0 else "k-kept") for i in range(300)])
    spool.append([conversation(300, subject_id="erased@example.com", subject_key=ERASED)])
    spool.close()


def test_a_new_sink_replays_leftovers_and_respects_tombstones(
    sinks: Any, sqlite_store: SQLiteStore, settings: Settings
) -> None:
    _spool_outage_leftovers(settings)
    sqlite_store.set_state(f"tombstone:{ERASED}", {"created_at": "2026-01-01T00:00:00+00:00"})
    sink = sinks()
    assert sink.flush(10)
    assert stored(sqlite_store) == 300 and anonymous_calls(sqlite_store) == 100
    assert sqlite_store.count("conversation") == 0
    assert sink.erased == 101 and sink.replayed == 301
    assert segments(settings) == []


def test_daemon_replay_respects_tombstones(sqlite_store: SQLiteStore, settings: Settings) -> None:
    assert replay_spool(sqlite_store, settings) is None  # no spool directory yet
    _spool_outage_leftovers(settings)
    sqlite_store.set_state(f"tombstone:{ERASED}", {"created_at": "2026-01-01T00:00:00+00:00"})
    result = replay_spool(sqlite_store, settings)
    assert result is not None and result.replayed == 301 and result.empty
    assert stored(sqlite_store) == 300 and anonymous_calls(sqlite_store) == 100
    assert sqlite_store.count("conversation") == 0


def test_close_with_a_stalled_store_spools_what_is_queued(
    sqlite_store: SQLiteStore, settings: Settings, tmp_path: Path
) -> None:
    sink = Sink(sqlite_store, settings)
    with WriteLock(tmp_path / "sentinel.db"):
        sink.submit_many([call(i) for i in range(2000)])
        time.sleep(0.1)  # the writer is inside a store write now
        sink.close(timeout=0.5)
        assert segments(settings)
    sink._thread.join(15)  # its stalled write completes once the lock is gone
    again = Sink(sqlite_store, settings)
    assert again.flush(10)
    again.close()
    assert stored(sqlite_store) == 2000
    assert segments(settings) == []


class _BrokenMeter:
    def __getattr__(self, name: str) -> Any:
        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("telemetry is broken")

        return broken


class _BrokenMeterProvider:
    def get_meter(self, *args: Any, **kwargs: Any) -> Any:
        return _BrokenMeter()


class _BrokenCounter:
    def add(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("export is broken")


class _BrokenCountersMeterProvider:
    def get_meter(self, *args: Any, **kwargs: Any) -> Any:
        meter = _BrokenMeter()
        meter.create_counter = lambda *a, **k: _BrokenCounter()  # type: ignore[method-assign]
        meter.create_observable_gauge = lambda *a, **k: None  # type: ignore[method-assign]
        return meter


@pytest.mark.parametrize("provider", [_BrokenMeterProvider, _BrokenCountersMeterProvider])
def test_broken_telemetry_never_reaches_the_app(
    sinks: Any, sqlite_store: SQLiteStore, tmp_path: Path, provider: type
) -> None:
    sink = sinks(queue_size=10, queue_full_policy="drop", meter_provider=provider())
    with WriteLock(tmp_path / "sentinel.db"):
        for i in range(100):
            sink.submit(call(i))
    assert sink.flush(20) is False  # the drop policy lost records, and flush says so
    assert sink.dropped > 0
    assert stored(sqlite_store) + sink.dropped == 100


def test_bad_policy_and_queue_size_are_named(sqlite_store: SQLiteStore, settings) -> None:
    with pytest.raises(ValueError, match="queue full policy"):
        Sink(sqlite_store, settings, queue_full_policy="block")
    with pytest.raises(ValueError, match="queue size"):
        Sink(sqlite_store, settings, queue_size=0)
    with pytest.raises(ValueError, match="SENTINEL_SPOOL_FSYNC"):
        Settings(spool_fsync="sometimes")
    blocker = settings.spool_path.parent / "a-file"
    blocker.write_text("")
    with pytest.raises(OSError, match=r"a-file/spool.*SENTINEL_SPOOL_DIR.*not usable"):
        Sink(sqlite_store, Settings(spool_dir=blocker / "spool"))


def test_sentinel_serve_replays_the_spool_with_its_spool_replay_job(
    sqlite_store: SQLiteStore, settings: Settings
) -> None:
    from sentinel.daemon import Daemon

    _spool_outage_leftovers(settings)
    sqlite_store.set_state(f"tombstone:{ERASED}", {"created_at": "2026-01-01T00:00:00+00:00"})
    daemon = Daemon(sqlite_store, settings, notifiers=[])
    daemon.start()  # the job's first run is at start
    try:
        deadline = time.monotonic() + 20
        while segments(settings) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        daemon.stop()
    assert segments(settings) == []
    assert stored(sqlite_store) == 300 and anonymous_calls(sqlite_store) == 100
    assert sqlite_store.count("conversation") == 0


def test_write_ahead_journal_holds_records_until_settled(
    sqlite_store: SQLiteStore, settings: Settings
) -> None:
    """Every accepted record is in the journal before submit returns; stored records
    leave it (full journal files are deleted as the store acknowledges them) and close()
    leaves no journal behind."""
    spool_dir = settings.spool_path
    with WriteLock(sqlite_store.path):  # nothing can be stored yet: all still journaled
        sink = Sink(sqlite_store, settings, batch_size=5000)
        sink.submit_many([call(i) for i in range(200)])
        (journal,) = spool_dir.glob("wal-*.spool")
        entries = list(frames.decode(journal.read_bytes(), frames.Damage()))
        assert len(entries) == 200
    assert sink.flush(20)
    for start in range(200, 2200, 100):  # well past the size at which settled files go
        sink.submit_many([call(i) for i in range(start, start + 100)])
        assert sink.flush(20)
    assert stored(sqlite_store) == 2200
    left = sum(p.stat().st_size for p in spool_dir.glob("wal-*.spool"))
    assert left < 2 * 64 * 1024  # settled journal files were deleted as they filled
    sink.close()
    assert list(spool_dir.glob("wal-*.spool")) == [] and not sink.spool.segments()


def test_dead_lettered_records_are_counted_in_metrics_and_stats(sinks: Any) -> None:
    reader = InMemoryMetricReader()
    sink = sinks(meter_provider=MeterProvider(metric_readers=[reader]))
    records = [call(i) for i in range(10)]
    for bad in (records[3], records[7]):
        bad.metadata = {"note": "lone \ud800"}
    sink.submit_many(records)
    assert sink.flush(10)  # set aside, not lost: flush stays truthful and True
    assert metric_value(reader, "sentinel.sink.dead_lettered") == 2
    assert sink.stats()["dead_lettered"] == 2 and sink.stats()["dropped"] == {}


def test_poison_record_on_the_overflow_path_leaks_nothing(
    sinks: Any, sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    """The queue overflows while the store stalls, and one overflowing record cannot be
    serialised: the rest of its batch is spooled, it is dead-lettered, and flush() is
    not left waiting for a pending count that never drops."""
    sink = sinks(queue_size=5)
    records = [call(i) for i in range(50)]
    records[30].metadata = {"note": "lone \ud800"}
    with WriteLock(tmp_path / "sentinel.db"):
        sink.submit_many(records)
        assert sink.spooled == 44 and sink.dead_lettered == 1
    assert sink.flush(20) and sink.flush(1)
    assert stored(sqlite_store) == 49 and sink.dropped == 0


def test_the_store_keeps_the_journals_json_instead_of_serialising_again(
    sinks: Any, sqlite_store: SQLiteStore
) -> None:
    """One serialisation per record: the journal's JSON is the document SQLite stores
    (a `Serialised` batch), byte for byte what the record serialises to, and the record
    reads back equal; a plain list of records is still serialised by the store."""
    from sentinel.store.base import Serialised

    sink = sinks()
    assert sink.journal is not None
    records = [call(1), conversation(2, subject_id="u-2", subject_key="k-2"), call(3)]
    sink.submit_many(records)
    assert sink.flush(5)
    conn = sqlite3.connect(sqlite_store.path)  # type: ignore[arg-type]
    for record in records:
        table = "calls" if record.kind == "call" else "conversations"
        (doc,) = conn.execute(
            f"SELECT doc FROM {table} WHERE request_id=?", (record.request_id,)
        ).fetchone()
        assert doc == record.model_dump_json()
    rid = records[0].request_id
    assert sqlite_store.get_call(rid) == records[0]
    marked = '{"kind": "call", ' + records[0].model_dump_json()[len('{"kind":"call",') :]
    sqlite_store.write_records(Serialised([records[0]], [marked]))  # the given document
    assert conn.execute("SELECT doc FROM calls WHERE request_id=?", (rid,)).fetchone()[0] == marked
    assert sqlite_store.get_call(rid) == records[0]  # the same record, as JSON
    sqlite_store.write_records([records[0]])
    assert conn.execute("SELECT doc FROM calls WHERE request_id=?", (rid,)).fetchone()[0] == (
        records[0].model_dump_json()
    )
    conn.close()
