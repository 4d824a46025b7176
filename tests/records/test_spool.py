"""Spool: framing, damage, rotation, order, GDPR rewrite and two processes on one directory."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from records_data import call, conversation

from sentinel.models import Record
from sentinel.records import frames
from sentinel.records.spool import Spool
from sentinel.store.base import StoreUnavailable

HERE = Path(__file__).parent
REPO = HERE.parent.parent


def drain(spool: Spool, **kwargs: object) -> list[Record]:
    got: list[Record] = []
    spool.replay(got.extend, **kwargs)  # type: ignore[arg-type]
    return got


def ids(records: list[Record]) -> list[str]:
    return [r.request_id for r in records]


def segment_files(path: Path) -> list[Path]:
    return sorted(path.glob("seg-*.spool"))


def test_frame_round_trip_and_checksum_covers_length() -> None:
    payloads = [b"", b"x", "中文".encode(), bytes(range(256)) * 10]
    buf = b"".join(frames.encode(p) for p in payloads)
    damage = frames.Damage()
    assert [f.payload for f in frames.decode(buf, damage)] == payloads
    assert damage == frames.Damage()
    entry = bytearray(frames.encode(b"hello"))
    entry[5] ^= 0x01  # the low byte of the length
    damage = frames.Damage()
    assert list(frames.decode(bytes(entry), damage)) == []
    assert damage.torn_tail and damage.skipped_bytes == len(entry)


def test_replay_in_order_and_segments_deleted(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append([call(i) for i in range(100)])
    spool.append([call(i) for i in range(100, 150)])
    assert spool.size_bytes() > 0
    got = drain(spool, batch_size=7)
    assert ids(got) == [f"req-{i:06d}" for i in range(150)]
    assert got[3] == call(3)
    assert segment_files(tmp_path / "spool") == []
    assert drain(spool) == []


def test_rotation_by_size_keeps_order_across_segments(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", segment_bytes=4096)
    largest = max(
        spool.append([call(i) for i in range(start, start + 20)]).size
        for start in range(0, 600, 20)
    )
    segments = segment_files(tmp_path / "spool")
    assert len(segments) > 5
    # a segment is closed by the first append that takes it to the limit
    assert all(p.stat().st_size < 4096 + largest for p in segments)
    assert ids(drain(spool, batch_size=50)) == [f"req-{i:06d}" for i in range(600)]
    assert segment_files(tmp_path / "spool") == []


def test_corrupt_entry_in_the_middle_is_skipped_and_counted(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append([call(i) for i in range(10)])
    (seg,) = segment_files(tmp_path / "spool")
    data = bytearray(seg.read_bytes())
    entry = len(data) // 10
    data[entry * 4 + 30] ^= 0xFF  # inside the fifth record's JSON
    seg.write_bytes(bytes(data))
    result_records: list[Record] = []
    result = spool.replay(result_records.extend)
    assert ids(result_records) == [f"req-{i:06d}" for i in range(10) if i != 4]
    assert (result.corrupt, result.torn_tails) == (1, 0)
    assert spool.corrupt == 1
    assert result.empty


def test_an_intact_entry_that_is_not_a_record_is_skipped(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append([call(0)])
    (seg,) = segment_files(tmp_path / "spool")
    with open(seg, "ab") as f:
        f.write(frames.encode(b'{"kind": "nope"}') + frames.encode(b"not json"))
    spool.append([call(1)])
    got: list[Record] = []
    spool.replay(got.extend)
    assert ids(got) == ["req-000000", "req-000001"]
    assert spool.corrupt == 2


def test_torn_tail_is_skipped_and_counted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append([call(i) for i in range(5)])
    spool.close()
    (seg,) = segment_files(tmp_path / "spool")
    with open(seg, "r+b") as f:  # a crash halfway through writing the last entry
        f.truncate(seg.stat().st_size - 25)
    reopened = Spool(tmp_path / "spool")
    got: list[Record] = []
    result = reopened.replay(got.extend)
    assert ids(got) == [f"req-{i:06d}" for i in range(4)]
    assert result.torn_tails == 1 and reopened.torn_tails == 1
    assert "torn tail: True" in caplog.text
    assert segment_files(tmp_path / "spool") == []


def test_a_new_process_never_appends_behind_a_torn_tail(tmp_path: Path) -> None:
    first = Spool(tmp_path / "spool")
    first.append([call(0)])
    first.close()
    (seg,) = segment_files(tmp_path / "spool")
    with open(seg, "ab") as f:
        f.write(frames.encode(b"{}")[:5])
    second = Spool(tmp_path / "spool")
    second.append([call(1)])
    assert len(segment_files(tmp_path / "spool")) == 2
    assert ids(drain(second)) == ["req-000000", "req-000001"]


def test_failed_delivery_keeps_the_rest_for_the_next_replay(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append([call(i) for i in range(50)])
    delivered: list[Record] = []

    def flaky(batch: list[Record]) -> None:
        if len(delivered) >= 20:
            raise StoreUnavailable("down")
        delivered.extend(batch)

    with pytest.raises(StoreUnavailable):
        spool.replay(flaky, batch_size=10)
    assert len(segment_files(tmp_path / "spool")) == 1
    result = spool.replay(delivered.extend, batch_size=10)
    assert ids(delivered) == [f"req-{i:06d}" for i in range(50)]
    assert result.replayed == 30 and result.empty


def test_max_batches_bounds_one_replay_turn(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append([call(i) for i in range(100)])
    got: list[Record] = []
    result = spool.replay(got.extend, batch_size=10, max_batches=3)
    assert len(got) == 30 and not result.empty
    spool.replay(got.extend, batch_size=10)
    assert ids(got) == [f"req-{i:06d}" for i in range(100)]


def test_bounded_replay_counts_damage_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A replay cut short by its batch budget, or by the store failing, still counts and
    logs the damage it read (with segment and offset), and the next pass does not count
    it again."""
    spool = Spool(tmp_path / "spool")
    spool.append([call(i) for i in range(40)])
    (seg,) = segment_files(tmp_path / "spool")
    data = bytearray(seg.read_bytes())
    data[len(data) // 40 * 2 + 30] ^= 0xFF  # the third record
    seg.write_bytes(bytes(data))
    got: list[Record] = []
    first = spool.replay(got.extend, batch_size=5, max_batches=1)
    assert first.corrupt == 1 and not first.empty
    assert f"spool {seg.name}: skipped 1 damaged entr(y/ies) at offset(s)" in caplog.text
    calls = 0

    def failing(batch: list[Record]) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise StoreUnavailable("down")
        got.extend(batch)

    with pytest.raises(StoreUnavailable):
        spool.replay(failing, batch_size=5)
    rest = spool.replay(got.extend, batch_size=5)
    assert rest.empty and spool.corrupt == 1
    assert ids(got) == [f"req-{i:06d}" for i in range(40) if i != 2]


def test_fsync_pace_can_be_a_duration(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", fsync="250ms")
    assert (spool.fsync, spool.fsync_interval) == ("interval", 0.25)


def test_replay_deletes_the_active_segment_and_appends_continue(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append([call(0)])
    assert ids(drain(spool)) == ["req-000000"]
    spool.append([call(1)])  # the deleted segment is noticed; a new one is created
    assert ids(drain(spool)) == ["req-000001"]


def test_invalid_settings_are_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fsync policy"):
        Spool(tmp_path / "a", fsync="sometimes")
    with pytest.raises(ValueError, match="segment_bytes"):
        Spool(tmp_path / "b", segment_bytes=0)


@pytest.mark.parametrize("policy", ["always", "interval", "never"])
def test_every_fsync_policy_round_trips(tmp_path: Path, policy: str) -> None:
    spool = Spool(tmp_path / "spool", fsync=policy)
    spool.append([call(i) for i in range(3)])
    spool.sync()
    spool.close()
    assert ids(drain(Spool(tmp_path / "spool"))) == ["req-000000", "req-000001", "req-000002"]


def test_iter_and_purge_subject(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", segment_bytes=2048)
    for i in range(30):
        if i % 3 == 0:
            spool.append([conversation(i, subject_id="alice@example.com", subject_key="k-alice")])
        elif i % 3 == 1:
            spool.append([call(i, subject_key="k-alice")])
        else:
            spool.append([call(i, subject_key="k-bob")])
    found = list(spool.iter_subject("alice@example.com", "k-alice"))
    assert len(found) == 20
    assert {type(r).__name__ for r in found} == {"CallRecord", "Conversation"}
    by_raw_id = list(spool.iter_subject("alice@example.com", "no-such-key"))
    assert len(by_raw_id) == 10
    assert spool.purge_subject("alice@example.com", "k-alice") == 20
    assert list(spool.iter_subject("alice@example.com", "k-alice")) == []
    for path in (tmp_path / "spool").iterdir():
        data = path.read_bytes()
        assert b"alice@example.com" not in data and b"k-alice" not in data, path.name
    spool.append([call(99, subject_key="k-bob")])  # the rewritten active segment is left
    assert ids(drain(spool)) == [f"req-{i:06d}" for i in range(30) if i % 3 == 2] + ["req-000099"]
    assert spool.purge_subject(None, "k-alice") == 0


_APPENDER = textwrap.dedent(
    """
    import sys
    from records_data import call
    from sentinel.records.spool import Spool
    spool = Spool(sys.argv[1], segment_bytes=8192)
    prefix, n = sys.argv[2], int(sys.argv[3])
    for start in range(0, n, 10):
        spool.append([call(i, prefix=prefix) for i in range(start, start + 10)])
    spool.close()
    """
)


def _appender(spool_dir: Path, prefix: str, n: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{REPO}"}
    return subprocess.Popen([sys.executable, "-c", _APPENDER, str(spool_dir), prefix, str(n)],
                            env=env)  # fmt: skip


def test_two_processes_append_without_interleaving_damage(tmp_path: Path) -> None:
    procs = [_appender(tmp_path / "spool", p, 2000) for p in ("a", "b")]
    assert [p.wait(60) for p in procs] == [0, 0]
    spool = Spool(tmp_path / "spool")
    got = ids(drain(spool))
    assert spool.corrupt == 0 and spool.torn_tails == 0
    for prefix in ("a", "b"):  # each process's records in its own order
        assert [i for i in got if i.startswith(prefix)] == [
            f"{prefix}-{i:06d}" for i in range(2000)
        ]


def test_replay_while_another_process_appends_delivers_each_record_once(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    proc = _appender(tmp_path / "spool", "w", 5000)
    got: list[Record] = []
    while proc.poll() is None:
        spool.replay(got.extend, batch_size=100)
    assert proc.returncode == 0
    spool.replay(got.extend)
    assert ids(got) == [f"w-{i:06d}" for i in range(5000)]
    assert segment_files(tmp_path / "spool") == []


def test_only_one_replay_at_a_time(tmp_path: Path) -> None:
    first, second = Spool(tmp_path / "spool"), Spool(tmp_path / "spool")
    first.append([call(i) for i in range(3)])
    nested: list[object] = []

    def deliver(batch: list[Record]) -> None:
        nested.append(second.replay(lambda b: None))

    first.replay(deliver)
    assert len(nested) == 1 and nested[0].busy  # type: ignore[attr-defined]


def test_close_is_idempotent(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append([call(1)])
    spool.close()
    spool.close()  # a client closed explicitly and again by its context manager
    assert ids(drain(Spool(tmp_path / "spool"))) == ["req-000001"]
