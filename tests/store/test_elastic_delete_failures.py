"""A delete that Elasticsearch refuses (a real write block on the index) names what was
being deleted and what becomes of the rest: the balance expiry and the cache purge had
the erasure's "the erasure can be resumed", which sent an operator looking for an
erasure nobody had started."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sentinel.balance import BalanceSample
from sentinel.store.base import CacheEntry, StoreUnavailable

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)


def _blocked(store: Any, index: str) -> None:
    store.refresh()
    store.client.indices.put_settings(index=index, settings={"index.blocks.write": True})


def _unblock(store: Any, index: str) -> None:
    store.client.indices.put_settings(index=index, settings={"index.blocks.write": None})


def _balance(store: Any) -> tuple[str, Callable[[], int]]:
    for minutes in (0, 30):
        store.write_balance(BalanceSample(T0 + timedelta(minutes=minutes), True, {"USD": {}}))
    return store._index("balance"), lambda: store.expire_balance(T0 + timedelta(minutes=45))


def _cache(store: Any) -> tuple[str, Callable[[], int]]:
    entry = CacheEntry(key="k1", app="a", model="m", created_at=T0,
                       expires_at=T0 + timedelta(hours=1), response={})  # fmt: skip
    store.cache_put(entry, max_entries=10)
    return store._index("cache"), lambda: store.cache_purge(T0 + timedelta(days=1), T0)


@pytest.mark.parametrize(
    ("seed", "what", "then"),
    [
        (_balance, "balance samples polled before", "the next balance poll expires them again"),
        (_cache, "expired cached responses", "the next anonymization run purges the rest"),
    ],
)
def test_a_refused_delete_says_what_it_was_and_what_happens_next(
    es_store_factory: Callable[..., Any], seed: Any, what: str, then: str
) -> None:
    store = es_store_factory()
    index, delete = seed(store)
    _blocked(store, index)
    try:
        with pytest.raises(StoreUnavailable) as caught:
            delete()
    finally:
        _unblock(store, index)
    message = str(caught.value)
    assert what in message and then in message
    assert "erasure" not in message
    assert delete() >= 1  # unblocked, the same call deletes: nothing was lost meanwhile


def test_a_refused_erasure_delete_still_says_it_can_be_resumed(
    es_store_factory: Callable[..., Any],
) -> None:
    store = es_store_factory()
    entry = CacheEntry(key="k2", app="a", model="m", created_at=T0, subject_key="s" * 64,
                       expires_at=T0 + timedelta(hours=1), response={})  # fmt: skip
    store.cache_put(entry, max_entries=10)
    _blocked(store, store._index("cache"))
    try:
        with pytest.raises(StoreUnavailable, match=r"the subject's cache.*erasure can be resumed"):
            store.delete_subject(None, "s" * 64)
    finally:
        _unblock(store, store._index("cache"))
