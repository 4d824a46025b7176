"""How each store classifies a failed record write, with real faults: a failure of the
store is StoreUnavailable carrying the real cause (never a masking ROLLBACK error), only
a record's own fault is RecordRejected, and a replay into a failing store keeps the
segment."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from faults import require_root_tool
from http_shim import HttpShim
from records_data import call

from sentinel.config import Settings
from sentinel.records.replay import StoreWriter, replay_spool
from sentinel.records.spool import Spool
from sentinel.records.tombstones import Tombstones
from sentinel.store.base import RecordRejected, StoreUnavailable
from sentinel.store.sqlite import SQLiteStore


def _immutable(paths: list[Path], on: bool) -> None:
    subprocess.run(["chattr", "+i" if on else "-i", *map(str, paths)], check=True)


def test_sqlite_unwritable_is_store_down_with_the_real_cause(
    tmp_path: Path, require_service: Any
) -> None:
    require_root_tool(require_service, "chattr")
    data = tmp_path / "data"
    data.mkdir()
    store = SQLiteStore(data / "s.db")
    store.setup()
    store.write_records([call(0)])
    targets = [data / "s.db", data / "s.db-wal", data]
    _immutable(targets, True)
    try:
        with pytest.raises(StoreUnavailable) as err:
            store.write_records([call(i) for i in range(1, 50)])
        assert "rollback" not in str(err.value).lower()
        assert "SQLITE_" in str(err.value)  # the SQLite error code of the real failure
        # a replay into the failing store keeps the segment and reports nothing replayed
        spool_dir = tmp_path / "spool"
        spool = Spool(spool_dir)
        spool.append([call(i) for i in range(1, 50)])
        spool.close()
        assert replay_spool(store, Settings(spool_dir=spool_dir)) is None
        assert len(Spool(spool_dir).segments()) == 1
    finally:
        _immutable(targets, False)
    result = replay_spool(store, Settings(spool_dir=spool_dir))
    assert result is not None and result.replayed == 49 and result.empty
    assert store.count("call") == 50
    store.close()


def test_sqlite_record_fault_is_a_rejection_dead_lettered(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    store.setup()
    bad = call(7)
    bad.metadata = {"note": "lone \ud800 surrogate"}
    with pytest.raises(RecordRejected):
        store.write_records([call(1), bad])
    writer = StoreWriter(store, Tombstones(store))
    outcome = writer.write([call(1), bad, call(2)])
    assert (outcome.written, outcome.rejected, outcome.lost) == (2, 1, 0)
    assert store.count("call") == 2
    text = store.dead_letter.path.read_text(encoding="ascii")
    assert '"request_id": "' + bad.request_id + '"' in text and "\\ud800" in text
    store.close()


@pytest.mark.elasticsearch
@pytest.mark.parametrize("status", [401, 403, 404, 429, 500, 503])
def test_elasticsearch_bulk_status_is_store_down(
    es_store_factory: Any, es_url: str, tmp_path: Path, status: int
) -> None:
    from es_support import open_elastic

    owner = es_store_factory()
    host, port = es_url.removeprefix("http://").rsplit(":", 1)
    shim = HttpShim(host, int(port))
    try:
        store = open_elastic(shim.url, owner.prefix, tmp_path)
        store._bulk_backoff = 0.01
        shim.status = status
        with pytest.raises(StoreUnavailable, match=str(status)):
            store.write_records([call(i) for i in range(5)])
        assert not store.dead_letter_path.exists()
    finally:
        shim.close()
