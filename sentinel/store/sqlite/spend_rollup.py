"""The spend rollup of SQLiteStore: per-group sums of cost, cache saving, tokens and
calls, kept in the same transaction as the calls, so a spend report over a million calls
reads thousands of rollup rows instead of sorting every call of the range.

How it follows the calls:

* New calls (the sink's batches, spooled and replayed records: `write_records` is the
  one insert path) are summed per batch in Python from the rows being written, one
  upsert per group (`replace_calls`); a stored copy of a call written again is deleted
  first. Not an insert trigger: it copies every inserted row (with its 2 KB JSON
  document) into NEW and cut the ingest rate from ~30,000 to ~11,000 calls/s, and
  summing the new rows back out of the table in SQL reads them past their documents
  (~14,000/s).
* A changed call (`prices recompute`'s cost update, any UPDATE of a column the rollup
  reads) and a deleted one (a stored copy being replaced, GDPR
  erasure, the retention's expiry, anything else) move the sums in triggers, so every
  such path, including ones written later, keeps the rollup right. A rollup row whose
  count drops to zero is deleted: an erased subject key leaves no row behind (and
  `secure_delete` zeroes it in the file).

Three tables, each narrow enough for the reports that read it:

* `spend_daily` (UTC day, currency, app, model, has a conversation): `--by app|model|day`
  and the calls with no conversation in `--by conversation`.
* `spend_subject` (subject key, currency, day, app, model), ordered by subject key so
  `--by subject` aggregates in key order without sorting.
* `spend_token` (UTC day, currency, proxy token id, app, model): `--by token`; added
  later, so a database without it gets the whole rollup rebuilt on open (below).
* `spend_conversation` (conversation, currency, app, model), no day: a conversation's
  sums over its whole life, with bounds `first_ts <= ts <= last_ts` of its calls (bounds
  only widen; a delete leaves them as they were, which stays correct). A conversation
  whose bounds lie inside the report's range is taken whole from the rollup; one that
  straddles an edge is summed from its calls (`calls_conversation` index). A per-day
  conversation rollup would hold a row per call for conversations that live for weeks.

Reports (`sentinel.store.sqlite.spend`) use the daily tables for the whole UTC days of
the range and the calls (their covering index `calls_spend`) for the partial days at its
edges, so any `--since/--until` gives what the raw query gives (to float rounding: sums
are added in another order).

Migration, on open: `SQLiteCore.setup` (every open) and the store's healing of a dropped
table check for it (`rollup_missing`, one read of the schema). A database without it
(older, or whose calls table was dropped with its triggers) gets it built from its calls
in one transaction, triggers included, with a log line before and after: 6-7 s for
300,000 calls on the loaded 2-core machine (~20 s a million), once, holding the write
lock, so a writer meanwhile waits out its busy timeout and then spools (nothing is
lost). On open rather than lazily: a report never waits for the build, and no call is
written by a new version before its rollup is complete.
"""

from __future__ import annotations

import json
import logging
import operator
import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import Any

from sentinel.store.sqlite.tables import CALL_COLUMNS

log = logging.getLogger("sentinel.store")

# Every column a spend report reads, in one index led by the timestamp: what a report
# reads from the calls (the partial days at its edges) scans this (~150 bytes a call)
# instead of the calls table, whose rows carry the whole JSON document (~2 KB).
SPEND_SCHEMA = """
CREATE INDEX IF NOT EXISTS calls_spend ON calls(ts, cost_currency, app, model, subject_key,
    conversation_id, cost, cache_savings, cache_hit_tokens, cache_miss_tokens, output_tokens);
"""

_SUMS = ("calls", "cost", "cache_savings", "cache_hit_tokens", "cache_miss_tokens", "output_tokens")
# each sum's value for one call row `r` (NEW or OLD)
_ONE = (
    "1",
    "COALESCE({r}.cost, 0.0)",
    "COALESCE({r}.cache_savings, 0.0)",
    "COALESCE({r}.cache_hit_tokens, 0)",
    "COALESCE({r}.cache_miss_tokens, 0)",
    "COALESCE({r}.output_tokens, 0)",
)
# the same over a group of calls (the build)
_MANY = (
    "COUNT(*)",
    "TOTAL(cost)",
    "TOTAL(cache_savings)",
    "SUM(COALESCE(cache_hit_tokens, 0))",
    "SUM(COALESCE(cache_miss_tokens, 0))",
    "SUM(COALESCE(output_tokens, 0))",
)
_DAY = "CAST({r}ts / 86400 AS INTEGER)"
_CUR = "COALESCE({r}cost_currency, '')"

# table -> (key column, its expression over a call row `{r}` = "NEW." / "OLD." / "")
_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "spend_daily": (
        ("day", _DAY),
        ("currency", _CUR),
        ("app", "COALESCE({r}app, '')"),
        ("model", "COALESCE({r}model, '')"),
        ("has_conversation", "({r}conversation_id IS NOT NULL)"),
    ),
    "spend_subject": (
        ("subject_key", "COALESCE({r}subject_key, '')"),
        ("currency", _CUR),
        ("day", _DAY),
        ("app", "COALESCE({r}app, '')"),
        ("model", "COALESCE({r}model, '')"),
    ),
    "spend_token": (
        ("day", _DAY),
        ("currency", _CUR),
        ("token", "COALESCE({r}proxy_token_id, '')"),
        ("app", "COALESCE({r}app, '')"),
        ("model", "COALESCE({r}model, '')"),
    ),
    "spend_conversation": (
        ("conversation_id", "{r}conversation_id"),
        ("currency", _CUR),
        ("app", "COALESCE({r}app, '')"),
        ("model", "COALESCE({r}model, '')"),
    ),
}
_BOUNDS = "spend_conversation"  # the table with first_ts / last_ts, only calls with a conversation
_TRIGGERS = ("spend_rollup_delete", "spend_rollup_update")
# the call columns a rollup reads: an UPDATE of any other column leaves the rollup alone
_READ = (
    "ts", "cost_currency", "app", "model", "subject_key", "conversation_id", "proxy_token_id",
    "cost", "cache_savings", "cache_hit_tokens", "cache_miss_tokens", "output_tokens",
)  # fmt: skip


def _definition(table: str) -> list[tuple[str, str]]:
    """(column, SQL type) of a rollup table, in order: what `_tables` creates (and
    `rollup_missing` checks a table found in the file against, as SQL)."""
    cols = [(k, "INTEGER" if k in ("day", "has_conversation") else "TEXT") for k, _ in _KEYS[table]]
    cols += [(s, "REAL" if s in ("cost", "cache_savings") else "INTEGER") for s in _SUMS]
    return cols + ([("first_ts", "REAL"), ("last_ts", "REAL")] if table == _BOUNDS else [])


def _tables() -> str:
    out = []
    for table, keys in _KEYS.items():
        cols = ", ".join(f"{name} {sql} NOT NULL" for name, sql in _definition(table))
        pk = ", ".join(k for k, _ in keys)
        out.append(f"CREATE TABLE {table} ({cols}, PRIMARY KEY ({pk})) WITHOUT ROWID;")
    return "\n".join(out)


def _match(keys: tuple[tuple[str, str], ...], r: str) -> str:
    return " AND ".join(f"{k} = {e.format(r=r)}" for k, e in keys)


def _add(table: str, r: str) -> str:
    keys = _KEYS[table]
    cols = [k for k, _ in keys] + list(_SUMS)
    values = [e.format(r=r + ".") for _, e in keys] + [v.format(r=r) for v in _ONE]
    sets = [f"{s} = {s} + excluded.{s}" for s in _SUMS]
    where = "1"
    if table == _BOUNDS:
        cols += ["first_ts", "last_ts"]
        values += [f"{r}.ts", f"{r}.ts"]
        sets += ["first_ts = MIN(first_ts, excluded.first_ts)",
                 "last_ts = MAX(last_ts, excluded.last_ts)"]  # fmt: skip
        where = f"{r}.conversation_id IS NOT NULL"
    return (
        f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(values)} WHERE {where}"
        f" ON CONFLICT DO UPDATE SET {', '.join(sets)};"
    )


def _sub(table: str, r: str) -> str:
    # `conversation_id = OLD.conversation_id` never matches NULL: no row to take from
    match = _match(_KEYS[table], r + ".")
    sets = ", ".join(f"{s} = {s} - {v.format(r=r)}" for s, v in zip(_SUMS, _ONE, strict=True))
    return (
        f"UPDATE {table} SET {sets} WHERE {match};"
        f" DELETE FROM {table} WHERE {match} AND calls <= 0;"
    )


def _triggers() -> str:
    tables = list(_KEYS)
    add_new = " ".join(_add(t, "NEW") for t in tables)
    sub_old = " ".join(_sub(t, "OLD") for t in tables)
    return (
        f"CREATE TRIGGER spend_rollup_delete AFTER DELETE ON calls BEGIN {sub_old} END;\n"
        f"CREATE TRIGGER spend_rollup_update AFTER UPDATE OF {', '.join(_READ)} ON calls"
        f" BEGIN {sub_old} {add_new} END;"
    )


def _grouped(table: str, where: str) -> str:
    """`table`'s sums over the calls matching `where`, added to the rows already there."""
    keys = _KEYS[table]
    exprs = [e.format(r="") for _, e in keys]
    cols = [k for k, _ in keys] + list(_SUMS)
    sums = list(_MANY)
    sets = [f"{s} = {s} + excluded.{s}" for s in _SUMS]
    if table == _BOUNDS:
        cols += ["first_ts", "last_ts"]
        sums += ["MIN(ts)", "MAX(ts)"]
        sets += ["first_ts = MIN(first_ts, excluded.first_ts)",
                 "last_ts = MAX(last_ts, excluded.last_ts)"]  # fmt: skip
        where += " AND conversation_id IS NOT NULL"
    return (
        f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs + sums)}"
        f" FROM calls WHERE {where} GROUP BY {', '.join(exprs)}"
        f" ON CONFLICT DO UPDATE SET {', '.join(sets)}"
    )


def _upsert(table: str) -> str:
    """Add one group's sums (a row of `_deltas`) to `table`."""
    keys = _KEYS[table]
    cols = [k for k, _ in keys] + list(_SUMS)
    sets = [f"{s} = {s} + excluded.{s}" for s in _SUMS]
    if table == _BOUNDS:
        cols += ["first_ts", "last_ts"]
        sets += ["first_ts = MIN(first_ts, excluded.first_ts)",
                 "last_ts = MAX(last_ts, excluded.last_ts)"]  # fmt: skip
    return (
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        f" ON CONFLICT DO UPDATE SET {', '.join(sets)}"
    )


_UPSERTS = {t: _upsert(t) for t in _KEYS}


# where each column sits in a row of INSERT_CALL (request_id, ts, is_error, doc, columns)
_AT = {"request_id": 0, "ts": 1} | {name: 4 + i for i, (name, _, _) in enumerate(CALL_COLUMNS)}


def _deltas(rows: Iterable[Sequence[Any]]) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's rows of sums over the call rows: the keys `_KEYS` computes in SQL,
    from the very values written (the same float division for the day, "" for NULL).

    This runs on the sink's writer holding the GIL, which the app's thread may be
    waiting for inside `create()`: so Python only groups the rows (one key per table)
    and C builtins sum each group (`sum` over `map(itemgetter)`, NULLs filtered out), in
    row order, so the sums equal a row-by-row addition's."""
    daily: dict[tuple[Any, ...], list[Sequence[Any]]] = {}
    subject: dict[tuple[Any, ...], list[Sequence[Any]]] = {}
    conv: dict[tuple[Any, ...], list[Sequence[Any]]] = {}
    token: dict[tuple[Any, ...], list[Sequence[Any]]] = {}
    i_cur, i_app, i_model = _AT["cost_currency"], _AT["app"], _AT["model"]
    i_conv, i_subject, i_token = _AT["conversation_id"], _AT["subject_key"], _AT["proxy_token_id"]
    for row in rows:
        day, cur = int(row[1] / 86400), row[i_cur] or ""
        app, model, conversation = row[i_app] or "", row[i_model] or "", row[i_conv]
        daily.setdefault((day, cur, app, model, int(conversation is not None)), []).append(row)
        subject.setdefault((row[i_subject] or "", cur, day, app, model), []).append(row)
        token.setdefault((day, cur, row[i_token] or "", app, model), []).append(row)
        if conversation is not None:
            conv.setdefault((conversation, cur, app, model), []).append(row)
    return {
        "spend_daily": [(*k, *_sums(v)) for k, v in daily.items()],
        "spend_subject": [(*k, *_sums(v)) for k, v in subject.items()],
        "spend_token": [(*k, *_sums(v)) for k, v in token.items()],
        _BOUNDS: [(*k, *_sums(v), min(map(_TS, v)), max(map(_TS, v))) for k, v in conv.items()],
    }


# each sum after `calls`: (the getter of its column in a call row, the sum's start)
_SUMMED = tuple(
    (operator.itemgetter(_AT[name]), 0.0 if name in ("cost", "cache_savings") else 0)
    for name in _SUMS[1:]
)
_TS = operator.itemgetter(1)


def _sums(rows: list[Sequence[Any]]) -> tuple[Any, ...]:
    return (len(rows), *(sum(filter(None, map(get, rows)), start) for get, start in _SUMMED))


def replace_calls(c: sqlite3.Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Roll up a batch of call rows about to be written (INSERT OR REPLACE), inside the
    writer's transaction: stored copies of them are deleted first (the delete trigger
    takes their sums back; REPLACE's own delete fires no trigger), then the sums of the
    last row of each request id are added."""
    latest = {row[0]: row for row in rows}
    c.execute(
        "DELETE FROM calls WHERE request_id IN (SELECT value FROM json_each(?))",
        (json.dumps(list(latest)),),
    )
    for table, sums in _deltas(latest.values()).items():
        c.executemany(_UPSERTS[table], sums)


def rollup_missing(c: sqlite3.Connection) -> bool:
    """Is any table or trigger of the rollup absent, a table not of the rollup's shape
    or a trigger not its statement (damaged by hand or another program)? A few reads of
    the schema. The rollup is derived from the calls, so rebuilding it loses nothing."""
    names = {r[0]: r[1] for r in c.execute("SELECT name, sql FROM sqlite_master")}
    if not set(_KEYS) | set(_TRIGGERS) <= set(names):
        return True
    # the statements themselves, not the columns: a table re-created by hand without its
    # primary key, or a trigger of the right name that no longer does the work
    want = {s.rstrip(";") for s in (_tables() + "\n" + _triggers()).splitlines()}
    return {names[n] for n in (*_KEYS, *_TRIGGERS)} != want


def build_rollup(c: sqlite3.Connection) -> None:
    """(Re)create the rollup and fill it from the calls, inside the caller's write
    transaction (see `SQLiteCore.setup`), so no call is written between filling it and
    arming the triggers; one statement at a time (executescript would COMMIT)."""
    began = time.monotonic()
    (n,) = c.execute("SELECT COUNT(*) FROM calls").fetchone()
    if n:
        log.warning("building the spend rollup from %d stored calls (once)", n)
    for name in _TRIGGERS:
        c.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in _KEYS:
        c.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in _tables().splitlines():
        c.execute(statement)
    for table in _KEYS:
        c.execute(_grouped(table, "1"))
    for statement in _triggers().splitlines():
        c.execute(statement)
    if n:
        log.warning("spend rollup built in %.1f s", time.monotonic() - began)
