"""Subprocess for the crash test: replays a spool slowly, printing each delivered batch,
so the test can SIGKILL it halfway. Usage: replayer.py SPOOL_DIR sqlite PATH
or replayer.py SPOOL_DIR elasticsearch URL PREFIX."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sentinel.models import Record
from sentinel.records.replay import StoreWriter
from sentinel.records.spool import Spool
from sentinel.records.tombstones import Tombstones
from sentinel.store.base import Store


def open_store(kind: str, args: list[str], scratch: Path) -> Store:
    if kind == "sqlite":
        from sentinel.store.sqlite import SQLiteStore

        store = SQLiteStore(args[0])
        store.setup()
        return store
    from es_support import open_elastic

    return open_elastic(args[0], args[1], scratch)


def main() -> None:
    spool_dir = Path(sys.argv[1])
    store = open_store(sys.argv[2], sys.argv[3:], spool_dir.parent)
    writer = StoreWriter(store, Tombstones(store))

    def deliver(batch: list[Record]) -> None:
        writer.write(batch)
        print(len(batch), flush=True)
        time.sleep(0.05)

    Spool(spool_dir).replay(deliver, batch_size=100)
    print("done", flush=True)


if __name__ == "__main__":
    main()
