"""Helpers for the async job tests: a deployment (the API served by uvicorn, a
JobRuntime running jobs through a Sentinel client against FakeDeepSeek, one SQLite
store, all on loopback), a real webhook receiver, and a poller.

The receiver is a `ThreadingHTTPServer` on loopback that checks every delivery the way
`sentinel.jobs.signing` tells receivers to (hmac over "timestamp." + raw body, written
out here rather than calling Sentinel's own helper), counts raw deliveries, and keeps
the first body per Idempotency-Key. It can be taken down (its socket closed: connection
refused), made to answer 503, made to redirect or made slow (`delay` seconds before it
answers), and brought back on the same port.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from loopback import wait_until

from sentinel.client import Sentinel
from sentinel.config import Settings
from sentinel.jobs.queue import JobQueue
from sentinel.jobs.runtime import JobRuntime
from sentinel.store.base import Store
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek

SECRET = "whsec-test-3f9a1c"


class Receiver:
    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret.encode()
        self.mode = "up"  # up | 503 | redirect
        self.redirect_to = ""
        self.delay = 0.0
        self.raw: list[dict[str, Any]] = []  # every request that reached the handler
        self.by_key: dict[str, dict[str, Any]] = {}  # first valid body per key
        self.keys: Counter[str] = Counter()  # valid deliveries answered 200, per key
        self.bad_signatures = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                time.sleep(receiver.delay)
                ok = receiver._valid(dict(self.headers.items()), body)
                with receiver._lock:
                    receiver.raw.append({"headers": dict(self.headers.items()), "body": body})
                    mode = receiver.mode
                    if mode == "up" and ok:
                        key = self.headers["Idempotency-Key"]
                        receiver.keys[key] += 1
                        receiver.by_key.setdefault(key, json.loads(body))
                    elif not ok:
                        receiver.bad_signatures += 1
                if mode == "redirect":
                    self.send_response(307)
                    self.send_header("Location", receiver.redirect_to)
                else:
                    self.send_response(200 if mode == "up" and ok else 503 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def _valid(self, headers: dict[str, str], body: bytes) -> bool:
        lower = {k.lower(): v for k, v in headers.items()}
        ts = lower.get("x-sentinel-timestamp", "")
        given = lower.get("x-sentinel-signature", "")
        expected = "sha256=" + hmac.new(self.secret, ts.encode() + b"." + body,
                                        hashlib.sha256).hexdigest()  # fmt: skip
        fresh = ts.isdigit() and abs(time.time() - int(ts)) <= 300
        return fresh and hmac.compare_digest(expected, given)

    def start(self) -> None:
        server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.port = server.server_port
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def down(self) -> None:
        """Close the listening socket: deliveries get connection refused."""
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
        self._server = None

    def stop(self) -> None:
        if self._server is not None:
            self.down()

    def deliveries(self, key: str) -> int:
        with self._lock:
            return sum(1 for r in self.raw if r["headers"].get("Idempotency-Key") == key)


def race_claims(queue: JobQueue, job_id: str, workers: int) -> list[str]:
    """`workers` threads claim one job at the same instant; returns who got it."""
    now = datetime.now(UTC)
    winners: list[str] = []
    barrier = threading.Barrier(workers)

    def claim(name: str) -> None:
        barrier.wait()
        if queue.claim(job_id, name, now, timedelta(seconds=30)) is not None:
            winners.append(name)

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return winners


def poll(http: httpx.Client, job_id: str, token: str, timeout: float = 15.0) -> dict[str, Any]:
    """GET the job until it is finished; returns the last status body."""

    def finished() -> dict[str, Any] | None:
        body = http.get(f"/v1/async/jobs/{job_id}", headers=auth(token)).json()
        return body if body["status"] in ("succeeded", "failed") else None

    result = wait_until(finished, timeout, 0.05)
    assert result, f"job {job_id} did not finish in {timeout}s"
    return result


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def job_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "webhook_allowed_hosts": ["127.0.0.1"],
        "webhook_secret": SECRET,
        "webhook_retry_base": "0.2s",
        "webhook_retry_max": "1s",
        "job_lease": "2s",
        "spool_dir": tmp_path / "spool",
        **overrides,
    }
    return Settings(**values)


def make_runtime(
    store: Store,
    settings: Settings,
    fake: FakeDeepSeek,
    holder: str,
    run_jobs: bool = True,
    **kwargs: Any,
) -> JobRuntime:
    def client() -> Sentinel:
        return Sentinel(api_key=fake.api_key, base_url=fake.url, store=store, settings=settings,
                        log_stream=io.StringIO())  # fmt: skip

    factory = client if run_jobs else None
    return JobRuntime(store, settings, factory, holder=holder, poll=0.05, **kwargs)


@dataclass
class Deployment:
    store: SQLiteStore
    settings: Settings
    fake: FakeDeepSeek
    http: httpx.Client
    tokens: dict[str, str]
    token_ids: dict[str, str]
    receiver: Receiver
    runtimes: list[JobRuntime] = field(default_factory=list)

    def submit(self, token: str = "proxy", **body: Any) -> httpx.Response:
        body.setdefault("model", "deepseek-v4-flash")
        body.setdefault("messages", [{"role": "user", "content": "hello"}])
        return self.http.post(
            "/v1/async/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {self.tokens[token]}"},
        )

    def start_runtime(self, holder: str = "worker-1", **kwargs: Any) -> JobRuntime:
        runtime = make_runtime(self.store, self.settings, self.fake, holder, **kwargs).start()
        self.runtimes.append(runtime)
        return runtime
