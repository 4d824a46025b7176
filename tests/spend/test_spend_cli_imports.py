"""`sentinel spend` on Elasticsearch imports the client without the HTTP libraries only
its other node classes use (aiohttp alone was ~0.5 s of a 2 s command under load), and
leaves them importable for anything after it in the process."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from sentinel.spend.cli import _import_sync_client
_import_sync_client()
left = [m for m in ("aiohttp", "httpx", "requests") if m in sys.modules]
assert not left, left
from elasticsearch import Elasticsearch
client = Elasticsearch("http://127.0.0.1:1")  # the urllib3 node: no request is sent
assert type(client.transport.node_pool.get()).__name__ == "Urllib3HttpNode"
import httpx, requests  # importable again
print("ok")
"""


def test_the_client_comes_without_the_other_transports() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
