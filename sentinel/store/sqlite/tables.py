"""The SQLite schema: one table per kind of document, each the record's JSON plus the
columns that queries filter, group or order by (indexed). The calls table's columns come
from the table of call fields, so a field added there is a column here."""

from __future__ import annotations

import operator
import sqlite3

from sentinel.store import schema

# The calls table's columns come from the table of call fields (schema.call_columns);
# setup() adds the ones an older database lacks.
CALL_COLUMNS = schema.call_columns()
TOKEN_COLUMNS = schema.TOKEN_FIELDS  # token fields are top-level: column = field name
CALL_ROW = operator.attrgetter(*(field for _, _, field in CALL_COLUMNS))
CALLS_TABLE = (
    "CREATE TABLE IF NOT EXISTS calls (request_id TEXT PRIMARY KEY, ts REAL NOT NULL,"
    " is_error INTEGER NOT NULL, doc TEXT NOT NULL, "
    + ", ".join(f"{name} {sql}" for name, sql, _ in CALL_COLUMNS)
    + ");"
)
INSERT_CALL = (
    "INSERT OR REPLACE INTO calls (request_id, ts, is_error, doc, "
    + ", ".join(name for name, _, _ in CALL_COLUMNS)
    + ") VALUES ("
    + ",".join("?" * (4 + len(CALL_COLUMNS)))
    + ")"
)
SCHEMA = (
    CALLS_TABLE
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

# Every table `setup` creates (`check_templates` looks for each).
TABLES = (
    "calls", "conversations", "feedback", "alerts", "state", "audit", "cache", "balance",
    "spend_daily", "spend_subject", "spend_token", "spend_conversation",
)  # fmt: skip


def add_call_columns(c: sqlite3.Connection) -> None:
    """Columns a newer table of call fields has and this database's calls table lacks,
    filled from each row's document (which holds every field), so filters on them see
    the calls stored before too."""
    have = {row[1] for row in c.execute("PRAGMA table_info(calls)")}
    for name, sql, field in CALL_COLUMNS:
        if name not in have:
            c.execute(f"ALTER TABLE calls ADD COLUMN {name} {sql}")
            c.execute(f"UPDATE calls SET {name} = json_extract(doc, '$.{field}')")
