"""Versioned state documents (rule state, leases, tombstones, tokens, jobs): compare-and-set
with `if_seq_no`/`if_primary_term`, refreshed at once because they are read right after."""

from __future__ import annotations

from typing import Any

from elasticsearch import ConflictError, NotFoundError

from sentinel.store.base import StoreUnavailable
from sentinel.store.elastic.core import ElasticCore
from sentinel.store.elastic.documents import CAS_ATTEMPTS, PAGE


class ElasticState(ElasticCore):
    """The StateStore role."""

    def _get_state_doc(self, key: str) -> dict[str, Any] | None:
        try:
            return self._op(self.client.get, index=self._index("state"), id=key).body
        except NotFoundError:
            return None

    def _write_state(
        self, key: str, value: dict[str, Any], version: int, current: dict[str, Any] | None
    ) -> bool:
        doc = {"sentinel": {"state": {"key": key, "value": value, "version": version}}}
        cas: dict[str, Any] = (
            {"op_type": "create"}
            if current is None
            else {"if_seq_no": current["_seq_no"], "if_primary_term": current["_primary_term"]}
        )
        try:
            self._op(
                self.client.index,
                index=self._index("state"),
                id=key,
                document=doc,
                refresh=True,
                **cas,
            )
        except ConflictError:
            return False
        return True

    def get_state(self, key: str) -> tuple[dict[str, Any], int] | None:
        doc = self._get_state_doc(key)
        if doc is None:
            return None
        state = doc["_source"]["sentinel"]["state"]
        return state["value"], state["version"]

    def put_state(self, key: str, value: dict[str, Any], expected_version: int | None) -> bool:
        if expected_version is None:
            return self._write_state(key, value, 1, None)
        current = self._get_state_doc(key)
        if current is None or current["_source"]["sentinel"]["state"]["version"] != (
            expected_version
        ):
            return False
        return self._write_state(key, value, expected_version + 1, current)

    def set_state(self, key: str, value: dict[str, Any]) -> None:
        for _ in range(CAS_ATTEMPTS):
            current = self._get_state_doc(key)
            version = (
                1 if current is None else current["_source"]["sentinel"]["state"]["version"] + 1
            )
            if self._write_state(key, value, version, current):
                return
        raise StoreUnavailable(f"state {key!r}: too many concurrent writers")

    def delete_state(self, key: str) -> None:
        self._op(
            self.client.options(ignore_status=404).delete,
            index=self._index("state"),
            id=key,
            refresh=True,
        )

    def list_state(self, prefix: str) -> list[tuple[str, dict[str, Any]]]:
        query = {"prefix": {"sentinel.state.key": prefix}} if prefix else {"match_all": {}}
        out: list[tuple[str, dict[str, Any]]] = []
        after = None
        while True:
            page: dict[str, Any] = {
                "query": query,
                "sort": [{"sentinel.state.key": "asc"}],
                "size": PAGE,
            }
            if after is not None:
                page["search_after"] = after
            hits = self._search(self._index("state"), **page)["hits"]["hits"]
            out.extend(
                (
                    h["_source"]["sentinel"]["state"]["key"],
                    h["_source"]["sentinel"]["state"]["value"],
                )
                for h in hits
            )
            if len(hits) < PAGE:
                return out
            after = hits[-1]["sort"]
