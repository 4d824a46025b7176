"""The spool under GDPR: an export includes records still spooled, an erasure removes
them from the segment files, and the tombstone it leaves drops late records."""

from __future__ import annotations

import io
import json
from pathlib import Path

from records_data import anonymous_calls, call, conversation

from sentinel.compliance.service import Compliance, open_spool
from sentinel.config import Settings
from sentinel.records.sink import Sink
from sentinel.records.spool import Spool
from sentinel.store.sqlite import SQLiteStore

ALICE, BOB = "alice@example.com", "bob@example.com"


def test_export_and_erasure_cover_the_spool(sqlite_store: SQLiteStore, tmp_path: Path) -> None:
    settings = Settings(spool_dir=tmp_path / "spool")
    # Opened before anything was spooled on this machine, as a long-running API does.
    compliance = Compliance.build(
        sqlite_store, settings, spool=open_spool(settings), exports_dir=tmp_path / "exports"
    )
    alice, bob = compliance.subject_key(ALICE), compliance.subject_key(BOB)
    sqlite_store.write_records([call(i, prefix="stored", subject_key=alice) for i in range(3)])
    outage = Spool(settings.spool_path, segment_bytes=4096)  # what an outage left behind
    for i in range(40):
        key, raw = (alice, ALICE) if i % 2 else (bob, BOB)
        outage.append([call(i, subject_key=key), conversation(i, subject_id=raw, subject_key=key)])
    outage.close()

    out = io.StringIO()
    summary = compliance.exports.export_now(out, ALICE, alice, actor="test")
    assert summary.by_source == {"sqlite": 3, "spool": 40}
    spooled = [r for r in json.loads(out.getvalue())["records"] if r["source"] == "spool"]
    assert sorted(r["data"]["request_id"] for r in spooled) == sorted(
        f"{prefix}-{i:06d}" for i in range(1, 40, 2) for prefix in ("req", "conv")
    )

    job = compliance.erasures.request(ALICE, alice, "test", None)
    done = compliance.erasures.run(job["id"])
    assert done is not None and done["removed"]["spool"] == 40
    for path in settings.spool_path.iterdir():
        data = path.read_bytes()
        assert ALICE.encode() not in data and alice.encode() not in data, path.name

    sink = Sink(sqlite_store, settings)  # replays Bob's records; Alice's late ones drop
    sink.submit(call(999, prefix="late", subject_key=alice))
    assert sink.flush(10)
    sink.close()
    assert sqlite_store.count("call") == 21 and anonymous_calls(sqlite_store) == 1
    assert sqlite_store.count("conversation") == 20
    assert sink.erased == 1
    assert list(sqlite_store.iter_subject(ALICE, alice, ("call", "conversation"))) == []
