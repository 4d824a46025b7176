"""A replaying process killed with SIGKILL halfway: after a restart every spooled record
is in the store exactly once (the store upserts by request_id; the spool deletes a
segment only after all of it was acknowledged)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from records_data import WriteLock, call

from sentinel.config import Settings
from sentinel.records.replay import replay_spool
from sentinel.records.spool import Spool
from sentinel.store.base import Store
from sentinel.store.sqlite import SQLiteStore

HERE = Path(__file__).parent
REPO = HERE.parent.parent
N = 5000
KILL_AFTER_BATCHES = 12


def _kill_mid_replay(spool_dir: Path, store_args: list[str]) -> int:
    """Runs the replayer, SIGKILLs it after some batches; returns records it delivered."""
    env = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{REPO}"}
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "replayer.py"), str(spool_dir), *store_args],
        stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    delivered = 0
    try:
        assert proc.stdout is not None
        for _ in range(KILL_AFTER_BATCHES):
            line = proc.stdout.readline()
            assert line.strip().isdigit(), f"replayer ended early: {line!r}"
            delivered += int(line)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(30)
    return delivered


def _check_after_restart(store: Store, spool_dir: Path, call_ids: Any) -> None:
    spool = Spool(spool_dir)
    assert spool.segments(), "the kill came after the replay finished"
    spool.close()
    result = replay_spool(store, Settings(spool_dir=spool_dir))
    assert result is not None and result.empty
    ids = call_ids()
    assert [rid for rid, n in Counter(ids).items() if n > 1] == []
    assert set(ids) == {f"crash-{i:06d}" for i in range(N)}


def _fill(spool_dir: Path) -> None:
    spool = Spool(spool_dir, segment_bytes=64 * 1024)  # many segments: some done at the kill
    for start in range(0, N, 100):
        spool.append([call(i, prefix="crash") for i in range(start, start + 100)])
    spool.close()
    assert len(spool.segments()) > 10


def test_sigkill_mid_replay_into_sqlite(sqlite_store: Any, tmp_path: Path) -> None:
    spool_dir = tmp_path / "spool"
    _fill(spool_dir)
    delivered = _kill_mid_replay(spool_dir, ["sqlite", str(sqlite_store.path)])
    # a batch more may land between the last line read and the kill
    assert sqlite_store.count("call") >= delivered == KILL_AFTER_BATCHES * 100

    def ids() -> list[str]:
        rows = sqlite_store._op(lambda c: c.execute("SELECT request_id FROM calls").fetchall())
        return [r[0] for r in rows]

    _check_after_restart(sqlite_store, spool_dir, ids)


@pytest.mark.elasticsearch
def test_sigkill_mid_replay_into_elasticsearch(
    es_store_factory: Any, es_url: str, tmp_path: Path
) -> None:
    from es_support import stored_call_ids

    store = es_store_factory()
    spool_dir = tmp_path / "spool"
    _fill(spool_dir)
    delivered = _kill_mid_replay(spool_dir, ["elasticsearch", es_url, store.prefix])
    store.refresh()
    assert store.count("call") >= delivered
    _check_after_restart(store, spool_dir, lambda: stored_call_ids(store))


def test_sigkill_mid_stream_loses_nothing_that_was_submitted(
    sqlite_store: Any, tmp_path: Path
) -> None:
    """A process killed without close() loses no record whose `submit` returned: those
    still in memory (the queue and the writer's batch) are in its write-ahead journal.
    The store stalls throughout (another connection holds SQLite's write lock), so most
    records go to the spool."""
    queue_size = 100
    spool_dir = tmp_path / "spool"
    env = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{REPO}"}
    with WriteLock(sqlite_store.path):
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "submitter.py"), str(sqlite_store.path), str(spool_dir),
             str(queue_size)],
            stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            submitted = 0
            while submitted < 3000:
                submitted = int(proc.stdout.readline())
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(30)
    result = replay_spool(sqlite_store, Settings(spool_dir=spool_dir))
    assert result is not None and result.empty
    rows = sqlite_store._op(lambda c: c.execute("SELECT request_id FROM calls").fetchall())
    lost = {f"kill-{i:06d}" for i in range(submitted)} - {r[0] for r in rows}
    assert lost == set()


def test_sigkill_of_the_app_mid_run_loses_no_acknowledged_call(
    fake_deepseek: Any, tmp_path: Path
) -> None:
    """An app process making real calls is SIGKILLed mid-run: every call whose `create()`
    had returned is in the store after the next replay (the write-ahead journal held it),
    and none twice."""
    db, spool_dir = tmp_path / "app.db", tmp_path / "spool"
    env = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{REPO}",
           "SENTINEL_SPOOL_DIR": str(spool_dir), "XDG_DATA_HOME": str(tmp_path)}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "app_process.py"), fake_deepseek.url, fake_deepseek.api_key,
         str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    acked: list[str] = []
    try:
        assert proc.stdout is not None
        while len(acked) < 1000:
            line = proc.stdout.readline()
            assert line, "the app ended early"
            acked.append(line.strip())
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        proc.kill()
    assert list(spool_dir.glob("wal-*.spool")), "no journal left behind by the killed app"
    store = SQLiteStore(db)
    store.setup()
    result = replay_spool(store, Settings(spool_dir=spool_dir))
    assert result is not None and result.empty
    rows = store._op(lambda c: c.execute("SELECT request_id FROM calls").fetchall())
    stored = [r[0] for r in rows]
    assert [rid for rid, n in Counter(stored).items() if n > 1] == []
    assert set(acked) - set(stored) == set()
    store.close()
