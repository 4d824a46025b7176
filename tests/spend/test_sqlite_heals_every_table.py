"""SQLite heals every table it has, not only the main schema: another program damages
the real database file (drops a table, or leaves a rollup table of the wrong shape)
while the store has it open; the next operation finds the schema changed and heals it
first (it used to fail once, its records spooled), and the spend rollup
equals the calls. Before, the healing re-created the main tables only, so a dropped
balance series failed every poll forever, and a misshapen rollup table every write."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from test_spend_rollup import T0, check_all, random_calls

from sentinel.balance import BalanceSample
from sentinel.store.base import KINDS, StoreUnavailable
from sentinel.store.sqlite import SQLiteStore
from sentinel.store.sqlite.tables import TABLES


def _schema(path: Path) -> set[tuple[str, str]]:
    out = subprocess.run(
        [sys.executable, "-c", "import sqlite3, sys; print('\\n'.join(f'{t} {n}' for t, n in "
         "sqlite3.connect(sys.argv[1]).execute('SELECT type, name FROM sqlite_master')))",
         str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return {tuple(line.split(" ", 1)) for line in out.splitlines()}  # type: ignore[misc]


def _damage(path: Path, script: str) -> None:
    """Another process edits the file, as an operator's sqlite3 shell or a broken tool."""
    code = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2])"
    subprocess.run([sys.executable, "-c", code, str(path), script], check=True)


def _probe(store: SQLiteStore, rng: random.Random, round_: int) -> list[str]:
    """Every kind of operation once; the names of those the store refused."""
    at = T0 + timedelta(minutes=round_)
    ops: dict[str, Any] = {
        "write calls": lambda: store.write_records(random_calls(rng, 10, prefix=f"p{round_}")),
        "write balance": lambda: store.write_balance(BalanceSample(at, True, {"USD": {}})),
        "read balance": store.balance_samples,
        "state": lambda: store.set_state(f"k{round_}", {"v": round_}),
        "audit": store.last_audit,
        "alerts": store.list_alert_events,
        "cache": lambda: store.cache_get("nothing", at),
        "spend": lambda: store.spend(T0, T0 + timedelta(days=9), "conversation"),
        **{f"count {kind}": lambda k=kind: store.count(k) for kind in KINDS},
    }
    failed = []
    for name, op in ops.items():
        try:
            op()
        except StoreUnavailable:
            failed.append(name)
    return failed


@pytest.fixture
def damaged(tmp_path: Path) -> Any:
    path = tmp_path / "sentinel.db"
    store = SQLiteStore(path)
    store.setup()
    rng = random.Random(4)
    store.write_records(random_calls(rng, 150))
    store.write_balance(BalanceSample(T0, True, {"USD": {"total": 5.0}}))
    whole = _schema(path)
    assert {n for t, n in whole if t == "table"} == set(TABLES)  # doctor checks each
    yield store, path, whole, rng
    store.close()


DAMAGE = [f"DROP TABLE {t}" for t in TABLES] + [
    # a rollup table someone re-created by hand with another shape
    "DROP TABLE spend_daily; CREATE TABLE spend_daily (day INTEGER, junk TEXT)",
    "DROP TABLE balance; DROP TABLE spend_subject; DROP TABLE state",
]


@pytest.mark.parametrize("script", DAMAGE)
def test_the_open_store_heals_after_the_first_failure(damaged: Any, script: str) -> None:
    store, path, whole, rng = damaged
    _damage(path, script)
    # healed before the next operation meets it (it used to fail once: spooled)
    assert _probe(store, rng, 1) == []
    assert _probe(store, rng, 2) == []
    assert _schema(path) == whole
    check_all(store, rng)  # the rollup is the calls' again, written since included
    assert len(store.balance_samples()) >= 1


@pytest.mark.parametrize("script", [*DAMAGE, "DROP TRIGGER spend_rollup_delete"])
def test_opening_a_damaged_file_heals_it(damaged: Any, script: str) -> None:
    store, path, whole, rng = damaged
    store.close()
    _damage(path, script)
    reopened = SQLiteStore(path)
    reopened.setup()
    try:
        assert _schema(path) == whole
        assert _probe(reopened, rng, 1) == []
        check_all(reopened, rng)
    finally:
        reopened.close()
