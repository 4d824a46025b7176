"""`sentinel serve` keeps Elasticsearch's spend caches warm: the lease holder alone builds
the caches of the default ranges (`--since 30d`, each cached `--by`) right after UTC
midnight and after anything dropped or moved them, so the first `sentinel spend` of a new
day is answered from the cache (no build on the report's path) with the calls' sums.
Real Elasticsearch, the real command, two daemons on one store; the schedule's logic
takes its time as an argument."""

from __future__ import annotations

import json
import logging
import math
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.daemon import Daemon
from sentinel.models import CallRecord
from sentinel.rules.loader import RuleSet
from sentinel.spend.report import EARLIEST
from sentinel.spend.warm import AFTER_MIDNIGHT, next_warm
from sentinel.store.spend_queries import CACHED_BY, CostUpdate

runner = CliRunner()
DAY = timedelta(days=1)


def test_next_run_is_one_interval_on_or_just_after_midnight() -> None:
    noon = datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert next_warm(noon, timedelta(minutes=1)) == noon + timedelta(minutes=1)
    late = datetime(2026, 12, 1, 23, 58, tzinfo=UTC)
    midnight = datetime(2026, 12, 2, tzinfo=UTC) + AFTER_MIDNIGHT
    assert next_warm(late, timedelta(minutes=10)) == midnight  # the range moves then
    assert next_warm(late, timedelta(minutes=1)) == late + timedelta(minutes=1)
    assert next_warm(midnight, timedelta(hours=2)) == midnight + timedelta(hours=2)
    just_before = midnight - timedelta(microseconds=1)
    assert next_warm(just_before, timedelta(hours=2)) == midnight
    assert next_warm(midnight, timedelta(days=3)) == midnight + DAY  # never now itself


def _today() -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _calls(today: datetime, n: int = 900) -> list[CallRecord]:
    """Conversations over the last week and today, two currencies, some without cost."""
    rng = random.Random(18)
    out = []
    for i in range(n):
        priced = i % 13 != 0
        cur = "CNY" if i % 7 == 0 else "USD"
        out.append(
            CallRecord(
                request_id=f"w{i}", app=f"app-{i % 3}", model="deepseek-flash",
                timestamp=today - 7 * DAY + timedelta(seconds=rng.uniform(0, 7.5 * 86_400)),
                conversation_id=None if i % 17 == 0 else f"conv-{rng.randrange(120)}",
                subject_key=f"{rng.randrange(40):064x}", output_tokens=rng.randrange(300),
                cost=round(rng.uniform(0.0001, 0.01), 6) if priced else None,
                cost_currency=cur if priced else None, cache_savings=0.0 if priced else None,
            )
        )  # fmt: skip
    return out


def _sums(store: Any, start: datetime, end: datetime) -> dict[tuple[str, str], tuple[int, float]]:
    """By conversation and currency, summed in Python over every stored call."""
    out: dict[tuple[str, str], list[Any]] = {}
    for page in store.iter_calls_since(EARLIEST):
        for r in page:
            if start <= r.timestamp < end:
                s = out.setdefault((r.conversation_id or "", r.cost_currency or ""), [0, 0.0])
                s[0] += 1
                s[1] += r.cost or 0.0
    return {k: (n, c) for k, (n, c) in out.items()}


def _caches(store: Any) -> dict[str, str]:
    """Cache index -> its creation date (a rebuilt one is a new index)."""
    found = store.client.indices.get_settings(
        index=store._index("spend-*"), name="index.creation_date", allow_no_indices=True
    ).body
    return {n: v["settings"]["index"]["creation_date"] for n, v in found.items()}


def _daemon(store: Any, clock: Any, node: str, **settings: Any) -> Daemon:
    s = Settings(balance_poll_interval="0s", spend_warm_interval="1m", **settings)
    return Daemon(store, s, clock, rules=RuleSet(groups=[], files=[]), notifiers=[],
                  node_id=node, lease_ttl=timedelta(minutes=5))  # fmt: skip


@pytest.fixture
def es(es_store_factory: Any) -> Any:
    store = es_store_factory()
    assert not store.write_records(_calls(_today())).rejected
    store.refresh()
    return store


def test_first_report_of_a_new_day_comes_from_the_warmed_cache(
    es: Any, es_store_factory: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    today = _today()
    clock = FakeClock(today - DAY + timedelta(hours=12))  # yesterday, the day before
    es.clock = clock
    other = es_store_factory(es.prefix)  # the second daemon's own client
    other.clock = clock
    leader, follower = _daemon(es, clock, "a"), _daemon(other, clock, "b")
    assert leader.lease.acquire() and not follower.lease.acquire()

    assert follower.warm_spend() is None  # not the leader: nothing built
    assert _caches(es) == {}
    assert leader.warm_spend() == dict.fromkeys(CACHED_BY, "built")
    yesterdays = _caches(es)
    assert len(yesterdays) == len(CACHED_BY)
    assert leader.warm_spend() == dict.fromkeys(CACHED_BY, "fresh")  # checked, not rebuilt
    assert _caches(es) == yesterdays

    clock.advance(next_warm(clock.now(), timedelta(days=7)) - clock.now())  # the midnight run
    assert clock.now() == today + AFTER_MIDNIGHT
    assert follower.warm_spend() is None
    assert leader.warm_spend() == dict.fromkeys(CACHED_BY, "built")  # the range moved
    warmed = _caches(es)
    assert len(set(warmed) - set(yesterdays)) == len(CACHED_BY)

    monkeypatch.setenv("SENTINEL_STORE", es._url)
    monkeypatch.setenv("SENTINEL_ES_INDEX_PREFIX", es.prefix)
    with caplog.at_level(logging.DEBUG, logger="sentinel.store"):
        done = runner.invoke(app, ["spend", "--by", "conversation", "--limit", "1000", "--json"])
    assert done.exit_code == 0, done.output
    answered = [r.getMessage() for r in caplog.records if "from the cache" in r.getMessage()]
    assert len(answered) == 1 and "by conversation" in answered[0]
    assert answered[0].split()[-1] in set(warmed) - set(yesterdays)
    assert _caches(es) == warmed  # the report built nothing
    data = json.loads(done.stdout)
    want = _sums(es, datetime.fromisoformat(data["since"]), datetime.fromisoformat(data["until"]))
    got = {(r["key"], r["currency"] or ""): r for r in data["rows"]}
    assert set(got) == set(want)
    for k, r in got.items():
        assert r["calls"] == want[k][0], k
        if r["cost"] is not None:
            assert math.isclose(r["cost"], want[k][1], rel_tol=1e-9, abs_tol=1e-12), k


def test_a_dropped_or_moved_cache_is_built_again_at_the_next_run(es: Any) -> None:
    clock = FakeClock(_today() + timedelta(hours=9))
    es.clock = clock
    daemon = _daemon(es, clock, "a")
    assert daemon.lease.acquire()
    assert daemon.warm_spend() == dict.fromkeys(CACHED_BY, "built")
    es.drop_spend_cache()  # what erasure and the retention do
    assert daemon.warm_spend() == dict.fromkeys(CACHED_BY, "built")
    before = _caches(es)
    pages = es.iter_calls_since(_today() - 3 * DAY)
    call = next(r for p in pages for r in p if r.timestamp < _today() - DAY)  # a cached day
    assert es.set_costs([CostUpdate(call.request_id, call.timestamp, 1.5, "USD", 0.0)]) == 1
    assert daemon.warm_spend() == dict.fromkeys(CACHED_BY, "built")  # `prices recompute`
    assert len(set(_caches(es)) - set(before)) == len(CACHED_BY)


def test_two_serving_daemons_warm_once_per_cluster(
    es: Any, es_store_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    stores = [es, es_store_factory(es.prefix)]
    runs: dict[int, int] = {0: 0, 1: 0}
    for i, store in enumerate(stores):
        real = store.warm_spend

        def counted(*args: Any, _i: int = i, _real: Any = real) -> Any:
            runs[_i] += 1
            return _real(*args)

        monkeypatch.setattr(store, "warm_spend", counted)
    daemons = []
    for i, store in enumerate(stores):
        s = Settings(balance_poll_interval="0s", spend_warm_interval="1s")
        daemons.append(Daemon(store, s, rules=RuleSet(groups=[], files=[]), notifiers=[],
                              node_id=f"n{i}", lease_ttl=timedelta(seconds=3)))  # fmt: skip
    for d in daemons:
        d.start()
    try:
        deadline = time.monotonic() + 60
        while len(_caches(es)) < len(CACHED_BY) or sum(runs.values()) < 3:
            assert time.monotonic() < deadline, f"not warmed within 60 s: {runs}"
            time.sleep(0.2)
    finally:
        for d in daemons:
            d.stop()
    holders = [i for i, d in enumerate(daemons) if runs[i]]
    assert len(holders) == 1, runs  # the lease holder's warmer alone reached the store
    assert len(_caches(es)) == len(CACHED_BY)  # each built once


def test_today_is_the_stores_clocks_day(es: Any) -> None:
    """The day still written to is the injected clock's, not the machine's: with the
    clock on a past day, that day and the ones after it are read from the calls."""
    today = _today()
    es.clock = FakeClock(today - 3 * DAY + timedelta(hours=10))
    start = today - 7 * DAY
    assert es.warm_spend(start, today + DAY, ["conversation"]) == {"conversation": "built"}
    (name,) = _caches(es)
    assert f"-{start:%Y%m%d}-{today - 3 * DAY:%Y%m%d}-" in name
