"""Async jobs hold conversation content, so the GDPR export includes a subject's jobs
and the erasure removes them (queued or done), leaving nothing of them in the store;
other subjects' jobs stay.
The raw subject id is dropped from a job as soon as it has run."""

from __future__ import annotations

from collections.abc import Callable

from jobs_support import Deployment, auth, poll
from loopback import wait_until

from sentinel.jobs.model import JOB_PREFIX


def test_erasure_removes_the_subjects_jobs(deployment_factory: Callable[..., Deployment]) -> None:
    d = deployment_factory(runtime=False)
    admin = auth(d.tokens["admin"])
    done_id = d.submit(subject_id="erase-me-77", messages=[{"role": "user", "content": "a"}]
                       ).json()["id"]  # fmt: skip
    other_id = d.submit(subject_id="keep-me-12").json()["id"]
    d.start_runtime()
    poll(d.http, done_id, d.tokens["proxy"])
    poll(d.http, other_id, d.tokens["proxy"])
    d.runtimes[0].stop(5)
    # run and done: the raw id is gone from the job, the key stays for the erasure
    stored = dict(d.store.list_state(JOB_PREFIX))[JOB_PREFIX + done_id]
    assert stored["subject_id"] is None and stored["subject_key"]
    queued_id = d.http.post(  # not run: holds the raw id; and an Idempotency-Key entry
        "/v1/async/chat/completions",
        json={"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "hello"}],
              "subject_id": "erase-me-77"},
        headers={**auth(d.tokens["proxy"]), "Idempotency-Key": "retry-safe-1"},
    ).json()["id"]  # fmt: skip
    assert any(k.startswith("jobkey:") for k, _ in d.store.list_state(""))

    # The export holds both jobs, with what was asked and what came back.
    resp = d.http.post("/v1/gdpr/exports", json={"subject_id": "erase-me-77"}, headers=admin)
    export = resp.json()["id"]
    assert wait_until(lambda: d.http.get(f"/v1/gdpr/exports/{export}", headers=admin
                                         ).json()["status"] == "completed", 15)  # fmt: skip
    doc = d.http.get(f"/v1/gdpr/exports/{export}/download", headers=admin).json()
    jobs = {r["data"]["id"]: r["data"] for r in doc["records"] if r["kind"] == "job"}
    assert set(jobs) == {done_id, queued_id}
    assert jobs[done_id]["result"]["choices"][0]["message"]["content"] == "Echo: a"
    assert jobs[queued_id]["request"]["messages"] == [{"role": "user", "content": "hello"}]
    assert "lease" not in jobs[done_id] and "owner" not in jobs[done_id]

    resp = d.http.post("/v1/gdpr/erasures", json={"subject_id": "erase-me-77"}, headers=admin)
    assert resp.status_code == 202
    erasure = resp.json()["id"]
    result = wait_until(
        lambda: (r := d.http.get(f"/v1/gdpr/erasures/{erasure}", headers=admin).json())
        and r["status"] == "completed" and r, 15)  # fmt: skip
    assert result["removed_by_kind"]["sqlite"]["job"] == 2
    for job_id in (done_id, queued_id):
        assert d.http.get(f"/v1/async/jobs/{job_id}", headers=admin).status_code == 404
    assert d.http.get(f"/v1/async/jobs/{other_id}", headers=admin).status_code == 200
    assert not any(k.startswith("jobkey:") for k, _ in d.store.list_state(""))
    dump = repr(d.store.list_state(""))
    assert "erase-me-77" not in dump
    assert done_id not in dump and queued_id not in dump
