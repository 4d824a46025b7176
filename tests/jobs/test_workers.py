"""Claims: two workers on one store run each job once; a worker that dies mid-run
(its lease lapses) has the job taken over, and its late result is not written over the
new one; a job that keeps killing its workers is failed after MAX_RUNS. Webhook
deliveries hold the same short lease: renewed while a slow POST runs (no second
worker takes it over), retried soon after its holder dies."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from jobs_support import Deployment, poll, race_claims
from loopback import wait_until

from sentinel.jobs.queue import MAX_RUNS, JobQueue


def test_two_workers_run_each_job_once(deployment_factory: Callable[..., Deployment]) -> None:
    d = deployment_factory(runtime=False, job_workers=3)
    d.fake.set_latency(0.05)
    ids = [d.submit(webhook_url=d.receiver.url,
                    messages=[{"role": "user", "content": f"job {i}"}]).json()["id"]
           for i in range(30)]  # fmt: skip
    a, b = d.start_runtime("worker-a"), d.start_runtime("worker-b")
    results = [poll(d.http, job_id, d.tokens["proxy"], timeout=30) for job_id in ids]
    assert [r["result"]["choices"][0]["message"]["content"] for r in results] == [
        f"Echo: job {i}" for i in range(30)
    ]
    assert d.fake.count("chat") == 30  # no job ran twice
    queue = JobQueue(d.store)
    assert all(queue.get(job_id)["runs"] == 1 for job_id in ids)
    keys = {f"job_{job_id}" for job_id in ids}
    assert wait_until(lambda: set(d.receiver.by_key) == keys, 15)
    assert all(d.receiver.keys[k] == 1 for k in keys)
    assert a.idle() and b.idle()


def test_lapsed_claim_is_taken_over_and_the_stale_result_dropped(
    deployment_factory: Callable[..., Deployment],
) -> None:
    d = deployment_factory(runtime=False)
    job_id = d.submit().json()["id"]
    queue = JobQueue(d.store)
    now = datetime.now(UTC)
    ttl = timedelta(seconds=2)
    assert queue.claim(job_id, "dead-worker", now, ttl)["runs"] == 1
    assert queue.claim(job_id, "other", now + timedelta(seconds=1), ttl) is None  # held
    later = now + timedelta(seconds=3)
    assert queue.claim(job_id, "other", later, ttl)["runs"] == 2
    assert queue.finish(job_id, "dead-worker", later, result={"late": True}) is None
    done = queue.finish(job_id, "other", later, result={"ok": True}, request_id="r1")
    assert done["status"] == "succeeded" and done["result"] == {"ok": True}
    assert done["subject_id"] is None


def test_concurrent_claims_have_one_winner(deployment_factory: Callable[..., Deployment]) -> None:
    d = deployment_factory(runtime=False)
    job_id = d.submit().json()["id"]
    winners = race_claims(JobQueue(d.store), job_id, 8)
    assert len(winners) == 1


def test_a_job_that_keeps_losing_its_worker_fails_after_max_runs(
    deployment_factory: Callable[..., Deployment],
) -> None:
    d = deployment_factory(runtime=False)
    job_id = d.submit().json()["id"]
    queue = JobQueue(d.store)
    t = datetime.now(UTC) - timedelta(seconds=30)  # every claim has lapsed by now
    for run in range(MAX_RUNS):
        assert queue.claim(job_id, f"crashing-{run}", t, timedelta(seconds=1)) is not None
        t += timedelta(seconds=2)
    assert queue.claim(job_id, "next", t, timedelta(seconds=1)) is None
    runtime = d.start_runtime("survivor")
    body = poll(d.http, job_id, d.tokens["proxy"])
    assert body["status"] == "failed" and body["error"]["type"] == "WorkerLost"
    assert d.fake.count("chat") == 0
    assert runtime.idle()


def test_settled_jobs_expire_after_retention_or_the_content_limit(
    deployment_factory: Callable[..., Deployment],
) -> None:
    d = deployment_factory(runtime=False)
    queue = JobQueue(d.store)
    t0 = datetime.now(UTC)
    ids = []
    for created_ago, done_ago in ((100, 1), (10, 5), (3, 1)):
        job = queue.submit({"model": "m", "messages": []}, owner="t",
                           now=t0 - timedelta(hours=created_ago))  # fmt: skip
        queue.claim(job["id"], "w", t0 - timedelta(hours=done_ago), timedelta(minutes=1))
        queue.finish(job["id"], "w", t0 - timedelta(hours=done_ago), result={})
        ids.append(job["id"])
    unfinished = queue.submit({"model": "m", "messages": []}, owner="t",
                              now=t0 - timedelta(hours=200))["id"]  # fmt: skip
    # retention 4h, content limit 72h: the first is too old, the second done too long ago
    assert queue.expire(t0, timedelta(hours=4), timedelta(hours=72)) == 2
    assert [queue.get(i) is not None for i in ids] == [False, False, True]
    assert queue.get(unfinished) is not None  # never dropped before it has run


def test_a_dead_workers_delivery_is_retried_once_its_lease_lapses(
    deployment_factory: Callable[..., Deployment],
) -> None:
    d = deployment_factory(runtime=False)
    job_id = d.submit(webhook_url=d.receiver.url).json()["id"]
    queue = JobQueue(d.store)
    now = datetime.now(UTC)
    assert queue.claim(job_id, "w", now, timedelta(seconds=30))
    assert queue.finish(job_id, "w", now, result={"ok": True}, request_id="r1")
    # claimed for delivery by a worker that then died (SIGKILL mid-POST)
    assert queue.claim_delivery(job_id, "dead-worker", datetime.now(UTC), d.settings.job_lease)
    started = time.monotonic()
    d.start_runtime("survivor", run_jobs=False)
    assert wait_until(lambda: d.receiver.keys[f"job_{job_id}"] == 1, 10)
    # delivered once the 2 s lease lapsed, not after a POST's worst-case timeout
    assert time.monotonic() - started < d.settings.job_lease.total_seconds() + 3
    assert queue.get(job_id)["webhook"]["status"] == "delivered"


def test_a_slow_delivery_holds_a_short_lease_renewed_until_it_ends(
    deployment_factory: Callable[..., Deployment],
) -> None:
    d = deployment_factory(runtime=False)
    lease = d.settings.job_lease
    d.receiver.delay = lease.total_seconds() * 3  # the POST outlives the lease twice over
    job_id = d.submit(webhook_url=d.receiver.url).json()["id"]
    queue = JobQueue(d.store)
    d.start_runtime("worker-a")
    d.start_runtime("worker-b")

    def held() -> dict | None:
        return (queue.get(job_id).get("webhook") or {}).get("lease")

    assert wait_until(held, 10, 0.02)
    expiries = []
    for _ in range(8):  # ~4 s while the POST is in flight
        current, now = held(), datetime.now(UTC)
        assert current is not None
        expires = datetime.fromisoformat(current["expires_at"])
        # short: a crash mid-POST is retried within a lease, not after the POST's timeout
        assert expires - now <= lease + timedelta(seconds=0.5)
        expiries.append(expires)
        time.sleep(0.5)
    assert expiries[-1] > expiries[0] + lease  # renewed while the POST runs
    key = f"job_{job_id}"
    assert wait_until(lambda: d.receiver.keys[key] == 1, 15)
    time.sleep(lease.total_seconds())  # a claim taken over by worker-b would POST again
    assert d.receiver.deliveries(key) == 1
