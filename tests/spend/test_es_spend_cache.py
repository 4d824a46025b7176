"""Elasticsearch's cache of spend groups (`sentinel.store.elastic.spend_cache`) gives the
report the calls give, on the real server, after every path that changes calls: a late
write into a cached day, a replayed copy of stored calls, `prices recompute`'s cost
update, GDPR erasure, the retention, and a cache build cut short. The oracle is a plain
sum in Python over every stored call (read back through `iter_calls_since`), for whole
days and a range cut mid-day, for a short top (the threshold path) and every group."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sentinel.models import CallRecord
from sentinel.spend.report import EARLIEST
from sentinel.store.elastic import spend_cache
from sentinel.store.spend_queries import CostUpdate

T0 = datetime(2026, 11, 2, tzinfo=UTC)
DAYS = 6
WHOLE = (T0, T0 + timedelta(days=DAYS))
CUT = (T0 + timedelta(hours=7), T0 + timedelta(days=DAYS - 1, hours=13))
FIELD = {"conversation": "conversation_id", "subject": "subject_key"}


def calls(seed: int, n: int = 600, prefix: str = "c") -> list[CallRecord]:
    """Conversations that live for days, some costly; a few calls without a cost or a
    conversation, a second currency."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        cur = "CNY" if i % 11 == 0 else "USD"
        priced = i % 13 != 0
        out.append(
            CallRecord(
                request_id=f"{prefix}{i}",
                timestamp=T0 + timedelta(seconds=rng.uniform(0, DAYS * 86_400)),
                app="bot",
                model="deepseek-flash",
                conversation_id=None if i % 17 == 0 else f"conv-{rng.randrange(80)}",
                subject_key=f"{rng.randrange(30):064x}",
                cache_hit_tokens=rng.randrange(1000),
                cache_miss_tokens=rng.randrange(500),
                output_tokens=rng.randrange(300),
                cost=round(rng.uniform(0.0001, 0.01), 6) if priced else None,
                cost_currency=cur if priced else None,
                cache_savings=0.0001 if priced else None,
            )
        )
    return out


def oracle(store: Any, by: str, span: tuple[datetime, datetime]) -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], list[Any]] = {}
    for page in store.iter_calls_since(EARLIEST):
        for r in page:
            if not span[0] <= r.timestamp < span[1]:
                continue
            k = (getattr(r, FIELD[by]) or "", r.cost_currency or "")
            s = out.setdefault(k, [0, 0.0, 0])
            s[0] += 1
            s[1] += r.cost or 0.0
            s[2] += r.output_tokens or 0
    return out


def top(sums: dict[tuple[str, str], Any], limit: int) -> set[tuple[str, str]]:
    totals: dict[str, float] = {}
    for (k, _), s in sums.items():
        totals[k] = totals.get(k, 0.0) + s[1]
    keep = set(sorted(totals, key=lambda k: (-totals[k], k))[:limit])
    return {k for k in sums if k[0] in keep}


def assert_reports_are_the_calls(store: Any) -> None:
    store.refresh()
    for by in FIELD:
        for span in (WHOLE, CUT):
            want = oracle(store, by, span)
            for limit in (5, 100_000):
                rows = store.spend(span[0], span[1], by, limit=limit)
                got = {(r.key, r.currency): r for r in rows}
                assert set(got) == top(want, limit), (by, span, limit)
                for k, r in got.items():
                    n, cost, out = want[k]
                    assert (r.calls, r.output_tokens) == (n, out), (by, k)
                    assert math.isclose(r.cost, cost, rel_tol=1e-9, abs_tol=1e-12), (by, k)


def cache_indices(store: Any) -> list[str]:
    return list(store.client.indices.get(index=store._index("spend-*"), allow_no_indices=True))


@pytest.fixture
def es(es_store_factory: Any) -> Any:
    store = es_store_factory()
    assert not store.write_records(calls(1)).rejected
    store.refresh()
    return store


def test_the_cache_answers_what_the_calls_answer(es: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    answered = []
    threshold = es._threshold_top

    def spy(*args: Any) -> Any:
        rows = threshold(*args)
        answered.append(rows is not None)
        return rows

    monkeypatch.setattr(es, "_threshold_top", spy)
    assert_reports_are_the_calls(es)
    assert any(answered)  # a short top came from the threshold, not from every group
    for by in FIELD:  # and the calls alone agree (the baseline of the benchmark)
        raw = es.spend_raw(*CUT, by, limit=100_000)
        assert {(r.key, r.currency, r.calls) for r in raw} == {
            (r.key, r.currency, r.calls) for r in es.spend(*CUT, by, limit=100_000)
        }
    built = cache_indices(es)
    assert {n.split("-spend-")[1].split("-")[0] for n in built} == set(FIELD)
    assert_reports_are_the_calls(es)  # the second time from the cache as built
    assert cache_indices(es) == built


def test_a_late_write_and_a_replayed_copy_are_counted_once(es: Any) -> None:
    assert_reports_are_the_calls(es)
    late = calls(2, n=40, prefix="late")  # into days already cached
    assert not es.write_records(late).rejected
    assert_reports_are_the_calls(es)
    assert not es.write_records(calls(1)[:200] + late).rejected  # the same copies again
    assert_reports_are_the_calls(es)


def test_prices_recompute_moves_the_cached_costs(es: Any) -> None:
    assert_reports_are_the_calls(es)
    updates = [CostUpdate(r.request_id, r.timestamp, 0.5, "USD", 0.0) for r in calls(1)[::9]]
    assert es.set_costs(updates) == len(updates)
    assert_reports_are_the_calls(es)


def test_erasure_and_the_retention_drop_the_cache(es: Any) -> None:
    assert_reports_are_the_calls(es)
    victim = calls(1)[0].subject_key
    es.delete_subject(None, victim)
    assert not cache_indices(es)  # it held the subject's key and conversations
    assert_reports_are_the_calls(es)
    assert victim not in {r.key for r in es.spend(*WHOLE, "subject", limit=100_000)}
    assert cache_indices(es)
    assert es.expire_calls(T0 + timedelta(days=2, hours=5)) > 0
    assert not cache_indices(es)
    assert_reports_are_the_calls(es)


def test_a_build_cut_short_is_built_again(es: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_reports_are_the_calls(es)
    for name in cache_indices(es):  # as if killed before the fingerprint went in
        es.client.indices.put_mapping(index=name, meta={})
        doc = es.client.search(index=name, size=1)["hits"]["hits"][0]
        es.client.delete(index=name, id=doc["_id"], refresh=True)
    assert_reports_are_the_calls(es)  # young: another report's build; the calls answer
    monkeypatch.setattr(spend_cache, "_ABANDONED", timedelta(0))
    assert_reports_are_the_calls(es)  # old: built again
    for name in cache_indices(es):
        meta = es.client.indices.get_mapping(index=name)[name]["mappings"].get("_meta", {})
        assert "fingerprint" in meta, name


def test_a_cache_deleted_between_its_check_and_its_read_falls_back_to_the_calls(
    es: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Erasure, retention or `_forget_old` in another process may delete the cache index
    a report has just found complete: the report reads the calls instead of failing on
    the 404 (the index really is gone when the search runs)."""
    assert_reports_are_the_calls(es)  # builds the caches
    complete = es._complete
    checks: list[str] = []

    def then_deleted(entry: str, print_: str) -> bool:
        ok = complete(entry, print_)
        if not checks:  # the first check of each report finds it; then it is gone
            es.client.indices.delete(index=entry)
        checks.append(entry)
        return ok

    monkeypatch.setattr(es, "_complete", then_deleted)
    for by in FIELD:
        for span, limit in ((WHOLE, 5), (CUT, 100_000)):
            checks.clear()
            want = oracle(es, by, span)
            got = {(r.key, r.currency): r.calls for r in es.spend(*span, by, limit=limit)}
            assert set(got) == top(want, limit), (by, span, limit)
            assert got == {k: want[k][0] for k in got}
            assert checks  # the cache path ran and found its index gone
