"""SQLite's spend rollup follows every path that changes calls, seen from outside: the
real `sentinel` commands in subprocesses on a real database file, each report (whole
days and a range cut mid-day) compared with a plain SUM over the calls table. Paths:
GDPR erasure (and a spooled copy of an erased call replayed afterwards), `prices
recompute`, the calls retention, spool replay of calls already stored, a database from
before the rollup, and a writer SIGKILLed mid-batch. Calls with no cost ride along."""

from __future__ import annotations

import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sentinel.models import CallRecord, subject_key_for
from sentinel.records.spool import Spool
from sentinel.store.sqlite import SQLiteStore

T0 = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
DAYS = 3
SECRET = "s" * 40
VICTIM, BYSTANDER = "victim-42@example.org", "bystander-7"
SENTINEL = str(Path(sys.executable).with_name("sentinel"))
WHOLE = (T0, T0 + timedelta(days=DAYS))
CUT = (T0 + timedelta(hours=7), T0 + timedelta(days=DAYS - 1, hours=13))
COLUMN = {"subject": "subject_key", "conversation": "conversation_id", "app": "app"}


def key(subject: str) -> str:
    return subject_key_for(subject, SECRET.encode())


def call(rid: str, hours: float, subject: str | None, conv: str | None, **kw: Any) -> CallRecord:
    fields: dict[str, Any] = {
        "request_id": rid,
        "timestamp": T0 + timedelta(hours=hours),
        "app": "bot",
        "model": "deepseek-flash",
        "subject_key": key(subject) if subject else None,
        "conversation_id": conv,
        "input_tokens": 1_000,
        "cache_hit_tokens": 600,
        "cache_miss_tokens": 400,
        "output_tokens": 200,
        "cost": 0.001 + (zlib.crc32(rid.encode()) % 1000) * 1e-6,
        "cost_currency": "USD",
        "cache_savings": 0.0001,
        **kw,
    }
    return CallRecord(**fields)


def mixed(prefix: str = "c", n: int = 120) -> list[CallRecord]:
    """Calls every ~36 min over the three days: the victim's (own conversation), a
    bystander's, anonymous ones and, every seventh, one with no cost (a model with no
    price row, so `prices recompute` leaves it without one)."""
    out = []
    for i in range(n):
        who = (VICTIM, BYSTANDER, None)[i % 3]
        conv = {VICTIM: "conv-victim", BYSTANDER: "conv-bystander", None: None}[who]
        extra: dict[str, Any] = {}
        if i % 7 == 0:
            extra = {"cost": None, "cost_currency": None, "cache_savings": None,
                     "model": "deepseek-unpriced"}  # fmt: skip
        out.append(call(f"{prefix}{i}", i * DAYS * 24 / n, who, conv, **extra))
    return out


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SENTINEL_")},
        "SENTINEL_STORE": f"sqlite:///{tmp_path / 'calls.db'}",
        "SENTINEL_SUBJECT_SECRET": SECRET,
        "SENTINEL_AUDIT_KEY": "a" * 40,
        "SENTINEL_SPOOL_DIR": str(tmp_path / "spool"),
        "SENTINEL_LOG_STREAM": "stderr",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }


def db_of(env: dict[str, str]) -> Path:
    return Path(env["SENTINEL_STORE"].removeprefix("sqlite:///"))


def seed(env: dict[str, str], records: list[CallRecord]) -> None:
    store = SQLiteStore(db_of(env))
    store.setup()
    result = store.write_records(records)
    assert not result.rejected
    store.close()


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [SENTINEL, *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


Sums = dict[tuple[str, str], tuple[int, float]]


def spend(env: dict[str, str], by: str, span: tuple[datetime, datetime]) -> Sums:
    out = cli(env, "spend", "--json", "--by", by, "--limit", "100000",
              "--since", span[0].isoformat(), "--until", span[1].isoformat())  # fmt: skip
    return {
        (r["key"], r["currency"] or ""): (r["calls"], r["cost"] or 0.0)
        for r in json.loads(out)["rows"]
    }


def raw(env: dict[str, str], by: str, span: tuple[datetime, datetime]) -> Sums:
    """The report from the calls table alone, in plain SQL."""
    with sqlite3.connect(db_of(env)) as db:
        rows = db.execute(
            f"SELECT COALESCE({COLUMN[by]}, ''), COALESCE(cost_currency, ''), COUNT(*),"
            " TOTAL(cost) FROM calls WHERE ts >= ? AND ts < ? GROUP BY 1, 2",
            (span[0].timestamp(), span[1].timestamp()),
        ).fetchall()
    return {(k, cur): (n, cost) for k, cur, n, cost in rows}


def assert_rollup_is_the_calls(env: dict[str, str]) -> None:
    for by in COLUMN:
        for span in (WHOLE, CUT):
            got, want = spend(env, by, span), raw(env, by, span)
            assert got.keys() == want.keys(), (by, span)
            for k, (n, cost) in want.items():  # sums added in another order
                assert got[k][0] == n and math.isclose(got[k][1], cost, abs_tol=1e-12), k


def test_an_erased_subject_leaves_no_subject_or_conversation_group(
    env: dict[str, str],
) -> None:
    seed(env, mixed())
    assert ("conv-victim", "USD") in spend(env, "conversation", WHOLE)
    cli(env, "gdpr", "erase", VICTIM, "--yes")
    assert "conv-victim" not in {k for k, _ in spend(env, "conversation", WHOLE)}
    # a copy of one of the victim's calls spooled on an app host before the erasure
    spool = Spool(Path(env["SENTINEL_SPOOL_DIR"]))
    spool.append([call("late-victim", 30, VICTIM, "conv-victim")])
    spool.close()
    assert "replayed 1 record" in cli(env, "spool", "replay")
    for span in (WHOLE, CUT):
        assert not {k for k, _ in spend(env, "subject", span)} & {key(VICTIM)}
        assert "conv-victim" not in {k for k, _ in spend(env, "conversation", span)}
    assert key(BYSTANDER) in {k for k, _ in spend(env, "subject", WHOLE)}
    assert_rollup_is_the_calls(env)
    with sqlite3.connect(db_of(env)) as db:  # nor in the rollup's own rows
        for table, column in (("spend_subject", "subject_key"),
                              ("spend_conversation", "conversation_id")):  # fmt: skip
            keys = {k for (k,) in db.execute(f"SELECT {column} FROM {table}")}
            assert not keys & {key(VICTIM), "conv-victim"}, table


def test_prices_recompute_moves_the_rollup(env: dict[str, str]) -> None:
    stale = [
        r.model_copy(update={"cost": 9.0, "cost_currency": "USD"}) if r.cost is not None else r
        for r in mixed()
    ]
    seed(env, stale)
    cli(env, "prices", "recompute", "--since", CUT[0].isoformat())
    assert_rollup_is_the_calls(env)
    costs = spend(env, "app", (CUT[0], WHOLE[1]))
    # off-peak and peak deepseek-flash prices: far below the stale 9.0 a call
    assert 0 < costs[("bot", "USD")][1] < 1.0
    assert costs[("bot", "")][1] == 0  # calls with no cost stay without one


def test_the_retention_expiry_moves_the_rollup(env: dict[str, str]) -> None:
    seed(env, mixed())
    store = SQLiteStore(db_of(env))
    assert store.expire_calls(T0 + timedelta(days=1, hours=5)) > 0  # mid-day
    store.close()
    assert_rollup_is_the_calls(env)


def test_replaying_calls_already_stored_counts_each_once(env: dict[str, str]) -> None:
    records = mixed()
    seed(env, records)
    before = spend(env, "app", WHOLE)
    spool = Spool(Path(env["SENTINEL_SPOOL_DIR"]))
    spool.append(records[:60])  # the same copies
    # and copies that differ: another app, another day, priced now
    later = timedelta(hours=10)
    spool.append([r.model_copy(update={"app": "other", "timestamp": r.timestamp + later,
                                       "cost": 0.5, "cost_currency": "CNY"})
                  for r in records[60:90]])  # fmt: skip
    spool.close()
    cli(env, "spool", "replay")
    assert_rollup_is_the_calls(env)
    after = spend(env, "app", WHOLE)
    assert sum(n for n, _ in after.values()) == sum(n for n, _ in before.values())
    assert after[("other", "CNY")][0] > 0


def test_a_database_from_before_the_rollup(env: dict[str, str]) -> None:
    seed(env, mixed())
    with sqlite3.connect(db_of(env)) as db:  # what the version before the rollup left
        for table in ("spend_daily", "spend_subject", "spend_conversation"):
            db.execute(f"DROP TABLE {table}")
        for trigger in ("spend_rollup_delete", "spend_rollup_update"):
            db.execute(f"DROP TRIGGER {trigger}")
        db.execute("DROP INDEX calls_spend")
    assert_rollup_is_the_calls(env)
    seed(env, mixed("d", 30))  # the new code writes on top of the built rollup
    assert_rollup_is_the_calls(env)


WRITER = """
import sys
from datetime import UTC, datetime, timedelta
from sentinel.models import CallRecord
from sentinel.store.sqlite import SQLiteStore
store = SQLiteStore(sys.argv[1])
store.setup()
t0 = datetime(2026, 11, 2, tzinfo=UTC)
for b in range(10_000):
    batch = [CallRecord(request_id=f"w{b}-{i}", model="deepseek-flash", app=f"app{i % 5}",
                        timestamp=t0 + timedelta(seconds=(b * 500 + i) * 7 % 259_200),
                        conversation_id=f"conv{(b + i) % 40}", subject_key=f"{i % 9:064x}",
                        cost=(i % 13) * 1e-4 or None, cost_currency="USD" if i % 13 else None,
                        output_tokens=i) for i in range(500)]
    store.write_records(batch)
    if b == 1:
        print("writing", flush=True)
"""


def test_a_writer_killed_mid_batch_leaves_rollup_and_calls_equal(env: dict[str, str]) -> None:
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db_of(env))], env=env,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
    time.sleep(1.5)  # several batches in, one surely half done
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    with sqlite3.connect(db_of(env)) as db:
        assert db.execute("SELECT COUNT(*) FROM calls").fetchone()[0] % 500 == 0
    assert_rollup_is_the_calls(env)
