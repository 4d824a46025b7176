"""What an async job is: its states, its document in the store, and the views the API
and the webhook show of it (pure functions, no I/O).

A job is one state entry `job:{id}` (see `sentinel.jobs.queue`)::

    {"id", "status": queued|running|succeeded|failed, "created_at", "started_at",
     "completed_at", "owner" (token id), "app", "request" (create() arguments),
     "subject_id" (raw, only until the call ran), "subject_key", "runs", "lease",
     "request_id", "result" (the ChatCompletion), "error", "webhook"}

`webhook` is None or {"url", "status": waiting|pending|delivered|failed, "attempts",
"first_attempt_at", "next_attempt_at", "delivered_at", "last_error", "lease"}.
The raw subject id never appears in a view, a log line or a metric.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

JobStatus = Literal["queued", "running", "succeeded", "failed"]
FINISHED = ("succeeded", "failed")
WebhookStatus = Literal["waiting", "pending", "delivered", "failed"]
SETTLED = ("delivered", "failed")
JOB_PREFIX = "job:"  # the job itself (state entry)
HINT_PREFIX = "jobq:"  # "still needs work" hints (see sentinel.jobs.queue)
IDEMPOTENCY_PREFIX = "jobkey:"  # submit Idempotency-Key -> job id
_JOB_ID_RE = re.compile(r"[0-9a-f]{32}")


def is_job_id(text: str) -> bool:
    """Ids are uuid4 hex; anything else is unknown without asking the store."""
    return _JOB_ID_RE.fullmatch(text) is not None


def idempotency_key(job_id: str) -> str:
    """Stable per job: every delivery attempt of one result carries the same key."""
    return f"job_{job_id}"


def settled(job: Mapping[str, Any]) -> bool:
    """Nothing left to do: finished, and its webhook (if any) delivered or given up."""
    hook = job.get("webhook")
    return job.get("status") in FINISHED and (hook is None or hook.get("status") in SETTLED)


def result_view(job: Mapping[str, Any]) -> dict[str, Any]:
    """The job's outcome: the webhook body, and the core of the status response."""
    return {
        "id": job["id"],
        "object": "chat.completion.job",
        "status": job["status"],
        "created_at": job.get("created_at"),
        "completed_at": job.get("completed_at"),
        "request_id": job.get("request_id"),
        "result": job.get("result"),
        "error": job.get("error"),
    }


def status_view(job: Mapping[str, Any]) -> dict[str, Any]:
    """`GET /v1/async/jobs/{id}`: the outcome plus progress and webhook state."""
    hook = job.get("webhook")
    webhook = None
    if hook is not None:
        webhook = {
            k: hook.get(k)
            for k in ("url", "status", "attempts", "next_attempt_at", "delivered_at", "last_error")
        }
    return {**result_view(job), "started_at": job.get("started_at"), "webhook": webhook}
