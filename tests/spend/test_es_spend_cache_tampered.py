"""A cache index of spend groups changed by hand (closed, a group deleted, a cost edited)
is not trusted: its fingerprint names the calls it was built from, not its own contents,
so before this a closed cache left the report with only the edge days' calls and an
edited one answered its edit until the calls next changed. The oracle is the plain sum
over the stored calls (test_es_spend_cache)."""

from __future__ import annotations

from typing import Any

import pytest
from test_es_spend_cache import assert_reports_are_the_calls, cache_indices, calls


@pytest.fixture
def es(es_store_factory: Any) -> Any:
    store = es_store_factory()
    assert not store.write_records(calls(3)).rejected
    store.refresh()
    assert_reports_are_the_calls(store)  # builds the cache
    assert cache_indices(store)
    return store


def test_a_closed_cache_index_is_not_read_as_empty(es: Any) -> None:
    for name in cache_indices(es):
        es.client.indices.close(index=name)
    assert_reports_are_the_calls(es)


def test_a_group_deleted_from_the_cache_by_hand_is_not_lost(es: Any) -> None:
    for name in cache_indices(es):
        doc = es.client.search(index=name, size=1, sort=[{"_doc": "asc"}])["hits"]["hits"][0]
        es.client.delete(index=name, id=doc["_id"], refresh=True)
    assert_reports_are_the_calls(es)


def test_a_cost_edited_in_the_cache_by_hand_is_not_believed(es: Any) -> None:
    for name in cache_indices(es):
        doc = es.client.search(index=name, size=1, sort=[{"_doc": "asc"}])["hits"]["hits"][0]
        doc["_source"]["sentinel"]["cost"]["amount"] = 999.0
        es.client.index(index=name, id=doc["_id"], document=doc["_source"], refresh=True)
    assert_reports_are_the_calls(es)
