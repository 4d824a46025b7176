"""Keeping the cluster clean: purging erased documents' bytes from segments after an
erasure, and dropping a prefix's indices and templates (tests and benchmarks)."""

from __future__ import annotations

import time
from typing import Any

from sentinel.store import schema
from sentinel.store.elastic.core import ElasticCore


class ElasticMaintenance(ElasticCore):
    """Erasure's reclaim and the test clean-up, outside the Store protocol."""

    def reclaim(self, wait: float = 0.0) -> dict[str, Any]:
        """Purge erased documents' bytes from the segment files (after an erasure).

        A deleted document is unreachable at once, but Lucene keeps it (soft-deleted)
        in its segment until a merge rewrites that segment, and Elasticsearch keeps
        soft deletes a merge may not drop while a shard's retention lease still covers
        them (the lease advances in a background sync, every 30 s by default). So this
        flushes and force-merges with `only_expunge_deletes` (the templates allow 0 %
        deletes per segment): what the lease no longer retains goes now, the rest at
        the next merge. With `wait` > 0 it first waits up to that long for the leases
        to pass every deletion, so that nothing is left. `deleted_docs_left` reports
        what is still on disk.
        """
        index = self._index("*")
        where = {"index": index, "ignore_unavailable": True, "allow_no_indices": True}
        self.refresh()
        self._op(self.client.indices.flush, **where)
        if wait > 0:
            self._wait_for_retention_leases(wait)
        self._op(self.client.indices.forcemerge, only_expunge_deletes=True, **where)
        stats = self._op(self.client.indices.stats, index=index, metric="docs")
        left = stats.get("_all", {}).get("primaries", {}).get("docs", {}).get("deleted", 0)
        return {"refresh": True, "expunge_deletes": True, "deleted_docs_left": left}

    def _wait_for_retention_leases(self, timeout: float) -> None:
        """Until every shard's leases retain nothing below its max sequence number."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stats = self._op(
                self.client.indices.stats,
                index=self._index("*"),
                level="shards",
                filter_path="indices.*.shards.*.seq_no,indices.*.shards.*.retention_leases",
            ).body
            copies = [
                copy
                for idx in stats.get("indices", {}).values()
                for shard in idx["shards"].values()
                for copy in shard
            ]
            if all(
                lease["retaining_seq_no"] > copy["seq_no"]["max_seq_no"]
                for copy in copies
                for lease in copy["retention_leases"]["leases"]
            ):
                return
            time.sleep(1.0)

    def drop(self) -> None:
        """Delete this prefix's indices and templates: tests and benchmarks share one
        cluster and clean up after themselves. By name, as servers refuse wildcard
        deletes (`action.destructive_requires_name`)."""
        names = list(
            self._op(self.client.indices.get, index=self._index("*"), allow_no_indices=True)
        )
        if names:
            self._op(self.client.indices.delete, index=",".join(names))
        for name in schema.TEMPLATES:
            self._op(
                self.client.options(ignore_status=404).indices.delete_index_template,
                name=self._index(name),
            )
