"""SQLiteStore's core: the connection, lifecycle and failure classification its roles share.

SQLiteStore is the embedded default, so a laptop or `sentinel demo` needs no server. Each
table keeps the record's JSON document plus the few columns that queries filter,
group or order by (indexed), mirroring the Elasticsearch indices. Choices worth
knowing:

* WAL mode and a busy timeout, so a client process and `sentinel serve` can share the
  file; writes are batched in one transaction (the sink hands over batches).
* `secure_delete` is on: deleted rows are overwritten with zeros in the file, which
  erasure relies on (the compliance service also checkpoints the WAL and vacuums).
* Timestamps are stored as UTC epoch seconds (REAL) so window queries are range scans.
* Once a store has written records, a background thread checkpoints the WAL (see
  `Checkpointer`), so the writer's commits never pay for SQLite's automatic checkpoint.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from sentinel.config import default_data_dir
from sentinel.privatedirs import private_dir
from sentinel.store.balance_series import BALANCE_SCHEMA
from sentinel.store.base import RecordRejected, SchemaReport, StoreError, StoreUnavailable
from sentinel.store.dead_letter import DeadLetterFile
from sentinel.store.sqlite.spend_rollup import SPEND_SCHEMA, build_rollup, rollup_missing
from sentinel.store.sqlite.tables import CALL_COLUMNS, CALLS_TABLE, SCHEMA, TABLES, add_call_columns

PAGE = 500  # rows per page of the streaming reads (subject export, audit)
CHECKPOINT_EVERY = 0.5  # seconds between background WAL checkpoints
# Safety net for the writer's own automatic checkpoint while the background one runs:
# only if it falls far behind (20,000 pages, about 80 MB of WAL).
WAL_AUTOCHECKPOINT_PAGES = 20_000


class Checkpointer:
    """Copies the WAL back into the database file from its own thread and connection.

    SQLite's automatic checkpoint runs inside whichever COMMIT crosses its threshold and
    fsyncs there: that was about 40% of a batch write's time on this machine
    (benchmarks/store_ingest.py). A PASSIVE checkpoint from another connection never
    blocks writers or readers (it copies what it can and stops), so the sink's writer
    pays only for appending its own batch to the WAL. Errors are ignored: the writer's
    safety-net checkpoint and SQLite's checkpoint at the last close still run."""

    def __init__(self, target: str, interval: float = CHECKPOINT_EVERY) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(target, interval), name="sentinel-sqlite-ckpt", daemon=True
        )
        self._thread.start()

    def _run(self, target: str, interval: float) -> None:
        try:
            conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        except sqlite3.Error:
            return
        try:
            while not self._stop.wait(interval):
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


# Errors a record causes by itself (a constraint, text that is not valid Unicode, an
# integer beyond 64 bits): retrying will never help, so the record is rejected.
_RECORD_FAULTS = (sqlite3.IntegrityError, UnicodeEncodeError, OverflowError, ValueError, TypeError)


def write_failure(exc: BaseException, request_id: str) -> StoreError:
    """What a failed record write means, by the exception's type, never its text: a fault
    of the record is a rejection; anything else (I/O error, disk full, read-only or
    locked file, corrupt database, missing table, or an error nobody foresaw) means the
    store is down, so the records are kept in the spool, never dropped."""
    if isinstance(exc, _RECORD_FAULTS):
        return RecordRejected(request_id, f"{type(exc).__name__}: {exc}")
    code = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
    return StoreUnavailable(f"SQLite store unavailable ({code}): {exc}")


def rollback(c: sqlite3.Connection) -> None:
    """Undo an open transaction. A failed COMMIT may already have ended it, and a
    ROLLBACK then raises its own error that would hide the real one."""
    if c.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            c.execute("ROLLBACK")


def create_schema(c: sqlite3.Connection) -> None:
    """Every table, index and trigger of the store, created where absent: what `setup`
    runs on open and the healing after a failed operation runs, one list for both (the
    healing had its own, which missed the balance series)."""
    c.executescript(CALLS_TABLE)
    add_call_columns(c)
    c.executescript(SCHEMA + SPEND_SCHEMA + BALANCE_SCHEMA)
    _ensure_rollup(c)  # also rebuilds one damaged, or whose triggers went with the calls


def _ensure_rollup(c: sqlite3.Connection) -> None:
    """Build the spend rollup (`spend_rollup`) on open when the database lacks it: under
    the write lock, checked again inside, so a second process opening the file meanwhile
    waits and then finds it built."""
    if not rollup_missing(c):
        return
    c.execute("BEGIN IMMEDIATE")
    try:
        if rollup_missing(c):
            build_rollup(c)
        c.execute("COMMIT")
    except BaseException:
        rollback(c)
        raise


def to_epoch(dt: datetime) -> float:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def from_epoch(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _private_files(path: Path) -> None:
    """The database holds raw conversations and token hashes: create it 0600 (SQLite
    gives its -wal and -shm files the database's mode) in a new directory 0700, and
    tighten an existing database and its -wal/-shm left readable by others."""
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):  # absent, or owned by someone else
            mode = file.stat().st_mode
            # files only: a store URL naming a directory by mistake (`sqlite:////tmp`)
            # made that directory 0600 (the whole machine's /tmp, once)
            if stat.S_ISREG(mode) and mode & 0o077:
                file.chmod(0o600)


class SQLiteCore:
    """The connection and lifecycle every role of SQLiteStore runs its SQL through."""

    name = "sqlite"

    def __init__(self, path: str | Path, *, dead_letter_path: Path | None = None) -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._target = str(path)
        self._checkpointer: Checkpointer | None = None
        self._set_up = self._heal = False
        self._schema_version: int | None = None  # as last checked (`_follow_schema`)
        # Records this store refused for good, with the reason (`sentinel.store.dead_letter`).
        self.dead_letter = DeadLetterFile(
            dead_letter_path
            or (
                self.path.with_name(self.path.name + ".dead-letter.jsonl")
                if self.path is not None
                else default_data_dir() / "dead-letter" / "sqlite.jsonl"
            )
        )

    @classmethod
    def from_url(cls, url: str) -> Self:
        # The registry matches the scheme case-insensitively and ignores surrounding
        # blanks (`store_kind`), so this does too: SQLITE:///x.db is a store, not an error.
        prefix, url = "sqlite:///", url.strip()
        if not url.lower().startswith(prefix) or len(url) == len(prefix):
            raise ValueError(f"SQLite store URL must look like sqlite:///path.db, got {url!r}")
        return cls(url[len(prefix) :])

    # lifecycle ------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                if self.path is not None:
                    _private_files(self.path)
                conn = sqlite3.connect(
                    self._target, timeout=10.0, check_same_thread=False, isolation_level=None
                )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA secure_delete=ON")
                conn.execute("PRAGMA busy_timeout=10000")
                if self._heal:
                    create_schema(conn)
                    self._heal = False
            except (sqlite3.Error, OSError) as exc:
                raise StoreUnavailable(f"cannot open SQLite store {self._target}: {exc}") from exc
            self._conn = conn
        return self._conn

    def _op(self, fn: Any) -> Any:
        """Run fn(conn) under the lock. A SQLite error other than a constraint means the
        store is down (StoreUnavailable); the connection is reopened next time, and the
        schema re-created if it had been set up, so a dropped table heals itself."""
        with self._lock:
            try:
                conn = self._connect()
                if self._set_up and not conn.in_transaction:  # executescript would COMMIT
                    self._follow_schema(conn)
                return fn(conn)
            except sqlite3.IntegrityError:
                raise
            except sqlite3.Error as exc:
                self._reset()
                self._heal = self._set_up
                raise write_failure(exc, "?") from exc

    def _follow_schema(self, conn: sqlite3.Connection) -> None:
        """Heal what another process changed in the schema while this one had the file
        open: a dropped rollup trigger fails nothing, so without this every update and
        delete after it (recompute, replay, erasure, retention) left the rollup, and the
        report, off the calls. One pragma per operation; SQLite bumps it on any change."""
        (version,) = conn.execute("PRAGMA schema_version").fetchone()
        if version != self._schema_version:
            create_schema(conn)
            (self._schema_version,) = conn.execute("PRAGMA schema_version").fetchone()

    def _reset(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    def setup(self) -> None:
        self._op(create_schema)
        self._set_up = True

    def ping(self) -> bool:
        try:
            self._op(lambda c: c.execute("SELECT 1").fetchone())
            return True
        except Exception:
            return False

    def close(self) -> None:
        with self._lock:
            if self._checkpointer is not None:
                self._checkpointer.stop()
                self._checkpointer = None
            self._reset()

    def refresh(self) -> None:
        """Writes are visible on commit; nothing to do."""

    def check_templates(self) -> SchemaReport:
        """Sets the schema up first, as any client opening the file does (harmless, and
        what `sentinel doctor` always did), then checks every table and call column."""

        def survey(c: sqlite3.Connection) -> tuple[set[str], set[str], int]:
            tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            columns = {r[1] for r in c.execute("PRAGMA table_info(calls)")}
            return tables, columns, c.execute("SELECT COUNT(*) FROM calls").fetchone()[0]

        self.setup()
        tables, columns, calls = self._op(survey)
        return SchemaReport(
            where=f"SQLite {self._target}",
            what="tables",
            summary=f"schema present, {calls} calls",
            missing=[t for t in TABLES if t not in tables],
            outdated=[f"calls.{name}" for name, _, _ in CALL_COLUMNS if name not in columns],
            fix="point SENTINEL_STORE at a writable path, e.g. sqlite:///var/lib/sentinel/s.db",
        )

    def reclaim(self, vacuum_free_ratio: float = 0.25, attempts: int = 50) -> dict[str, Any]:
        """Make erased bytes really go (called after an erasure).

        `secure_delete` already zeroed the deleted cells in the database file, but the
        WAL still holds page images written before the delete: a TRUNCATE checkpoint
        copies the pages back and cuts the WAL to zero bytes. It needs a moment without
        readers, so it is retried; if it never completes, StoreUnavailable is raised
        and the erasure stays resumable. VACUUM only shrinks the file (the zeroed pages
        hold nothing), so it runs when over `vacuum_free_ratio` of the pages are free.
        """

        def checkpoint(c: sqlite3.Connection) -> bool:
            return c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0

        def vacuum_needed(c: sqlite3.Connection) -> bool:
            free = c.execute("PRAGMA freelist_count").fetchone()[0]
            pages = c.execute("PRAGMA page_count").fetchone()[0]
            return pages > 0 and free / pages > vacuum_free_ratio

        vacuumed = False
        if self._op(vacuum_needed):
            self._op(lambda c: c.execute("VACUUM"))
            vacuumed = True
        for attempt in range(attempts):
            if self._op(checkpoint):
                return {"wal_checkpoint": "truncated", "vacuum": vacuumed}
            time.sleep(min(0.01 * (attempt + 1), 0.2))
        raise StoreUnavailable("WAL checkpoint kept failing: a reader holds the database")
