"""SQLite-only behaviour that the contract suite cannot see: where WAL checkpoints run."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from test_store_contract import call

from sentinel.store.sqlite import SQLiteStore


def test_wal_is_checkpointed_in_the_background_not_by_the_writer(tmp_path: Path) -> None:
    """The batch is far below the writer's own checkpoint threshold, so only the
    background checkpointer can have copied it into the database file."""
    db = tmp_path / "bg.db"
    others = {t for t in threading.enumerate() if t.name == "sentinel-sqlite-ckpt"}
    store = SQLiteStore(db)
    store.setup()
    empty = db.stat().st_size
    store.write_records([call(i) for i in range(1500)])
    wal = Path(f"{db}-wal").stat().st_size
    assert wal > 1_000_000  # the batch went to the WAL first
    deadline = time.monotonic() + 10
    while db.stat().st_size < empty + wal // 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert db.stat().st_size >= empty + wal // 2
    assert store.count("call") == 1500
    store.close()
    # This store's checkpointer stops with it (stores other tests left open keep theirs).
    assert {t for t in threading.enumerate() if t.name == "sentinel-sqlite-ckpt"} <= others
