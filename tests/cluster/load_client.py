"""One client process of the node-loss test: steady calls through the Sentinel client
(store: every node of the cluster), each acknowledged request id appended to a file as
soon as the call returns, until a stop file appears. Exits 0 once every record is stored
(flush), 3 if some were still only in its spool.

Run: python load_client.py ACKS STOP --erase-first K --rate R --max-seconds S
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sentinel import Sentinel

ERASED_SUBJECT = "cluster-erase-me"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("acks", type=Path)
    parser.add_argument("stop", type=Path)
    parser.add_argument("--erase-first", type=int, default=20)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--max-seconds", type=float, default=240.0)
    parser.add_argument("--name", default="client")
    args = parser.parse_args()
    deadline = time.monotonic() + args.max_seconds
    period = 1.0 / args.rate
    with Sentinel(app=args.name) as client, args.acks.open("a", buffering=1) as acks:
        i = 0
        while not args.stop.exists() and time.monotonic() < deadline:
            started = time.monotonic()
            subject = ERASED_SUBJECT if i < args.erase_first else f"{args.name}-user-{i % 5}"
            try:
                resp = client.chat.completions.create(
                    model="deepseek-v4-flash",
                    messages=[{"role": "user", "content": f"order {i} of {args.name}"}],
                    max_tokens=16,
                    subject_id=subject,
                )
            except Exception as exc:  # the upstream is local: any failure is a test failure
                print(f"call {i} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
                return 2
            acks.write(f"{resp.request_id} {subject}\n")
            i += 1
            time.sleep(max(0.0, period - (time.monotonic() - started)))
        stored = client.flush(timeout=120)
    print(f"{args.name}: {i} calls, flushed={stored}")
    return 0 if stored else 3


if __name__ == "__main__":
    sys.exit(main())
