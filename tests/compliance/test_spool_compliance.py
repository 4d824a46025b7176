"""Export and erasure over the real durable spool (records not yet replayed to the
store): the export holds them, the erasure removes them down to the byte, and a record
of the subject spooled after the erasure is dropped by the replay, not restored."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from gdpr_data import OTHER, SUBJECT, key_of, records_for, write_all

from sentinel.compliance.service import Compliance
from sentinel.config import Settings
from sentinel.records.replay import replay_spool
from sentinel.records.spool import Spool
from sentinel.store.sqlite import SQLiteStore


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(spool_dir=tmp_path / "spool")


@pytest.fixture
def spool(settings: Settings) -> Iterator[Spool]:
    s = Spool(settings.spool_path, fsync="always")
    yield s
    s.close()


def _export(compliance: Compliance, subject_id: str) -> dict[str, int]:
    summary = compliance.exports.export_now(io.StringIO(), subject_id, key_of(subject_id), "tester")
    return {"total": summary.total, **summary.by_source}


def _spool_files_containing(settings: Settings, needle: str) -> list[str]:
    return sorted(
        p.name for p in settings.spool_path.iterdir() if needle.encode() in p.read_bytes()
    )


def test_spooled_records_are_exported_erased_and_late_ones_dropped(
    sqlite_store: SQLiteStore, spool: Spool, settings: Settings, tmp_path: Path
) -> None:
    compliance = Compliance.build(
        sqlite_store, settings, spool=spool, exports_dir=tmp_path / "exports"
    )
    write_all(sqlite_store, records_for(SUBJECT, 5) + records_for(OTHER, 5))
    spool.append(records_for(SUBJECT, 4, prefix="spooled") + records_for(OTHER, 4, prefix="o"))
    spool.sync()

    assert _export(compliance, SUBJECT) == {"total": 27, "sqlite": 15, "spool": 12}
    assert _spool_files_containing(settings, SUBJECT)  # the scan sees the spool

    job = compliance.erasures.request(SUBJECT, key_of(SUBJECT), "tester", None)
    result = compliance.erasures.run(job["id"])

    assert result is not None and result["removed"]["spool"] == 12
    assert result["removed"]["sqlite"] == 15
    assert _spool_files_containing(settings, SUBJECT) == []
    assert _export(compliance, SUBJECT) == {"total": 0}
    assert _export(compliance, OTHER)["spool"] == 12  # the other subject's stay

    # An app that was offline spools a record of the subject after the erasure.
    spool.append(records_for(SUBJECT, 1, prefix="late"))
    spool.sync()
    replayed = replay_spool(sqlite_store, settings)

    assert replayed is not None and replayed.replayed == 15  # 12 of OTHER + 3 late
    assert _export(compliance, SUBJECT) == {"total": 0}
    assert _export(compliance, OTHER) == {"total": 27, "sqlite": 27}
    assert _spool_files_containing(settings, SUBJECT) == []
