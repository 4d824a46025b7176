"""A spend rollup trigger dropped (or replaced by one that does nothing, a rollup table
renamed away or re-created without its primary key) by another process while the
store has the file open: every path that changes calls afterwards (`prices
recompute`'s cost update, a replayed copy, GDPR erasure, the retention) must still
leave the rollup equal to the calls, since the report answers from it (oracle:
`spend_raw`, the calls alone)."""

from __future__ import annotations

import contextlib
import random
from datetime import timedelta
from pathlib import Path

import pytest
from test_spend_rollup import T0, check_all, mutate, random_calls
from test_sqlite_heals_every_table import _damage

from sentinel.store.base import StoreUnavailable
from sentinel.store.sqlite import SQLiteStore

DAMAGE = [
    "DROP TRIGGER spend_rollup_update",
    "DROP TRIGGER spend_rollup_delete",
    "DROP TRIGGER spend_rollup_update; DROP TRIGGER spend_rollup_delete",
    # a trigger of the right name that no longer does the work
    "DROP TRIGGER spend_rollup_update; CREATE TRIGGER spend_rollup_update AFTER UPDATE ON "
    "calls BEGIN SELECT 1; END",
    "ALTER TABLE spend_daily RENAME TO spend_daily_old",
    # the same columns, re-created empty and without the primary key
    "DROP TABLE spend_daily; CREATE TABLE spend_daily (day INTEGER NOT NULL, currency TEXT "
    "NOT NULL, app TEXT NOT NULL, model TEXT NOT NULL, has_conversation INTEGER NOT NULL, "
    "calls INTEGER NOT NULL, cost REAL NOT NULL, cache_savings REAL NOT NULL, "
    "cache_hit_tokens INTEGER NOT NULL, cache_miss_tokens INTEGER NOT NULL, "
    "output_tokens INTEGER NOT NULL)",
    "ALTER TABLE spend_conversation RENAME TO x; ALTER TABLE spend_token RENAME TO y",
]


@pytest.mark.parametrize("script", DAMAGE)
def test_calls_changed_after_the_damage_stay_summed(tmp_path: Path, script: str) -> None:
    path = tmp_path / "sentinel.db"
    store = SQLiteStore(path)
    store.setup()
    try:
        rng = random.Random(7)
        calls = random_calls(rng, 300)
        store.write_records(calls)
        _damage(path, script)
        for _ in range(2):  # the first operation that meets it may fail (its records spool)
            try:
                mutate(store, calls, rng)
                break
            except StoreUnavailable:
                continue
        assert store.expire_calls(T0 + timedelta(hours=30)) > 0
        check_all(store, rng)
    finally:
        store.close()


@pytest.mark.parametrize("script", DAMAGE)
def test_a_reopened_store_sums_what_changed_while_it_was_damaged(
    tmp_path: Path, script: str
) -> None:
    path = tmp_path / "sentinel.db"
    store = SQLiteStore(path)
    store.setup()
    rng = random.Random(8)
    calls = random_calls(rng, 300)
    store.write_records(calls)
    _damage(path, script)
    other = SQLiteStore(path)  # another process's store, opened on the damaged file
    other.setup()
    other.close()
    with contextlib.suppress(StoreUnavailable):
        mutate(store, calls, rng)
    store.close()
    reopened = SQLiteStore(path)
    reopened.setup()
    try:
        check_all(reopened, rng)
    finally:
        reopened.close()
