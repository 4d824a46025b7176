"""SQLite's spend rollup answers what the calls answer: random calls changed through every
path that touches a call (replayed copies with other fields, `prices recompute`'s cost
updates, an erasure, the retention), then every report over ranges whole-day, cut
mid-day and shorter than a day, against the raw query and against Elasticsearch. Also:
a database from before the rollup gets it on open, and an erased subject leaves no row."""

from __future__ import annotations

import math
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from sentinel.models import CallRecord
from sentinel.spend.report import BY
from sentinel.store.spend_queries import CostUpdate, SpendRow
from sentinel.store.sqlite import SQLiteStore

T0 = datetime(2026, 11, 2, tzinfo=UTC)
DAYS = 4
ROLLUP_TABLES = ("spend_daily", "spend_subject", "spend_token", "spend_conversation")


def random_calls(rng: random.Random, n: int, prefix: str = "r") -> list[CallRecord]:
    out = []
    for i in range(n):
        priced = rng.random() > 0.15
        hit, miss, output = rng.randrange(0, 4000), rng.randrange(0, 900), rng.randrange(0, 500)
        out.append(
            CallRecord(
                request_id=f"{prefix}-{i}",
                timestamp=T0 + timedelta(seconds=rng.uniform(0, DAYS * 86_400)),
                app=rng.choice(["bot", "batch", "search"]),
                model=rng.choice(["deepseek-flash", "deepseek-v4-pro"]),
                # long conversations (spanning days) and short ones, and none
                conversation_id=rng.choice([None, None, *(f"c{k}" for k in range(12))]),
                subject_key=rng.choice([None, *(f"{k:064x}" for k in range(6))]),
                proxy_token_id=rng.choice([None, *(f"{k:016x}" for k in range(3))]),
                input_tokens=hit + miss,
                cache_hit_tokens=hit,
                cache_miss_tokens=miss,
                output_tokens=output,
                cost=round(rng.uniform(0, 0.01), 9) if priced else None,
                cost_currency=rng.choice(["USD", "USD", "CNY"]) if priced else None,
                cache_savings=round(rng.uniform(0, 0.002), 9) if priced else None,
            )
        )
    return out


def ranges(rng: random.Random) -> list[tuple[datetime, datetime]]:
    out = [
        (T0, T0 + timedelta(days=DAYS)),  # whole days only
        (T0 - timedelta(days=3), T0 + timedelta(days=9)),  # wider than the data
        (T0 + timedelta(hours=5), T0 + timedelta(days=DAYS, hours=-7)),  # both edges cut
        (T0 + timedelta(days=1, hours=2), T0 + timedelta(days=1, hours=9)),  # within a day
        (T0 + timedelta(days=2), T0 + timedelta(days=2)),  # empty
    ]
    for _ in range(4):
        a, b = sorted(rng.uniform(-1, DAYS + 1) for _ in range(2))
        out.append((T0 + timedelta(days=a), T0 + timedelta(days=b)))
    return out


def as_map(rows: list[SpendRow]) -> dict[tuple[str, str], SpendRow]:
    return {(r.key, r.currency): r for r in rows}


def assert_same(got: list[SpendRow], want: list[SpendRow], what: Any) -> None:
    g, w = as_map(got), as_map(want)
    assert g.keys() == w.keys(), what
    for key, r in w.items():
        o = g[key]
        assert (o.calls, o.cache_hit_tokens, o.cache_miss_tokens, o.output_tokens) == (
            r.calls, r.cache_hit_tokens, r.cache_miss_tokens, r.output_tokens
        ), (what, key)  # fmt: skip
        # sums added in another order: equal to float rounding, far below a cent
        assert math.isclose(o.cost, r.cost, rel_tol=1e-9, abs_tol=1e-12), (what, key)
        assert math.isclose(o.cache_savings, r.cache_savings, rel_tol=1e-9, abs_tol=1e-12)
    # the same groups in the same order (a group's currencies come in no set order)
    assert list(dict.fromkeys(r.key for r in got)) == list(dict.fromkeys(r.key for r in want))


def mutate(store: Any, calls: list[CallRecord], rng: random.Random) -> None:
    """What reaches stored calls after the first write: replayed copies (some with other
    fields, as a corrected record would be), cost updates, an erasure."""
    replay = rng.sample(calls, 40)
    changed = [
        c.model_copy(update={"app": "search", "cost": 0.5, "cost_currency": "USD",
                             "conversation_id": "c-late", "subject_key": None})
        if i % 2 else c
        for i, c in enumerate(replay)
    ]  # fmt: skip
    store.write_records(changed)
    # one batch holding a request id twice, new and stored: the last copy wins
    twice = random_calls(rng, 1, prefix="twice")[0]
    store.write_records([twice.model_copy(update={"cost": 0.7}), twice, changed[1], replay[1]])
    store.set_costs(
        [
            CostUpdate(c.request_id, c.timestamp, rng.choice([None, 0.25]), "CNY", 0.0)
            for c in rng.sample([c for c in calls if c not in replay], 30)
        ]
    )
    store.delete_subject(None, f"{3:064x}")
    store.refresh()


def check_all(store: SQLiteStore, rng: random.Random, other: Any = None) -> None:
    for start, end in ranges(rng):
        for by in BY:
            for where in ({}, {"app": "bot"}, {"app": "search", "model": "deepseek-v4-pro"}):
                want = store.spend_raw(start, end, by, where, limit=1000)
                got = store.spend(start, end, by, where, limit=1000)
                assert_same(got, want, (by, where, start, end))
                if other is not None:
                    assert_same(other.spend(start, end, by, where, limit=1000), want, ("es", by))
            # the costliest few: the same groups from the rollup as from the calls
            top = store.spend(start, end, by, limit=3)
            assert_same(top, store.spend_raw(start, end, by, limit=3), (by, "limit 3"))


def test_rollup_equals_the_raw_sums_after_every_kind_of_change(sqlite_store: SQLiteStore) -> None:
    rng = random.Random(18)
    calls = random_calls(rng, 600)
    sqlite_store.write_records(calls[:300])
    sqlite_store.write_records(calls[300:])
    mutate(sqlite_store, calls, rng)
    # the retention, cutting mid-day: the rollup's days lose exactly those calls
    assert sqlite_store.expire_calls(T0 + timedelta(hours=30)) > 0
    check_all(sqlite_store, rng)


def test_both_stores_answer_the_same_reports(sqlite_store: SQLiteStore, es_store_factory) -> None:
    es = es_store_factory()
    rng = random.Random(1818)
    calls = random_calls(rng, 300)
    for store in (sqlite_store, es):
        store.write_records(calls)
        mutate(store, calls, random.Random(7))
    check_all(sqlite_store, random.Random(3), other=es)


def _drop_rollup(path: Any) -> None:
    """What a database written before the rollup looks like."""
    db = sqlite3.connect(path)
    for name in ("spend_rollup_delete", "spend_rollup_update"):
        db.execute(f"DROP TRIGGER {name}")
    for table in ROLLUP_TABLES:
        db.execute(f"DROP TABLE {table}")
    db.commit()
    db.close()


def test_a_database_without_the_rollup_gets_it_on_open(tmp_path: Any) -> None:
    path = tmp_path / "old.db"
    store = SQLiteStore(path)
    store.setup()
    rng = random.Random(5)
    store.write_records(random_calls(rng, 200))
    store.close()
    _drop_rollup(path)
    store = SQLiteStore(path)
    store.setup()
    try:
        more = random_calls(rng, 50, prefix="new")
        store.write_records(more)  # the triggers are armed again
        check_all(store, rng)
        assert store.spend(T0, T0 + timedelta(days=DAYS), "app") != []
    finally:
        store.close()


def test_a_dropped_calls_table_heals_with_its_rollup(sqlite_store: SQLiteStore) -> None:
    rng = random.Random(9)
    sqlite_store.write_records(random_calls(rng, 100))
    sqlite_store._op(lambda c: c.execute("DROP TABLE calls"))
    # the next write finds the schema changed and heals it first (it used to fail once)
    sqlite_store.write_records(random_calls(rng, 5, prefix="healed"))
    sqlite_store.write_records(random_calls(rng, 20, prefix="after"))
    rows = sqlite_store.spend(T0 - timedelta(days=1), T0 + timedelta(days=9), "app")
    assert sum(r.calls for r in rows) == 25  # the rollup of the dropped calls went too
    check_all(sqlite_store, rng)


def test_an_erased_subject_key_leaves_no_rollup_row(sqlite_store: SQLiteStore) -> None:
    key = "e" * 64
    calls = random_calls(random.Random(11), 120)
    mine = [c.model_copy(update={"subject_key": key}) for c in calls[:40]]
    sqlite_store.write_records(mine + calls[40:])
    sqlite_store.delete_subject(None, key)
    everything = sqlite_store.spend(T0, T0 + timedelta(days=DAYS), "subject", limit=1000)
    assert key not in {r.key for r in everything}
    for table in ROLLUP_TABLES:
        rows = sqlite_store._op(lambda c, t=table: c.execute(f"SELECT * FROM {t}").fetchall())
        assert key not in {v for row in rows for v in row}, table
    # the conversations and days the erased calls were in lost exactly their sums
    check_all(sqlite_store, random.Random(12))
