"""Subprocess for the erasure-under-live-traffic test: one app process calling through
the real client (store, spool and FakeDeepSeek from the environment) for a list of
subjects in turn, until STOP_FILE exists; then it closes the client and prints how many
calls it made and how many records its writers dropped for a tombstone.
Usage: traffic.py LOG_FILE STOP_FILE SUBJECT..."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

from sentinel.client import Sentinel


def main() -> None:
    log_path, stop, subjects = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
    with open(log_path, "a", encoding="utf-8") as log:
        client = Sentinel(log_stream=log)
        calls = 0
        for subject in itertools.cycle(subjects):
            if stop.exists():
                break
            client.chat.completions.create(
                model="deepseek-v4-flash", subject_id=subject,
                messages=[{"role": "user", "content": f"hello, I am {subject}"}],
            )  # fmt: skip
            calls += 1
            if calls == 1:
                print("calling", flush=True)
        client.close()
    print(json.dumps({"calls": calls, "erased": client._core.sink.erased}), flush=True)


if __name__ == "__main__":
    main()
