"""The leader lease held by one daemon stays held while two of its threads renew it at
once (the renewal job and a rule evaluation), on the real Elasticsearch store whose
compare-and-set is what made the holder lose it against itself."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sentinel.clock import SystemClock
from sentinel.rules.lease import Lease


class _SlowReads:
    """The store, with every state read taking a moment, as on a loaded node: the gap
    between a renewal's read and its compare-and-set is where a second renewal lands."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def get_state(self, key: str) -> Any:
        found = self._store.get_state(key)
        time.sleep(0.01)
        return found

    def put_state(self, *args: Any) -> bool:
        return self._store.put_state(*args)


def test_concurrent_renewals_in_one_process_never_lose_the_lease(
    es_store_factory: Callable[..., Any],
) -> None:
    store = es_store_factory()
    lease = Lease(_SlowReads(store), "lease/test", "me", timedelta(minutes=1), SystemClock())
    assert lease.acquire()
    results: list[bool] = []

    def renew() -> None:
        for _ in range(15):
            results.append(lease.acquire())

    threads = [threading.Thread(target=renew) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [True] * 30 and lease.held
    lease.release()
    assert not lease.held and store.get_state("lease/test")[0]["holder"] is None
