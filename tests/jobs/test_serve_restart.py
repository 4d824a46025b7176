"""`sentinel serve` as real processes: a daemon killed (SIGKILL) with jobs queued and
in flight loses none of them; the next daemon on the store runs what was left (the
dead one's claims lapse after SENTINEL_JOB_LEASE), delivers every webhook, and stops
gracefully on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from jobs_support import SECRET, Receiver, auth, poll
from loopback import free_port, wait_until

from sentinel.compliance.tokens import TokenRegistry
from sentinel.config import Settings
from sentinel.jobs.queue import JobQueue
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek

SENTINEL = str(Path(sys.executable).with_name("sentinel"))
JOBS = 12
WORKERS = 2


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def _serve(env: dict[str, str], procs: list[subprocess.Popen[bytes]]) -> str:
    port = free_port()
    proc = subprocess.Popen([SENTINEL, "serve"], env=env | {"SENTINEL_API_PORT": str(port)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    procs.append(proc)
    api = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{api}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    assert wait_until(up, 20, 0.1), "sentinel serve did not come up"
    return api


def test_killed_daemon_loses_no_job(
    tmp_path: Path,
    fake_deepseek: FakeDeepSeek,
    procs: list[subprocess.Popen[bytes]],
) -> None:
    db = tmp_path / "s.db"
    store = SQLiteStore(db)
    store.setup()
    token, _ = TokenRegistry(store, Settings().subject_secret_bytes()).create("app", ["proxy"])
    receiver = Receiver()
    fake_deepseek.set_latency(0.4)
    env = os.environ | {
        "SENTINEL_STORE": f"sqlite:///{db}",
        "DEEPSEEK_API_KEY": fake_deepseek.api_key,
        "DEEPSEEK_BASE_URL": fake_deepseek.url,
        "SENTINEL_SPOOL_DIR": str(tmp_path / "spool"),
        "SENTINEL_JOB_LEASE": "2s",
        "SENTINEL_JOB_WORKERS": str(WORKERS),
        "SENTINEL_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        "SENTINEL_WEBHOOK_SECRET": SECRET,
        "SENTINEL_WEBHOOK_RETRY_BASE": "0.2s",
        "SENTINEL_WEBHOOK_RETRY_MAX": "1s",
        "SENTINEL_ANONYMIZE_INTERVAL": "1h",
    }
    try:
        api = _serve(env, procs)
        with httpx.Client(base_url=api, headers=auth(token)) as http:
            ids = [http.post("/v1/async/chat/completions", json={
                "model": "deepseek-v4-flash", "webhook_url": receiver.url,
                "messages": [{"role": "user", "content": f"job {i}"}]}).json()["id"]
                for i in range(JOBS)]  # fmt: skip
        queue = JobQueue(store)

        def finished() -> int:
            return sum(queue.get(i)["status"] == "succeeded" for i in ids)

        assert wait_until(lambda: finished() >= 2, 15)
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait(10)
        left = JOBS - finished()
        assert left >= WORKERS, "the daemon finished too much before it was killed"

        api = _serve(env, procs)
        with httpx.Client(base_url=api) as http:
            results = [poll(http, job_id, token, timeout=30) for job_id in ids]
        for i, body in enumerate(results):
            assert body["status"] == "succeeded", body
            assert body["result"]["choices"][0]["message"]["content"] == f"Echo: job {i}"
        runs = [queue.get(job_id)["runs"] for job_id in ids]
        assert max(runs) <= 2 and sum(r == 2 for r in runs) <= WORKERS  # only those in flight
        # A claim taken just before the kill may not have reached the upstream yet.
        assert JOBS <= fake_deepseek.count("chat") <= JOBS + sum(r == 2 for r in runs)
        keys = {f"job_{job_id}" for job_id in ids}
        assert wait_until(lambda: set(receiver.by_key) == keys, 15)
        assert all(receiver.keys[k] >= 1 for k in keys) and receiver.bad_signatures == 0

        procs[1].send_signal(signal.SIGTERM)
        assert procs[1].wait(20) == 0
    finally:
        receiver.stop()
        store.close()
