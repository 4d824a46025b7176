"""Real faults under the embedded SQLite store, each under steady load: the records spool
while the store is down and reach it exactly once after recovery, and the app notices
nothing (no exception, p50 submit latency within 1.5x)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from faults import Load, assert_exactly_once, drain, fill, require_root_tool, tmpfs
from records_data import call

from sentinel.config import Settings
from sentinel.models import CallRecord
from sentinel.records.sink import Sink
from sentinel.store.sqlite import SQLiteStore

pytestmark = pytest.mark.timeout(120)
FAULT_S = 5.0


def stored_ids(db: Path, tables: tuple[str, ...] = ("calls",)) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for t in tables for r in conn.execute(f"SELECT request_id FROM {t}")]
    finally:
        conn.close()


def run_fault(
    db: Path,
    spool_dir: Path,
    inject: Callable[[], None],
    recover: Callable[[], None],
    fault_s: float = FAULT_S,
    stores: list[SQLiteStore] | None = None,
    healed_first: bool = False,
) -> tuple[Load, Sink]:
    store = SQLiteStore(db)
    store.setup()
    if stores is not None:
        stores.append(store)
    sink = Sink(store, Settings(spool_dir=spool_dir))
    with Load(sink, "fault") as load:
        load.run_phase("before", 2.0)
        inject()
        load.run_phase("fault", fault_s, None if healed_first else lambda: sink.spooled > 0)
        spooled_in_fault = sink.spooled
        recover()
        load.run_phase("after", 2.0)
    drain(sink)
    assert healed_first or spooled_in_fault > 0, "the fault never reached the sink"
    assert sink.dropped == 0 and sink.flush(5)
    sink.close()
    store.close()
    load.check_latency()
    return load, sink


def test_immutable_db_wal_and_directory(tmp_path: Path, require_service: Any) -> None:
    """chattr +i on the database, its -wal and the directory: the 802-of-2000 case."""
    require_root_tool(require_service, "chattr")
    data = tmp_path / "data"
    data.mkdir()
    db = data / "sentinel.db"
    targets = [db, data / "sentinel.db-wal", data]

    def chattr(flag: str) -> None:
        subprocess.run(["chattr", flag, *map(str, targets)], check=True)

    try:
        load, _ = run_fault(db, tmp_path / "spool", lambda: chattr("+i"), lambda: chattr("-i"))
    finally:
        subprocess.run(["chattr", "-i", *map(str, targets)], check=False)
    assert_exactly_once(load.acked, stored_ids(db))


def test_database_on_a_full_filesystem(tmp_path: Path, require_service: Any) -> None:
    with tmpfs(tmp_path / "small", require_service, size="8m") as mnt:
        db = mnt / "sentinel.db"
        filler: list[Path] = []
        load, _ = run_fault(
            db, tmp_path / "spool", lambda: filler.append(fill(mnt)), lambda: filler[0].unlink()
        )
        assert_exactly_once(load.acked, stored_ids(db))


def test_corrupt_database_file(tmp_path: Path) -> None:
    """The header overwritten (a bad disk, a stray `dd`) and the store reopened, as an app
    restart does (an open connection would go on from its page cache): not a database
    until the good bytes are back; the records wait in the spool meanwhile."""
    db = tmp_path / "sentinel.db"
    saved: list[bytes] = []
    stores: list[SQLiteStore] = []

    def corrupt() -> None:
        store = stores[0]
        with store._lock:  # no write slips in between the reopen and the damage
            store.close()  # folds the WAL into the file
            with open(db, "r+b") as f:
                saved.append(f.read(100))
                f.seek(0)
                f.write(os.urandom(100))

    def restore() -> None:
        with open(db, "r+b") as f:
            f.write(saved[0])

    load, _ = run_fault(db, tmp_path / "spool", corrupt, restore, stores=stores)
    assert_exactly_once(load.acked, stored_ids(db))


def test_table_renamed_away(tmp_path: Path) -> None:
    """Someone renames the calls table: the store sees the schema change before its next
    write and re-creates the table (writes used to fail until a reconnect healed it);
    every record is in the old or the new table, once."""
    db = tmp_path / "sentinel.db"

    def rename() -> None:
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("ALTER TABLE calls RENAME TO calls_moved")
        conn.close()

    load, _ = run_fault(db, tmp_path / "spool", rename, lambda: None, healed_first=True)
    assert_exactly_once(load.acked, stored_ids(db, ("calls", "calls_moved")))


def test_write_lock_held_by_another_process(tmp_path: Path) -> None:
    """Another process holds the write lock longer than the busy timeout (10 s)."""
    db = tmp_path / "sentinel.db"
    holder: list[subprocess.Popen[str]] = []
    script = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "print('locked', flush=True)\n"
        "sys.stdin.read()\n"  # held until the test closes its stdin
    )

    def lock() -> None:
        proc = subprocess.Popen(
            [sys.executable, "-c", script, str(db)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        holder.append(proc)

    def release() -> None:
        assert holder[0].stdin is not None
        holder[0].stdin.close()
        holder[0].wait(30)

    try:  # the fault phase lasts until a write gave up on the lock (busy timeout) and spooled
        load, _ = run_fault(db, tmp_path / "spool", lock, release, fault_s=5.0)
    finally:
        for proc in holder:
            proc.kill()
    assert_exactly_once(load.acked, stored_ids(db))


def poison(i: int, prefix: str) -> CallRecord:
    """Every 97th record carries text that is not valid Unicode (a lone surrogate)."""
    record = call(i, prefix=prefix)
    if i % 97 == 13:
        record.metadata = {"note": "broken \ud800 text"}
    return record


@pytest.mark.parametrize("outage", [False, True])
def test_poison_record_in_a_batch(tmp_path: Path, outage: bool) -> None:
    """One record that cannot be serialised: the rest of its batch is stored (or spooled),
    it goes to the dead-letter file in escaped form, and it is counted."""
    db = tmp_path / "sentinel.db"
    store = SQLiteStore(db)
    store.setup()
    sink = Sink(store, Settings(spool_dir=tmp_path / "spool"))
    lock = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    with Load(sink, "poison", make=poison) as load:
        load.run_phase("before", 1.0)
        if outage:
            lock.execute("BEGIN IMMEDIATE")  # writes stall, then spool
        # with the outage, on until a write gave up on the lock (busy timeout, 10 s)
        load.run_phase("fault", 3.0, (lambda: sink.spooled > 0) if outage else None)
        if outage:
            lock.execute("ROLLBACK")
        load.run_phase("after", 1.0)
    lock.close()
    drain(sink)
    bad = {rid for rid in load.acked if int(rid.rsplit("-", 1)[1]) % 97 == 13}
    assert bad and sink.dead_lettered == len(bad) and sink.dropped == 0
    lines = store.dead_letter.path.read_text(encoding="ascii").splitlines()  # escaped text
    letters = [json.loads(line) for line in lines]
    assert {d["record"]["request_id"] for d in letters} == bad
    assert all(d["record"]["metadata"]["note"] == "broken \ud800 text" for d in letters)
    assert_exactly_once(load.acked, stored_ids(db), aside=len(bad))
    sink.close()
    store.close()
    load.check_latency()


def test_full_spool_disk_is_counted_exactly(tmp_path: Path, require_service: Any) -> None:
    """Store down and the spool's disk full: the records that cannot be kept are lost, and
    exactly those are counted; flush() says so, and the rest arrive once."""
    db = tmp_path / "sentinel.db"
    store = SQLiteStore(db)
    store.setup()
    with tmpfs(tmp_path / "spool", require_service, size="1m") as spool_dir:
        sink = Sink(store, Settings(spool_dir=spool_dir))
        lock = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        with Load(sink, "full") as load:
            load.run_phase("before", 1.0)
            lock.execute("BEGIN IMMEDIATE")
            filler = fill(spool_dir)
            # on until a write gave up on the lock (busy timeout, 10 s) and met the full disk
            load.run_phase("fault", 3.0, lambda: sink.dropped > 0)
            assert sink.flush(1) is False  # records were lost, and flush says so
            filler.unlink()
            lock.execute("ROLLBACK")
            load.run_phase("after", 1.0)
        lock.close()
        drain(sink)
        lost = sink.dropped_by["spool_full"]
        assert lost > 0 and sink.dropped == lost
        assert_exactly_once(load.acked, stored_ids(db), aside=lost)
        sink.close()
        store.close()
    load.check_latency()
