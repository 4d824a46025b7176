"""A leader lease in the store's state entries, so that several `sentinel serve`
processes on one store evaluate each rule group once.

The lease is a state entry {holder, expires_at} changed only by compare-and-set: the
holder renews it before it expires; anyone else may take it once it has expired. With
the TTL at most one evaluation interval and renewals every third of it, a dead
leader's lease lapses within one interval and a follower, trying at each of its own
evaluations, takes over within two.

One process renews from two scheduler threads (the renewal job and each rule
evaluation): unserialised, both read the same version, one compare-and-set loses, and
the holder logged "lost" and dropped leadership for a moment against itself (seen at
`sentinel serve` start on Elasticsearch). A lock makes read and write one step per process.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from sentinel.clock import Clock
from sentinel.store.base import Store

log = logging.getLogger("sentinel.lease")

_EXPIRED = datetime(1970, 1, 1, tzinfo=UTC).isoformat()


class Lease:
    def __init__(self, store: Store, key: str, holder: str, ttl: timedelta, clock: Clock) -> None:
        if ttl <= timedelta(0):
            raise ValueError("lease TTL must be positive")
        self.store = store
        self.key = key
        self.holder = holder
        self.ttl = ttl
        self.clock = clock
        self.held = False
        self._lock = threading.Lock()

    def acquire(self, now: datetime | None = None) -> bool:
        """Take or renew the lease; True if this process holds it until now + ttl."""
        with self._lock:
            return self._acquire(now or self.clock.now())

    def _acquire(self, now: datetime) -> bool:
        current = self.store.get_state(self.key)
        if current is not None:
            holder, expires = current[0].get("holder"), current[0]["expires_at"]
            if holder != self.holder and datetime.fromisoformat(expires) > now:
                self._set_held(False)
                return False
        value = {"holder": self.holder, "expires_at": (now + self.ttl).isoformat()}
        ok = self.store.put_state(self.key, value, None if current is None else current[1])
        self._set_held(ok)
        return ok

    def _set_held(self, held: bool) -> None:
        if held != self.held:
            log.info("%s %s lease %s", self.holder, "acquired" if held else "lost", self.key)
        self.held = held

    def release(self) -> None:
        """Give the lease up at once (graceful shutdown), so a follower need not wait
        for it to expire. Only our own lease is touched (compare-and-set)."""
        with self._lock:
            current = self.store.get_state(self.key)
            if current is not None and current[0].get("holder") == self.holder:
                value = {"holder": None, "expires_at": _EXPIRED}
                self.store.put_state(self.key, value, current[1])
            self._set_held(False)
