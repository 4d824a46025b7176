"""The worker follows the retry schedule exactly when time comes from an injected
clock: attempts at 0, 1, 3, 7 s while the (real) receiver answers 503, none in
between, delivered at the first attempt after it recovers; the schedule state is read
back from the store on every scan, not kept in the worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from jobs_support import Receiver, job_settings
from loopback import wait_until

from sentinel.clock import FakeClock
from sentinel.jobs.queue import JobQueue
from sentinel.jobs.runtime import JobRuntime
from sentinel.jobs.schedule import DeliverySchedule
from sentinel.store.sqlite import SQLiteStore


def test_attempts_follow_the_schedule_on_an_injected_clock(
    sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    t0 = clock.now()
    receiver = Receiver()
    receiver.mode = "503"
    queue = JobQueue(sqlite_store)
    job = queue.submit({"model": "m", "messages": []}, now=t0, owner="t",
                       webhook_url=receiver.url)  # fmt: skip
    queue.claim(job["id"], "runner", t0, timedelta(seconds=30))
    queue.finish(job["id"], "runner", t0, result={"answer": 42})
    schedule = DeliverySchedule(timedelta(seconds=1), timedelta(seconds=8), jitter=False)
    http = httpx.Client(follow_redirects=False, timeout=5)
    # No client (runs nothing) and no scan thread: the test calls tick() itself.
    runtime = JobRuntime(sqlite_store, job_settings(tmp_path), None, holder="w", clock=clock,
                         http=http, schedule=schedule)  # fmt: skip

    def step(advance: float) -> int:
        clock.advance(advance)
        runtime.tick()
        assert wait_until(runtime.idle, 5)
        return len(receiver.raw)

    try:
        assert step(0) == 1  # t=0
        assert step(0.5) == 1  # not due before t=1
        assert step(0.5) == 2  # t=1
        assert step(1.9) == 2
        assert step(0.1) == 3  # t=3
        assert step(3.9) == 3
        receiver.mode = "up"
        assert step(0.1) == 4  # t=7: delivered
        assert step(30) == 4  # and never again
        stamps = [int(r["headers"]["X-Sentinel-Timestamp"]) - int(t0.timestamp())
                  for r in receiver.raw]  # fmt: skip
        assert stamps == [0, 1, 3, 7]
        assert [r["headers"]["X-Sentinel-Delivery-Attempt"] for r in receiver.raw] == [
            "1", "2", "3", "4"]  # fmt: skip
        hook = queue.get(job["id"])["webhook"]
        assert hook["status"] == "delivered" and hook["attempts"] == 4
        assert hook["delivered_at"] == (t0 + timedelta(seconds=7)).isoformat()
        assert receiver.keys[f"job_{job['id']}"] == 1
    finally:
        runtime.stop(5)
        http.close()
        receiver.stop()
