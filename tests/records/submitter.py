"""Subprocess for the SIGKILL test: submits records to a Sink as fast as it can and
prints how many `submit` calls have returned, so the test can kill it mid-stream.
Usage: submitter.py DB SPOOL_DIR QUEUE_SIZE"""

from __future__ import annotations

import sys
from pathlib import Path

from records_data import call

from sentinel.config import Settings
from sentinel.records.sink import Sink
from sentinel.store.sqlite import SQLiteStore


def main() -> None:
    store = SQLiteStore(sys.argv[1])
    sink = Sink(store, Settings(spool_dir=Path(sys.argv[2])), queue_size=int(sys.argv[3]))
    i = 0
    while True:
        for _ in range(10):
            sink.submit(call(i, prefix="kill"))
            i += 1
        print(i, flush=True)


if __name__ == "__main__":
    main()
