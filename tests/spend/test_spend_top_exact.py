"""The costliest `limit` groups of a spend report are the exact global ones on both
stores. Elasticsearch holds one index per day: a group that is modest in every day but
costliest over the range must win over groups that top one day each (a terms aggregation
ordered by cost asks each index for its local top few only and never sees it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sentinel.models import CallRecord
from sentinel.store import spend_queries
from sentinel.store.base import Store

T0 = datetime(2026, 11, 2, tzinfo=UTC)
DAYS = 3
LOCALS = 40  # groups that each top one day: more than any default shard_size for limit 2


def calls() -> list[CallRecord]:
    out = []
    for d in range(DAYS):
        at = T0 + timedelta(days=d, hours=3)
        for j in range(LOCALS):
            out.append(_call(f"loc-{d}-{j}", at, f"local-{d}-{j}", 0.010 + j * 1e-5))
        # 0.009 a day, below every local group of that day; 0.027 over the three days
        out.append(_call(f"wide-{d}", at + timedelta(hours=1), "wide", 0.009))
        out.append(_call(f"wide2-{d}", at + timedelta(hours=2), "wide2", 0.008))
    return out


def _call(rid: str, at: datetime, group: str, cost: float) -> CallRecord:
    return CallRecord(
        request_id=rid,
        timestamp=at,
        app="bot",
        model="deepseek-flash",
        conversation_id=f"conv-{group}",
        subject_key=group.encode().hex().ljust(64, "0"),
        input_tokens=10,
        cache_hit_tokens=4,
        cache_miss_tokens=6,
        output_tokens=3,
        cost=cost,
        cost_currency="USD",
        cache_savings=cost / 10,
    )


@pytest.mark.parametrize("by", ["subject", "conversation"])
def test_costliest_groups_are_the_global_ones(store: Store, by: str) -> None:
    result = store.write_records(calls())
    assert not result.rejected
    store.refresh()
    rows = store.spend(T0, T0 + timedelta(days=DAYS), by, limit=2)
    name = {"subject": lambda g: g.encode().hex().ljust(64, "0"), "conversation": "conv-{}".format}
    assert [r.key for r in rows] == [name[by]("wide"), name[by]("wide2")]
    assert [r.calls for r in rows] == [DAYS, DAYS]
    assert rows[0].cost == pytest.approx(0.027)
    # and the ranking below them is the global one too
    rows = store.spend(T0, T0 + timedelta(days=DAYS), by, limit=5)
    assert [r.key for r in rows][:2] == [name[by]("wide"), name[by]("wide2")]
    assert [r.key for r in rows][2:] == [name[by](f"local-{d}-{LOCALS - 1}") for d in range(DAYS)]


@pytest.mark.parametrize("by", ["subject", "conversation", "day"])
def test_more_groups_than_one_aggregation_returns_are_paged_exactly(
    es_store_factory: Any, monkeypatch: pytest.MonkeyPatch, by: str
) -> None:
    # the one-aggregation path returns at most 10 groups here: the composite pages of 7 take over
    monkeypatch.setattr(spend_queries, "_ALL", 10)
    monkeypatch.setattr(spend_queries, "_PAGE", 7)
    store = es_store_factory()
    store.write_records(calls())
    store.refresh()
    paged = store.spend(T0, T0 + timedelta(days=DAYS), by, limit=5)
    monkeypatch.undo()
    assert paged == store.spend(T0, T0 + timedelta(days=DAYS), by, limit=5)
    if by != "day":
        assert paged[0].cost == pytest.approx(0.027) and paged[0].calls == DAYS
    else:
        assert [r.calls for r in paged] == [LOCALS + 2] * DAYS


def test_groups_split_into_partitions_are_summed_exactly(
    es_store_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = es_store_factory()
    records = calls()
    records += [r.model_copy(update={"request_id": "x" + r.request_id, "conversation_id": None,
                                     "subject_key": None}) for r in records[:9]]  # fmt: skip
    store.write_records(records)
    store.refresh()
    span = (T0, T0 + timedelta(days=DAYS))
    whole = {by: store.spend(*span, by, limit=1000) for by in ("subject", "conversation")}
    monkeypatch.setattr(spend_queries, "_PER_PART", 20)  # 7 partitions of the 129 calls
    for by, rows in whole.items():
        assert store.spend(*span, by, limit=1000) == rows
        monkeypatch.setattr(spend_queries, "_RANKED", 0)  # every sum in the first pass
        assert store.spend(*span, by, limit=1000) == rows
        monkeypatch.setattr(spend_queries, "_RANKED", 1000)
        assert len(rows) == LOCALS * DAYS + 3 and ("", "USD") in {(r.key, r.currency) for r in rows}
