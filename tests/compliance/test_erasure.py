"""Erasure on the real SQLite store: complete (no record and no byte of the raw id
left in the database, its WAL, exports or logs), idempotent, and resumable after the
process dies in the middle."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gdpr_data import OTHER, SUBJECT, key_of

from sentinel.compliance.erasure import STEPS
from sentinel.compliance.service import Compliance
from sentinel.store.sqlite import SQLiteStore


def _erase(compliance: Compliance, subject_id: str = SUBJECT) -> dict:
    job = compliance.erasures.request(subject_id, key_of(subject_id), "tester", "req-1")
    result = compliance.erasures.run(job["id"])
    assert result is not None
    return result


def _export_total(compliance: Compliance, subject_id: str) -> int:
    out = io.StringIO()
    return compliance.exports.export_now(out, subject_id, key_of(subject_id), "tester").total


def _files_containing(root: Path, needle: str) -> list[str]:
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and needle.encode() in p.read_bytes()
    )


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Every log record of the test, at DEBUG, written to a real file."""
    path = tmp_path / "logs" / "sentinel.log"
    path.parent.mkdir()
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


def test_erasure_removes_every_record_of_the_subject_only(
    compliance: Compliance, seeded: Callable[[int], None], sqlite_store: SQLiteStore
) -> None:
    seeded(30)
    result = _erase(compliance)
    assert result["status"] == "completed"
    assert result["steps_done"] == list(STEPS)
    assert result["removed"] == {"sqlite": 91, "spool": 0, "dead-letter": 0, "exports": 0}
    assert result["removed_by_kind"] == {
        "sqlite": {"conversation": 30, "call": 30, "feedback": 30, "alert": 1, "cache": 0, "job": 0}
    }
    assert "subject_id" not in result
    assert "reclaim_again_at" not in result  # SQLite purged every byte at once
    assert compliance.erasures.reclaim_due() == 0
    assert _export_total(compliance, SUBJECT) == 0
    assert _export_total(compliance, OTHER) == 91
    tombstone = sqlite_store.get_state(f"tombstone:{key_of(SUBJECT)}")
    assert tombstone is not None and tombstone[0]["cut_off"] == result["cut_off"]
    assert set(tombstone[0]) == {"created_at", "updated_at", "cut_off", "clock_skew_s"}


def test_erasure_is_idempotent(compliance: Compliance, seeded: Callable[[int], None]) -> None:
    seeded(5)
    first = _erase(compliance)
    second = _erase(compliance)
    assert first["id"] != second["id"]
    assert second["status"] == "completed"
    assert second["removed"] == {"sqlite": 0, "spool": 0, "dead-letter": 0, "exports": 0}
    actions = [e.action for e in compliance.audit.entries()]
    assert actions == ["erasure.requested", "erasure.completed"] * 2
    assert compliance.audit.verify().ok


def test_no_byte_of_the_raw_id_is_left_in_store_exports_or_logs(
    compliance: Compliance,
    seeded: Callable[[int], None],
    sqlite_store: SQLiteStore,
    tmp_path: Path,
    log_file: Path,
) -> None:
    seeded(200)
    job = compliance.exports.request(SUBJECT, key_of(SUBJECT), "tester", "req-0")
    compliance.exports.run(job["id"])
    sqlite_store.reclaim()  # put every page in the main file too: the scan must see them
    before = _files_containing(tmp_path, SUBJECT)
    assert "sentinel.db" in before and f"exports/{job['id']}.json" in before  # the scan works

    result = _erase(compliance)

    assert result["removed"]["exports"] == 1
    assert result["reclaim"]["wal_checkpoint"] == "truncated"
    assert _files_containing(tmp_path, SUBJECT) == []
    # The other subject is untouched, byte for byte findable.
    assert "sentinel.db" in _files_containing(tmp_path, OTHER)


def test_an_export_requested_while_the_erasure_runs_is_erased_with_it(
    compliance: Compliance, seeded: Callable[[int], None], tmp_path: Path
) -> None:
    """An export asked for after the erasure's exports step (a DPO's ticket racing the
    erasure) holds no record, but its file names the raw subject id: the sweep removes
    it, so after `completed` no file holds the id."""
    seeded(5)
    asked: list[str] = []

    def progress(step: str, _job: dict) -> None:
        if step == "exports":
            job = compliance.exports.request(SUBJECT, key_of(SUBJECT), "tester", None)
            compliance.exports.run(job["id"])
            asked.append(job["id"])

    key = key_of(SUBJECT)
    job = compliance.erasures.request(SUBJECT, key, "tester", None)
    result = compliance.erasures.run(job["id"], progress)
    assert result is not None and result["status"] == "completed"
    assert asked and compliance.exports.get(asked[0]) is None
    assert result["removed"]["exports"] == 1
    assert _files_containing(tmp_path, SUBJECT) == []


_CRASHING_ERASURE = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from sentinel.compliance.service import Compliance
    from sentinel.config import Settings
    from sentinel.store.sqlite import SQLiteStore

    db, exports, subject, key, crash_after = sys.argv[1:]
    service = Compliance.build(SQLiteStore(db), Settings(), exports_dir=Path(exports))
    job = service.erasures.request(subject, key, "tester", None)
    print(job["id"], flush=True)

    def progress(step, _job):
        if step == crash_after:
            os._exit(9)  # the process dies: no cleanup, no close, no finally

    service.erasures.run(job["id"], progress)
    """
)


@pytest.mark.parametrize("crash_after", ["tombstone", "store", "forget"])
def test_erasure_resumes_after_a_crash(
    compliance: Compliance,
    seeded: Callable[[int], None],
    sqlite_store: SQLiteStore,
    tmp_path: Path,
    crash_after: str,
) -> None:
    seeded(50)
    proc = subprocess.run(
        [sys.executable, "-c", _CRASHING_ERASURE, str(sqlite_store.path),
         str(tmp_path / "exports"), SUBJECT, key_of(SUBJECT), crash_after],
        capture_output=True, text=True, timeout=60, env=os.environ.copy(),
    )  # fmt: skip
    assert proc.returncode == 9, proc.stderr
    job_id = proc.stdout.strip()
    crashed = compliance.erasures.get(job_id)
    assert crashed is not None and crashed["status"] == "running"
    assert crashed["steps_done"] == list(STEPS[: STEPS.index(crash_after) + 1])

    # Asking again for the same subject returns the interrupted job instead of a new one.
    again = compliance.erasures.request(SUBJECT, key_of(SUBJECT), "tester", None)
    assert again["id"] == job_id

    resumed = compliance.erasures.resume_unfinished()
    assert [j["id"] for j in resumed] == [job_id]
    done = resumed[0]
    assert done["status"] == "completed" and done["steps_done"] == list(STEPS)
    assert done["removed"]["sqlite"] == 151  # counted once, whichever process removed them
    assert _export_total(compliance, SUBJECT) == 0
    assert _files_containing(tmp_path, SUBJECT) == []
    assert compliance.audit.verify().ok
    actions = [e.action for e in compliance.audit.entries()]
    assert actions.count("erasure.completed") == 1


def test_a_second_runner_takes_over_and_the_job_completes_once(
    compliance: Compliance, seeded: Callable[[int], None]
) -> None:
    """A running job may be a crashed one, so a second runner takes it over; the first
    then loses its next compare-and-set and stops. Exactly one completion is audited."""
    seeded(3)
    job = compliance.erasures.request(SUBJECT, key_of(SUBJECT), "tester", None)
    nested: list[dict | None] = []

    def progress(step: str, _job: dict) -> None:
        if step == "spool" and not nested:
            nested.append(compliance.erasures.run(job["id"]))

    first = compliance.erasures.run(job["id"], progress)
    assert first is None
    assert nested[0] is not None and nested[0]["status"] == "completed"
    assert nested[0]["removed"] == {"sqlite": 10, "spool": 0, "dead-letter": 0, "exports": 0}
    completions = [e for e in compliance.audit.entries() if e.action == "erasure.completed"]
    assert len(completions) == 1
    assert completions[0].counts == nested[0]["removed"]
