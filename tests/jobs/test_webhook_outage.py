"""The must-reach: a webhook receiver that is down for 30 s still receives every job
result exactly once per idempotency key after it recovers.

Real time, bounded (about 35 s): the receiver refuses connections for 15 s, then
answers 503 for 15 s, then recovers. Jobs are submitted before and during the outage,
and the worker is replaced by another one mid-outage (a restart: the retry state lives
in the store, not in the worker). The receiver deduplicates by Idempotency-Key as the
documented recipe says, and we count what reached it raw. The exact backoff schedule is
tested with an injected clock in test_schedule.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from jobs_support import Deployment, auth
from loopback import wait_until

OUTAGE = 30.0


def test_receiver_down_30s_gets_every_result_once_per_key(
    deployment_factory: Callable[..., Deployment],
) -> None:
    d = deployment_factory(webhook_retry_base="0.5s", webhook_retry_max="4s")
    rx = d.receiver
    url = rx.url
    started = time.monotonic()
    rx.down()  # connection refused
    ids = []
    for i in range(6):
        ids.append(d.submit(webhook_url=url, messages=[{"role": "user", "content": f"m{i}"}]
                            ).json()["id"])  # fmt: skip
    time.sleep(OUTAGE / 2 - (time.monotonic() - started))
    rx.mode = "503"
    rx.start()  # listening again, but failing every delivery
    # Restart the worker mid-outage: the next one continues the schedule from the store.
    d.runtimes[0].stop(5)
    d.start_runtime(holder="worker-2")
    for i in range(6, 10):
        ids.append(d.submit(webhook_url=url, messages=[{"role": "user", "content": f"m{i}"}]
                            ).json()["id"])  # fmt: skip
    time.sleep(OUTAGE - (time.monotonic() - started))
    failed_during_outage = len(rx.raw)
    assert rx.keys.total() == 0
    rx.mode = "up"
    recovered = time.monotonic()

    keys = {f"job_{job_id}" for job_id in ids}
    assert wait_until(lambda: set(rx.by_key) == keys, 15), sorted(keys - set(rx.by_key))
    catch_up = time.monotonic() - recovered
    time.sleep(1.0)  # anything sent twice after a success would show up by now

    token = d.tokens["proxy"]
    for i, job_id in enumerate(ids):
        key = f"job_{job_id}"
        assert rx.keys[key] == 1, (key, rx.keys[key])  # accepted exactly once
        assert rx.deliveries(key) >= 2  # it was tried during the outage too
        body = rx.by_key[key]
        assert body["id"] == job_id and body["status"] == "succeeded"
        assert body["result"]["choices"][0]["message"]["content"] == f"Echo: m{i}"
        status = d.http.get(f"/v1/async/jobs/{job_id}", headers=auth(token)).json()
        assert status["webhook"]["status"] == "delivered"
        assert status["webhook"]["attempts"] >= rx.deliveries(key)  # + refused ones
    assert failed_during_outage >= 4  # the 503 phase saw attempts (the rest were refused)
    assert rx.bad_signatures == 0
    assert catch_up < 8.0, catch_up  # one capped backoff (4 s), a scan, and slack for load
    assert time.monotonic() - started < 55
