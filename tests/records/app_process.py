"""Subprocess for the SIGKILL test: an app making real calls through the Sentinel client
(to FakeDeepSeek over loopback) and printing each call's request_id once `create()`
returned, so the test knows which calls were acknowledged when it kills the process.
Usage: app_process.py BASE_URL API_KEY DB  (SENTINEL_SPOOL_DIR from the environment)"""

from __future__ import annotations

import sys

from sentinel.client import Sentinel
from sentinel.store.sqlite import SQLiteStore


def main() -> None:
    base_url, api_key, db = sys.argv[1:4]
    store = SQLiteStore(db)
    store.setup()
    client = Sentinel(api_key=api_key, base_url=base_url, store=store, log_stream=sys.stderr)
    while True:
        resp = client.chat.completions.create(
            model="deepseek-v4-flash", messages=[{"role": "user", "content": "hello"}]
        )
        print(resp.request_id, flush=True)


if __name__ == "__main__":
    main()
