"""The same job queue on the real Elasticsearch store (state entries with
_seq_no/_primary_term compare-and-set): one winner among concurrent claims, two
runtimes run each job once and deliver each webhook, erasure purges the subject's jobs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jobs_support import Receiver, job_settings, make_runtime, race_claims
from loopback import wait_until

from sentinel.jobs.queue import JobQueue
from sentinel.jobs.subjects import purge_subject
from sentinel.testing import FakeDeepSeek

REQUEST = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "es"}]}


def test_claims_runs_and_purge_on_elasticsearch(
    es_store_factory: Callable[..., Any], fake_deepseek: FakeDeepSeek, tmp_path: Path
) -> None:
    store = es_store_factory()
    queue = JobQueue(store)
    now = datetime.now(UTC)
    contested = queue.submit(REQUEST, now=now, owner="t")
    winners = race_claims(queue, contested["id"], 6)
    assert len(winners) == 1
    assert queue.finish(contested["id"], winners[0], now, result={"x": 1})["status"] == "succeeded"

    receiver = Receiver()
    settings = job_settings(tmp_path)
    runtimes = []
    try:
        ids = [queue.submit({**REQUEST, "messages": [{"role": "user", "content": f"es {i}"}]},
                            now=now, owner="t", subject_key="k1" if i % 2 else "k2",
                            webhook_url=receiver.url)["id"] for i in range(8)]  # fmt: skip
        runtimes = [make_runtime(store, settings, fake_deepseek, f"es-{n}").start()
                    for n in "ab"]  # fmt: skip
        assert wait_until(lambda: all(queue.get(i)["status"] == "succeeded" for i in ids), 30)
        assert fake_deepseek.count("chat") == 8
        assert all(queue.get(i)["runs"] == 1 for i in ids)
        keys = {f"job_{i}" for i in ids}
        assert wait_until(lambda: set(receiver.by_key) == keys, 15)
        assert all(receiver.keys[k] == 1 for k in keys)
        assert wait_until(lambda: queue.active(datetime.now(UTC)) == [], 10)  # hints gone
    finally:
        for runtime in runtimes:
            runtime.stop(5)
        receiver.stop()
    assert purge_subject(store, "k1") == 4
    assert sum(queue.get(i) is None for i in ids) == 4
