"""Run as a separate process by the concurrency contract test: writes an overlapping
range of call records and increments a shared counter by compare-and-set.

    python store_worker.py '{"kind": "sqlite", "path": ...}' FIRST COUNT INCREMENTS
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sentinel.config import Settings
from sentinel.models import CallRecord
from sentinel.store.base import Store
from sentinel.store.sqlite import SQLiteStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def open_target(target: dict[str, str]) -> Store:
    if target["kind"] == "sqlite":
        return SQLiteStore(target["path"])
    from sentinel.store.elastic import ElasticStore

    return ElasticStore.from_settings(
        target["url"],
        Settings(es_index_prefix=target["prefix"]),
        dead_letter_path=Path(target["dead_letter"]),
    )


def main() -> None:
    target = json.loads(sys.argv[1])
    first, count, increments = (int(a) for a in sys.argv[2:5])
    store = open_target(target)
    records = [
        CallRecord(request_id=f"c{i:05d}", timestamp=T0 + timedelta(seconds=i), model="m")
        for i in range(first, first + count)
    ]
    for i in range(0, len(records), 100):
        store.write_records(records[i : i + 100])
    done = 0
    while done < increments:
        value, version = store.get_state("counter") or ({"n": 0}, None)
        if store.put_state("counter", {"n": value["n"] + 1}, version):
            done += 1
    store.close()


if __name__ == "__main__":
    main()
