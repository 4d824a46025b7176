"""A report over days with no daily calls index on Elasticsearch (a quiet weekend, a
range before the first call, an edge day with no calls): the search over indices that
do not exist answers without `aggregations`, and `sentinel spend` died with
KeyError: 'aggregations'. The answer is the calls': none, or those of the days that
have an index (oracle: the plain sum over the stored calls)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from spend_support import store_env
from test_es_spend_cache import FIELD, T0, calls, oracle, top

BY = ("app", "model", "subject", "conversation", "day", "token")


@pytest.fixture
def es(es_store_factory: Any) -> Any:
    store = es_store_factory()
    assert not store.write_records(calls(9, n=200)).rejected
    store.refresh()
    return store


def test_a_range_with_no_daily_index_is_empty(es: Any) -> None:
    for start, end in [
        (T0 - timedelta(days=40), T0 - timedelta(days=35)),  # whole days, cacheable
        (T0 - timedelta(days=3, hours=5), T0 - timedelta(hours=1)),
        (T0 - timedelta(hours=5), T0 - timedelta(hours=1)),
    ]:
        for by in BY:
            assert es.spend(start, end, by, limit=5) == [], (by, start, end)
    cmd = [str(Path(sys.executable).with_name("sentinel")), "spend", "--since",
           f"{T0 - timedelta(days=9):%Y-%m-%d}", "--until", f"{T0:%Y-%m-%d}", "--json"]  # fmt: skip
    done = subprocess.run(cmd, env=store_env(es), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert '"rows": []' in done.stdout


def test_edges_without_an_index_around_cached_days(es: Any) -> None:
    span = (T0 - timedelta(days=2, hours=7), T0 + timedelta(days=8, hours=3))
    for by in FIELD:
        want = oracle(es, by, span)
        for limit in (5, 100_000):
            got = {(r.key, r.currency): r for r in es.spend(*span, by, limit=limit)}
            assert set(got) == top(want, limit), (by, limit)
            for k, r in got.items():
                assert r.calls == want[k][0], (by, k)
