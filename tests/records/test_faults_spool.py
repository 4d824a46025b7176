"""Damaged spool left over from an earlier run, replayed by a sink under steady load: a
corrupt entry is skipped, counted and logged with its segment and offset; a segment the
OS refuses to read is quarantined and the replay goes on; everything else arrives once."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from faults import Load, assert_exactly_once, drain
from records_data import call

from sentinel.config import Settings
from sentinel.doctor import check_spool
from sentinel.records import frames
from sentinel.records.sink import Sink
from sentinel.records.spool import Spool
from sentinel.store.sqlite import SQLiteStore

pytestmark = pytest.mark.timeout(120)


def _ids(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT request_id FROM calls")]
    finally:
        conn.close()


def test_corrupt_and_unreadable_segments(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    spool_dir = tmp_path / "spool"
    spool = Spool(spool_dir, segment_bytes=16 * 1024)
    for start in range(0, 300, 30):
        spool.append([call(i, prefix="old") for i in range(start, start + 30)])
    spool.close()
    segments = spool.segments()
    assert len(segments) >= 4
    # a flipped run of bytes in the middle of the second segment
    damaged = spool_dir / segments[1]
    buf = bytearray(damaged.read_bytes())
    at = len(buf) // 2
    buf[at : at + 8] = b"\xff" * 8
    damaged.write_bytes(bytes(buf))
    # the third segment cannot be read at all (EISDIR: a directory stands in its place)
    unreadable = spool_dir / segments[2]
    unreadable_records = sum(1 for _ in frames.decode(unreadable.read_bytes(), frames.Damage()))
    unreadable.unlink()
    unreadable.mkdir()

    db = tmp_path / "sentinel.db"
    store = SQLiteStore(db)
    store.setup()
    caplog.set_level(logging.WARNING, "sentinel.spool")
    sink = Sink(store, Settings(spool_dir=spool_dir))
    with Load(sink, "live") as load:
        load.run_phase("before", 0.5)
        load.phase = "fault"  # the replay of the damaged spool runs from here
        drain(sink)
        load.run_phase("fault", 1.0)
    drain(sink)
    assert sink.spool.corrupt == 1 and sink.dropped == 0
    assert f"spool {segments[1]}: skipped 1 damaged entr(y/ies) at offset(s)" in caplog.text
    assert (spool_dir / "quarantine" / segments[2]).is_dir()
    info = Spool.inspect(spool_dir)
    assert info["quarantined"] == [segments[2]] and info["segments"] == []
    check = check_spool(Settings(spool_dir=spool_dir))
    assert check.status == "warn" and segments[2] in check.detail
    stored = _ids(db)
    old = [rid for rid in stored if rid.startswith("old-")]
    # every old record arrived except the damaged entry and the quarantined segment's
    assert len(old) == len(set(old)) == 300 - 1 - unreadable_records
    assert_exactly_once(load.acked, [rid for rid in stored if rid.startswith("live-")])
    sink.close()
    store.close()
    load.check_latency()


def test_a_skipped_damaged_entry_is_reported_by_doctor(tmp_path: Path) -> None:
    """A replay that skips a corrupt entry lost that record for good: doctor must not
    call the drained spool "ok", and the loss is counted once however often it is read."""
    spool_dir = tmp_path / "spool"
    spool = Spool(spool_dir)
    spool.append([call(i, prefix="dmg") for i in range(20)])
    spool.close()
    (segment,) = spool.segments()
    buf = bytearray((spool_dir / segment).read_bytes())
    buf[len(buf) // 2 : len(buf) // 2 + 8] = b"\xff" * 8
    (spool_dir / segment).write_bytes(bytes(buf))
    delivered: list[str] = []
    result = Spool(spool_dir).replay(lambda batch: delivered.extend(r.request_id for r in batch))
    assert result.corrupt == 1 and len(delivered) == 19 and spool.segments() == []
    assert Spool.inspect(spool_dir)["dropped"] == {"spool_damaged": 1}
    check = check_spool(Settings(spool_dir=spool_dir))
    assert check.status == "warn" and "1 lost (spool_damaged)" in check.detail
