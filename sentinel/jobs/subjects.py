"""A data subject's async jobs, for the GDPR export and erasure.

Only the store and the job model are imported here (not the client), so that
`sentinel.compliance` can use it without an import cycle.
"""

from __future__ import annotations

from typing import Any

from sentinel.jobs.model import HINT_PREFIX, JOB_PREFIX
from sentinel.store.base import Store


def subject_jobs(store: Store, subject_key: str) -> list[dict[str, Any]]:
    """Every job of one data subject (GDPR export)."""
    return [job for _, job in store.list_state(JOB_PREFIX) if job.get("subject_key") == subject_key]


def exported_jobs(store: Store, subject_key: str) -> list[dict[str, Any]]:
    """The subject's jobs as the GDPR export shows them: what was asked, what came
    back, and when; not the worker's claim or the submitting token's id."""
    return [
        {k: v for k, v in job.items() if k not in ("lease", "owner")}
        for job in subject_jobs(store, subject_key)
    ]


def purge_subject(store: Store, subject_key: str) -> int:
    """Delete every job of the subject, queued or done (GDPR erasure): prompts and
    results are conversation content. A run in flight then finds its job gone and its
    result is dropped; the call's own records are erased by the tombstone."""
    jobs = subject_jobs(store, subject_key)
    for job in jobs:
        delete_job(store, job)
    return len(jobs)


def delete_job(store: Store, job: dict[str, Any]) -> None:
    """A job and the entries pointing at it (hint, submit idempotency key)."""
    store.delete_state(HINT_PREFIX + job["id"])
    if job.get("idempotency"):
        store.delete_state(job["idempotency"])
    store.delete_state(JOB_PREFIX + job["id"])
