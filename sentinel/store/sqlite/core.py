"""SQLiteStore: the embedded default, so a laptop or `sentinel demo` needs no server.

Each table keeps the record's JSON document plus the few columns that queries filter,
group or order by (indexed), mirroring the Elasticsearch indices. Choices worth
knowing:

* WAL mode and a busy timeout, so a client process and `sentinel serve` can share the
  file; writes are batched in one transaction (the sink hands over batches).
* `secure_delete` is on: deleted rows are overwritten with zeros in the file, which
  erasure relies on (the compliance service also checkpoints the WAL and vacuums).
* Timestamps are stored as UTC epoch seconds (REAL) so window queries are range scans.
* Once a store has written records, a background thread checkpoints the WAL (see
  `_Checkpointer`), so the writer's commits never pay for SQLite's automatic checkpoint.
"""

from __future__ import annotations

import contextlib
import json
import operator
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from sentinel.config import default_data_dir
from sentinel.models import (
    AlertEvent,
    AuditEntry,
    CallRecord,
    Conversation,
    Feedback,
    Record,
)
from sentinel.privatedirs import private_dir
from sentinel.store import schema
from sentinel.store.base import (
    CALL_LABELS,
    FEEDBACK_LABELS,
    KINDS,
    CacheEntry,
    CallStats,
    FeedbackStats,
    RecordRejected,
    StoreError,
    StoreUnavailable,
    WriteResult,
    collection,
)
from sentinel.store.dead_letter import DeadLetterFile

_PAGE = 500
_EXPIRE_BATCH = 5000  # call records deleted per transaction by the retention
CHECKPOINT_EVERY = 0.5  # seconds between background WAL checkpoints
# Safety net for the writer's own automatic checkpoint while the background one runs:
# only if it falls far behind (20,000 pages, about 80 MB of WAL).
WAL_AUTOCHECKPOINT_PAGES = 20_000


class _Checkpointer:
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


# The calls table's columns come from the table of call fields (schema.call_columns);
# setup() adds the ones an older database lacks.
_CALL_COLUMNS = schema.call_columns()
_TOKEN_COLUMNS = schema.TOKEN_FIELDS  # token fields are top-level: column = field name
_CALL_ROW = operator.attrgetter(*(field for _, _, field in _CALL_COLUMNS))
_CALLS_TABLE = (
    "CREATE TABLE IF NOT EXISTS calls (request_id TEXT PRIMARY KEY, ts REAL NOT NULL,"
    " is_error INTEGER NOT NULL, doc TEXT NOT NULL, "
    + ", ".join(f"{name} {sql}" for name, sql, _ in _CALL_COLUMNS)
    + ");"
)
_INSERT_CALL = (
    "INSERT OR REPLACE INTO calls (request_id, ts, is_error, doc, "
    + ", ".join(name for name, _, _ in _CALL_COLUMNS)
    + ") VALUES ("
    + ",".join("?" * (4 + len(_CALL_COLUMNS)))
    + ")"
)
_SCHEMA = (
    _CALLS_TABLE
    + """
CREATE INDEX IF NOT EXISTS calls_ts ON calls(ts);
CREATE INDEX IF NOT EXISTS calls_subject ON calls(subject_key) WHERE subject_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS calls_conversation ON calls(conversation_id, ts)
    WHERE conversation_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS conversations (
    request_id TEXT PRIMARY KEY, ts REAL NOT NULL, app TEXT, model TEXT, subject_id TEXT,
    subject_key TEXT, anonymized_at REAL, doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS conv_raw ON conversations(ts) WHERE anonymized_at IS NULL;
CREATE INDEX IF NOT EXISTS conv_subject_id ON conversations(subject_id)
    WHERE subject_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS conv_subject_key ON conversations(subject_key)
    WHERE subject_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS feedback (
    request_id TEXT PRIMARY KEY, ts REAL NOT NULL, app TEXT, model TEXT, score REAL,
    satisfied INTEGER, subject_key TEXT, doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_ts ON feedback(ts);
CREATE INDEX IF NOT EXISTS feedback_subject ON feedback(subject_key)
    WHERE subject_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY, ts REAL NOT NULL, alertname TEXT, fingerprint TEXT, state TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_ts ON alerts(ts);
CREATE TABLE IF NOT EXISTS state (
    key TEXT PRIMARY KEY, value TEXT NOT NULL, version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY, app TEXT NOT NULL, created REAL NOT NULL, expires REAL NOT NULL,
    subject_id TEXT, subject_key TEXT, doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cache_app_created ON cache(app, created);
CREATE INDEX IF NOT EXISTS cache_created ON cache(created);
CREATE INDEX IF NOT EXISTS cache_expires ON cache(expires);
CREATE INDEX IF NOT EXISTS cache_subject_key ON cache(subject_key) WHERE subject_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS cache_subject_id ON cache(subject_id) WHERE subject_id IS NOT NULL;
"""
)

# Errors a record causes by itself (a constraint, text that is not valid Unicode, an
# integer beyond 64 bits): retrying will never help, so the record is rejected.
_RECORD_FAULTS = (sqlite3.IntegrityError, UnicodeEncodeError, OverflowError, ValueError, TypeError)


def _write_failure(exc: BaseException, request_id: str) -> StoreError:
    """What a failed record write means, by the exception's type, never its text: a fault
    of the record is a rejection; anything else (I/O error, disk full, read-only or
    locked file, corrupt database, missing table, or an error nobody foresaw) means the
    store is down, so the records are kept in the spool, never dropped."""
    if isinstance(exc, _RECORD_FAULTS):
        return RecordRejected(request_id, f"{type(exc).__name__}: {exc}")
    code = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
    return StoreUnavailable(f"SQLite store unavailable ({code}): {exc}")


def _rollback(c: sqlite3.Connection) -> None:
    """Undo an open transaction. A failed COMMIT may already have ended it, and a
    ROLLBACK then raises its own error that would hide the real one."""
    if c.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            c.execute("ROLLBACK")


def _add_call_columns(c: sqlite3.Connection) -> None:
    """Columns a newer table of call fields has and this database's calls table lacks."""
    have = {row[1] for row in c.execute("PRAGMA table_info(calls)")}
    for name, sql, _ in _CALL_COLUMNS:
        if name not in have:
            c.execute(f"ALTER TABLE calls ADD COLUMN {name} {sql}")


def _ts(dt: datetime) -> float:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), q in [0, 100]."""
    if not values:
        return None
    s = sorted(values)
    pos = (len(s) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def _check_labels(names: Sequence[str], allowed: Sequence[str]) -> None:
    bad = [n for n in names if n not in allowed]
    if bad:
        raise ValueError(f"unknown label(s) {bad}: allowed are {list(allowed)}")


def _private_files(path: Path) -> None:
    """The database holds raw conversations and token hashes: create it 0600 (SQLite
    gives its -wal and -shm files the database's mode) in a new directory 0700, and
    tighten an existing database and its -wal/-shm left readable by others."""
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):  # absent, or owned by someone else
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)


def _flagged(categories: Iterable[str | None]) -> dict[str, int]:
    """Calls per safety category, from each call's JSON list of categories (or NULL)."""
    out: dict[str, int] = {}
    for cats in categories:
        if cats:
            for c in json.loads(cats):
                out[c] = out.get(c, 0) + 1
    return out


class SQLiteStore:
    """The Store protocol on one SQLite file (see module docstring)."""

    name = "sqlite"

    def __init__(self, path: str | Path, *, dead_letter_path: Path | None = None) -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._target = str(path)
        self._checkpointer: _Checkpointer | None = None
        self._set_up = self._heal = False
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
    def from_url(cls, url: str) -> SQLiteStore:
        prefix = "sqlite:///"
        if not url.startswith(prefix) or len(url) == len(prefix):
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
                    conn.executescript(_SCHEMA)
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
                return fn(self._connect())
            except sqlite3.IntegrityError:
                raise
            except sqlite3.Error as exc:
                self._reset()
                self._heal = self._set_up
                raise _write_failure(exc, "?") from exc

    def _reset(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    def setup(self) -> None:
        self._op(lambda c: c.executescript(_CALLS_TABLE))
        self._op(_add_call_columns)
        self._op(lambda c: c.executescript(_SCHEMA))
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

    # records --------------------------------------------------------------

    def write_records(self, records: Sequence[Record]) -> WriteResult:
        """One transaction. Raises StoreUnavailable when the store fails (nothing was
        written) and RecordRejected when a record of the batch is at fault (nothing was
        written either: the caller retries the records one by one to isolate it)."""
        rid = records[0].request_id if len(records) == 1 else f"one of {len(records)}"
        try:
            self._write_records(records)
        except StoreError:
            raise
        except Exception as exc:
            raise _write_failure(exc, rid) from exc
        return WriteResult(written=len(records))

    def _write_records(self, records: Sequence[Record]) -> None:
        calls, convs, fbs = [], [], []
        for r in records:
            doc = r.model_dump_json()
            if isinstance(r, CallRecord):
                calls.append((r.request_id, _ts(r.timestamp), r.is_error, doc, *_CALL_ROW(r)))
            elif isinstance(r, Conversation):
                convs.append(
                    (
                        r.request_id, _ts(r.timestamp), r.app, r.model, r.subject_id,
                        r.subject_key, _ts(r.anonymized_at) if r.anonymized_at else None, doc,
                    )
                )  # fmt: skip
            elif isinstance(r, Feedback):
                fbs.append(
                    (
                        r.request_id, _ts(r.timestamp), r.app, r.model, r.score,
                        None if r.satisfied is None else int(r.satisfied), r.subject_key, doc,
                    )
                )  # fmt: skip
            else:
                raise TypeError(f"not a record: {type(r).__name__}")

        def write(c: sqlite3.Connection) -> None:
            if self._checkpointer is None and self.path is not None:
                c.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
                self._checkpointer = _Checkpointer(self._target)
            c.execute("BEGIN IMMEDIATE")
            try:
                if calls:
                    c.executemany(_INSERT_CALL, calls)
                if convs:
                    # A replayed raw copy must never overwrite an anonymized conversation.
                    c.executemany(
                        "INSERT INTO conversations VALUES (?,?,?,?,?,?,?,?)"
                        " ON CONFLICT(request_id) DO UPDATE SET ts=excluded.ts, app=excluded.app,"
                        " model=excluded.model, subject_id=excluded.subject_id,"
                        " subject_key=excluded.subject_key, anonymized_at=excluded.anonymized_at,"
                        " doc=excluded.doc WHERE conversations.anonymized_at IS NULL",
                        convs,
                    )
                if fbs:
                    c.executemany("INSERT OR REPLACE INTO feedback VALUES (?,?,?,?,?,?,?,?)", fbs)
                c.execute("COMMIT")
            except BaseException:
                _rollback(c)
                raise

        self._op(write)

    def get_call(self, request_id: str) -> CallRecord | None:
        row = self._op(
            lambda c: c.execute(
                "SELECT doc FROM calls WHERE request_id=?", (request_id,)
            ).fetchone()
        )
        return CallRecord.model_validate_json(row[0]) if row else None

    def conversation_calls(self, conversation_id: str, limit: int = 1000) -> list[CallRecord]:
        rows = self._op(
            lambda c: c.execute(
                "SELECT doc FROM calls WHERE conversation_id=? ORDER BY ts, request_id LIMIT ?",
                (conversation_id, limit),
            ).fetchall()
        )
        return [CallRecord.model_validate_json(row[0]) for row in rows]

    def get_conversation(self, request_id: str) -> Conversation | None:
        row = self._op(
            lambda c: c.execute(
                "SELECT doc FROM conversations WHERE request_id=?", (request_id,)
            ).fetchone()
        )
        return Conversation.model_validate_json(row[0]) if row else None

    def count(self, kind: str) -> int:
        table = collection(kind)
        return self._op(lambda c: c.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    # rule engine inputs ---------------------------------------------------

    def _window_groups(
        self,
        columns: str,
        table: str,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None,
        group_by: Sequence[str],
        allowed: Sequence[str],
    ) -> list[tuple[dict[str, str], list[tuple[Any, ...]]]]:
        """(labels, the `columns` of each row) per group of the window (start, end], a
        missing label as "": what call_stats and feedback_stats aggregate in Python."""
        where = dict(where or {})
        _check_labels([*where, *group_by], allowed)
        sql = f"SELECT {', '.join([*group_by, columns]) if group_by else columns} FROM {table}"
        sql += " WHERE ts > ? AND ts <= ?"
        params: list[Any] = [_ts(start), _ts(end)]
        for k, v in where.items():
            sql += f" AND {k} = ?"
            params.append(v)
        rows = self._op(lambda c: c.execute(sql, params).fetchall())
        n = len(group_by)
        groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
        for row in rows:
            groups.setdefault(tuple(row[:n]), []).append(row[n:])
        return [
            ({g: "" if v is None else str(v) for g, v in zip(group_by, key, strict=True)}, items)
            for key, items in groups.items()
        ]

    def call_stats(
        self,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[CallStats]:
        groups = self._window_groups(
            ", ".join(
                [
                    "is_error, rate_limited, circuit_open, duration_ms,"
                    " json_extract(doc, '$.safety.categories'), time_to_first_chunk",
                    *_TOKEN_COLUMNS,
                ]
            ),
            "calls",
            start,
            end,
            where,
            group_by,
            CALL_LABELS,
        )
        out = []
        for labels, items in groups:
            durations = [i[3] for i in items]
            tokens = {
                name: sum(i[6 + n] or 0 for i in items) for n, name in enumerate(_TOKEN_COLUMNS)
            }
            ttft = [i[5] * 1000.0 for i in items if i[5] is not None]
            out.append(
                CallStats(
                    labels=labels,
                    total=len(items),
                    errors=sum(i[0] for i in items),
                    rate_limited=sum(i[1] for i in items),
                    circuit_open=sum(i[2] for i in items),
                    latency_avg_ms=sum(durations) / len(durations),
                    latency_p95_ms=percentile(durations, 95),
                    latency_p50_ms=percentile(durations, 50),
                    latency_p99_ms=percentile(durations, 99),
                    flagged=_flagged(i[4] for i in items),
                    tokens=tokens,
                    ttft_p95_ms=percentile(ttft, 95),
                )
            )
        return out

    def feedback_stats(
        self,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[FeedbackStats]:
        groups = self._window_groups(
            "score, satisfied", "feedback", start, end, where, group_by, FEEDBACK_LABELS
        )
        out = []
        for labels, items in groups:
            scores = [i[0] for i in items if i[0] is not None]
            rated = [i[1] for i in items if i[1] is not None]
            out.append(
                FeedbackStats(
                    labels=labels,
                    count=len(items),
                    score_avg=sum(scores) / len(scores) if scores else None,
                    satisfied=sum(rated),
                    rated=len(rated),
                )
            )
        return out

    def oldest_raw_conversation(self) -> datetime | None:
        row = self._op(
            lambda c: c.execute(
                "SELECT MIN(ts) FROM conversations WHERE anonymized_at IS NULL"
            ).fetchone()
        )
        return _dt(row[0]) if row and row[0] is not None else None

    # anonymization --------------------------------------------------------

    def raw_conversations(self, older_than: datetime, limit: int) -> list[Conversation]:
        rows = self._op(
            lambda c: c.execute(
                "SELECT doc FROM conversations WHERE anonymized_at IS NULL AND ts <= ?"
                " ORDER BY ts LIMIT ?",
                (_ts(older_than), limit),
            ).fetchall()
        )
        return [Conversation.model_validate_json(r[0]) for r in rows]

    def save_anonymized(self, conversations: Sequence[Conversation]) -> int:
        rows = []
        for conv in conversations:
            if conv.anonymized_at is None:
                raise ValueError(f"conversation {conv.request_id} has no anonymized_at")
            rows.append(
                (
                    conv.subject_id,
                    conv.subject_key,
                    _ts(conv.anonymized_at),
                    conv.model_dump_json(),
                    conv.request_id,
                )
            )

        def update(c: sqlite3.Connection) -> int:
            c.execute("BEGIN IMMEDIATE")
            try:
                changed = 0
                for row in rows:
                    cur = c.execute(
                        "UPDATE conversations SET subject_id=?, subject_key=?, anonymized_at=?,"
                        " doc=? WHERE request_id=? AND anonymized_at IS NULL",
                        row,
                    )
                    changed += cur.rowcount
                c.execute("COMMIT")
                return changed
            except BaseException:
                _rollback(c)
                raise

        return self._op(update)

    # GDPR -----------------------------------------------------------------

    # kind -> condition, and whether it also takes the raw subject id.
    _SUBJECT_SQL: ClassVar[dict[str, tuple[str, bool]]] = {
        "conversation": ("subject_key = ? OR subject_id = ?", True),
        "call": ("subject_key = ?", False),
        "feedback": ("subject_key = ?", False),
        "cache": ("subject_key = ? OR subject_id = ?", True),
    }

    def _subject_filter(
        self, kind: str, subject_id: str | None, subject_key: str
    ) -> tuple[str, str, list[Any]]:
        table = collection(kind)
        if kind == "alert":
            # Alerts carry no subject; an alert linked to one names its key in labels or
            # annotations (a substring match on the hex key is exact enough).
            return table, "instr(doc, ?) > 0", [subject_key]
        cond, with_id = self._SUBJECT_SQL[kind]
        params: list[Any] = [subject_key]
        if with_id:
            params.append(subject_id if subject_id is not None else subject_key)
        return table, cond, params

    def iter_subject(
        self, subject_id: str | None, subject_key: str, kinds: Sequence[str]
    ) -> Iterator[dict[str, Any]]:
        for kind in kinds:
            table, cond, params = self._subject_filter(kind, subject_id, subject_key)
            last = 0
            while True:
                rows = self._op(
                    lambda c, t=table, w=cond, p=params, last=last: c.execute(
                        f"SELECT rowid, doc FROM {t} WHERE ({w}) AND rowid > ?"
                        " ORDER BY rowid LIMIT ?",
                        [*p, last, _PAGE],
                    ).fetchall()
                )
                for rowid, doc in rows:
                    last = rowid
                    data = json.loads(doc)
                    data.setdefault("kind", kind)
                    yield data
                if len(rows) < _PAGE:
                    break

    def delete_subject(self, subject_id: str | None, subject_key: str) -> dict[str, int]:
        def delete(c: sqlite3.Connection) -> dict[str, int]:
            counts = {}
            c.execute("BEGIN IMMEDIATE")
            try:
                for kind in KINDS:
                    table, cond, params = self._subject_filter(kind, subject_id, subject_key)
                    counts[kind] = c.execute(f"DELETE FROM {table} WHERE {cond}", params).rowcount
                c.execute("COMMIT")
            except BaseException:
                _rollback(c)
                raise
            return counts

        return self._op(delete)

    # response cache ---------------------------------------------------------

    def cache_get(self, key: str, now: datetime) -> CacheEntry | None:
        row = self._op(
            lambda c: c.execute(
                "SELECT doc FROM cache WHERE key=? AND expires > ?", (key, _ts(now))
            ).fetchone()
        )
        return CacheEntry.model_validate_json(row[0]) if row else None

    def cache_put(self, entry: CacheEntry, max_entries: int) -> None:
        row = (
            entry.key, entry.app, _ts(entry.created_at), _ts(entry.expires_at), entry.subject_id,
            entry.subject_key, entry.model_dump_json(),
        )  # fmt: skip

        def put(c: sqlite3.Connection) -> None:
            c.execute("BEGIN IMMEDIATE")
            try:
                c.execute("INSERT OR REPLACE INTO cache VALUES (?,?,?,?,?,?,?)", row)
                (n,) = c.execute("SELECT COUNT(*) FROM cache WHERE app=?", (entry.app,)).fetchone()
                if n > max_entries:
                    c.execute(
                        "DELETE FROM cache WHERE key IN (SELECT key FROM cache WHERE app=?"
                        " ORDER BY created, key LIMIT ?)",
                        (entry.app, n - max_entries),
                    )
                c.execute("COMMIT")
            except BaseException:
                _rollback(c)
                raise

        self._op(put)

    def cache_purge(self, created_before: datetime, now: datetime) -> int:
        return self._op(
            lambda c: (
                c.execute(
                    "DELETE FROM cache WHERE created <= ? OR expires <= ?",
                    (_ts(created_before), _ts(now)),
                ).rowcount
            )
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

    def expire_calls(self, before: datetime) -> int:
        """Delete call records older than `before` in batches of _EXPIRE_BATCH, each its
        own short transaction, so the writers are never held up by a year of deletes."""
        removed = 0
        while True:
            n = self._op(
                lambda c: (
                    c.execute(
                        "DELETE FROM calls WHERE rowid IN"
                        " (SELECT rowid FROM calls WHERE ts < ? LIMIT ?)",
                        (_ts(before), _EXPIRE_BATCH),
                    ).rowcount
                )
            )
            removed += n
            if n < _EXPIRE_BATCH:
                return removed

    # alerts ---------------------------------------------------------------

    def write_alert_event(self, event: AlertEvent) -> None:
        row = (
            event.id,
            _ts(event.timestamp),
            event.alertname,
            event.fingerprint,
            event.state,
            event.model_dump_json(),
        )
        self._op(lambda c: c.execute("INSERT OR REPLACE INTO alerts VALUES (?,?,?,?,?,?)", row))

    def list_alert_events(
        self, since: datetime | None = None, limit: int = 100
    ) -> list[AlertEvent]:
        rows = self._op(
            lambda c: c.execute(
                "SELECT doc FROM alerts WHERE ts >= ? ORDER BY ts DESC, rowid DESC LIMIT ?",
                (_ts(since) if since else 0.0, limit),
            ).fetchall()
        )
        return [AlertEvent.model_validate_json(r[0]) for r in rows]

    # state ----------------------------------------------------------------

    def get_state(self, key: str) -> tuple[dict[str, Any], int] | None:
        row = self._op(
            lambda c: c.execute("SELECT value, version FROM state WHERE key=?", (key,)).fetchone()
        )
        return (json.loads(row[0]), row[1]) if row else None

    def put_state(self, key: str, value: dict[str, Any], expected_version: int | None) -> bool:
        doc = json.dumps(value)
        if expected_version is None:
            cur = self._op(
                lambda c: c.execute("INSERT OR IGNORE INTO state VALUES (?, ?, 1)", (key, doc))
            )
        else:
            cur = self._op(
                lambda c: c.execute(
                    "UPDATE state SET value=?, version=version+1 WHERE key=? AND version=?",
                    (doc, key, expected_version),
                )
            )
        return cur.rowcount == 1

    def set_state(self, key: str, value: dict[str, Any]) -> None:
        doc = json.dumps(value)
        self._op(
            lambda c: c.execute(
                "INSERT INTO state VALUES (?, ?, 1) ON CONFLICT(key) DO UPDATE"
                " SET value=excluded.value, version=state.version+1",
                (key, doc),
            )
        )

    def delete_state(self, key: str) -> None:
        self._op(lambda c: c.execute("DELETE FROM state WHERE key=?", (key,)))

    def list_state(self, prefix: str) -> list[tuple[str, dict[str, Any]]]:
        rows = self._op(
            lambda c: c.execute(
                "SELECT key, value FROM state WHERE substr(key, 1, ?) = ? ORDER BY key",
                (len(prefix), prefix),
            ).fetchall()
        )
        return [(k, json.loads(v)) for k, v in rows]

    # audit ----------------------------------------------------------------

    def append_audit(self, entry: AuditEntry) -> bool:
        cur = self._op(
            lambda c: c.execute(
                "INSERT OR IGNORE INTO audit VALUES (?, ?)", (entry.seq, entry.model_dump_json())
            )
        )
        return cur.rowcount == 1

    def last_audit(self) -> AuditEntry | None:
        row = self._op(
            lambda c: c.execute("SELECT doc FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        )
        return AuditEntry.model_validate_json(row[0]) if row else None

    def iter_audit(self) -> Iterator[AuditEntry]:
        last = -1
        while True:
            rows = self._op(
                lambda c, last=last: c.execute(
                    "SELECT seq, doc FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
                    (last, _PAGE),
                ).fetchall()
            )
            for seq, doc in rows:
                last = seq
                yield AuditEntry.model_validate_json(doc)
            if len(rows) < _PAGE:
                break
