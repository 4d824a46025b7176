"""The audit log's hash chain: appends race safely, and any tampering with the stored
entries (edit, delete, truncate, consistent rewrite) is found at the first bad entry."""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading

from sentinel.compliance.audit import GENESIS_HASH, AuditLog, entry_hash
from sentinel.compliance.auditkey import HeadAnchor
from sentinel.store.sqlite import SQLiteStore

KEY = b"test-audit-key-0123456789abcdef"


def _audit(store: SQLiteStore) -> AuditLog:
    """Key and head file beside the store's file (one anchor for every connection)."""
    assert store.path is not None
    return AuditLog(store, key=KEY, anchor=HeadAnchor(store.path.with_name("audit.head"), KEY))


def _log_with(store: SQLiteStore, n: int) -> AuditLog:
    log = _audit(store)
    for i in range(n):
        log.append("officer", "erasure.completed", subject_key=f"{i:064x}", counts={"sqlite": i})
    return log


def _raw(store: SQLiteStore) -> sqlite3.Connection:
    """A separate connection to the same file: tampering as an attacker with file access."""
    assert store.path is not None
    return sqlite3.connect(store.path, isolation_level=None)


def test_chain_links_and_verifies(sqlite_store: SQLiteStore) -> None:
    log = _log_with(sqlite_store, 5)
    entries = list(log.entries())
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert all(entry_hash(e, KEY) == e.hash for e in entries)
    result = log.verify()
    assert result.ok and result.checked == 5


def test_edited_entry_is_detected(sqlite_store: SQLiteStore) -> None:
    log = _log_with(sqlite_store, 5)
    doc = json.loads(_raw(sqlite_store).execute("SELECT doc FROM audit WHERE seq=3").fetchone()[0])
    doc["counts"] = {"sqlite": 0}  # hide what was removed
    _raw(sqlite_store).execute("UPDATE audit SET doc=? WHERE seq=3", (json.dumps(doc),))
    result = log.verify()
    assert not result.ok
    assert (result.broken_seq, result.checked) == (3, 2)
    assert "hash" in (result.reason or "")


def test_edit_with_recomputed_hash_is_caught_by_the_anchor(sqlite_store: SQLiteStore) -> None:
    log = _log_with(sqlite_store, 5)
    entry = next(e for e in log.entries() if e.seq == 2)
    forged = entry.model_copy(update={"actor": "someone-else"})
    forged = forged.model_copy(update={"hash": entry_hash(forged, KEY)})  # holds the key
    _raw(sqlite_store).execute("UPDATE audit SET doc=? WHERE seq=2", (forged.model_dump_json(),))
    result = log.verify()
    # Even with the key, the head file anchored seq 2's original hash.
    assert (result.ok, result.broken_seq) == (False, 2)
    assert "anchored" in (result.reason or "")


def test_deleted_entry_is_detected(sqlite_store: SQLiteStore) -> None:
    log = _log_with(sqlite_store, 5)
    _raw(sqlite_store).execute("DELETE FROM audit WHERE seq=4")
    result = log.verify()
    assert (result.ok, result.broken_seq) == (False, 4)


def test_truncated_tail_is_detected_by_the_head(sqlite_store: SQLiteStore) -> None:
    log = _log_with(sqlite_store, 5)
    _raw(sqlite_store).execute("DELETE FROM audit WHERE seq>=4")
    result = log.verify()
    assert (result.ok, result.broken_seq) == (False, 4)


def test_concurrent_appenders_never_fork_the_chain(sqlite_store: SQLiteStore, tmp_path) -> None:
    # Two stores = two connections to the same file, like the daemon and the CLI.
    other = SQLiteStore(sqlite_store.path)
    logs = [_audit(sqlite_store), _audit(other)]

    def work(log: AuditLog) -> None:
        for _ in range(25):
            log.append("officer", "export.requested")

    threads = [threading.Thread(target=work, args=(log,)) for log in logs for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    result = logs[0].verify()
    assert result.ok and result.checked == 100
